// Command-line parsing; see options.h. Flags take their value as the next
// argument or after '=' (--port=9000).
#include "cli/options.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "core/decimal.h"
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
  auto v = ParseDecimal(s, max);
  if (!v) return false;
  out = *v;
  return true;
}

// `replay --run ID [--db PATH] [--dialect middesk|modus]`, `export --run ID [--db PATH] [--out FILE]`,
// `import FILE [--out FILE] [--agent TYPE]`.
Result<Options> ParseTransfer(const std::vector<std::string>& args) {
  Options o;
  o.command = args[0];
  const std::string& cmd = o.command;
  std::vector<std::string> valued;
  if (cmd == "replay")
    valued = {"--db", "--run", "--dialect"};
  else if (cmd == "export")
    valued = {"--db", "--run", "--out"};
  else
    valued = {"--out", "--agent"};
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
    if (flag == "--db")
      o.db = value;
    else if (flag == "--run")
      o.run_id = value;
    else if (flag == "--out")
      o.out_path = value;
    else if (flag == "--agent")
      o.agent_type = value;
    else if (flag == "--dialect") {
      if (value != "middesk" && value != "modus")
        return Bad("--dialect must be middesk or modus, got \"" + value + "\"");
      o.dialect = value;
    }
  }
  if (o.help) return o;
  if (cmd != "import" && o.run_id.empty()) return Bad(cmd + " needs --run ID");
  if (cmd == "import" && o.input_path.empty()) {
    return Bad("import needs a file: the JSON of GET /v1/runs/{id}?include=steps, or a saved stream");
  }
  return o;
}

// Numeric serve flags: name, bounds, and where the value goes.
struct NumberFlag {
  const char* name;
  uint64_t min;
  uint64_t max;
  uint64_t& (*field)(Options&);
};
const NumberFlag kNumberFlags[] = {
    {"--max-connections", 16, 100000, [](Options& o) -> uint64_t& { return o.max_connections; }},
    {"--threads", 16, 100000, [](Options& o) -> uint64_t& { return o.max_connections; }},  // older name
    {"--keep-alive-ms", 100, 3600000, [](Options& o) -> uint64_t& { return o.keep_alive_ms; }},
    {"--request-timeout-ms", 100, 3600000, [](Options& o) -> uint64_t& { return o.request_timeout_ms; }},
    {"--write-timeout-ms", 100, 3600000, [](Options& o) -> uint64_t& { return o.write_timeout_ms; }},
    {"--max-body-bytes", 1024, 1ull << 30, [](Options& o) -> uint64_t& { return o.max_body_bytes; }},
    {"--max-header-bytes", 1024, 1 << 20, [](Options& o) -> uint64_t& { return o.max_header_bytes; }},
    {"--max-json-depth", 2, 512, [](Options& o) -> uint64_t& { return o.max_json_depth; }},
    {"--max-string-bytes", 64, 1 << 20, [](Options& o) -> uint64_t& { return o.max_string_bytes; }},
    {"--max-url-bytes", 64, 1 << 16, [](Options& o) -> uint64_t& { return o.max_url_bytes; }},
    {"--max-page-token-bytes", 64, 1 << 16, [](Options& o) -> uint64_t& { return o.max_page_token_bytes; }},
    {"--max-namespaces", 1, 100000, [](Options& o) -> uint64_t& { return o.max_namespaces; }},
    {"--journal", 0, 1000000, [](Options& o) -> uint64_t& { return o.journal_size; }},
};

}  // namespace

std::string HelpText(const std::string& command) {
  if (command == "validate") {
    return R"(Usage: agent-sandbox validate <fixture file or folder>

Checks fixtures against the scenario language (docs/scenarios.md, docs/scenario.schema.json)
as the server does when it starts or reloads them, and prints every problem as
file:line:col: /json/pointer: message. Exit 0 when they are valid, 1 when not.
)";
  }
  if (command == "replay") {
    return R"(Usage: agent-sandbox replay --run ID [--db PATH] [--dialect middesk|modus]

Prints a run's stream from the database alone, byte for byte as its dialect's stream endpoint
emitted it: GET /v1/runs/{id}/stream, or GET /agent/runs/{id}/stream for a run of a Modus
organisation (docs/replay.md).

  --run ID             the run
  --db PATH            the database (default ./agent-sandbox.db)
  --dialect D          middesk | modus: the stream the other dialect would have sent
)";
  }
  if (command == "export") {
    return R"(Usage: agent-sandbox export --run ID [--db PATH] [--out FILE]

Writes a fixture file whose scenario reproduces the run: its steps with their instants,
artifacts, results, streamed text and interrupts (docs/replay.md).

  --run ID             the run
  --db PATH            the database (default ./agent-sandbox.db)
  --out FILE           where to write the fixture (default: standard output)
)";
  }
  if (command == "import") {
    return R"(Usage: agent-sandbox import FILE [--out FILE] [--agent TYPE]

Turns a run captured from the API (the JSON of GET /v1/runs/{id}?include=steps, or a saved
stream; - for standard input) into a fixture file that plays it again (docs/replay.md).

  --out FILE           where to write the fixture (default: standard output)
  --agent TYPE         the fixture's agent type (default: the run's own)
)";
  }
  return R"(agent-sandbox: a local sandbox for agent-run APIs, scripted by fixtures: the Middesk Agents
