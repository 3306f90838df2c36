// Core state -> Modus JSON: the Agent object (contract section 8.1) and the
// Run object (section 3). Keys come out in the order the contract lists them.
#pragma once

#include <string>

#include "core/types.h"
#include "dialects/modus/errors.h"
#include "script/fixture.h"

namespace sandbox::modus {

OrderedJson RenderAgent(const script::Agent& agent, const std::string& org_uuid, Instant created_at,
                        bool with_variation);

// "wf_<agentId>_run_<n>", n the 1-based creation order of the agent's runs in the org.
std::string WorkflowId(const script::Agent& agent, int64_t n);

// `detail` adds what the contract keeps out of list rows (taskResult,
// taskError, workflowNodes); workflowNodes need the run's steps.
OrderedJson RenderRun(const script::Agent& agent, const RunState& s, int64_t n, bool detail);

// The Modus status of a run: running | awaiting_human | completed | error | cancelled.
const char* ModusStatus(RunStatus s);

}  // namespace sandbox::modus
