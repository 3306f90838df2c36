// The Modus management state of one agent (spec section 8): its deployed and
// draft variations, owner and access, schedule switch, soft deletion and
// pending ownership transfer. It is the record of the agent's
// script::AgentDefinition (script/agent_definition.h); a fixture agent's is
// made from its fixture until the API first changes it. Private to
// dialects/modus.
//
// Access, as the sandbox reads the contract (docs/modus.md "Managing
// agents"): the owner may use and manage; visibility "shared" lets the whole
// org use and manage; "private" only the owner and the users `sharedWith`
// names ({userId, use, manage}); groupPermissions are kept as given (the
// sandbox has no groups). The user a pending transfer names may see the
// agent, to accept it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/types.h"
#include "dialects/modus/errors.h"
#include "script/agent_definition.h"
#include "script/fixture.h"

namespace sandbox::modus {

// Access for the whole org to use and manage: a new agent's, a fixture agent's.
Json DefaultAccess();

// The owner of every fixture agent in an org (a stable id per org).
std::string FixtureOwnerId(const std::string& org_uuid);

// The record of `agent`: its stored one, else one made from its fixture
// (deployed, the org's fixture owner, shared), created at `created_at`.
Json RecordOf(const script::Agent& agent, const std::string& org_uuid, Instant created_at);

bool CanUse(const Json& record, const Principal& caller);
bool CanManage(const Json& record, const Principal& caller);
// May the caller see the agent at all: use it, or accept its transfer.
bool Visible(const Json& record, const Principal& caller);

// The Agent object of agent `id` for `caller`: the deployed variation (the draft when there
// is none), or the draft (`draft_view`, when there is one).
OrderedJson RenderAgentRecord(int64_t id, const Json& record, const std::string& org_uuid, const Principal& caller,
                              bool draft_view, bool with_variation);

// The definition that makes the engine run `type` (Modus id `id`) as
// `record` says: the deployed variation's name, type, trigger and scenario.
script::AgentDefinition DefinitionOf(const std::string& type, int64_t id, const Json& record);

// The variation fields of a create or update body and accessConfig, checked
// and written into `variation` and `record`: those `fields` names (all
// that the body has when `fields` is empty); a field named but absent from
// the body is cleared (AIP-134). `files` resolves a scenario reference.
// InvalidArgument names the field.
Status ApplyAgentFields(const Json& body, const std::vector<std::string>& fields, const script::FixtureSet& files,
                        Json& variation, Json& record);

// The fields a body may carry, in order: name, type, description, trigger,
// agentSelection, workflowStructure, accessConfig, scenario.
const std::vector<std::string>& AgentFieldNames();

}  // namespace sandbox::modus