API and Modus agent runs, with a control API and a dashboard, over one SQLite file.

It serves, on http://HOST:PORT (see docs/ in the source tree, and README.md):
  /v1/...                  the Middesk Agents API: agents, threads, runs, resume, feedback, the
                           AG-UI stream, actions, webhooks; Bearer mk_test_/mk_live_ keys
                           (docs/middesk.md)
  /api/v1/..., /agent/...  Modus: agents, run history, chat, the /agent/runs SSE runtime and
                           workflow actions; Bearer modus_<orgUuid>_<prefix>_<secret> (docs/modus.md)
  /_sandbox/...            the control API: clock, reset, snapshots, faults, the request journal,
                           health (docs/control.md, docs/toolkit.md); /openapi.json describes
                           every route
  /_sandbox/               the dashboard, in a browser

Usage: agent-sandbox [serve] [options]
       agent-sandbox COMMAND --help   (validate, replay, export, import: each its own help)
       agent-sandbox validate <fixture file or folder>
                           check fixtures against the scenario language; prints every
                           problem as file:line:col: /json/pointer: message; exit 0 or 1
       agent-sandbox replay --run ID [--db PATH] [--dialect middesk|modus]
                           print the run's stream as its dialect's stream endpoint emitted
                           it (GET /v1/runs/{id}/stream, or for a Modus organisation's run
                           GET /agent/runs/{id}/stream); --dialect asks for the other
       agent-sandbox export --run ID [--db PATH] [--out FILE]
                           write a fixture file whose scenario reproduces the run
       agent-sandbox import FILE [--out FILE] [--agent TYPE]
                           turn a run captured from the API (the JSON of
                           GET /v1/runs/{id}?include=steps, or a saved stream; - for stdin)
                           into a fixture file; see docs/replay.md

Options:
  --host HOST          address to listen on (default 127.0.0.1)
  --port N             port to listen on; 0 picks a free one (default 8080): for tests,
                       with --ready-file to learn which
  --ready-file PATH    once listening, write {"url","port","pid","version","db"} to PATH
                       (atomically: whole or not at all); removed at the stop
  --db PATH            SQLite database file, or :memory: (default ./agent-sandbox.db)
  --fixtures PATH      fixture file or folder of *.json files (default fixtures)
  --seed N             seed for every generated id (default 0)
  --clock MODE         virtual | realtime | manual (default virtual)
  --clock-start TIME   where virtual/manual time begins, ISO 8601 UTC
                       (default 2026-01-01T00:00:00.000Z; realtime: now)
  --speed X            realtime only: scripted durations pass X times faster (default 1)
  --api-key KEY        accept only this key (repeatable); by default any mk_test_/mk_live_ key
  --admin-token TOKEN  required (X-Sandbox-Admin-Token) by /_sandbox/ when listening beyond loopback
  --shared-account     every Middesk key is the same account (by default each key is its own)
  --same-account K1,K2 these keys are one account (repeatable)
  --heartbeat-ms N     keep-alive comment interval on idle event streams (default 15000)
  --watch-ms N         how often to look for fixture changes to reload; 0 = never (default 1000)
  --disable-feature F  answer as an account without feature F (repeatable): operator_feedback
  --log-level LEVEL    error | warn | info | debug (default info): info has the startup line,
                       one line per request (method, path, status, ms, namespace, run),
                       fixture reloads and clock moves; warn has webhook failures
  --log-format FORMAT  text | json: one JSON object per line (default text)
  --journal N          requests the journal keeps (GET /_sandbox/requests); 0 = off
                       (default 1000; docs/toolkit.md)
  --strict             refuse query parameters and body fields a route does not take
                       (400 naming them); X-Sandbox-Strict: true|false overrides it
                       per request (docs/toolkit.md)
  --rate-limit N|vendor  vendor routes take at most N requests a second per API key, then
                       answer 429 with Retry-After; vendor: Middesk's documented 20 on
                       Middesk's routes (default: none)

