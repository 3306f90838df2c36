// `agent-sandbox import`: a run captured from the real Middesk API (or from
// the sandbox) -> a fixture document whose one scenario reproduces it
// (docs/replay.md). Pure functions of the captured text.
#pragma once

#include <string>

#include "core/status.h"
#include "core/types.h"
#include "transfer/timeline.h"

namespace sandbox::transfer {

// The Run JSON inside a capture: the body of GET /v1/runs/{id}?include=steps,
// one STATE_SNAPSHOT event, or a saved SSE stream (the last STATE_SNAPSHOT's
// "snapshot"). InvalidArgument saying what is wrong: not JSON, not a run, a
// run without steps, no snapshot in the stream.
Result<Json> CapturedRun(const std::string& text);

// The run as it happened, from its Run JSON. `agent` (when not empty)
// replaces the run's agent type.
Result<Timeline> TimelineFromRun(const Json& run, const std::string& agent = "");

// {"agents":[{"type": ..., "scenarios":[{"name":"imported_<id:8>", ...}]}]}.
Result<Json> ImportRun(const Json& run, const std::string& agent = "");

// ISO 8601 with or without fractional seconds, "Z" or a "+HH:MM"/"-HH:MM" offset.
std::optional<Instant> ParseCapturedInstant(const std::string& text);

}  // namespace sandbox::transfer
