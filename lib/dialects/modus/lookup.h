// Finding an agent's runs in the org namespace by their Modus workflow id,
// and answering with one run. Private to dialects/modus.
#pragma once

#include <httplib.h>

#include <optional>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "script/fixture.h"

namespace sandbox::modus {

// A Modus workflow is a first execution and its retries (core runs linked by
// Run::first_attempt); its number n is Run::agent_seq, which counts the
// agent's first executions in the org, so a retry never shifts the numbers.
struct NumberedRun {
  RunState state;  // with steps
  int64_t n = 0;   // the workflow's number
};

// An execution of the workflow `workflow_id` ("wf_<agentId>_run_<n>"): the
// one whose id is `temporal_run_id` when given, else the latest. nullopt
// after a 404 (or a 500) was written, or a fault the run's scenario
// declares answered `req` (dialects/run_faults.h).
std::optional<NumberedRun> RunOrRespond(engine::Engine& engine, const script::Agent& agent,
                                        const std::string& workflow_id,
                                        const std::optional<std::string>& temporal_run_id, const httplib::Request& req,
                                        httplib::Response& res);

// Answers `http_status` with the run `run_id` (n-th of the agent) as it is
// stored now, rendered in full.
void RespondWithRun(engine::Engine& engine, const script::Agent& agent, const std::string& run_id, int64_t n,
                    int http_status, httplib::Response& res);

}  // namespace sandbox::modus
