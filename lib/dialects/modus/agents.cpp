// /api/v1/agents: the fixture agents that have a `modus` identity.
#include "dialects/modus/errors.h"
#include "dialects/modus/handlers.h"
#include "dialects/modus/render.h"
#include "dialects/modus/request.h"

namespace sandbox::modus {
namespace {

// ?name=true|false (absent: false); nullopt after a 400.
std::optional<bool> BoolParamOrRespond(const httplib::Request& req, const char* name, httplib::Response& res) {
  if (!req.has_param(name)) return false;
  std::string v = req.get_param_value(name);
  if (v == "true" || v == "1") return true;
  if (v == "false" || v == "0") return false;
  RespondError(res, Status::InvalidArgument(std::string("Parameter `") + name + "` must be true or false", name));
  return std::nullopt;
}

}  // namespace

void ListAgents(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  auto caller = AuthenticateOrRespond(req, res);
  if (!caller) return;
  engine::Engine* engine = OrgEngineOrRespond(d.spaces, *caller, req, res);
  if (!engine) return;
  std::string type = req.get_param_value("type");
  if (req.has_param("type") && type != "task" && type != "workflow") {
    return RespondError(res, Status::InvalidArgument("Parameter `type` must be task or workflow", "type"));
  }
  std::string search = Lower(req.get_param_value("search"));
  auto with_variation = BoolParamOrRespond(req, "includeVariation", res);
  if (!with_variation) return;
  std::string filters =
      "agents|type=" + type + "|search=" + search + "|includeVariation=" + (*with_variation ? "true" : "false");
  auto page = PageOrRespond(req, filters, d.limits, res);
  if (!page) return;

  auto fixtures = engine->fixtures();
  std::vector<const script::Agent*> matching;
  for (const auto& a : fixtures->agents) {
    if (!a.modus) continue;
    if (!type.empty() && a.modus->agent_type != type) continue;
    if (!search.empty() && Lower(a.name).find(search) == std::string::npos) continue;
    matching.push_back(&a);
  }
  OrderedJson agents = OrderedJson::array();
  auto total = static_cast<int64_t>(matching.size());
  int64_t end = std::min(total, page->offset + page->size);
  for (int64_t i = page->offset; i < end; ++i) {
    agents.push_back(RenderAgent(*matching[i], caller->org_uuid, d.agents_created_at, *with_variation));
  }
  OrderedJson body{{"agents", std::move(agents)}, {"nextPageToken", nullptr}};
  if (end < total) body["nextPageToken"] = PageToken(end, filters);
  RespondJson(res, 200, body);
}

void GetAgent(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  auto call = AgentCallOrRespond(d.spaces, req, res);
  if (!call) return;
  const Caller* caller = &call->caller;
  const script::Agent* agent = call->agent;
  RespondJson(res, 200, RenderAgent(*agent, caller->org_uuid, d.agents_created_at, /*with_variation=*/true));
}

}  // namespace sandbox::modus
