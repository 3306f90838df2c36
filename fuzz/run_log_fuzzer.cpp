// libFuzzer target: an ended run's stored log (lib/store/run_archive.h), as a
// damaged or hostile database file could hold it. The first byte picks what
// the rest is: the log's lines as stored after expansion, or a zstd frame
// expanded against a dictionary (the bytes before the first 0xff, when there
// is one). Whatever comes in, the answer is events or an error, within the
// size limit, and what expands and parses compresses back to the same lines.
#include <cstddef>
#include <cstdint>
#include <string>

#include "store/run_archive.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string lines;
  if (data[0] % 2 == 0) {
    lines = rest;
  } else {
    size_t cut = rest.find('\xff');
    std::string dictionary = cut == std::string::npos ? std::string() : rest.substr(0, cut);
    std::string frame = cut == std::string::npos ? rest : rest.substr(cut + 1);
    auto expanded = sandbox::store::ExpandLog(frame, dictionary);
    if (!expanded.ok()) return 0;
    if (expanded.value().size() > sandbox::store::kMaxRunLogBytes) __builtin_trap();
    lines = std::move(expanded).value();
  }
  auto events = sandbox::store::ParseLogLines(lines, "run-fuzz", 0);
  if (!events.ok()) return 0;
  // Lines that parse survive the trip through the compressor unchanged.
  auto packed = sandbox::store::CompressLog(lines, "a dictionary");
  if (!packed.ok()) __builtin_trap();
  auto back = sandbox::store::ExpandLog(packed.value(), "a dictionary");
  if (!back.ok() || back.value() != lines) __builtin_trap();
  return 0;
}
