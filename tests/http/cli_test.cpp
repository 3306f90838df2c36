// Tests of the command line of the real binary: --help and --version, exit
// code 2 with a one-line message for bad flags, exit code 1 for invalid
// fixtures with the file and JSON pointer (or line:column) named, and the
// startup line that SandboxProcess relies on, and the names of its threads.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "support/sandbox_process.h"

namespace http_cli_test {

namespace {

using sandbox::testing::CliResult;
using sandbox::testing::RunCli;
using sandbox::testing::SandboxOptions;
using sandbox::testing::SandboxProcess;
using sandbox::testing::TempDir;

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

size_t LineCount(const std::string& text) { return static_cast<size_t>(std::count(text.begin(), text.end(), '\n')); }

// Runs the server with `fixtures`; it must fail before it listens.
CliResult ServeWithFixtures(const std::string& fixtures) {
  return RunCli({"--port", "0", "--db", ":memory:", "--fixtures", fixtures});
}

// One agent whose single step is `step` (a JSON object).
std::string FixtureWithStep(const std::string& step) {
  return R"({"agents": [{"type": "tin_verification", "name": "TIN Verification", "description": "d",
                       "scenarios": [{"name": "default", "steps": [)" +
         step + "]}]}]}\n";
}

}  // namespace

TEST_CASE("the --help flag prints the options and exits 0", "[http]") {
  CliResult r = RunCli({"--help"});
  REQUIRE_FALSE(r.timed_out);
  CHECK(r.exit_code == 0);
  CHECK(Contains(r.out, "Usage: agent-sandbox"));
  CHECK(Contains(r.out, "--port N"));
  CHECK(Contains(r.out, "--clock MODE"));
  // Both dialects, the control API and the dashboard, and where their docs are.
  for (const char* named : {"/v1/...", "the Middesk Agents API", "docs/middesk.md", "/api/v1/..., /agent/...",
                            "docs/modus.md", "the control API", "docs/control.md", "/_sandbox/  ", "the dashboard"}) {
    CHECK(Contains(r.out, named));
  }
  CHECK(r.err.empty());
}

TEST_CASE("each subcommand has a help of its own", "[http]") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"validate", "Usage: agent-sandbox validate <fixture file or folder>\n"},
      {"replay", "Usage: agent-sandbox replay --run ID [--db PATH] [--dialect middesk|modus]\n"},
      {"export", "Usage: agent-sandbox export --run ID [--db PATH] [--out FILE]\n"},
      {"import", "Usage: agent-sandbox import FILE [--out FILE] [--agent TYPE]\n"}};
  for (const auto& [command, usage] : cases) {
    INFO(command);
    CliResult r = RunCli({command, "--help"});
    REQUIRE_FALSE(r.timed_out);
    CHECK(r.exit_code == 0);
    CHECK(r.out.rfind(usage, 0) == 0);
    CHECK_FALSE(Contains(r.out, "--max-connections"));  // not serve's options
    CHECK(r.err.empty());
  }
  CHECK(Contains(RunCli({"--help"}).out, "agent-sandbox COMMAND --help"));
}

TEST_CASE("the --version flag prints the version and exits 0", "[http]") {
  CliResult r = RunCli({"--version"});
  REQUIRE_FALSE(r.timed_out);
  CHECK(r.exit_code == 0);
  CHECK(r.out == "agent-sandbox 0.1.0\n");
  CHECK(r.err.empty());
}

TEST_CASE("bad command-line flags exit 2 with one line on stderr naming the flag", "[http]") {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"--bogus"}, "agent-sandbox: unknown option --bogus (see --help)\n"},
      {{"--port", "abc"}, "agent-sandbox: --port must be a number from 0 to 65535, got \"abc\"\n"},
      {{"--port=70000"}, "agent-sandbox: --port must be a number from 0 to 65535, got \"70000\"\n"},
      {{"--clock", "weird"}, "agent-sandbox: --clock must be virtual, realtime or manual, got \"weird\"\n"},
      {{"--seed"}, "agent-sandbox: --seed needs a value\n"},
      {{"--speed", "2"}, "agent-sandbox: --speed applies only to --clock realtime\n"},
  };
  for (const auto& c : cases) {
    INFO("args: " << c.args.front() << (c.args.size() > 1 ? " " + c.args[1] : ""));
    CliResult r = RunCli(c.args);
    REQUIRE_FALSE(r.timed_out);
    CHECK(r.exit_code == 2);
    CHECK(r.err == c.message);
    CHECK(LineCount(r.err) == 1);
    CHECK(r.out.empty());
  }
}

