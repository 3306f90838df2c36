// Fixture loading: the shipped library loads, and every kind of mistake is
// reported with its file, JSON pointer and what was expected.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "script/loader.h"

namespace script_loader_test {

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
  auto r = ParseFixtureText(
      Wrap(R"({"name":"s","label":"S","duration":"1.5s","steps":[{"name":"c","label":"C","agent":"x"}]})"), "f.json",
      kIds);
  REQUIRE(r.ok());
  const StepNode& s = r.value().agents[0].scenarios[0].steps[0];
  CHECK(s.type == "activity");
  CHECK(s.agent == "a");
  CHECK(s.duration_ms == 1500);
  CHECK(s.steps[0].agent == "x");
  CHECK(s.steps[0].ref == 1);
  CHECK(r.value().agents[0].id == kIds.Uuid("agent", "a", 0));
}

TEST_CASE("a corpus of broken fixtures gives exactly the expected messages", "[script]") {
  // tests/script/broken/NAME.json holds mistakes; NAME.expected what
  // `agent-sandbox validate tests/script/broken/NAME.json` must print. Among
  // them the small hostile files of issue 10 (1e400, deep nesting, deep
  // steps, invalid UTF-8, truncated, empty, regexes RE2 refuses, counts);
  // limits_test.cpp generates the large ones.
  namespace fs = std::filesystem;
  const std::string dir = BROKEN_FIXTURES_DIR;
  int checked = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".json") continue;
    INFO(entry.path().filename().string());
    auto r = LoadFixtures(entry.path().string(), kIds);
    REQUIRE_FALSE(r.ok());
    std::string got = r.status().message() + "\n";
    for (size_t at; (at = got.find(dir + "/")) != std::string::npos;)
      got.replace(at, dir.size() + 1, "tests/script/broken/");
    std::ifstream expected_file(fs::path(entry.path()).replace_extension(".expected"));
    std::stringstream expected;
    expected << expected_file.rdbuf();
    CHECK(got == expected.str());
    ++checked;
  }
  CHECK(checked >= 19);
}

TEST_CASE("a mistake in memory is reported with line, column, pointer and expectation", "[script]") {
  CHECK(ErrorOf(Wrap(R"({"name":"s","label":"S","type":"bogus"})")) ==
        "f.json:1:124: /agents/0/scenarios/0/steps/0/type: expected one of activity, output, interrupt, error, got "
        "\"bogus\"");
  CHECK(ErrorOf(Wrap(R"({"name":"s","label":"S","lable":"x"})")) ==
        "f.json:1:117: /agents/0/scenarios/0/steps/0: unknown key \"lable\" (did you mean \"label\"?)");
  CHECK(ErrorOf(R"({"agentz":[]})") ==
        "f.json:1:2: /: unknown key \"agentz\" (did you mean \"agents\"?)\nf.json:1:1: /: missing required key "
        "\"agents\"");
  CHECK(ErrorOf(R"([1])") == "f.json:1:1: /: expected an object, got array");
}

TEST_CASE("templates, match rules, policies and Modus identity are read", "[script]") {
  auto r =
      ParseFixtureText(R"({"agents":[{"type":"a","name":"A","description":"d","version":"2","interrupt_policy":"skip",
    "modus":{"id":7,"agent_type":"task","triggers":[{"type":"schedule","every":"1h","start":"2026-01-01T00:00:00Z"}]},
    "scenarios":[
      {"name":"vip","match":[{"field":"context.tier","equals":"vip"},{"field":"input","matches":"^urgent"}],
       "interrupt_policy":"auto_approve","steps":[{"name":"s","label":"Hi {{request.input}}"}]},
      {"name":"default","result":{"summary":"done {{run.id}}","task_result":{"ok":true}},
       "steps":[{"name":"s","label":"S","tool":{"name":"search","input":{"q":"{{request.input}}"}},"notice":"n","message":"a b"}]}]}]})",
                       "f.json", kIds);
  REQUIRE(r.ok());
  const Agent& a = r.value().agents[0];
  CHECK(a.version == "2");
  CHECK(a.interrupt_policy == InterruptPolicy::kSkip);
  REQUIRE(a.modus.has_value());
  CHECK(a.modus->id == 7);
  CHECK(a.modus->triggers[0].every_ms == 3600000);
  CHECK(a.modus->triggers[0].start == 1767225600000);
  CHECK(a.scenarios[0].interrupt_policy == InterruptPolicy::kAutoApprove);
  CHECK(a.scenarios[1].interrupt_policy == InterruptPolicy::kSkip);  // the agent's, resolved into the scenario
  CHECK(a.scenarios[1].source["interrupt_policy"] == "skip");
  CHECK(a.SelectScenario(Json{{"context", {{"tier", "vip"}}}, {"input", "urgent: please"}}).name == "vip");
  CHECK(a.SelectScenario(Json{{"context", {{"tier", "vip"}}}, {"input", "later"}}).name == "default");
  CHECK(a.SelectScenario(Json::object()).name == "default");
  CHECK(a.scenarios[1].steps[0].tool->name == "search");
  CHECK(a.scenarios[1].result["summary"] == "done {{run.id}}");
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
  CHECK(r.status().message() == (dir / "b.json").string() +
                                    ":1:20: /agents/0/type: agent type \"a\" is already declared in " +
                                    (dir / "a.json").string());
  fs::remove_all(dir);
}

