// AgentDefinitions: agents defined or changed at run time through an API
// (the Modus agent management API), each one JSON document keyed by the
// agent's type. The store keeps the documents as given; the script layer
// reads them (script/agent_definition.h). One of the store's small
// interfaces (store.h).
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "core/types.h"

namespace sandbox::store {

class AgentDefinitions {
 public:
  virtual ~AgentDefinitions() = default;

  // Writer thread only: adds the definition of `agent_type`, or replaces it,
  // in one transaction with the namespace's clock.
  virtual Status PutAgentDefinition(const std::string& agent_type, const Json& definition, Instant clock_now) = 0;
  // This namespace's definitions, by agent type.
  virtual Result<std::vector<Json>> ListAgentDefinitions() = 0;
};

}  // namespace sandbox::store
