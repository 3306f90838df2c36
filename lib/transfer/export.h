// `agent-sandbox export`: a run's event log -> a fixture document whose one
// scenario reproduces the run (docs/replay.md). Pure: reads only the log.
#pragma once

#include <vector>

#include "core/event.h"
#include "core/status.h"
#include "transfer/timeline.h"

namespace sandbox::transfer {

// The run as it happened, from its whole log (core Rebuild, plus what only
// the events know: interrupt values and branches taken, tools, notices).
Result<Timeline> TimelineFromLog(const std::vector<Event>& log);

// {"agents":[{"type": <run's agent>, ..., "scenarios":[{"name":"exported_<id:8>", ...}]}]}.
// Fails on an empty or inconsistent log.
Result<Json> ExportRun(const std::vector<Event>& log);

}  // namespace sandbox::transfer
