// How the app shares the descriptor limit: connections first, then the
// streams' frame files with what the connections leave, up to their cap.
#include <catch2/catch.hpp>

#include <cstdint>

#include "app/sandbox_app.h"
#include "dialects/frame_file.h"

namespace app_descriptors_test {

using sandbox::app::ShareDescriptors;
using sandbox::dialects::FrameFile;

TEST_CASE("connections get their descriptors first, frame files what is left up to their cap", "[app]") {
  // Room for everything: every connection asked for, and the files' cap.
  auto ample = ShareDescriptors(1 << 20, 4096);
  CHECK(ample.connections == 4096);
  CHECK(ample.frame_files == FrameFile::kMaxLiveFiles);
  // The files get only what the connections leave.
  auto some = ShareDescriptors(4096 + 256 + 100, 4096);
  CHECK(some.connections == 4096);
  CHECK(some.frame_files == 100);
  auto none = ShareDescriptors(4096 + 256, 4096);
  CHECK(none.connections == 4096);
  CHECK(none.frame_files == 0);
  // Below the connections asked for: fewer connections, and no files.
  auto tight = ShareDescriptors(1024, 4096);
  CHECK(tight.connections == 1024 - 256);
  CHECK(tight.frame_files == 0);
  auto tiny = ShareDescriptors(64, 4096);
  CHECK(tiny.connections == 16);
  CHECK(tiny.frame_files == 0);
  // No limit at all.
  auto unlimited = ShareDescriptors(UINT64_MAX, 4096);
  CHECK(unlimited.connections == 4096);
  CHECK(unlimited.frame_files == FrameFile::kMaxLiveFiles);
}

}  // namespace app_descriptors_test
