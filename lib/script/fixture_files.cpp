// ReadFixtureFiles; see fixture_files.h. Every std::filesystem call takes an
// error_code (directory iteration included: a range-for over a
// directory_iterator throws from operator++).
#include "script/fixture_files.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "script/excerpt.h"
#include "script/limits.h"

namespace sandbox::script {
namespace {

namespace fs = std::filesystem;

std::string Bytes(size_t n) { return std::to_string(n) + " bytes"; }

// Reads at most `max + 1` bytes of `file` into `out`; false when it cannot be
// opened or read.
bool ReadAtMost(const fs::path& file, size_t max, std::string& out) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return false;
  constexpr size_t kChunk = 64 << 10;
  while (out.size() <= max) {
    size_t had = out.size();
    size_t want = std::min(kChunk, max + 1 - had);
    out.resize(had + want);
    in.read(&out[had], static_cast<std::streamsize>(want));
    out.resize(had + static_cast<size_t>(in.gcount()));
    if (in.eof()) return true;
    if (!in) return false;
  }
  return true;
}

}  // namespace

Result<std::vector<FixtureFile>> ReadFixtureFiles(const std::string& path) {
  const std::string shown = Printable(path);
  std::error_code ec;
  std::vector<fs::path> paths;
  if (fs::is_directory(path, ec)) {
    fs::directory_iterator it(path, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
      std::error_code type_ec;
      if (it->path().extension() != ".json" || !it->is_regular_file(type_ec)) continue;
      if (paths.size() == limits::kMaxFiles) {
        return Status::InvalidArgument(shown + ": more than " + std::to_string(limits::kMaxFiles) +
                                       " .json fixture files in this folder");
      }
      paths.push_back(it->path());
    }
    if (ec) return Status::InvalidArgument(shown + ": cannot list the folder: " + ec.message());
    std::sort(paths.begin(), paths.end());
    if (paths.empty()) return Status::InvalidArgument(shown + ": no .json fixture files in this folder");
  } else if (fs::is_regular_file(path, ec)) {
    paths.push_back(path);
  } else {
    return Status::NotFound(shown + ": no such fixture file or folder");
  }

  const auto too_much = [&] {
    return Status::InvalidArgument(shown + ": the fixture files hold more than " + Bytes(limits::kMaxTotalBytes) +
                                   " together");
  };
  // Sizes as listed first, so that an oversized folder reads nothing ...
  size_t listed = 0;
  for (const auto& p : paths) {
    std::error_code size_ec;
    auto size = fs::file_size(p, size_ec);
    if (!size_ec) listed += std::min<uintmax_t>(size, limits::kMaxFileBytes + 1);
  }
  if (listed > limits::kMaxTotalBytes) return too_much();

  // ... then as read, since files change while the server runs.
  std::vector<FixtureFile> files;
  size_t total = 0;
  for (const auto& p : paths) {
    FixtureFile f;
    f.name = Printable(p.string());
    if (!ReadAtMost(p, limits::kMaxFileBytes, f.text)) {
      f.text.clear();
      f.problem = f.name + ": cannot be read";
    } else if (f.text.size() > limits::kMaxFileBytes) {
      f.text.clear();
      f.problem = f.name + ":1:1: /: a fixture file larger than " + Bytes(limits::kMaxFileBytes) + " (4 MiB)";
    }
    total += f.text.size();
    if (total > limits::kMaxTotalBytes) return too_much();
    files.push_back(std::move(f));
  }
  return files;
}

}  // namespace sandbox::script
