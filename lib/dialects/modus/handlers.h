// Handler functions of the Modus dialect, one file per URL family
// (agents.cpp, agent_admin.cpp, runs.cpp, run_actions.cpp, trigger.cpp). Private to dialects/modus.
#pragma once

#include <httplib.h>

#include "dialects/modus/routes.h"

namespace sandbox::modus {

void ListAgents(const Deps& d, const httplib::Request& req, httplib::Response& res);
void GetAgent(const Deps& d, const httplib::Request& req, httplib::Response& res);

// Agent management (agent_admin.cpp; spec section 8.3).
void CreateAgent(const Deps& d, const httplib::Request& req, httplib::Response& res);
void UpdateAgent(const Deps& d, const httplib::Request& req, httplib::Response& res);
void DeployAgent(const Deps& d, const httplib::Request& req, httplib::Response& res);
void ToggleAgent(const Deps& d, const httplib::Request& req, httplib::Response& res);
void DeleteAgent(const Deps& d, const httplib::Request& req, httplib::Response& res);
void UndeleteAgent(const Deps& d, const httplib::Request& req, httplib::Response& res);
void TransferAgentOwnership(const Deps& d, const httplib::Request& req, httplib::Response& res);
void AcceptAgentOwnership(const Deps& d, const httplib::Request& req, httplib::Response& res);

void ListRuns(const Deps& d, const httplib::Request& req, httplib::Response& res);
void GetRun(const Deps& d, const httplib::Request& req, httplib::Response& res);

// Buffered chat (chat.cpp; spec section 6).
void StartChat(const Deps& d, const httplib::Request& req, httplib::Response& res);
void ContinueChat(const Deps& d, const httplib::Request& req, httplib::Response& res);

// The runtime service (runtime.cpp; spec section 5).
void PostAgentRun(const Deps& d, const httplib::Request& req, httplib::Response& res);
void PostWorkflowAction(const Deps& d, const httplib::Request& req, httplib::Response& res);
void StreamAgentRun(const Deps& d, const httplib::Request& req, httplib::Response& res);
void AgentRunEvents(const Deps& d, const httplib::Request& req, httplib::Response& res);

// Sandbox extensions (not in the vendor's contract).
void ApproveRun(const Deps& d, const httplib::Request& req, httplib::Response& res);
void CancelRun(const Deps& d, const httplib::Request& req, httplib::Response& res);
void TriggerRun(const Deps& d, const httplib::Request& req, httplib::Response& res);

}  // namespace sandbox::modus
