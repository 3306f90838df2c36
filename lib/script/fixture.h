// The scenario model: agents and the scripted behaviour of their runs, as read
// from fixture files (docs/fixtures.md is the user's reference). Plain data;
// loader.h fills it and validates it, program.h compiles a scenario for the
// engine.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/types.h"

namespace sandbox::script {

struct ArtifactSpec {
  std::string title;
  std::string type;
  std::optional<std::string> confidence;
  std::optional<std::string> summary;
  std::vector<Source> sources;
};

struct StepNode;
using StepList = std::vector<StepNode>;

struct InterruptSpec {
  Json value;  // the payload shown to the client (an object)
  std::optional<std::string> agent;  // defaults to value.agent when that is a string
  // What happens after the resume, keyed by the answer's decision; "default"
  // catches every other answer. Absent keys continue with the next step.
  std::map<std::string, StepList> branches;
};

struct StepNode {
  int ref = 0;  // index of this node in its scenario, depth-first; names the step's id
  std::string name;
  std::string label;
  std::string type = "activity";  // activity | output | interrupt | error
  std::string agent;  // resolved: the node's own, else its parent's, else the agent's type
  int64_t duration_ms = 0;
  std::vector<ArtifactSpec> artifacts;
  Json result;  // null when absent
  StepList steps;  // children, run one after another
  std::optional<InterruptSpec> interrupt;
  std::optional<std::string> error_message;
};

struct Scenario {
  std::string name;
  std::string description;
  StepList steps;
  int node_count = 0;
  Json source;  // the scenario exactly as written, stored with each run that uses it
};

struct Agent {
  std::string id;  // derived from the type, stable across restarts
  std::string type;
  std::string name;
  std::string description;
  std::string file;  // where it was declared
  std::vector<Scenario> scenarios;  // the first one is the default
  const Scenario* FindScenario(const std::string& name) const;
};

struct FixtureSet {
  std::vector<Agent> agents;  // in load order: files by name, agents as written
  const Agent* FindAgentByType(const std::string& type) const;
  const Agent* FindAgentById(const std::string& id) const;
  size_t ScenarioCount() const;
};

}  // namespace sandbox::script
