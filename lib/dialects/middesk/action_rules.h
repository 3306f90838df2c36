// The Middesk rules for actions on business-verification objects, and the
// JSON an action reports (../shared/spec/middesk-agents.md sections 3.4 and
// 5). The engine runs them on its writer through ObjectActionCommand.
#pragma once

#include <string>

#include "core/status.h"
#include "core/types.h"
#include "engine/engine.h"

namespace sandbox::middesk {

// The object an action names must exist in the namespace: a business once a
// thread has it as context, a watchlist result once a step produced an
// artifact of a watchlist_* type. NotFound (object_id) otherwise.
Status CheckActionObjectExists(store::Store& store, const std::string& object_type, const std::string& object_id);

// The engine command for an action whose request shape is already checked:
// the rules (a decision must change the status; add_sources, add_attributes
// and verify_tin need a final status; verify_tin once; dismissal once; a
// broken rule is InvalidArgument naming the field), the effects, the actors,
// and the answer given to the run's pending interrupt:
//   {"decision": D, "action_type": T, "action_id": ID, "payload": {...}, "note": N}
// where D is "approve" for an approving decision and for a dismissal,
// "reject" for a rejecting decision, and the action type otherwise.
engine::ObjectActionCommand ActionCommand(std::string object_type, std::string object_id, std::string type,
                                          Json payload, std::optional<std::string> note,
                                          std::optional<std::string> thread_id, std::optional<std::string> run_id,
                                          Principal caller);

}  // namespace sandbox::middesk
