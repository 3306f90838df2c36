// Command-line parsing: defaults, every flag, and one-line refusals.
#include <catch2/catch.hpp>

#include "cli/options.h"

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
  auto o = ParseOptions({"serve", "--host", "0.0.0.0", "--port=9000", "--db", ":memory:", "--fixtures", "f.json",
                         "--seed", "42", "--clock", "realtime", "--speed", "2.5", "--clock-start",
                         "2030-05-01T12:00:00Z", "--api-key", "mk_test_a", "--api-key=mk_test_b", "--threads", "16",
                         "--log-level", "debug"});
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
  CHECK(o->threads == 16);
  CHECK(o->log_level == LogLevel::kDebug);
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
  CHECK(ErrorOf({"--threads", "1"}) == "--threads must be a number from 4 to 4096, got \"1\"");
}

TEST_CASE("--help and --version are recognised", "[cli]") {
  CHECK(ParseOptions({"--help"})->help);
  CHECK(ParseOptions({"--version"})->version);
  CHECK_THAT(HelpText(), Catch::Contains("--clock MODE"));
}
