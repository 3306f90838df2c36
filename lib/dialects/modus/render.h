// Core state -> Modus JSON: the Agent object (contract section 8.1) and the
// Run object (section 3). Keys come out in the order the contract lists them.
#pragma once

#include <string>

#include "core/types.h"
#include "dialects/modus/errors.h"
#include "script/fixture.h"

namespace sandbox::modus {

// A fixture agent's variation: {trigger, workflowStructure, agentSelection},
// the workflow's nodes taken from its default scenario. (The Agent object is
// rendered from the agent's record: agent_record.h.)
OrderedJson FixtureVariation(const script::Agent& agent);
// A fixture agent's slug: its type with '-' for '_'.
std::string AgentSlug(const std::string& type);
// ISO-8601 duration of whole seconds (PT24H, PT90M, PT45S), else milliseconds as seconds.
std::string IsoDuration(int64_t ms);

// "wf_<agentId>_run_<n>", n the 1-based creation order of the agent's runs in the org.
std::string WorkflowId(const script::Agent& agent, int64_t n);

// `detail` adds what the contract keeps out of list rows (taskResult,
// taskError, workflowNodes); workflowNodes need the run's steps.
OrderedJson RenderRun(const script::Agent& agent, const RunState& s, int64_t n, bool detail);

// The Modus status of a run: running | awaiting_human | completed | error | cancelled.
const char* ModusStatus(RunStatus s);

}  // namespace sandbox::modus
