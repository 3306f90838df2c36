// The command line: `agent-sandbox [serve] [flags]`, `validate PATH`,
// `replay --run ID`, `export --run ID [--out FILE]`, `import FILE`. Parsing
// only (by CLI11, kept inside options.cpp: no exception leaves it); main.cpp
// acts on the result. Bad input is a one-line reason naming the flag, and
// exit status 2.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/log.h"
#include "core/status.h"

namespace sandbox::cli {

using ::sandbox::LogFormat;
using ::sandbox::LogLevel;

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
  LogFormat log_format = LogFormat::kText;  // --log-format text|json
  std::vector<std::string> api_keys;
  int64_t heartbeat_ms = 15000;
  int64_t watch_ms = 1000;  // fixture polling interval for hot reload; 0 = off
  // Account features switched off, to exercise a client's handling of the
  // vendor's 403s. Known: operator_feedback.
  std::vector<std::string> disabled_features;
  // The HTTP edge and its limits (issue 10; docs/operations.md lists each).
  uint64_t max_connections = 4096;  // --max-connections (--threads is an old alias)
  uint64_t keep_alive_ms = 5000;
  uint64_t request_timeout_ms = 10000;
  uint64_t write_timeout_ms = 10000;
  uint64_t max_body_bytes = 1 << 20;
  uint64_t max_header_bytes = 64 << 10;
  uint64_t max_json_depth = 64;
  uint64_t max_string_bytes = 16384;
  uint64_t max_url_bytes = 2048;
  uint64_t max_page_token_bytes = 1024;
  uint64_t max_namespaces = 1000;  // each one has a writer thread
  uint64_t journal_size = 1000;    // --journal: requests kept by the request journal; 0 = off
  // --rate-limit N: vendor routes take N requests a second per API key (0 =
  // no limit); --rate-limit vendor: the vendor's documented figure.
  uint64_t rate_limit = 0;
  bool rate_limit_vendor = false;
  bool strict = false;             // --strict: refuse undeclared parameters (http/strict.h)
  // Who may do what (issue 10; docs/operations.md "Access").
  std::string admin_token;                              // required by /_sandbox/ beyond loopback
  bool shared_account = false;                          // every Middesk key is one account
  std::vector<std::vector<std::string>> same_accounts;  // --same-account K1,K2: these keys are one account
  std::string ready_file;  // --ready-file: written once the server listens (app/ready_file.h)
  bool help = false;
  bool version = false;
  // replay, export and import (docs/replay.md)
  std::string run_id;      // replay, export: --run
  std::string out_path;    // export, import: --out; empty = stdout
  std::string input_path;  // import: the captured run or stream ("-" = stdin)
  std::string agent_type;  // import: --agent; empty = the run's own agent
  std::string dialect;     // replay: --dialect; empty = the run's own (by its namespace)
};

// 2026-01-01T00:00:00Z: where stepped (virtual, manual) time begins by default,
// so timestamps are the same on every machine.
inline constexpr Instant kDefaultClockStart = 1767225600000;

Result<Options> ParseOptions(const std::vector<std::string>& args);
// The help of `command`: serve's (every option), or validate's, replay's,
// export's or import's own.
std::string HelpText(const std::string& command = "serve");
// The long flags `command` takes, as the parser knows them: a test holds
// HelpText to them.
std::vector<std::string> FlagNames(const std::string& command);

}  // namespace sandbox::cli
