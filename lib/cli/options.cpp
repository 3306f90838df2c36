// Command-line parsing; see options.h. CLI11 (Debian's libcli11-dev, 2.1)
// does the parsing: the commands as subcommands, `--flag value` and
// `--flag=value`, repeated flags, missing values, unknown flags and stray
// arguments. This file checks and stores each value, and keeps CLI11's
// exceptions to itself: ParseOptions answers with a Result whose refusal is
// one line naming the flag. The help is the curated HelpText below, not
// CLI11's formatter (it covers both dialects, the control API and the docs).
#include "cli/options.h"

#include <CLI/CLI.hpp>  // the whole library: App needs Formatter's and Config's definitions
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <memory>

#include "core/decimal.h"
#include "core/time_format.h"

namespace sandbox::cli {
namespace {

Status Bad(const std::string& why) { return Status::InvalidArgument(why); }

const char* const kCommands[] = {"serve", "validate", "replay", "export", "import"};

// A value's refusal, carried out of CLI11 (whose readers can only throw) to
// ParseOptions, which turns it back into the Status it was.
class Refusal : public CLI::ParseError {
 public:
  explicit Refusal(const std::string& why) : CLI::ParseError("Refusal", why, CLI::ExitCodes::ValidationError) {}
};

// Checks one value of a flag and stores it in the Options being built.
using Reader = std::function<Status(const std::string& value)>;

// A flag that takes one value per occurrence. `read` sees every occurrence,
// in order: the last one wins, and a repeatable flag collects them all.
CLI::Option* AddValued(CLI::App& command, const std::string& flag, Reader read) {
  return command.add_option(flag)
      ->each([read = std::move(read)](const std::string& value) {
        Status s = read(value);
        if (!s.ok()) throw Refusal(s.message());
      })
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

// Numeric serve flags: name, bounds, and where the value goes.
struct NumberFlag {
  const char* name;
  uint64_t min;
  uint64_t max;
  uint64_t Options::*field;
};
const NumberFlag kNumberFlags[] = {
    {"--max-connections", 16, 100000, &Options::max_connections},
    {"--threads", 16, 100000, &Options::max_connections},  // the older name
    {"--keep-alive-ms", 100, 3600000, &Options::keep_alive_ms},
    {"--request-timeout-ms", 100, 3600000, &Options::request_timeout_ms},
    {"--write-timeout-ms", 100, 3600000, &Options::write_timeout_ms},
    {"--max-body-bytes", 1024, 1ull << 30, &Options::max_body_bytes},
    {"--max-header-bytes", 1024, 1 << 20, &Options::max_header_bytes},
    {"--max-json-depth", 2, 512, &Options::max_json_depth},
    {"--max-string-bytes", 64, 1 << 20, &Options::max_string_bytes},
    {"--max-url-bytes", 64, 1 << 16, &Options::max_url_bytes},
    {"--max-page-token-bytes", 64, 1 << 16, &Options::max_page_token_bytes},
    {"--max-namespaces", 1, 100000, &Options::max_namespaces},
    {"--journal", 0, 1000000, &Options::journal_size},
};

// A flag whose value must not be empty (`empty` says what it needs).
Reader NonEmpty(std::string& field, const std::string& flag, const std::string& needs) {
  return [&field, flag, needs](const std::string& v) {
    if (v.empty()) return Bad(flag + " needs " + needs);
    field = v;
    return Status::Ok();
  };
}

Status ReadSameAccount(Options& o, const std::string& value) {
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
  return Status::Ok();
}

Status ReadLogLevel(Options& o, const std::string& value) {
  static const std::pair<const char*, LogLevel> kLevels[] = {
      {"error", LogLevel::kError}, {"warn", LogLevel::kWarn}, {"info", LogLevel::kInfo}, {"debug", LogLevel::kDebug}};
  for (const auto& [name, level] : kLevels) {
    if (value == name) {
      o.log_level = level;
      return Status::Ok();
    }
  }
  return Bad("--log-level must be error, warn, info or debug, got \"" + value + "\"");
}

// serve: every flag of the server (HelpText("serve") lists them).
void AddServeFlags(CLI::App& serve, Options& o) {
  serve.add_flag("--version", o.version);
  serve.add_flag("--strict", o.strict);
  serve.add_flag("--shared-account", o.shared_account);
  AddValued(serve, "--host", NonEmpty(o.host, "--host", "a value"));
  AddValued(serve, "--port", [&o](const std::string& v) {
    auto port = ParseDecimal(v, 65535);
    if (!port) return Bad("--port must be a number from 0 to 65535, got \"" + v + "\"");
    o.port = static_cast<int>(*port);
    return Status::Ok();
  });
  AddValued(serve, "--ready-file", NonEmpty(o.ready_file, "--ready-file", "a path"));
  AddValued(serve, "--db", NonEmpty(o.db, "--db", "a file path or :memory:"));
  AddValued(serve, "--fixtures", NonEmpty(o.fixtures, "--fixtures", "a file or folder"));
  AddValued(serve, "--seed", [&o](const std::string& v) {
    auto seed = ParseDecimal(v);
    if (!seed) return Bad("--seed must be a non-negative integer, got \"" + v + "\"");
    o.seed = *seed;
    return Status::Ok();
  });
  AddValued(serve, "--clock", [&o](const std::string& v) {
    auto mode = ParseClockMode(v);
    if (!mode) return Bad("--clock must be virtual, realtime or manual, got \"" + v + "\"");
    o.clock = *mode;
    return Status::Ok();
  });
  AddValued(serve, "--clock-start", [&o](const std::string& v) {
    auto t = ParseInstant(v);
    if (!t) return Bad("--clock-start must be an ISO 8601 UTC time like 2026-01-01T00:00:00Z, got \"" + v + "\"");
    o.clock_start = t;
    return Status::Ok();
  });
  AddValued(serve, "--speed", [&o](const std::string& v) {
    char* end = nullptr;
    double s = std::strtod(v.c_str(), &end);
    if (v.empty() || end != v.c_str() + v.size() || !std::isfinite(s) || s <= 0 || s > 1e6) {
      return Bad("--speed must be a number greater than 0, got \"" + v + "\"");
    }
    o.speed = s;
    return Status::Ok();
  });
  AddValued(serve, "--api-key", [&o](const std::string& v) {
    if (v.empty()) return Bad("--api-key needs a key");
    o.api_keys.push_back(v);
    return Status::Ok();
  });
  AddValued(serve, "--admin-token", [&o](const std::string& v) {
    // It travels in a header, a query parameter and a cookie: keep it to
    // characters all three carry as they are.
    bool safe =
        v.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~-") == std::string::npos;
    if (v.size() < 8 || !safe) return Bad("--admin-token must be at least 8 letters, digits, '.', '_', '~' or '-'");
    o.admin_token = v;
    return Status::Ok();
  });
  AddValued(serve, "--same-account", [&o](const std::string& v) { return ReadSameAccount(o, v); });
  AddValued(serve, "--heartbeat-ms", [&o](const std::string& v) {
    auto n = ParseDecimalInt(v, 3600000);
    if (!n || *n < 10) return Bad("--heartbeat-ms must be a number from 10 to 3600000, got \"" + v + "\"");
    o.heartbeat_ms = *n;
    return Status::Ok();
  });
  AddValued(serve, "--watch-ms", [&o](const std::string& v) {
    auto n = ParseDecimalInt(v, 3600000);
    if (!n) return Bad("--watch-ms must be a number from 0 to 3600000, got \"" + v + "\"");
    o.watch_ms = *n;
    return Status::Ok();
  });
  AddValued(serve, "--disable-feature", [&o](const std::string& v) {
    if (v != "operator_feedback") return Bad("--disable-feature knows only operator_feedback, got \"" + v + "\"");
    o.disabled_features.push_back(v);
    return Status::Ok();
  });
  AddValued(serve, "--log-level", [&o](const std::string& v) { return ReadLogLevel(o, v); });
  AddValued(serve, "--log-format", [&o](const std::string& v) {
    if (v == "text") {
      o.log_format = LogFormat::kText;
    } else if (v == "json") {
      o.log_format = LogFormat::kJson;
    } else {
      return Bad("--log-format must be text or json, got \"" + v + "\"");
    }
    return Status::Ok();
  });
  AddValued(serve, "--rate-limit", [&o](const std::string& v) {
    if (v == "vendor") {
      o.rate_limit_vendor = true;
      return Status::Ok();
    }
    auto n = ParseDecimal(v, 100000);
    if (!n) return Bad("--rate-limit must be a number of requests per second (0 = none) or vendor, got \"" + v + "\"");
    o.rate_limit = *n;
    o.rate_limit_vendor = false;
    return Status::Ok();
  });
  for (const NumberFlag& flag : kNumberFlags) {
    AddValued(serve, flag.name, [&o, flag](const std::string& v) {
      auto n = ParseDecimal(v, flag.max);
      if (!n || *n < flag.min) {
        return Bad(std::string(flag.name) + " must be a number from " + std::to_string(flag.min) + " to " +
                   std::to_string(flag.max) + ", got \"" + v + "\"");
      }
      o.*flag.field = *n;
      return Status::Ok();
    });
  }
}

// A value of replay, export or import: a flag right after another, or
// nothing after '=', is a value left out.
Reader TransferValue(std::string& field, const std::string& flag) {
  return [&field, flag](const std::string& v) {
    if (v.empty() || v.rfind("--", 0) == 0) return Bad(flag + " needs a value");
    field = v;
    return Status::Ok();
  };
}

// `replay --run ID [--db PATH] [--dialect middesk|modus]`, `export --run ID
// [--db PATH] [--out FILE]`, `import FILE [--out FILE] [--agent TYPE]`.
void AddTransferFlags(CLI::App& command, Options& o) {
  const std::string name = command.get_name();
  if (name == "replay" || name == "export") {
    AddValued(command, "--run", TransferValue(o.run_id, "--run"));
    AddValued(command, "--db", TransferValue(o.db, "--db"));
  }
  if (name == "replay") {
    AddValued(command, "--dialect", [&o](const std::string& v) {
      if (v.empty() || v.rfind("--", 0) == 0) return Bad("--dialect needs a value");
      if (v != "middesk" && v != "modus") return Bad("--dialect must be middesk or modus, got \"" + v + "\"");
      o.dialect = v;
      return Status::Ok();
    });
  }
  if (name == "export" || name == "import") AddValued(command, "--out", TransferValue(o.out_path, "--out"));
  if (name == "import") {
    AddValued(command, "--agent", TransferValue(o.agent_type, "--agent"));
    // The captured run; "-" is standard input. A second file is left over,
    // and refused by name in ParseOptions.
    command.add_option("file", o.input_path);
  }
}

// The parser: one subcommand per command, each binding its flags to `o`.
// Unknown flags and stray arguments are kept (allow_extras), so that
// ParseOptions can refuse them in the command's own words.
std::unique_ptr<CLI::App> MakeParser(Options& o) {
  auto app = std::make_unique<CLI::App>("agent-sandbox", "agent-sandbox");
  app->set_help_flag();  // --help is a flag of each command, answered with HelpText
  app->allow_extras();
  app->require_subcommand(0, 1);  // a second command's name is a stray argument
  for (const char* name : kCommands) {
    CLI::App* command = app->add_subcommand(name);
    command->add_flag("-h,--help", o.help);
    if (command->get_name() == "serve") {
      AddServeFlags(*command, o);
    } else if (command->get_name() == "validate") {
      command->add_option("path", o.fixtures);
    } else {
      AddTransferFlags(*command, o);
    }
  }
  return app;
}

// What CLI11 left unparsed, refused in the command's words: an unknown flag
// first, by name, else a stray argument.
Status RefuseLeftOver(const Options& o, const std::vector<std::string>& left) {
  const std::string& cmd = o.command;
  for (const std::string& arg : left) {
    if (arg.size() < 2 || arg[0] != '-') continue;
    if (cmd == "validate") return Bad("validate takes one fixture file or folder");
    std::string flag = arg.substr(0, arg.find('='));
    if (cmd == "serve") return Bad("unknown option " + flag + " (see --help)");
    return Bad("unknown option " + flag + " for " + cmd + " (see --help)");
  }
  const std::string& stray = left.front();
  if (cmd == "serve") return Bad("unexpected argument \"" + stray + "\" (see --help)");
  if (cmd == "validate") return Bad("validate takes one fixture file or folder");
  if (cmd == "import") return Bad("import takes one file, got \"" + o.input_path + "\" and \"" + stray + "\"");
  return Bad(cmd + " takes no argument \"" + stray + "\" (see --help)");
}

// What a command needs once every flag is read.
Status CheckComplete(const Options& o) {
  if (o.command == "serve" && o.clock != ClockMode::kRealtime && o.speed != 1.0) {
    return Bad("--speed applies only to --clock realtime");
  }
  if ((o.command == "replay" || o.command == "export") && o.run_id.empty()) return Bad(o.command + " needs --run ID");
  if (o.command == "import" && o.input_path.empty()) {
    return Bad("import needs a file: the JSON of GET /v1/runs/{id}?include=steps, or a saved stream");
  }
  if (o.command == "validate" && o.fixtures.empty()) return Bad("validate takes one fixture file or folder");
  return Status::Ok();
}

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
  /api/v1/..., /agent/...  Modus: agents and their management, run history, chat, the
                           /agent/runs SSE runtime and workflow actions;
                           Bearer modus_<orgUuid>_<prefix>_<secret> (docs/modus.md)
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
  // serve is the command when none is named: give CLI11 its name.
  bool named = !args.empty() && std::find(std::begin(kCommands), std::end(kCommands), args[0]) != std::end(kCommands);
  o.command = named ? args[0] : "serve";
  if (o.command == "validate") o.fixtures.clear();  // its one argument, required
  std::unique_ptr<CLI::App> app = MakeParser(o);
  // "--flag=" is a value left out: CLI11 would take the next argument instead.
  for (const std::string& arg : args) {
    if (arg.size() > 3 && arg.rfind("--", 0) == 0 && arg.find('=') == arg.size() - 1) {
      std::string flag = arg.substr(0, arg.size() - 1);
      if (app->get_subcommand(o.command)->get_option_no_throw(flag) != nullptr) return Bad(flag + " needs a value");
    }
  }
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 reads from the back
  if (!named) reversed.push_back("serve");
  try {
    app->parse(reversed);
  } catch (const Refusal& e) {
    return Bad(e.what());
  } catch (const CLI::ArgumentMismatch& e) {
    // The only mismatch our flags can meet: the arguments ran out before a
    // flag's value. CLI11 words it "--flag: 1 required TEXT missing".
    std::string what = e.what();
    std::string flag = what.substr(0, what.find(':'));
    if (flag.rfind("-", 0) == 0 && app->get_subcommand(o.command)->get_option_no_throw(flag) != nullptr) {
      return Bad(flag + " needs a value");
    }
    return Bad(what);
  } catch (const CLI::Error& e) {
    std::string what = e.what();
    std::replace(what.begin(), what.end(), '\n', ' ');
    return Bad(what);
  }
  std::vector<std::string> left = app->remaining(true);
  if (!left.empty()) return RefuseLeftOver(o, left);
  if (o.help) return o;
  Status complete = CheckComplete(o);
  if (!complete.ok()) return complete;
  return o;
}

std::vector<std::string> FlagNames(const std::string& command) {
  Options o;
  std::unique_ptr<CLI::App> app = MakeParser(o);
  std::vector<std::string> names;
  for (const CLI::Option* option : app->get_subcommand(command)->get_options()) {
    for (const std::string& name : option->get_lnames()) names.push_back("--" + name);
  }
  return names;
}

}  // namespace sandbox::cli
