// ScenarioFaults (engine/scenario_faults.h): a scenario's fault rules as the
// loader reads them, counted per run, forgotten on a new generation or new
// fixtures, and bounded in how many runs they remember.
#include <catch2/catch.hpp>

#include "engine/scenario_faults.h"
#include "script/loader.h"

namespace engine_scenario_faults_test {

using namespace sandbox;
using sandbox::engine::ScenarioFaults;

namespace {

script::FixtureSet Load(const std::string& faults) {
  auto set = script::ParseFixtureText(
      R"({"agents":[{"type":"a","name":"A","description":"d","scenarios":[
           {"name":"plain","steps":[{"name":"s","label":"S"}]},
           {"name":"flaky","steps":[{"name":"s","label":"S"}],"faults":)" +
          faults + "}]}]}",
      "f.json", IdGenerator(0));
  REQUIRE(set.ok());
  return std::move(set).value();
}

// A lookup that finds every run in `scenario` and counts its calls.
ScenarioFaults::RunLookup In(const std::string& scenario, int* calls = nullptr) {
  return [scenario, calls]() -> std::optional<std::pair<std::string, std::string>> {
    if (calls) ++*calls;
    return std::make_pair(std::string("a"), scenario);
  };
}

const FaultRequest kPoll{"GET", "/v1/runs/r", ""};

}  // namespace

TEST_CASE("scenario faults: the loader reads the rules and names them after their place", "[engine]") {
  auto set = Load(R"([{"fault":"status","status":503,"count":1},{"fault":"drop_after","frames":2}])");
  const auto& rules = set.agents[0].scenarios[1].faults;
  REQUIRE(rules.size() == 2);
  CHECK(rules[0].id == "flaky/faults/0");
  CHECK(rules[0].kind == FaultKind::kStatus);
  CHECK(rules[0].count == 1u);
  CHECK(rules[1].id == "flaky/faults/1");
  CHECK(rules[1].frames == 2);
  CHECK(set.agents[0].scenarios[0].faults.empty());
}

TEST_CASE("scenario faults: a count is per run, and only the scenario's runs match", "[engine]") {
  ScenarioFaults faults;
  faults.Replace(Load(R"([{"fault":"status","status":503,"method":"GET","count":1}])"));
  CHECK(faults.Any(FaultPhase::kRequest));
  CHECK_FALSE(faults.Any(FaultPhase::kStream));
  CHECK(faults.AgentHas("a", FaultPhase::kRequest));
  CHECK_FALSE(faults.AgentHas("a", FaultPhase::kStream));
  CHECK_FALSE(faults.AgentHas("b", FaultPhase::kRequest));
  int calls = 0;
  auto fired = faults.Match("r1", 0, kPoll, FaultPhase::kRequest, In("flaky", &calls));
  REQUIRE(fired);
  CHECK(fired->Describe() == "status 503 (fault flaky/faults/0)");
  CHECK_FALSE(faults.Match("r1", 0, kPoll, FaultPhase::kRequest, In("flaky", &calls)));
  CHECK(calls == 1);  // the run's scenario is looked up once
  CHECK(faults.Match("r2", 0, kPoll, FaultPhase::kRequest, In("flaky")));
  CHECK_FALSE(faults.Match("r3", 0, kPoll, FaultPhase::kRequest, In("plain")));
  CHECK_FALSE(faults.Match("r4", 0, {"POST", "/v1/runs/r4/resume", ""}, FaultPhase::kRequest, In("flaky")));
  // No such run: nothing fires, and nothing is remembered.
  auto none = []() -> std::optional<std::pair<std::string, std::string>> { return std::nullopt; };
  CHECK_FALSE(faults.Match("r5", 0, kPoll, FaultPhase::kRequest, none));
  CHECK(faults.Match("r5", 0, kPoll, FaultPhase::kRequest, In("flaky")));
}

TEST_CASE("scenario faults: a new generation or new fixtures start the counts again", "[engine]") {
  ScenarioFaults faults;
  faults.Replace(Load(R"([{"fault":"status","status":500,"count":1}])"));
  CHECK(faults.Match("r1", 0, kPoll, FaultPhase::kRequest, In("flaky")));
  CHECK_FALSE(faults.Match("r1", 0, kPoll, FaultPhase::kRequest, In("flaky")));
  CHECK(faults.Match("r1", 1, kPoll, FaultPhase::kRequest, In("flaky")));  // the namespace was reset
  faults.Replace(Load(R"([{"fault":"reset","count":1}])"));
  auto fired = faults.Match("r1", 1, kPoll, FaultPhase::kRequest, In("flaky"));
  REQUIRE(fired);
  CHECK(fired->kind == FaultKind::kReset);
  faults.Replace(Load("[]"));
  CHECK_FALSE(faults.Any(FaultPhase::kRequest));
}

TEST_CASE("scenario faults: runs past the bound are forgotten oldest first", "[engine]") {
  ScenarioFaults faults;
  faults.Replace(Load(R"([{"fault":"status","status":500,"count":1}])"));
  CHECK(faults.Match("first", 0, kPoll, FaultPhase::kRequest, In("flaky")));
  for (size_t i = 0; i < ScenarioFaults::kMaxRuns - 1; ++i) {
    CHECK(faults.Match("r" + std::to_string(i), 0, kPoll, FaultPhase::kRequest, In("flaky")));
  }
  CHECK_FALSE(faults.Match("first", 0, kPoll, FaultPhase::kRequest, In("flaky")));  // still remembered
  CHECK(faults.Match("one_more", 0, kPoll, FaultPhase::kRequest, In("flaky")));
  CHECK(faults.Match("first", 0, kPoll, FaultPhase::kRequest, In("flaky")));  // forgotten, counted afresh
}

TEST_CASE("scenario faults: a seeded probability draws the same choices for every run", "[engine]") {
  ScenarioFaults faults;
  faults.Replace(Load(R"([{"fault":"status","status":502,"probability":0.5,"seed":7}])"));
  auto choices = [&](const std::string& run) {
    std::string out;
    for (int i = 0; i < 32; ++i) out += faults.Match(run, 0, kPoll, FaultPhase::kRequest, In("flaky")) ? 'x' : '.';
    return out;
  };
  const std::string one = choices("r1");
  CHECK(one.find('x') != std::string::npos);
  CHECK(one.find('.') != std::string::npos);
  CHECK(choices("r2") == one);
}

}  // namespace engine_scenario_faults_test
