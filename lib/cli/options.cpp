// Command-line parsing; see options.h. Flags take their value as the next
// argument or after '=' (--port=9000).
#include "cli/options.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "core/time_format.h"

namespace sandbox::cli {
namespace {

Status Bad(const std::string& why) { return Status::InvalidArgument(why); }

// "--flag=value" -> flag becomes "--flag", returns "value".
std::optional<std::string> SplitInlineValue(std::string& flag) {
  if (flag.rfind("--", 0) != 0) return std::nullopt;
  auto eq = flag.find('=');
  if (eq == std::string::npos) return std::nullopt;
  std::string value = flag.substr(eq + 1);
  flag = flag.substr(0, eq);
  return value;
}

bool ParseUnsigned(const std::string& s, uint64_t max, uint64_t& out) {
  if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos) return false;
  errno = 0;
  unsigned long long v = std::strtoull(s.c_str(), nullptr, 10);
  if (errno == ERANGE || v > max) return false;
  out = v;
  return true;
}

// `replay --run ID [--db PATH]`, `export --run ID [--db PATH] [--out FILE]`,
// `import FILE [--out FILE] [--agent TYPE]`.
Result<Options> ParseTransfer(const std::vector<std::string>& args) {
  Options o;
  o.command = args[0];
  const std::string& cmd = o.command;
  std::vector<std::string> valued;
  if (cmd == "replay") valued = {"--db", "--run"};
  else if (cmd == "export") valued = {"--db", "--run", "--out"};
  else valued = {"--out", "--agent"};
  for (size_t i = 1; i < args.size(); ++i) {
    std::string flag = args[i];
    std::optional<std::string> inline_value = SplitInlineValue(flag);
    if (flag == "--help" || flag == "-h") {
      o.help = true;
      continue;
    }
    if (flag == "-" || flag.rfind("-", 0) != 0) {
      if (cmd != "import") return Bad(cmd + " takes no argument \"" + flag + "\" (see --help)");
      if (!o.input_path.empty()) return Bad("import takes one file, got \"" + o.input_path + "\" and \"" + flag + "\"");
      o.input_path = flag;
      continue;
    }
    if (std::find(valued.begin(), valued.end(), flag) == valued.end()) {
      return Bad("unknown option " + flag + " for " + cmd + " (see --help)");
    }
    std::string value;
    if (inline_value) {
      value = *inline_value;
    } else if (i + 1 < args.size()) {
      value = args[++i];
    }
    if (value.empty() || value.rfind("--", 0) == 0) return Bad(flag + " needs a value");
    if (flag == "--db") o.db = value;
    else if (flag == "--run") o.run_id = value;
    else if (flag == "--out") o.out_path = value;
    else if (flag == "--agent") o.agent_type = value;
  }
  if (o.help) return o;
  if (cmd != "import" && o.run_id.empty()) return Bad(cmd + " needs --run ID");
  if (cmd == "import" && o.input_path.empty()) {
    return Bad("import needs a file: the JSON of GET /v1/runs/{id}?include=steps, or a saved stream");
  }
  return o;
}

}  // namespace

const char* LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kError: return "error";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kInfo: return "info";
    case LogLevel::kDebug: return "debug";
  }
  return "info";
}

std::string HelpText() {
  return R"(agent-sandbox: a local sandbox for agent-run APIs (Middesk Agents API), scripted by fixtures.

Usage: agent-sandbox [serve] [options]
       agent-sandbox validate <fixture file or folder>
                           check fixtures against the scenario language; prints every
                           problem as file:line:col: /json/pointer: message; exit 0 or 1
       agent-sandbox replay --run ID [--db PATH]
                           print the run's stream as GET /v1/runs/{id}/stream emitted it
       agent-sandbox export --run ID [--db PATH] [--out FILE]
                           write a fixture file whose scenario reproduces the run
       agent-sandbox import FILE [--out FILE] [--agent TYPE]
                           turn a run captured from the API (the JSON of
                           GET /v1/runs/{id}?include=steps, or a saved stream; - for stdin)
                           into a fixture file; see docs/replay.md

Options:
  --host HOST          address to listen on (default 127.0.0.1)
  --port N             port to listen on; 0 picks a free one (default 8080)
  --db PATH            SQLite database file, or :memory: (default ./agent-sandbox.db)
  --fixtures PATH      fixture file or folder of *.json files (default fixtures)
  --seed N             seed for every generated id (default 0)
  --clock MODE         virtual | realtime | manual (default virtual)
  --clock-start TIME   where virtual/manual time begins, ISO 8601 UTC
                       (default 2026-01-01T00:00:00.000Z; realtime: now)
  --speed X            realtime only: scripted durations pass X times faster (default 1)
  --api-key KEY        accept only this key (repeatable); by default any mk_test_/mk_live_ key
  --threads N          HTTP worker threads, shared by requests and open streams (default 64)
  --heartbeat-ms N     keep-alive comment interval on idle event streams (default 15000)
  --watch-ms N         how often to look for fixture changes to reload; 0 = never (default 1000)
  --disable-feature F  answer as an account without feature F (repeatable): operator_feedback
  --log-level LEVEL    error | warn | info | debug (default info)
  --help               print this help
  --version            print the version
)";
}

