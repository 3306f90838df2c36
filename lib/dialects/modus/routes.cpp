// The route table of the Modus dialect. Paths as in ../shared/spec/modus-agents.md
// (sections 4 and 8), plus the sandbox extensions documented in docs/modus.md;
// the fields each route reads are declared beside it (http/route_table.h).
#include "dialects/modus/routes.h"

#include "dialects/modus/handlers.h"
#include "http/route_fields.h"

namespace sandbox::modus {
namespace {

using http::OptionalField;
using http::RequiredField;
using Fields = std::vector<http::RouteField>;

// ?pageSize=&pageToken= (PageOrRespond in request.cpp), after a route's own filters.
Fields Paged(Fields query) {
  query.push_back(OptionalField("pageSize", "integer", "1 to 100 (larger sizes are clamped)"));
  query.push_back(OptionalField("pageToken", "string", "The nextPageToken of the previous page"));
  return query;
}

// {message, model} (ChatRequestOrRespond in chat.cpp).
Fields ChatBody() {
  return {RequiredField("message", "string", "The user's message"),
          RequiredField("model", "string", "A supported model, e.g. claude-sonnet-4.6 or gpt-5.2")};
}

// The fields of an agent's create or update body (ApplyAgentFields in agent_record.cpp).
Fields AgentBody(bool create) {
  auto name = create ? RequiredField("name", "string", "1 to 200 characters")
                     : OptionalField("name", "string", "1 to 200 characters");
  auto type = create ? RequiredField("type", "string", "task or workflow")
                     : OptionalField("type", "string", "task or workflow");
  return {name,
          type,
          OptionalField("description", "string", "Up to 2000 characters"),
          OptionalField("trigger", "object", "{kinds, schedule: {everyMs, startAt}}"),
          OptionalField("agentSelection", "array", "Ordered skills with their instructions"),
          OptionalField("workflowStructure", "object", "{nodes, edges}"),
          OptionalField("accessConfig", "object", "{visibility, groupPermissions, sharedWith}"),
          OptionalField("scenario", "string", "The fixture scenario its runs play (sandbox extension)")};
}

// Last-Event-ID as a query parameter (LastSeqOrRespond in runtime.cpp).
http::RouteField LastEventIdQuery() {
  return OptionalField("lastEventId", "string", "Resume after this frame (as Last-Event-ID)");
}

}  // namespace

void RegisterRoutes(http::RouteTable& t, const Deps& d) {
  using Handler = void (*)(const Deps&, const httplib::Request&, httplib::Response&);
  auto add = [&t, &d](http::Route r, Handler h) {
    r.tag = "Modus";
    t.Add(std::move(r), [&d, h](const httplib::Request& req, httplib::Response& res) { h(d, req, res); });
  };
  add({.method = "GET",
       .path = "/api/v1/agents",
       .summary = "List agents",
       .query = Paged({OptionalField("type", "string", "task or workflow"),
                       OptionalField("search", "string", "Part of the agent's name"),
                       OptionalField("includeVariation", "boolean", "Include each agent's variation"),
                       OptionalField("view", "string", "active (default) or draft"),
                       OptionalField("showDeleted", "boolean", "Include soft-deleted agents")})},
      ListAgents);
  add({.method = "GET",
       .path = "/api/v1/agents/{agent_id}",
       .summary = "Get an agent",
       .query = {OptionalField("view", "string", "active (default) or draft")}},
      GetAgent);
  add({.method = "POST", .path = "/api/v1/agents", .summary = "Create an agent", .body = AgentBody(true)},
      CreateAgent);
  add({.method = "PATCH",
       .path = "/api/v1/agents/{agent_id}",
       .summary = "Update an agent's draft",
       .query = {OptionalField("updateMask", "string", "The fields to write, comma-separated (AIP-134)")},
       .body = AgentBody(false)},
      UpdateAgent);
  add({.method = "POST",
       .path = "/api/v1/agents/{agent_id}/deploy",
       .summary = "Deploy the current draft",
       .body = {OptionalField("expectedMainShaOverride", "string", "Acknowledges an overwritten remote version")}},
      DeployAgent);
  add({.method = "POST",
       .path = "/api/v1/agents/{agent_id}/toggle",
       .summary = "Switch the agent's schedule on or off",
       .body = {OptionalField("enabled", "boolean", "Set rather than flip (sandbox extension)")}},
      ToggleAgent);
  add({.method = "DELETE", .path = "/api/v1/agents/{agent_id}", .summary = "Soft-delete an agent"}, DeleteAgent);
  add({.method = "POST", .path = "/api/v1/agents/{agent_id}:undelete", .summary = "Undelete a soft-deleted agent"},
      UndeleteAgent);
  add({.method = "POST",
       .path = "/api/v1/agents/{agent_id}/transfer-ownership",
       .summary = "Ask another org member to take ownership",
       .body = {RequiredField("newOwnerUserId", "string", "The user who is to own the agent")}},
      TransferAgentOwnership);
  add({.method = "POST",
       .path = "/api/v1/agents/{agent_id}/accept-ownership",
       .summary = "Accept a pending ownership transfer"},
      AcceptAgentOwnership);
  add({.method = "GET",
       .path = "/api/v1/agents/{agent_id}/runs",
       .summary = "An agent's run history",
       .query = Paged({OptionalField("status", "string",
                                     "running, awaiting_human, completed, error, cancelled or all_executions"),
                       OptionalField("timeframe", "string", "last_hour, last_day, last_week, last_month or all"),
                       OptionalField("approvalScope", "string", "mine or all"),
                       OptionalField("search", "string", "Part of the run's name")})},
      ListRuns);
  add({.method = "GET",
       .path = "/api/v1/agents/{agent_id}/runs/{run_id}",
       .summary = "A run's detail",
       .run_param = "run_id",
       .interaction = "polled",
       .query = {OptionalField("temporalRunId", "string", "One execution of a retried workflow")}},
      GetRun);
  add({.method = "POST", .path = "/api/v1/agents/{agent_id}/chat", .summary = "Start a chat", .body = ChatBody()},
      StartChat);
  add({.method = "POST",
       .path = "/api/v1/agents/{agent_id}/conversations/{conversation_id}/chat",
       .summary = "Continue a chat",
       .body = ChatBody()},
      ContinueChat);
  // The runtime.
  add({.method = "POST",
       .path = "/agent/runs",
       .summary = "Start a run and stream it",
       .interaction = "created",
       // The whole body is also the run's `request` (fixture templates read it).
       .body = {RequiredField("message", "string", "The user's message"),
                RequiredField("sessionId", "string", "The client's session id"),
                RequiredField("organizationId", "string", "The caller's organization"),
                OptionalField("fileThreadId", "string", "A document-scoped conversation"),
                OptionalField("action", "string", "Only chat"),
                OptionalField("runId", "string", "In the vendor's contract; the sandbox picks run ids"),
                OptionalField("agentId", "integer", "The agent to run (sandbox extension)")},
       .streams = true},
      PostAgentRun);
  add({.method = "POST",
       .path = "/agent/workflow-actions",
       .summary = "Run one workflow action and stream it",
       .interaction = "created",
       // The whole body is the run's `request`; a scenario's workflow_action picks the script.
       .body = {RequiredField("organizationId", "string", "The caller's organization"),
                RequiredField("sessionId", "string", "The client's session id"),
                RequiredField("workflowAction", "object", "toolId, toolName, aiDescription, runtimeScope, ..."),
                OptionalField("fileThreadId", "string", "A document-scoped conversation"),
                OptionalField("previousOutputs", "array", "Outputs of earlier steps"),
                OptionalField("userTimezone", "string", "An IANA zone"),
                OptionalField("runId", "string", "Names the attempt when no Idempotency-Key does"),
                OptionalField("source", "string", "automation, agent, api or other"),
                OptionalField("agentId", "integer", "The agent whose scenarios are searched")},
       .streams = true},
      PostWorkflowAction);
  add({.method = "GET",
       .path = "/agent/runs/{run_id}/stream",
       .summary = "Reattach to a run's stream",
       .run_param = "run_id",
       .interaction = "streamed",
       .query = {LastEventIdQuery()},
       .streams = true},
      StreamAgentRun);
  add({.method = "GET",
       .path = "/agent/runs/{run_id}/events",
       .summary = "A run's events so far",
       .run_param = "run_id",
       .interaction = "read events",
       .query = {LastEventIdQuery(),
                 OptionalField("waitMs", "integer", "How long to wait for new events, up to 25000 ms")}},
      AgentRunEvents);
  // Sandbox extensions.
  add({.method = "POST",
       .path = "/api/v1/agents/{agent_id}/runs/{run_id}/approval",
       .summary = "Approve or reject a run waiting for approval (sandbox extension)",
       .run_param = "run_id",
       .interaction = "approved",
       .body = {RequiredField("decision", "string", "approve or reject"),
                OptionalField("comment", "string", "A comment")}},
      ApproveRun);
  add({.method = "POST",
       .path = "/api/v1/agents/{agent_id}/runs/{run_id}/cancel",
       .summary = "Cancel a run (sandbox extension)",
       .run_param = "run_id",
       .interaction = "cancelled"},
      CancelRun);
  add({.method = "POST",
       .path = "/_sandbox/modus/agents/{agent_id}/runs",
       .summary = "Trigger a run as a schedule, webhook or user would (sandbox extension)",
       .interaction = "created",
       .body = {OptionalField("triggerType", "string", "manual (default), schedule, webhook, api or slack"),
                OptionalField("input", "object", "The run's input"),
                OptionalField("scenario", "string", "One of the agent's scenarios")}},
      TriggerRun);
}

}  // namespace sandbox::modus
