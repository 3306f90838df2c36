// Command-line parsing: defaults, every flag, and one-line refusals.
#include <catch2/catch.hpp>

#include "cli/options.h"

namespace cli_options_test {

using namespace sandbox;
using namespace sandbox::cli;

namespace {
std::string ErrorOf(std::vector<std::string> args) {
  auto r = ParseOptions(args);
  return r.ok() ? "(ok)" : r.status().message();
}
}  // namespace

TEST_CASE("no arguments means serve with the documented defaults", "[cli]") {
  auto o = ParseOptions({});
  REQUIRE(o.ok());
  CHECK(o->command == "serve");
  CHECK(o->host == "127.0.0.1");
  CHECK(o->port == 8080);
  CHECK(o->db == "./agent-sandbox.db");
  CHECK(o->fixtures == "fixtures");
  CHECK(o->seed == 0);
  CHECK(o->clock == ClockMode::kVirtual);
  CHECK(o->speed == 1.0);
  CHECK_FALSE(o->clock_start.has_value());
  CHECK(o->log_level == LogLevel::kInfo);
}

TEST_CASE("every flag is read, in both --flag value and --flag=value forms", "[cli]") {
  auto o = ParseOptions({"serve",
                         "--host",
                         "0.0.0.0",
                         "--port=9000",
                         "--db",
                         ":memory:",
                         "--fixtures",
                         "f.json",
                         "--seed",
                         "42",
                         "--clock",
                         "realtime",
                         "--speed",
                         "2.5",
                         "--clock-start",
                         "2030-05-01T12:00:00Z",
                         "--api-key",
                         "mk_test_a",
                         "--api-key=mk_test_b",
                         "--threads",
                         "16",
                         "--log-level",
                         "debug"});
  REQUIRE(o.ok());
  CHECK(o->host == "0.0.0.0");
  CHECK(o->port == 9000);
  CHECK(o->db == ":memory:");
  CHECK(o->fixtures == "f.json");
  CHECK(o->seed == 42);
  CHECK(o->clock == ClockMode::kRealtime);
  CHECK(o->speed == 2.5);
  CHECK(o->clock_start == 1903867200000);
  CHECK(o->api_keys == std::vector<std::string>{"mk_test_a", "mk_test_b"});
  CHECK(o->max_connections == 16);
  CHECK(o->log_level == LogLevel::kDebug);
}

TEST_CASE("the edge's limits and access flags are read", "[cli]") {
  auto o = ParseOptions({"--max-connections",
                         "100",
                         "--keep-alive-ms",
                         "250",
                         "--request-timeout-ms=900",
                         "--write-timeout-ms",
                         "800",
                         "--max-body-bytes",
                         "2048",
                         "--max-header-bytes",
                         "4096",
                         "--max-json-depth",
                         "10",
                         "--max-string-bytes",
                         "100",
                         "--max-url-bytes",
                         "300",
                         "--max-page-token-bytes",
                         "200",
                         "--max-namespaces",
                         "7",
                         "--admin-token",
                         "s3cret-token",
                         "--same-account",
                         "mk_test_a,mk_test_b",
                         "--shared-account"});
  REQUIRE(o.ok());
  CHECK(o->max_connections == 100);
  CHECK(o->keep_alive_ms == 250);
  CHECK(o->request_timeout_ms == 900);
  CHECK(o->write_timeout_ms == 800);
  CHECK(o->max_body_bytes == 2048);
  CHECK(o->max_header_bytes == 4096);
  CHECK(o->max_json_depth == 10);
  CHECK(o->max_string_bytes == 100);
  CHECK(o->max_url_bytes == 300);
  CHECK(o->max_page_token_bytes == 200);
  CHECK(o->max_namespaces == 7);
  CHECK(o->admin_token == "s3cret-token");
  CHECK(o->same_accounts == std::vector<std::vector<std::string>>{{"mk_test_a", "mk_test_b"}});
  CHECK(o->shared_account);
  auto defaults = ParseOptions({});
  CHECK(defaults->max_connections == 4096);
  CHECK(defaults->max_body_bytes == 1048576);
  CHECK(defaults->max_json_depth == 64);
  CHECK(defaults->max_namespaces == 1000);
  CHECK_FALSE(defaults->shared_account);
}

TEST_CASE("bad flags and values are refused with a one-line reason", "[cli]") {
  CHECK(ErrorOf({"--bogus"}) == "unknown option --bogus (see --help)");
  CHECK(ErrorOf({"stray"}) == "unexpected argument \"stray\" (see --help)");
  CHECK(ErrorOf({"--port"}) == "--port needs a value");
  CHECK(ErrorOf({"--port", "abc"}) == "--port must be a number from 0 to 65535, got \"abc\"");
  CHECK(ErrorOf({"--port", "70000"}) == "--port must be a number from 0 to 65535, got \"70000\"");
  CHECK(ErrorOf({"--seed", "-1"}) == "--seed must be a non-negative integer, got \"-1\"");
  CHECK(ErrorOf({"--clock", "fast"}) == "--clock must be virtual, realtime or manual, got \"fast\"");
  CHECK(ErrorOf({"--clock-start", "yesterday"}) ==
        "--clock-start must be an ISO 8601 UTC time like 2026-01-01T00:00:00Z, got \"yesterday\"");
  CHECK(ErrorOf({"--clock", "realtime", "--speed", "0"}) == "--speed must be a number greater than 0, got \"0\"");
  CHECK(ErrorOf({"--speed", "2"}) == "--speed applies only to --clock realtime");
  CHECK(ErrorOf({"--log-level", "loud"}) == "--log-level must be error, warn, info or debug, got \"loud\"");
  CHECK(ErrorOf({"--threads", "1"}) == "--threads must be a number from 16 to 100000, got \"1\"");
  CHECK(ErrorOf({"--max-body-bytes", "12"}) == "--max-body-bytes must be a number from 1024 to 1073741824, got \"12\"");
  CHECK(ErrorOf({"--same-account", "mk_test_a"}) == "--same-account needs at least two keys, got \"mk_test_a\"");
  CHECK(ErrorOf({"--same-account", "mk_test_a,"}) ==
        "--same-account needs keys separated by commas, got \"mk_test_a,\"");
  CHECK(ErrorOf({"--admin-token", "short"}) ==
        "--admin-token must be at least 8 letters, digits, '.', '_', '~' or '-'");
  CHECK(ErrorOf({"--admin-token", "has;semicolon"}) ==
        "--admin-token must be at least 8 letters, digits, '.', '_', '~' or '-'");
  CHECK(ErrorOf({"--rate-limit", "fast"}) ==
        "--rate-limit must be a number of requests per second (0 = none) or vendor, got \"fast\"");
  CHECK(ErrorOf({"--journal", "-1"}) == "--journal must be a number from 0 to 1000000, got \"-1\"");
}

TEST_CASE("the toolkit's flags are read: --journal, --strict, --rate-limit", "[cli]") {
  auto o = ParseOptions({"--journal", "0", "--strict", "--rate-limit", "5"});
  REQUIRE(o.ok());
  CHECK(o->journal_size == 0);
  CHECK(o->strict);
  CHECK(o->rate_limit == 5);
  CHECK_FALSE(o->rate_limit_vendor);
  auto d = ParseOptions({});
  REQUIRE(d.ok());
  CHECK(d->journal_size == 1000);
  CHECK_FALSE(d->strict);
  CHECK(d->rate_limit == 0);
  auto v = ParseOptions({"--rate-limit=vendor"});
  REQUIRE(v.ok());
  CHECK(v->rate_limit_vendor);
}

TEST_CASE("--help and --version are recognised", "[cli]") {
  CHECK(ParseOptions({"--help"})->help);
  CHECK(ParseOptions({"--version"})->version);
  CHECK_THAT(HelpText(), Catch::Contains("--clock MODE"));
}

TEST_CASE("replay, export and import read their own flags", "[cli]") {
  auto replay = ParseOptions({"replay", "--run", "run-1"});
  REQUIRE(replay.ok());
  CHECK(replay->command == "replay");
  CHECK(replay->run_id == "run-1");
  CHECK(replay->db == "./agent-sandbox.db");  // the same default as serve

  auto exp = ParseOptions({"export", "--db=x.db", "--run", "run-2", "--out", "f.json"});
  REQUIRE(exp.ok());
  CHECK(exp->command == "export");
  CHECK(exp->db == "x.db");
  CHECK(exp->run_id == "run-2");
  CHECK(exp->out_path == "f.json");
  CHECK(ParseOptions({"export", "--run", "r"})->out_path.empty());

  auto imp = ParseOptions({"import", "run.json", "--agent", "my_agent", "--out=f.json"});
  REQUIRE(imp.ok());
  CHECK(imp->command == "import");
  CHECK(imp->input_path == "run.json");
  CHECK(imp->agent_type == "my_agent");
  CHECK(imp->out_path == "f.json");
  CHECK(ParseOptions({"import", "-"})->input_path == "-");

  CHECK(ParseOptions({"replay", "--help"})->help);
  CHECK(ParseOptions({"import", "--help"})->help);
  CHECK_THAT(HelpText(), Catch::Contains("agent-sandbox export --run ID"));
}

TEST_CASE("replay, export and import refuse bad flags with a one-line reason", "[cli]") {
  CHECK(ErrorOf({"replay"}) == "replay needs --run ID");
  CHECK(ErrorOf({"export", "--db", "x.db"}) == "export needs --run ID");
  CHECK(ErrorOf({"replay", "--run"}) == "--run needs a value");
  CHECK(ErrorOf({"replay", "--run", "--db", "x"}) == "--run needs a value");
  CHECK(ErrorOf({"replay", "--run", "r", "--out", "f"}) == "unknown option --out for replay (see --help)");
  CHECK(ErrorOf({"export", "--run", "r", "--port", "1"}) == "unknown option --port for export (see --help)");
  CHECK(ErrorOf({"import", "a.json", "--db", "x"}) == "unknown option --db for import (see --help)");
  CHECK(ErrorOf({"replay", "--run", "r", "stray"}) == "replay takes no argument \"stray\" (see --help)");
  CHECK(ErrorOf({"import"}) == "import needs a file: the JSON of GET /v1/runs/{id}?include=steps, or a saved stream");
  CHECK(ErrorOf({"import", "a.json", "b.json"}) == "import takes one file, got \"a.json\" and \"b.json\"");
  CHECK(ErrorOf({"import", "a.json", "--agent="}) == "--agent needs a value");
}

// CLI11 does the parsing (it replaced a hand-written parser); these pin
// what it must keep doing in our words.
TEST_CASE("unknown flags, missing values and bad values name the flag, in either form", "[cli]") {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--bogus=1"}, "unknown option --bogus (see --help)"},
      {{"-x"}, "unknown option -x (see --help)"},
      {{"serve", "--bogus"}, "unknown option --bogus (see --help)"},
      {{"--port=abc"}, "--port must be a number from 0 to 65535, got \"abc\""},
      {{"--port="}, "--port needs a value"},
      {{"--db"}, "--db needs a value"},
      {{"--db="}, "--db needs a value"},
      {{"--journal=x"}, "--journal must be a number from 0 to 1000000, got \"x\""},
      {{"--heartbeat-ms", "5"}, "--heartbeat-ms must be a number from 10 to 3600000, got \"5\""},
      {{"--watch-ms", "3600001"}, "--watch-ms must be a number from 0 to 3600000, got \"3600001\""},
      {{"--log-format", "xml"}, "--log-format must be text or json, got \"xml\""},
      {{"--disable-feature", "chat"}, "--disable-feature knows only operator_feedback, got \"chat\""},
      {{"--api-key", "a", "b"}, "unexpected argument \"b\" (see --help)"},   // one value per occurrence
      {{"serve", "replay"}, "unexpected argument \"replay\" (see --help)"},  // one command only
      {{"--port", "1", "serve"}, "unexpected argument \"serve\" (see --help)"},
      {{"export", "--run", "r", "--out"}, "--out needs a value"},
      {{"export", "--run=", "r"}, "--run needs a value"},
      {{"replay", "--run", "r", "--dialect", "other"}, "--dialect must be middesk or modus, got \"other\""},
      {{"replay", "--run", "r", "export"}, "replay takes no argument \"export\" (see --help)"},
      {{"import", "a.json", "--bogus=1"}, "unknown option --bogus for import (see --help)"},
      {{"validate"}, "validate takes one fixture file or folder"},
      {{"validate", "a", "b"}, "validate takes one fixture file or folder"},
      {{"validate", "--bogus"}, "validate takes one fixture file or folder"},
  };
  for (const auto& [args, message] : cases) {
    INFO(Catch::Detail::stringify(args));
    CHECK(ErrorOf(args) == message);
  }
}

