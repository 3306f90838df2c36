// `agent-sandbox replay`: a run's stream, byte for byte as its dialect's
// stream endpoint sends it (without heartbeats), up to the run's current
// end. Derived from the log by the same frame builders the server uses:
// Middesk's GET /v1/runs/{id}/stream (middesk::RunStreamFrames), or the
// Modus runtime's GET /agent/runs/{id}/stream (modus::RuntimeFrames).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/event.h"
#include "core/status.h"

namespace sandbox::transfer {

enum class StreamDialect { kMiddesk, kModus };

// "middesk" or "modus"; nullopt for anything else.
std::optional<StreamDialect> StreamDialectNamed(const std::string& name);
// The dialect whose API created the runs of namespace `ns`: a Modus
// organisation's namespaces are org-<uuid>[/<name>] (http/sandbox_headers.h);
// every other namespace is Middesk's.
StreamDialect StreamDialectOfNamespace(const std::string& ns);

Result<std::string> ReplayStream(const std::vector<Event>& log, StreamDialect dialect);

}  // namespace sandbox::transfer