TEST_CASE("an invalid fixture exits 1 naming the file and the JSON pointer", "[http]") {
  TempDir dir;
  const std::string file = dir.WriteFile(
      "bad.json", FixtureWithStep(R"({"name": "match_tin", "label": "Matching the EIN", "type": "bogus"})"));
  CliResult r = ServeWithFixtures(file);
  REQUIRE_FALSE(r.timed_out);
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  CHECK(Contains(r.err, file + ":"));
  CHECK(Contains(r.err, ": /agents/0/scenarios/0/steps/0/type: "));
  CHECK(Contains(r.err, "\"bogus\""));
}

TEST_CASE("a fixture with a JSON syntax error exits 1 naming file:line:col", "[http]") {
  TempDir dir;
  // The stray comma is on line 3, column 18.
  const std::string file = dir.WriteFile("syntax.json", "{\n  \"agents\": [\n    {\"type\": \"x\",,}\n  ]\n}\n");
  CliResult r = ServeWithFixtures(file);
  REQUIRE_FALSE(r.timed_out);
  CHECK(r.exit_code == 1);
  CHECK(Contains(r.err, file + ":3:18: syntax error"));
}

TEST_CASE("a folder of fixtures reports every invalid file", "[http]") {
  TempDir dir;
  const std::string bad =
      dir.WriteFile("a_bad.json", FixtureWithStep(R"({"name": "s", "label": "S", "duration": "soon"})"));
  const std::string syntax = dir.WriteFile("b_syntax.json", "{\"agents\": [}\n");
  CliResult r = ServeWithFixtures(dir.path());
  REQUIRE_FALSE(r.timed_out);
  CHECK(r.exit_code == 1);
  CHECK(Contains(r.err, bad + ":"));
  CHECK(Contains(r.err, ": /agents/0/scenarios/0/steps/0/duration: "));
  CHECK(Contains(r.err, syntax + ":1:"));
}

TEST_CASE("the startup line names the port, database, fixtures, clock and seed", "[http]") {
  SandboxProcess sandbox(SandboxOptions{.args = {"--seed", "7"}});
  const std::string& line = sandbox.startup_line();
  CHECK(line.rfind("agent-sandbox 0.1.0 serving the Middesk and Modus APIs on http://127.0.0.1:" +
                       std::to_string(sandbox.port()) + " (database " + sandbox.db_path() +
                       "; 5 agents, 14 scenarios from ",
                   0) == 0);
  CHECK(Contains(line, "; clock virtual at 2026-01-01T00:00:00.000Z; seed 7); dashboard http://127.0.0.1:" +
                          std::to_string(sandbox.port()) + "/_sandbox/"));
  // The announced port is the one serving.
  sandbox::testing::HttpResponse health = sandbox.Get("/_sandbox/health", {});
  CHECK_STATUS(health, 200);
  CHECK(health.json.at("database") == sandbox.db_path());
}

TEST_CASE("the server's threads carry names that say what each one does", "[http]") {
  // bench/run finds the writer by its name to print its share of a core;
  // `top -H` and profilers show the same names (docs/operations.md).
  SandboxProcess sandbox;
  sandbox::testing::HttpResponse agents = sandbox.Get("/v1/agents");  // a connection's thread, the account's writer
  CHECK_STATUS(agents, 200);
  const auto names_now = [&sandbox] {
    std::set<std::string> names;
    for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(sandbox.pid()) + "/task")) {
      std::ifstream comm(task.path() / "comm");
      std::string name;
      if (std::getline(comm, name)) names.insert(name);
    }
    return names;
  };
  const std::set<std::string> expected{"agent-sandbox", "sbx-checkpoint", "sbx-fixtures", "sbx-hook-sched",
                                       "sbx-http",      "sbx-signals",    "sbx-writer"};
  // A thread names itself once it runs, which may be just after the server
  // answers (the webhook scheduler was seen unnamed on a loaded machine).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::set<std::string> names = names_now();
  while (names != expected && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // between polls, not instead of one
    names = names_now();
  }
  CHECK(names == expected);
}

TEST_CASE("the ready file is written whole once the server listens, replaces a stale one, and goes at the stop",
          "[http]") {
  TempDir dir;
  const std::string ready = dir.WriteFile("ready.json", "left by an earlier run");
  SandboxProcess sandbox(SandboxOptions{.args = {"--ready-file", ready}});
  // The startup line has been read: the file was written before it.
  std::ifstream in(ready);
  std::stringstream text;
  text << in.rdbuf();
  const auto content = nlohmann::json::parse(text.str(), nullptr, false);
  REQUIRE_FALSE(content.is_discarded());
  CHECK(content == nlohmann::json{{"url", "http://127.0.0.1:" + std::to_string(sandbox.port())},
                                  {"port", sandbox.port()},
                                  {"pid", sandbox.pid()},
                                  {"version", "0.1.0"},
                                  {"db", sandbox.db_path()}});
  CHECK_STATUS(sandbox.Get("/_sandbox/health", {}), 200);
  // Nothing else was left beside it (the temporary file was renamed over it).
  CHECK(std::distance(std::filesystem::directory_iterator(dir.path()), std::filesystem::directory_iterator{}) == 1);
  CHECK(sandbox.Stop() == 0);
  CHECK_FALSE(std::filesystem::exists(ready));
}

