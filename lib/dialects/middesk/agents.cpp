// /v1/agents: the agents the fixtures declare.
#include "dialects/middesk/errors.h"
#include "dialects/middesk/handlers.h"
#include "dialects/middesk/render.h"
#include "dialects/middesk/request.h"

namespace sandbox::middesk {

void ListAgents(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  auto call = CallOrRespond(req, res, d.keys, d.spaces);
  if (!call) return;
  engine::Engine* engine = call->engine;
  auto fixtures = engine->fixtures();
  OrderedJson data = OrderedJson::array();
  for (const auto& a : fixtures->agents) data.push_back(RenderAgent(a, d.agents_created_at));
  // The contract declares only `data`; the rest of the list envelope is harmless and consistent.
  auto n = static_cast<int64_t>(fixtures->agents.size());
  RespondJson(res, 200, RenderList(std::move(data), false, n));
}

void GetAgent(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  auto call = CallOrRespond(req, res, d.keys, d.spaces);
  if (!call) return;
  engine::Engine* engine = call->engine;
  auto fixtures = engine->fixtures();
  const std::string id = req.matches[1];
  // Accepts the agent's type as well as its id: clients know agents by type.
  const script::Agent* agent = fixtures->FindAgentById(id);
  if (!agent) agent = fixtures->FindAgentByType(id);
  if (!agent) return RespondError(res, Status::NotFound("agent not found", "id"));
  RespondJson(res, 200, RenderAgent(*agent, d.agents_created_at));
}

}  // namespace sandbox::middesk
