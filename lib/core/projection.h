// The one apply path (STYLE.md): live changes and recovery both fold events
// into a RunState with Apply(), so stored rows, in-memory state and a rebuild
// from the log can never disagree.
#pragma once

#include <vector>

#include "core/event.h"
#include "core/status.h"
#include "core/types.h"

namespace sandbox {

// Applies one event. Fails, leaving `state` untouched, on an event that does
// not follow: a sequence gap or duplicate, an unknown type, a payload of the
// wrong shape, or a reference to a step or interrupt the run does not have.
Status Apply(RunState& state, const Event& event);

// Rebuilds a run from its whole log.
Result<RunState> Rebuild(const std::vector<Event>& log);

}  // namespace sandbox
