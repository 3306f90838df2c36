// The command line: `agent-sandbox [serve] [flags]`, `validate PATH`,
// `replay --run ID`, `export --run ID [--out FILE]`, `import FILE`. Parsing
// only; main.cpp acts on the result. Bad input is a one-line reason and exit
// status 2.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/status.h"

namespace sandbox::cli {

enum class LogLevel { kError, kWarn, kInfo, kDebug };

struct Options {
  std::string command = "serve";  // serve | validate | replay | export | import
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string db = "./agent-sandbox.db";
  std::string fixtures = "fixtures";
  uint64_t seed = 0;
  ClockMode clock = ClockMode::kVirtual;
  double speed = 1.0;
  std::optional<Instant> clock_start;  // default: kDefaultClockStart, or wall time in realtime
  LogLevel log_level = LogLevel::kInfo;
  std::vector<std::string> api_keys;
  size_t threads = 64;
  int64_t heartbeat_ms = 15000;
  int64_t watch_ms = 1000;  // fixture polling interval for hot reload; 0 = off
  // Account features switched off, to exercise a client's handling of the
  // vendor's 403s. Known: operator_feedback.
  std::vector<std::string> disabled_features;
  bool help = false;
  bool version = false;
  // replay, export and import (docs/replay.md)
  std::string run_id;      // replay, export: --run
  std::string out_path;    // export, import: --out; empty = stdout
  std::string input_path;  // import: the captured run or stream ("-" = stdin)
  std::string agent_type;  // import: --agent; empty = the run's own agent
};

// 2026-01-01T00:00:00Z: where stepped (virtual, manual) time begins by default,
// so timestamps are the same on every machine.
inline constexpr Instant kDefaultClockStart = 1767225600000;

Result<Options> ParseOptions(const std::vector<std::string>& args);
std::string HelpText();
const char* LogLevelName(LogLevel level);

}  // namespace sandbox::cli
