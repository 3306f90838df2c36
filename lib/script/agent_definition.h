// Agents defined or changed at run time through an API (the Modus agent
// management API, dialects/modus/agent_admin.cpp): what the engine needs to
// run one, with the dialect's own record of it, kept in the store as one JSON
// document (store/agent_definitions.h) and laid over the fixtures (Overlay).
// A definition of a fixture agent's type changes that agent; any other
// defines a new one, which plays a fixture scenario named by reference, or
// kDefaultScenario.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "script/fixture.h"

namespace sandbox::script {

struct AgentDefinition {
  std::string type;  // the agent's key: a fixture agent's type, or a new one
  std::string name;
  std::string description;
  ModusIdentity modus;  // status draft or deleted: the agent never runs
  // The fixture scenario its runs play (ScenarioRef); absent: a fixture
  // agent keeps its own scenarios, a new agent plays the default one.
  std::optional<std::string> scenario;
  // Schedule periods that passed while the schedule was off; the engine
  // sets it when a schedule is switched on, so missed periods never fire.
  int64_t schedule_skipped = 0;
  Json record;  // the dialect's record, kept as given
};

Json DefinitionToJson(const AgentDefinition& d);
// A stored definition; InvalidArgument when it is not one.
Result<AgentDefinition> DefinitionFromJson(const Json& j);

// The scenario a definition's reference names among the fixture files'
// agents: "<agent type>/<scenario>", or a scenario name only one agent has.
// InvalidArgument (field `field`) saying what exists when none or several do.
struct ScenarioRef {
  const Agent* agent = nullptr;
  const Scenario* scenario = nullptr;
};
Result<ScenarioRef> FindScenarioRef(const FixtureSet& files, const std::string& ref, const std::string& field);

// What an agent created through the API plays when it names no scenario (or
// one the fixtures no longer have): one step, a short message and a result.
Result<Scenario> DefaultScenario(const std::string& agent_type);

// `files` with `definitions` laid over them: the same set when there are
// none. A new agent whose Modus id a fixture agent already has is left out
// (the fixture wins). Schedules run only for active, enabled agents.
std::shared_ptr<const FixtureSet> Overlay(std::shared_ptr<const FixtureSet> files,
                                          const std::vector<AgentDefinition>& definitions);

}  // namespace sandbox::script