TEST_CASE("a flag given twice keeps the last value, repeatable flags keep all", "[cli]") {
  auto o = ParseOptions({"--port",
                         "1",
                         "--port=2",
                         "--same-account",
                         "a,b",
                         "--same-account=c,d,e",
                         "--log-format",
                         "json",
                         "--disable-feature",
                         "operator_feedback",
                         "--ready-file",
                         "r.json",
                         "--heartbeat-ms",
                         "10",
                         "--watch-ms",
                         "0",
                         "--rate-limit",
                         "vendor",
                         "--rate-limit",
                         "7"});
  REQUIRE(o.ok());
  CHECK(o->port == 2);
  CHECK(o->same_accounts == std::vector<std::vector<std::string>>{{"a", "b"}, {"c", "d", "e"}});
  CHECK(o->log_format == LogFormat::kJson);
  CHECK(o->disabled_features == std::vector<std::string>{"operator_feedback"});
  CHECK(o->ready_file == "r.json");
  CHECK(o->heartbeat_ms == 10);
  CHECK(o->watch_ms == 0);
  CHECK(o->rate_limit == 7);
  CHECK_FALSE(o->rate_limit_vendor);
}

TEST_CASE("validate reads its one path, every command has its own --help", "[cli]") {
  auto v = ParseOptions({"validate", "f.json"});
  REQUIRE(v.ok());
  CHECK(v->command == "validate");
  CHECK(v->fixtures == "f.json");
  for (std::string command : {"serve", "validate", "replay", "export", "import"}) {
    INFO(command);
    for (std::string flag : {"--help", "-h"}) {
      auto o = ParseOptions({command, flag});
      REQUIRE(o.ok());
      CHECK(o->command == command);
      CHECK(o->help);
    }
  }
  CHECK(ParseOptions({"-h"})->help);
  CHECK(ParseOptions({"serve", "--version"})->version);
}

TEST_CASE("every flag the parser knows is in its command's help", "[cli]") {
  for (std::string command : {"serve", "validate", "replay", "export", "import"}) {
    INFO(command);
    const std::string help = HelpText(command);
    for (const std::string& flag : FlagNames(command)) {
      if (flag == "--threads") continue;  // the older name of --max-connections, kept out of the help
      if (command != "serve" && flag == "--help") continue;
      INFO(flag);
      CHECK_THAT(help, Catch::Contains(flag + " "));
    }
  }
  CHECK(FlagNames("serve").size() == 35);  // as many as the hand-written parser knew
}

}  // namespace cli_options_test
