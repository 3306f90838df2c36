// GET /api/v1/agents and /api/v1/agents/{id}: the agents with a `modus`
// identity, from the fixtures and the agent management API
// (agent_admin.cpp), as the caller sees them.
#include "dialects/modus/agent_record.h"
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
  auto show_deleted = BoolParamOrRespond(req, "showDeleted", res);
  if (!show_deleted) return;
  std::string view = req.has_param("view") ? req.get_param_value("view") : "active";
  if (view != "active" && view != "draft") {
    return RespondError(res, Status::InvalidArgument("Parameter `view` must be active or draft", "view"));
  }
  std::string filters = "agents|type=" + type + "|search=" + search +
                        "|includeVariation=" + (*with_variation ? "true" : "false") +
                        "|showDeleted=" + (*show_deleted ? "true" : "false") + "|view=" + view;
  auto page = PageOrRespond(req, filters, d.limits, res);
  if (!page) return;

  auto fixtures = engine->fixtures();
  std::vector<const script::Agent*> matching;
  for (const auto& a : fixtures->agents) {
    if (!a.modus) continue;
    if (a.record.is_object() && !CanUse(a.record, caller->principal)) continue;
    if (a.modus->status == "deleted" && !*show_deleted) continue;
    if (!type.empty() && a.modus->agent_type != type) continue;
    if (!search.empty() && Lower(a.name).find(search) == std::string::npos) continue;
    matching.push_back(&a);
  }
  OrderedJson agents = OrderedJson::array();
  auto total = static_cast<int64_t>(matching.size());
  int64_t end = std::min(total, page->offset + page->size);
  for (int64_t i = page->offset; i < end; ++i) {
    const script::Agent& a = *matching[i];
    agents.push_back(RenderAgentRecord(a.modus->id, RecordOf(a, caller->org_uuid, d.agents_created_at),
                                       caller->org_uuid, caller->principal, view == "draft", *with_variation));
  }
  OrderedJson body{{"agents", std::move(agents)}, {"nextPageToken", nullptr}};
  if (end < total) body["nextPageToken"] = PageToken(end, filters);
  RespondJson(res, 200, body);
}

void GetAgent(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  auto caller = AuthenticateOrRespond(req, res);
  if (!caller) return;
  engine::Engine* engine = OrgEngineOrRespond(d.spaces, *caller, req, res);
  if (!engine) return;
  std::string view = req.has_param("view") ? req.get_param_value("view") : "active";
  if (view != "active" && view != "draft") {
    return RespondError(res, Status::InvalidArgument("Parameter `view` must be active or draft", "view"));
  }
  auto fixtures = engine->fixtures();
  const script::Agent* agent = AgentOrRespond(*fixtures, req.matches[1], res);
  if (!agent) return;
  // A deleted agent is still read here (AIP-164), so it can be undeleted.
  Json record = RecordOf(*agent, caller->org_uuid, d.agents_created_at);
  if (!Visible(record, caller->principal)) return RespondError(res, Status::NotFound("agent not found", "id"));
  RespondJson(res, 200,
              RenderAgentRecord(agent->modus->id, record, caller->org_uuid, caller->principal, view == "draft",
                                /*with_variation=*/true));
}

}  // namespace sandbox::modus
