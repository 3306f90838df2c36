// `agent-sandbox replay`: a run's stream, byte for byte as
// GET /v1/runs/{id}/stream sends it (without heartbeats), up to the run's
// current end. Derived from the log by the same middesk::RunStreamFrames.
#pragma once

#include <string>
#include <vector>

#include "core/event.h"
#include "core/status.h"

namespace sandbox::transfer {

Result<std::string> ReplayStream(const std::vector<Event>& log);

}  // namespace sandbox::transfer
