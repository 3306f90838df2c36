// Agent definitions and laying them over the fixtures; see agent_definition.h.
#include "script/agent_definition.h"

#include "core/ids.h"
#include "core/time_format.h"
#include "script/loader.h"

namespace sandbox::script {
namespace {

Json TriggersToJson(const std::vector<ModusTrigger>& triggers) {
  Json out = Json::array();
  for (const auto& t : triggers) {
    Json j{{"type", t.type}};
    if (t.every_ms) j["every_ms"] = *t.every_ms;
    if (t.start) j["start_ms"] = *t.start;
    out.push_back(std::move(j));
  }
  return out;
}

bool IsString(const Json& j, const char* key) { return j.contains(key) && j[key].is_string(); }
bool IsInt(const Json& j, const char* key) { return j.contains(key) && j[key].is_number_integer(); }

}  // namespace

Json DefinitionToJson(const AgentDefinition& d) {
  Json j{{"type", d.type},
         {"name", d.name},
         {"description", d.description},
         {"modus",
          {{"id", d.modus.id},
           {"agent_type", d.modus.agent_type},
           {"enabled", d.modus.enabled},
           {"status", d.modus.status},
           {"triggers", TriggersToJson(d.modus.triggers)}}},
         {"schedule_skipped", d.schedule_skipped},
         {"record", d.record}};
  if (d.scenario) j["scenario"] = *d.scenario;
  return j;
}

Result<AgentDefinition> DefinitionFromJson(const Json& j) {
  auto bad = [](const std::string& why) { return Status::InvalidArgument("agent definition: " + why); };
  if (!j.is_object() || !IsString(j, "type") || !IsString(j, "name") || !IsString(j, "description") ||
      !j.contains("modus") || !j["modus"].is_object() || !IsInt(j, "schedule_skipped")) {
    return bad("type, name, description, modus or schedule_skipped missing");
  }
  AgentDefinition d;
  d.type = j["type"];
  d.name = j["name"];
  d.description = j["description"];
  d.schedule_skipped = j["schedule_skipped"];
  const Json& m = j["modus"];
  if (!IsInt(m, "id") || !IsString(m, "agent_type") || !m.contains("enabled") || !m["enabled"].is_boolean() ||
      !IsString(m, "status") || !m.contains("triggers") || !m["triggers"].is_array()) {
    return bad("modus incomplete");
  }
  d.modus.id = m["id"];
  d.modus.agent_type = m["agent_type"];
  d.modus.enabled = m["enabled"];
  d.modus.status = m["status"];
  for (const auto& t : m["triggers"]) {
    if (!t.is_object() || !IsString(t, "type")) return bad("a trigger without a type");
    ModusTrigger trigger{.type = t["type"]};
    if (IsInt(t, "every_ms")) trigger.every_ms = t["every_ms"].get<int64_t>();
    if (IsInt(t, "start_ms")) trigger.start = t["start_ms"].get<int64_t>();
    d.modus.triggers.push_back(std::move(trigger));
  }
  if (j.contains("scenario")) {
    if (!j["scenario"].is_string()) return bad("scenario is not a string");
    d.scenario = j["scenario"].get<std::string>();
  }
  d.record = j.contains("record") ? j["record"] : Json();
  return d;
}

Result<ScenarioRef> FindScenarioRef(const FixtureSet& files, const std::string& ref, const std::string& field) {
  std::vector<ScenarioRef> found;
  std::vector<std::string> names;
  auto slash = ref.find('/');
  for (const auto& agent : files.agents) {
    for (const auto& sc : agent.scenarios) {
      if (sc.workflow_action) continue;  // scripts a workflow action, not a run
      names.push_back(agent.type + "/" + sc.name);
      bool hit = slash == std::string::npos ? sc.name == ref
                                            : agent.type == ref.substr(0, slash) && sc.name == ref.substr(slash + 1);
      if (hit) found.push_back(ScenarioRef{&agent, &sc});
    }
  }
  if (found.size() == 1) return found.front();
  std::string known;
  for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
  if (found.empty()) {
    return Status::InvalidArgument("no fixture scenario \"" + ref + "\" (scenarios: " + known + ")", field);
  }
  return Status::InvalidArgument("several fixture agents have a scenario \"" + ref +
                                     "\": name it as <agent type>/<scenario> (scenarios: " + known + ")",
                                 field);
}

namespace {

constexpr const char* kPlaceholderAgent = "\x01" "default-agent";

void ResolveAgent(StepList& steps, const std::string& agent_type) {
  for (auto& node : steps) {
    if (node.agent == kPlaceholderAgent) node.agent = agent_type;
    ResolveAgent(node.steps, agent_type);
  }
}

}  // namespace

Result<Scenario> DefaultScenario(const std::string& agent_type) {
  // Parsed once (an overlay makes one per agent created through the API, on
  // every change); only the steps' agent differs between agents.
  static const Result<Scenario> kParsed = ParseScenario(Json::parse(R"({
    "name": "default",
    "description": "What an agent created through the API plays when it names no fixture scenario.",
    "interrupt_policy": "manual",
    "steps": [
      {"name": "work", "label": "Working on the request", "duration": "1s",
       "message": "Done: the sandbox's default scenario ran. Name a fixture scenario to script this agent."}
    ],
    "result": {"summary": "Done"}
  })"),
                                                        kPlaceholderAgent);
  if (!kParsed.ok()) return kParsed.status();
  Scenario sc = kParsed.value();
  ResolveAgent(sc.steps, agent_type);
  return sc;
}

std::shared_ptr<const FixtureSet> Overlay(std::shared_ptr<const FixtureSet> files,
                                          const std::vector<AgentDefinition>& definitions) {
  if (definitions.empty()) return files;
  auto set = std::make_shared<FixtureSet>(*files);
  static const IdGenerator kStableIds(0);
  for (const auto& def : definitions) {
    Agent* agent = nullptr;
    for (auto& a : set->agents) {
      if (a.type == def.type) agent = &a;
    }
    const bool fresh = agent == nullptr;
    if (fresh) {
      bool taken = false;
      for (const auto& a : set->agents) taken = taken || (a.modus && a.modus->id == def.modus.id);
      if (taken) continue;
      set->agents.push_back(Agent{});
      agent = &set->agents.back();
      agent->type = def.type;
      agent->id = kStableIds.Uuid("agent", def.type, 0);
      agent->context = Agent::ContextRule::kOptional;
    }
    agent->name = def.name;
    agent->description = def.description;
    agent->modus = def.modus;
    agent->record = def.record;
    std::optional<ScenarioRef> ref;
    if (def.scenario) {
      auto found = FindScenarioRef(*files, *def.scenario, "scenario");
      if (found.ok()) ref = found.value();
    }
    if (ref) {
      agent->scenarios = {*ref->scenario};
      agent->interrupt_policy = ref->agent->interrupt_policy;
    } else if (fresh || def.scenario) {
      // A reference the fixtures no longer have falls back to the default.
      auto fallback = DefaultScenario(def.type);
      if (fallback.ok()) agent->scenarios = {std::move(fallback).value()};
    }
    agent->schedule.reset();
    if (def.modus.enabled && def.modus.status == "active") {
      for (const auto& t : def.modus.triggers) {
        if (t.type != "schedule" || !t.every_ms || *t.every_ms <= 0) continue;
        agent->schedule = Schedule{.every_ms = *t.every_ms, .start = t.start, .skipped = def.schedule_skipped};
        break;
      }
    }
  }
  return set;
}

}  // namespace sandbox::script