Result<Options> ParseOptions(const std::vector<std::string>& args) {
  Options o;
  size_t i = 0;
  if (!args.empty() && args[0] == "serve") ++i;
  if (!args.empty() && (args[0] == "replay" || args[0] == "export" || args[0] == "import")) return ParseTransfer(args);
  if (!args.empty() && args[0] == "validate") {
    o.command = "validate";
    if (args.size() == 2 && (args[1] == "--help" || args[1] == "-h")) {
      o.help = true;
      return o;
    }
    if (args.size() != 2 || args[1].rfind("-", 0) == 0) return Bad("validate takes one fixture file or folder");
    o.fixtures = args[1];
    return o;
  }
  for (; i < args.size(); ++i) {
    std::string flag = args[i];
    std::optional<std::string> inline_value = SplitInlineValue(flag);
    if (flag == "--help" || flag == "-h") {
      o.help = true;
      continue;
    }
    if (flag == "--version") {
      o.version = true;
      continue;
    }
    static const char* kValued[] = {"--host", "--port", "--db", "--fixtures", "--seed", "--clock", "--clock-start",
                                    "--speed", "--api-key", "--threads", "--heartbeat-ms", "--watch-ms", "--disable-feature", "--log-level"};
    bool valued = false;
    for (const char* v : kValued) valued = valued || flag == v;
    if (!valued) {
      if (flag.rfind("-", 0) == 0) return Bad("unknown option " + flag + " (see --help)");
      return Bad("unexpected argument \"" + flag + "\" (see --help)");
    }
    std::string value;
    if (inline_value) {
      value = *inline_value;
    } else {
      if (i + 1 >= args.size()) return Bad(flag + " needs a value");
      value = args[++i];
    }
    if (flag == "--host") {
      if (value.empty()) return Bad("--host needs a value");
      o.host = value;
    } else if (flag == "--port") {
      uint64_t port;
      if (!ParseUnsigned(value, 65535, port)) return Bad("--port must be a number from 0 to 65535, got \"" + value + "\"");
      o.port = static_cast<int>(port);
    } else if (flag == "--db") {
      if (value.empty()) return Bad("--db needs a file path or :memory:");
      o.db = value;
    } else if (flag == "--fixtures") {
      if (value.empty()) return Bad("--fixtures needs a file or folder");
      o.fixtures = value;
    } else if (flag == "--seed") {
      if (!ParseUnsigned(value, UINT64_MAX, o.seed)) return Bad("--seed must be a non-negative integer, got \"" + value + "\"");
    } else if (flag == "--clock") {
      auto mode = ParseClockMode(value);
      if (!mode) return Bad("--clock must be virtual, realtime or manual, got \"" + value + "\"");
      o.clock = *mode;
    } else if (flag == "--clock-start") {
      auto t = ParseInstant(value);
      if (!t) return Bad("--clock-start must be an ISO 8601 UTC time like 2026-01-01T00:00:00Z, got \"" + value + "\"");
      o.clock_start = t;
    } else if (flag == "--speed") {
      char* end = nullptr;
      double s = std::strtod(value.c_str(), &end);
      if (value.empty() || end != value.c_str() + value.size() || !std::isfinite(s) || s <= 0 || s > 1e6) {
        return Bad("--speed must be a number greater than 0, got \"" + value + "\"");
      }
      o.speed = s;
    } else if (flag == "--api-key") {
      if (value.empty()) return Bad("--api-key needs a key");
      o.api_keys.push_back(value);
    } else if (flag == "--threads") {
      uint64_t n;
      if (!ParseUnsigned(value, 4096, n) || n < 4) return Bad("--threads must be a number from 4 to 4096, got \"" + value + "\"");
      o.threads = n;
    } else if (flag == "--heartbeat-ms") {
      uint64_t n;
      if (!ParseUnsigned(value, 3600000, n) || n < 10) {
        return Bad("--heartbeat-ms must be a number from 10 to 3600000, got \"" + value + "\"");
      }
      o.heartbeat_ms = static_cast<int64_t>(n);
    } else if (flag == "--watch-ms") {
      uint64_t n;
      if (!ParseUnsigned(value, 3600000, n)) return Bad("--watch-ms must be a number from 0 to 3600000, got \"" + value + "\"");
      o.watch_ms = static_cast<int64_t>(n);
    } else if (flag == "--disable-feature") {
      if (value != "operator_feedback") return Bad("--disable-feature knows only operator_feedback, got \"" + value + "\"");
      o.disabled_features.push_back(value);
    } else if (flag == "--log-level") {
      if (value == "error") o.log_level = LogLevel::kError;
      else if (value == "warn") o.log_level = LogLevel::kWarn;
      else if (value == "info") o.log_level = LogLevel::kInfo;
      else if (value == "debug") o.log_level = LogLevel::kDebug;
      else return Bad("--log-level must be error, warn, info or debug, got \"" + value + "\"");
    }
  }
  if (o.clock != ClockMode::kRealtime && o.speed != 1.0) return Bad("--speed applies only to --clock realtime");
  return o;
}

}  // namespace sandbox::cli
