// A run's stream with a stream fault applied (issue 13, http/faults.h):
// stall_after, drop_after, duplicate_frame, heartbeat_delay. StreamRunLog
// (follow_run.h) hands a stream here only when a fault fired for it, so a
// stream without one runs the plain loop and pays one atomic load.
#pragma once

#include <httplib.h>

#include <memory>

#include "dialects/follow_run.h"
#include "engine/engine.h"
#include "http/faults.h"

namespace sandbox::dialects {

// Like StreamRunLog, with `fault` applied to the frames it writes. Frames
// are counted from 1 per connection, heartbeats not included.
void StreamRunLogWithFault(httplib::Response& res, engine::Engine* engine, int64_t heartbeat_ms,
                           std::shared_ptr<RunLogRenderer> renderer, const Fault& fault);

}  // namespace sandbox::dialects