TEST_CASE("a missing fixture path is reported", "[script]") {
  auto r = LoadFixtures("/nonexistent/fixtures", kIds);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message() == "/nonexistent/fixtures: no such fixture file or folder");
}

TEST_CASE("workflow-action scenarios play only for the action they script, never for other runs", "[script]") {
  auto r = ParseFixtureText(R"({"agents":[{"type":"t","name":"T","description":"d",
    "modus":{"id":9,"agent_type":"task"},"scenarios":[
      {"name":"lookup","workflow_action":{"tool_id":"tool-1"},"steps":[{"name":"s","label":"S"}]},
      {"name":"named","workflow_action":{"tool_name":"Summarise","tool_id":"tool-2"},
       "match":[{"field":"userTimezone","equals":"Europe/Paris"}],"steps":[{"name":"s","label":"S"}]},
      {"name":"chat","steps":[{"name":"s","label":"S"}]}]}]})",
                            "f.json", kIds);
  REQUIRE(r.ok());
  const Agent& a = r.value().agents[0];
  CHECK(a.SelectScenario(Json::object()).name == "chat");
  CHECK(a.SelectScenario(Json{{"workflowAction", {{"toolId", "tool-1"}}}}).name == "chat");
  auto action = [&](Json wa, Json extra = Json::object()) -> std::string {
    extra["workflowAction"] = std::move(wa);
    const Scenario* s = a.SelectWorkflowAction(extra);
    return s ? s->name : "(none)";
  };
  CHECK(action({{"toolId", "tool-1"}, {"toolName", "anything"}}) == "lookup");
  CHECK(action({{"toolId", "tool-3"}}) == "(none)");
  CHECK(action({{"toolId", "tool-2"}, {"toolName", "Summarise"}}) == "(none)");  // its match rule fails
  CHECK(action({{"toolId", "tool-2"}, {"toolName", "Summarise"}}, {{"userTimezone", "Europe/Paris"}}) == "named");
  CHECK(action({{"toolId", "tool-2"}}, {{"userTimezone", "Europe/Paris"}}) == "(none)");  // toolName missing
  CHECK(action("tool-1") == "(none)");
  CHECK(a.SelectWorkflowAction(Json::object()) == nullptr);
}

TEST_CASE("an agent's context rule is business, any or optional", "[script]") {
  auto with = [](const std::string& context) {
    return ParseFixtureText(R"({"agents":[{"type":"a","name":"A","description":"d",)" + context +
                                R"("scenarios":[{"name":"s","steps":[{"name":"x","label":"X"}]}]}]})",
                            "f.json", kIds);
  };
  auto r = with("");
  REQUIRE(r.ok());
  CHECK(r.value().agents[0].context == Agent::ContextRule::kBusiness);
  r = with(R"("context":"any",)");
  REQUIRE(r.ok());
  CHECK(r.value().agents[0].context == Agent::ContextRule::kAny);
  r = with(R"("context":"optional",)");
  REQUIRE(r.ok());
  CHECK(r.value().agents[0].context == Agent::ContextRule::kOptional);
  r = with(R"("context":"optinal",)");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message() ==
        "f.json:1:63: /agents/0/context: expected one of business, any, optional, got \"optinal\" (did you mean "
        "\"optional\"?)");
}

}  // namespace script_loader_test
