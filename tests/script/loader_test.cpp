// Fixture loading: the shipped library loads, and every kind of mistake is
// reported with its file, JSON pointer and what was expected.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "script/loader.h"

using namespace sandbox;
using namespace sandbox::script;

namespace {

const IdGenerator kIds(0);

std::string Wrap(const std::string& step) {
  return R"({"agents":[{"type":"a","name":"A","description":"d","scenarios":[{"name":"default","steps":[)" + step +
         "]}]}]}";
}

std::string ErrorOf(const std::string& text) {
  auto r = ParseFixtureText(text, "f.json", kIds);
  return r.ok() ? "(loaded)" : r.status().message();
}

}  // namespace

TEST_CASE("the shipped fixtures load", "[script]") {
  auto set = LoadFixtures(FIXTURES_DIR, kIds);
  REQUIRE(set.ok());
  const Agent* cip = set.value().FindAgentByType("cip_orchestrator");
  REQUIRE(cip != nullptr);
  CHECK(cip->name == "CIP Orchestrator");
  CHECK(cip->scenarios.front().name == "default");
  CHECK(set.value().FindAgentByType("watchlist_resolution") != nullptr);
  CHECK(set.value().FindAgentByType("address_verification") != nullptr);
  CHECK(set.value().FindAgentById(cip->id) == cip);
}

TEST_CASE("a minimal fixture parses with defaults filled in", "[script]") {
  auto r = ParseFixtureText(Wrap(R"({"name":"s","label":"S","duration":"1.5s","steps":[{"name":"c","label":"C","agent":"x"}]})"),
                            "f.json", kIds);
  REQUIRE(r.ok());
  const StepNode& s = r.value().agents[0].scenarios[0].steps[0];
  CHECK(s.type == "activity");
  CHECK(s.agent == "a");
  CHECK(s.duration_ms == 1500);
  CHECK(s.steps[0].agent == "x");
  CHECK(s.steps[0].ref == 1);
  CHECK(r.value().agents[0].id == kIds.Uuid("agent", "a", 0));
}

TEST_CASE("fixture mistakes are reported with file, JSON pointer and expectation", "[script]") {
  struct Case {
    std::string text;
    std::string expected;
  };
  const std::string at = "f.json: /agents/0/scenarios/0/steps/0";
  std::vector<Case> cases = {
      {Wrap(R"({"name":"s","label":"S","type":"bogus"})"),
       at + "/type: expected one of activity, output, interrupt, error, got \"bogus\""},
      {Wrap(R"({"label":"S"})"), at + ": missing required key \"name\""},
      {Wrap(R"({"name":"s","label":"S","lable":"x"})"),
       at + ": unknown key \"lable\" (expected one of: name, label, type, agent, duration, artifacts, result, steps, "
            "interrupt, error)"},
      {Wrap(R"({"name":"s","label":"S","duration":"soon"})"),
       at + "/duration: expected a duration such as \"250ms\", \"2s\", \"1.5m\", \"1h\" or a number of "
            "milliseconds, got \"soon\""},
      {Wrap(R"({"name":"s","label":"S","type":"interrupt"})"),
       at + ": a step of type \"interrupt\" needs an \"interrupt\" object"},
      {Wrap(R"({"name":"s","label":"S","type":"interrupt","interrupt":{"value":[]}})"),
       at + "/interrupt/value: expected an object, got array"},
      {Wrap(R"({"name":"s","label":"S","type":"error"})"),
       at + ": a step of type \"error\" needs an \"error\" object with a message"},
      {Wrap(R"({"name":"s","label":"S","artifacts":[{"title":"t"}]})"),
       at + "/artifacts/0: missing required key \"type\""},
      {Wrap(R"({"name":"s","label":"S","artifacts":[{"title":"t","type":"x","sources":[{"name":"n"}]}]})"),
       at + "/artifacts/0/sources/0: unknown key \"name\" (expected one of: url, source_name, source_tier, "
            "source_type)\n" +
           at + "/artifacts/0/sources/0: missing required key \"url\""},
      {Wrap(R"({"name":"s","label":"S","type":"interrupt","interrupt":{"value":{},"branches":{"ok":[{"name":1,"label":"x"}]}}})"),
       at + "/interrupt/branches/ok/0/name: expected a string, got number"},
      {R"({"agents":[{"type":"a","name":"A","description":"d","scenarios":[]}]})",
       "f.json: /agents/0/scenarios: an agent needs at least one scenario"},
      {R"({"agentz":[]})", "f.json: /: unknown key \"agentz\" (expected one of: agents)\nf.json: /: missing required key \"agents\""},
      {R"([1])", "f.json: /: expected an object, got array"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    CHECK(ErrorOf(c.text) == c.expected);
  }
}

TEST_CASE("JSON syntax errors give file, line and column", "[script]") {
  std::string err = ErrorOf("{\n  \"agents\": [\n    {,}\n  ]\n}");
  CHECK_THAT(err, Catch::StartsWith("f.json:3:6: syntax error"));
}

TEST_CASE("an agent type declared twice names the first file", "[script]") {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / "agent-sandbox-loader-test";
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::string one = Wrap(R"({"name":"s","label":"S"})");
  std::ofstream(dir / "a.json") << one;
  std::ofstream(dir / "b.json") << one;
  std::ofstream(dir / "notes.txt") << "ignored";
  auto r = LoadFixtures(dir.string(), kIds);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message() == (dir / "b.json").string() + ": /agents/0/type: agent type \"a\" is already declared in " +
                                    (dir / "a.json").string());
  fs::remove_all(dir);
}

TEST_CASE("a missing fixture path is reported", "[script]") {
  auto r = LoadFixtures("/nonexistent/fixtures", kIds);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message() == "/nonexistent/fixtures: no such fixture file or folder");
}
