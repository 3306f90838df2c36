// A scenario's request faults (issue 13, engine/scenario_faults.h), applied
// by a handler once it knows which run a request is about: the run's id is
// in the path for Middesk, and found from the workflow id for Modus. Stream
// faults are applied where a run's stream starts (follow_run.cpp).
#pragma once

#include <httplib.h>

#include <string>

#include "engine/engine.h"

namespace sandbox::dialects {

// Applies the request fault a rule of `run_id`'s scenario gives this
// request, if one fires (a latency waits here). True when the handler goes
// on; false when the fault wrote the answer. One atomic load when no
// scenario declares request faults.
bool RunFaultOrContinue(engine::Engine& engine, const std::string& run_id, const httplib::Request& req,
                        httplib::Response& res);

}  // namespace sandbox::dialects