Limits (docs/operations.md):
  --max-connections N  connections served at once; more wait (default 4096)
  --keep-alive-ms N    an idle keep-alive connection is closed after N ms (default 5000)
  --request-timeout-ms N  a request must arrive whole within N ms of its first byte (default 10000)
  --write-timeout-ms N a client that takes no bytes for N ms is dropped (default 10000)
  --max-body-bytes N   request body; larger is a 413 (default 1048576)
  --max-header-bytes N request line and headers; larger is a 431 (default 65536)
  --max-json-depth N   nesting of arrays and objects in a body; deeper is a 400 (default 64)
  --max-string-bytes N any string in a JSON body; longer is a 422 (default 16384)
  --max-url-bytes N    a webhook URL; longer is a 422 (default 2048)
  --max-page-token-bytes N  a page token or stream cursor; longer is a 400 (default 1024)
  --max-namespaces N   namespaces (with accounts and organisations) in use at once;
                       a request for one more is a 503 (default 1000)
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
    if (flag == "--strict") {
      o.strict = true;
      continue;
    }
    if (flag == "--shared-account") {
      o.shared_account = true;
      continue;
    }
    static const char* kValued[] = {"--host",      "--port",         "--db",          "--fixtures",
                                    "--seed",      "--clock",        "--clock-start", "--speed",
                                    "--api-key",   "--heartbeat-ms", "--watch-ms",    "--disable-feature",
                                    "--log-level", "--admin-token",  "--same-account", "--rate-limit",
                                    "--ready-file", "--log-format"};
    const NumberFlag* number = nullptr;
    for (const auto& n : kNumberFlags) {
      if (flag == n.name) number = &n;
    }
    bool valued = number != nullptr;
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
    if (number) {
      uint64_t n;
      if (!ParseUnsigned(value, number->max, n) || n < number->min) {
        return Bad(std::string(number->name) + " must be a number from " + std::to_string(number->min) + " to " +
                   std::to_string(number->max) + ", got \"" + value + "\"");
      }
      number->field(o) = n;
    } else if (flag == "--ready-file") {
      if (value.empty()) return Bad("--ready-file needs a path");
      o.ready_file = value;
    } else if (flag == "--host") {
      if (value.empty()) return Bad("--host needs a value");
      o.host = value;
    } else if (flag == "--port") {
      uint64_t port;
      if (!ParseUnsigned(value, 65535, port))
        return Bad("--port must be a number from 0 to 65535, got \"" + value + "\"");
      o.port = static_cast<int>(port);
    } else if (flag == "--db") {
      if (value.empty()) return Bad("--db needs a file path or :memory:");
      o.db = value;
    } else if (flag == "--fixtures") {
      if (value.empty()) return Bad("--fixtures needs a file or folder");
      o.fixtures = value;
    } else if (flag == "--seed") {
      if (!ParseUnsigned(value, UINT64_MAX, o.seed))
        return Bad("--seed must be a non-negative integer, got \"" + value + "\"");
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
    } else if (flag == "--rate-limit") {
      if (value == "vendor") {
        o.rate_limit_vendor = true;
      } else if (!ParseUnsigned(value, 100000, o.rate_limit)) {
        return Bad("--rate-limit must be a number of requests per second (0 = none) or vendor, got \"" + value + "\"");
      }
    } else if (flag == "--admin-token") {
      // It travels in a header, a query parameter and a cookie: keep it to
      // characters all three carry as they are.
      bool safe = value.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~-") ==
                  std::string::npos;
      if (value.size() < 8 || !safe) {
        return Bad("--admin-token must be at least 8 letters, digits, '.', '_', '~' or '-'");
      }
      o.admin_token = value;
    } else if (flag == "--same-account") {
      std::vector<std::string> keys;
      size_t start = 0;
      while (start <= value.size()) {
        size_t comma = value.find(',', start);
        std::string key = value.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (key.empty()) return Bad("--same-account needs keys separated by commas, got \"" + value + "\"");
        keys.push_back(key);
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
      if (keys.size() < 2) return Bad("--same-account needs at least two keys, got \"" + value + "\"");
      o.same_accounts.push_back(keys);
    } else if (flag == "--heartbeat-ms") {
      uint64_t n;
      if (!ParseUnsigned(value, 3600000, n) || n < 10) {
        return Bad("--heartbeat-ms must be a number from 10 to 3600000, got \"" + value + "\"");
      }
      o.heartbeat_ms = static_cast<int64_t>(n);
    } else if (flag == "--watch-ms") {
      uint64_t n;
      if (!ParseUnsigned(value, 3600000, n))
        return Bad("--watch-ms must be a number from 0 to 3600000, got \"" + value + "\"");
      o.watch_ms = static_cast<int64_t>(n);
    } else if (flag == "--disable-feature") {
      if (value != "operator_feedback")
        return Bad("--disable-feature knows only operator_feedback, got \"" + value + "\"");
      o.disabled_features.push_back(value);
    } else if (flag == "--log-format") {
      if (value == "text") {
        o.log_format = LogFormat::kText;
      } else if (value == "json") {
        o.log_format = LogFormat::kJson;
      } else {
        return Bad("--log-format must be text or json, got \"" + value + "\"");
      }
    } else if (flag == "--log-level") {
      if (value == "error")
        o.log_level = LogLevel::kError;
      else if (value == "warn")
        o.log_level = LogLevel::kWarn;
      else if (value == "info")
        o.log_level = LogLevel::kInfo;
      else if (value == "debug")
        o.log_level = LogLevel::kDebug;
      else
        return Bad("--log-level must be error, warn, info or debug, got \"" + value + "\"");
    }
  }
  if (o.clock != ClockMode::kRealtime && o.speed != 1.0) return Bad("--speed applies only to --clock realtime");
  return o;
}

}  // namespace sandbox::cli
