// Finding an agent's runs in the org namespace by their Modus workflow id,
// and answering with one run. Private to dialects/modus.
#pragma once

#include <httplib.h>

#include <optional>
#include <string>

#include "engine/engine.h"
#include "script/fixture.h"

namespace sandbox::modus {

struct NumberedRun {
  RunState state;  // with steps
  int64_t n = 0;   // 1-based creation order among the agent's runs in the org
};

// The run named by `workflow_id` ("wf_<agentId>_run_<n>"); when
// `temporal_run_id` is given it must be the run's id. nullopt after a 404
// (or a 500) was written.
std::optional<NumberedRun> RunOrRespond(engine::Engine& engine, const script::Agent& agent,
                                        const std::string& workflow_id,
                                        const std::optional<std::string>& temporal_run_id, httplib::Response& res);

// Answers `http_status` with the run `run_id` (n-th of the agent) as it is
// stored now, rendered in full.
void RespondWithRun(engine::Engine& engine, const script::Agent& agent, const std::string& run_id, int64_t n,
                    int http_status, httplib::Response& res);

}  // namespace sandbox::modus
