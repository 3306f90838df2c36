// The route table of the Modus dialect. Paths as in ../shared/spec/modus-agents.md
// (sections 4 and 8), plus the sandbox extensions documented in docs/modus.md;
// the fields each route reads are declared beside it (http/route_table.h).
#include "dialects/modus/routes.h"

#include "dialects/modus/handlers.h"

namespace sandbox::modus {

void RegisterRoutes(http::RouteTable& t, const Deps& d) {
  using Handler = void (*)(const Deps&, const httplib::Request&, httplib::Response&);
  auto add = [&t, &d](http::Route r, Handler h) {
    r.tag = "Modus";
    t.Add(std::move(r), [&d, h](const httplib::Request& req, httplib::Response& res) { h(d, req, res); });
  };
  add({.method = "GET", .path = "/api/v1/agents", .summary = "List agents"}, ListAgents);
  add({.method = "GET", .path = "/api/v1/agents/{agent_id}", .summary = "Get an agent"}, GetAgent);
  add({.method = "GET", .path = "/api/v1/agents/{agent_id}/runs", .summary = "An agent's run history"}, ListRuns);
  add({.method = "GET",
       .path = "/api/v1/agents/{agent_id}/runs/{run_id}",
       .summary = "A run's detail",
       .run_param = "run_id",
       .interaction = "polled"},
      GetRun);
  add({.method = "POST", .path = "/api/v1/agents/{agent_id}/chat", .summary = "Start a chat"}, StartChat);
  add({.method = "POST",
       .path = "/api/v1/agents/{agent_id}/conversations/{conversation_id}/chat",
       .summary = "Continue a chat"},
      ContinueChat);
  // The runtime.
  add({.method = "POST",
       .path = "/agent/runs",
       .summary = "Start a run and stream it",
       .interaction = "created",
       .streams = true},
      PostAgentRun);
  add({.method = "GET",
       .path = "/agent/runs/{run_id}/stream",
       .summary = "Reattach to a run's stream",
       .run_param = "run_id",
       .interaction = "streamed",
       .streams = true},
      StreamAgentRun);
  add({.method = "GET",
       .path = "/agent/runs/{run_id}/events",
       .summary = "A run's events so far",
       .run_param = "run_id",
       .interaction = "read events"},
      AgentRunEvents);
  // Sandbox extensions.
  add({.method = "POST",
       .path = "/api/v1/agents/{agent_id}/runs/{run_id}/approval",
       .summary = "Approve or reject a run waiting for approval (sandbox extension)",
       .run_param = "run_id",
       .interaction = "approved"},
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
       .interaction = "created"},
      TriggerRun);
}

}  // namespace sandbox::modus