TEST_CASE("a ready file in a folder that cannot hold it stops the start with the reason", "[http]") {
  CliResult r = RunCli({"--port", "0", "--db", ":memory:", "--fixtures", FIXTURES_DIR, "--ready-file",
                        "/nonexistent-folder/ready.json"});
  REQUIRE_FALSE(r.timed_out);
  CHECK(r.exit_code == 1);
  CHECK(Contains(r.err, "cannot write the ready file /nonexistent-folder/ready.json (open): No such file or directory"));
}

TEST_CASE("logs: a line per request with namespace and run, clock moves, as text or JSON, and no secrets",
          "[http]") {
  const std::string key = "mk_test_keep_this_secret";
  const httplib::Headers auth = {{"Authorization", "Bearer " + key}};
  const std::string create =
      R"({"type": "cip_orchestrator", "business_id": "8d1c4f0e-2b6a-4c1e-9f7d-3a5b6c7d8e9f"})";
  {
    SandboxProcess sandbox;
    auto run = sandbox.Post("/v1/runs", create, auth);
    REQUIRE_STATUS(run, 201);
    const std::string run_id = run.json.at("id");
    CHECK_STATUS(sandbox.Get("/v1/runs/" + run_id + "?token=" + key, auth), 200);
    CHECK_STATUS(sandbox.Post("/_sandbox/clock/advance", R"({"by": "1h"})", auth), 200);
    REQUIRE(sandbox.Stop() == 0);
    const std::string err = sandbox.Stderr();
    CHECK(Contains(err, "request method=POST path=/v1/runs status=201 ms="));
    CHECK(Contains(err, "request method=GET path=/v1/runs/" + run_id + " status=200 ms="));
    CHECK(Contains(err, " namespace=acct-"));
    CHECK(Contains(err, " run=" + run_id + "\n"));
    CHECK(Contains(err, "clock moved namespace=acct-"));
    CHECK_FALSE(Contains(err, key));  // neither the header nor the query string
  }
  {
    SandboxProcess sandbox(SandboxOptions{.args = {"--log-format", "json"}});
    CHECK_STATUS(sandbox.Post("/v1/runs", create, auth), 201);
    REQUIRE(sandbox.Stop() == 0);
    std::stringstream lines(sandbox.Stderr());
    int requests = 0;
    for (std::string line; std::getline(lines, line);) {
      const auto j = nlohmann::json::parse(line, nullptr, false);
      INFO(line);
      REQUIRE(j.is_object());
      if (j.at("msg") != "request") continue;
      ++requests;
      CHECK(j.at("level") == "info");
      CHECK(j.at("method") == "POST");
      CHECK(j.at("status") == 201);
      CHECK(j.at("run").is_string());
    }
    CHECK(requests == 1);
  }
  {
    SandboxProcess sandbox(SandboxOptions{.args = {"--log-level", "warn"}});
    CHECK_STATUS(sandbox.Post("/v1/runs", create, auth), 201);
    REQUIRE(sandbox.Stop() == 0);
    CHECK_FALSE(Contains(sandbox.Stderr(), "request method="));
  }
}

TEST_CASE("the startup line in JSON names the same facts", "[http]") {
  SandboxProcess sandbox(SandboxOptions{.args = {"--log-format", "json", "--seed", "7"}});
  const auto line = nlohmann::json::parse(sandbox.startup_line());
  const std::string base = "http://127.0.0.1:" + std::to_string(sandbox.port());
  CHECK(line == nlohmann::json{{"level", "info"},
                               {"msg", "serving"},
                               {"version", "0.1.0"},
                               {"url", base},
                               {"port", sandbox.port()},
                               {"apis", {"middesk", "modus"}},
                               {"dashboard", base + "/_sandbox/"},
                               {"db", sandbox.db_path()},
                               {"agents", 5},
                               {"scenarios", 14},
                               {"fixtures", FIXTURES_DIR},
                               {"clock", "virtual"},
                               {"now", "2026-01-01T00:00:00.000Z"},
                               {"seed", 7}});
  CliResult bad = RunCli({"--log-format", "xml"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err == "agent-sandbox: --log-format must be text or json, got \"xml\"\n");
}

}  // namespace http_cli_test
