// The agent management API (spec section 8.3): create, update into the
// draft (updateMask), deploy, toggle the schedule, soft-delete and undelete,
// ownership transfer and its acceptance. Each change runs on the org
// namespace's writer (engine::Engine::DefineAgent), so it sees what the
// previous one left; the rules here decide it, agent_record.h holds the
// record they change.
#include <algorithm>
#include <cctype>

#include "core/decimal.h"
#include "core/ids.h"
#include "core/time_format.h"
#include "dialects/modus/agent_record.h"
#include "dialects/modus/errors.h"
#include "dialects/modus/handlers.h"
#include "dialects/modus/request.h"

namespace sandbox::modus {
namespace {

// Where new agents' Modus ids start: fixture agents use small numbers, so a
// fixture added later rarely meets an id the API handed out.
constexpr int64_t kFirstApiAgentId = 1000;
// Agents one org (namespace) may create: each is kept in memory, laid over
// the fixtures, and every change copies the set.
constexpr size_t kMaxCreatedAgents = 200;

// A refusal decided on the writer, answered with its own HTTP status (the
// engine's Status has no 403 or 422).
struct Refusal {
  int http_status = 0;
  std::string message;
  std::string field;
};

std::string UserEmail(const Caller& caller) { return caller.prefix + "@sandbox.modus.local"; }

// "Customer Churn Agent" (id 1003) -> "customer-churn-agent-1a7": URL-safe,
// unique in the org through the id's hash.
std::string SlugFor(const std::string& name, int64_t id) {
  std::string slug;
  for (unsigned char ch : name) {
    if (std::isalnum(ch)) {
      slug += static_cast<char>(std::tolower(ch));
    } else if (!slug.empty() && slug.back() != '-') {
      slug += '-';
    }
    if (slug.size() >= 60) break;
  }
  while (!slug.empty() && slug.back() == '-') slug.pop_back();
  if (slug.empty()) slug = "agent";
  return slug + "-" + HashHex("agent/" + std::to_string(id)).substr(0, 3);
}

std::string VariationId(const engine::AgentDefinitionContext& ctx, const std::string& type, int64_t n) {
  return ctx.ids.Uuid("modus-variation", type, static_cast<uint64_t>(n));
}

// A new draft variation id, when the record has no draft yet.
void OpenDraft(const engine::AgentDefinitionContext& ctx, const std::string& type, Json& record) {
  if (record["draft"].is_object()) return;
  int64_t n = record.value("variations", int64_t{0}) + 1;
  record["variations"] = n;
  record["draftVariationId"] = VariationId(ctx, type, n);
  record["draft"] = record["active"].is_object() ? record["active"] : Json::object();
}

enum class Need { kManage, kSee };

// What a change of one existing agent does to its record; a refusal leaves
// it as it was.
using Change = std::function<std::optional<Refusal>(const engine::AgentDefinitionContext&, const Caller& caller,
                                                    const std::string& type, Json& record)>;

struct Changed {
  Caller caller;
  int64_t id = 0;
  Json record;
  // The Agent object after the change, as the caller sees it.
  OrderedJson Render(bool draft_view) const {
    return RenderAgentRecord(id, record, caller.org_uuid, caller.principal, draft_view, /*with_variation=*/true);
  }
};

// Applies `change` to the agent the path names, on the writer; nullopt after
// an error was written. Deleted agents are not found unless `deleted_ok`.
std::optional<Changed> ChangeAgentOrRespond(const Deps& d, const httplib::Request& req, httplib::Response& res,
                                            Need need, bool deleted_ok, const Change& change) {
  auto caller = AuthenticateOrRespond(req, res);
  if (!caller) return std::nullopt;
  engine::Engine* engine = OrgEngineOrRespond(d.spaces, *caller, req, res);
  if (!engine) return std::nullopt;
  auto id = ParseDecimalInt(req.matches[1].str());
  std::optional<Refusal> refusal;
  auto defined = engine->DefineAgent([&](const engine::AgentDefinitionContext& ctx)
                                         -> Result<script::AgentDefinition> {
    auto refuse = [&](Refusal r) -> Result<script::AgentDefinition> {
      refusal = std::move(r);
      return Status::Conflict(refusal->message);
    };
    const script::Agent* agent = nullptr;
    for (const auto& a : ctx.fixtures.agents) {
      if (id && a.modus && a.modus->id == *id) agent = &a;
    }
    if (!agent) return refuse({404, "agent not found", "id"});
    Json record = RecordOf(*agent, caller->org_uuid, d.agents_created_at);
    if (!Visible(record, caller->principal)) return refuse({404, "agent not found", "id"});
    if (!deleted_ok && record["status"] == "deleted") return refuse({404, "agent not found (it is deleted)", "id"});
    if (need == Need::kManage && !CanManage(record, caller->principal)) {
      return refuse({403, "you may not manage this agent", "id"});
    }
    if (auto r = change(ctx, *caller, agent->type, record)) return refuse(std::move(*r));
    record["updatedAt"] = ctx.now;
    return DefinitionOf(agent->type, agent->modus->id, record);
  });
  if (refusal) {
    WriteError(res, refusal->http_status, refusal->message, refusal->field);
    return std::nullopt;
  }
  if (!defined.ok()) {
    RespondError(res, defined.status());
    return std::nullopt;
  }
  return Changed{*caller, defined.value().modus.id, defined.value().record};
}

Refusal BadField(const Status& st) { return Refusal{400, st.message(), st.parameter()}; }

// The body's updateMask fields (AIP-134); nullopt after a 400.
std::optional<std::vector<std::string>> MaskOrRespond(const httplib::Request& req, httplib::Response& res) {
  std::vector<std::string> fields;
  std::string mask = req.get_param_value("updateMask");
  size_t at = 0;
  while (at <= mask.size() && !mask.empty()) {
    size_t comma = mask.find(',', at);
    std::string f = mask.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
    f.erase(0, f.find_first_not_of(' '));
    f.erase(f.find_last_not_of(' ') + 1);
    const auto& known = AgentFieldNames();
    if (std::find(known.begin(), known.end(), f) == known.end()) {
      std::string names;
      for (const auto& n : known) names += (names.empty() ? "" : ", ") + n;
      RespondError(res, Status::InvalidArgument("updateMask names \"" + f + "\"; it takes " + names, "updateMask"));
      return std::nullopt;
    }
    fields.push_back(f);
    if (comma == std::string::npos) break;
    at = comma + 1;
  }
  return fields;
}

}  // namespace

void CreateAgent(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  auto caller = AuthenticateOrRespond(req, res);
  if (!caller) return;
  engine::Engine* engine = OrgEngineOrRespond(d.spaces, *caller, req, res);
  if (!engine) return;
  auto body = JsonObjectBodyOrRespond(req, res, d.limits);
  if (!body) return;
  for (const char* required : {"name", "type"}) {
    if (!body->contains(required)) {
      return RespondError(res, Status::InvalidArgument(std::string("`") + required + "` is required", required));
    }
  }
  auto defined = engine->DefineAgent([&](const engine::AgentDefinitionContext& ctx)
                                         -> Result<script::AgentDefinition> {
    int64_t id = kFirstApiAgentId;
    size_t created = 0;
    for (const auto& a : ctx.fixtures.agents) {
      if (a.modus) id = std::max(id, a.modus->id + 1);
      if (a.file.empty()) ++created;
    }
    if (created >= kMaxCreatedAgents) {
      return Status::Conflict("the organization already has " + std::to_string(kMaxCreatedAgents) +
                              " agents created through the API, the most the sandbox keeps (a reset removes them)");
    }
    const std::string type = "modus-agent-" + std::to_string(id);
    Json variation{{"name", ""},
                   {"description", ""},
                   {"type", "task"},
                   {"trigger", {{"kinds", Json::array()}}},
                   {"agentSelection", Json::array()},
                   {"workflowStructure", {{"nodes", Json::array()}, {"edges", Json::array()}}}};
    Json record{{"createdAt", ctx.now},
                {"updatedAt", ctx.now},
                {"deletedAt", nullptr},
                {"ownerUserId", caller->principal.id},
                {"ownerEmail", UserEmail(*caller)},
                {"access", DefaultAccess()},
                {"isEnabled", true},
                {"status", "draft"},
                {"active", nullptr},
                {"activeVariationId", nullptr},
                {"deployedAt", nullptr},
                {"draft", nullptr},
                {"draftVariationId", VariationId(ctx, type, 1)},
                {"pendingTransfer", nullptr},
                {"variations", 1}};
    Status st = ApplyAgentFields(*body, {}, ctx.files, variation, record);
    if (!st.ok()) return st;
    record["slug"] = SlugFor(variation["name"], id);
    record["draft"] = std::move(variation);
    return DefinitionOf(type, id, record);
  });
  if (!defined.ok()) return RespondError(res, defined.status());
  const auto& def = defined.value();
  RespondJson(res, 201, RenderAgentRecord(def.modus.id, def.record, caller->org_uuid, caller->principal,
                                          /*draft_view=*/true, /*with_variation=*/true));
}

void UpdateAgent(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  auto mask = MaskOrRespond(req, res);
  if (!mask) return;
  auto body = JsonObjectBodyOrRespond(req, res, d.limits);
  if (!body) return;
  auto changed = ChangeAgentOrRespond(
      d, req, res, Need::kManage, /*deleted_ok=*/false,
      [&](const engine::AgentDefinitionContext& ctx, const Caller& caller, const std::string& type, Json& record) -> std::optional<Refusal> {
        OpenDraft(ctx, type, record);
        Json draft = record["draft"];
        Status st = ApplyAgentFields(*body, *mask, ctx.files, draft, record);
        if (!st.ok()) return BadField(st);
        record["draft"] = std::move(draft);
        // The caller may not take away their own use and manage access.
        if (!CanUse(record, caller.principal) || !CanManage(record, caller.principal)) {
          return Refusal{422, "this change would remove your own use and manage access to the agent", "accessConfig"};
        }
        return std::nullopt;
      });
  if (!changed) return;
  RespondJson(res, 200, changed->Render(/*draft_view=*/true));
}

void DeployAgent(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  auto body = JsonObjectBodyOrRespond(req, res, d.limits);
  if (!body) return;
  if (body->contains("expectedMainShaOverride") && !(*body)["expectedMainShaOverride"].is_string()) {
    return RespondError(res, Status::InvalidArgument("`expectedMainShaOverride` must be a string",
                                                     "expectedMainShaOverride"));
  }
  auto changed = ChangeAgentOrRespond(
      d, req, res, Need::kManage, /*deleted_ok=*/false,
      [&](const engine::AgentDefinitionContext& ctx, const Caller&, const std::string&, Json& record) -> std::optional<Refusal> {
        // Nothing drafted: the deployed variation stays, as it was deployed.
        if (!record["draft"].is_object()) return std::nullopt;
        record["active"] = record["draft"];
        record["activeVariationId"] = record["draftVariationId"];
        record["draft"] = nullptr;
        record["draftVariationId"] = nullptr;
        record["status"] = "active";
        record["deployedAt"] = ctx.now;
        return std::nullopt;
      });
  if (!changed) return;
  OrderedJson agent = changed->Render(/*draft_view=*/false);
  OrderedJson deployed_at = agent["updatedAt"];
  if (changed->record["deployedAt"].is_number_integer()) {
    deployed_at = FormatInstant(changed->record["deployedAt"].get<Instant>());
  }
  RespondJson(res, 200, OrderedJson{{"agent", std::move(agent)}, {"deployedAt", deployed_at}});
}

void ToggleAgent(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  auto body = JsonObjectBodyOrRespond(req, res, d.limits);
  if (!body) return;
  if (body->contains("enabled") && !(*body)["enabled"].is_boolean()) {
    return RespondError(res, Status::InvalidArgument("`enabled` must be true or false", "enabled"));
  }
  auto changed = ChangeAgentOrRespond(
      d, req, res, Need::kManage, /*deleted_ok=*/false,
      [&](const engine::AgentDefinitionContext&, const Caller&, const std::string&, Json& record) -> std::optional<Refusal> {
        record["isEnabled"] = body->contains("enabled") ? (*body)["enabled"].get<bool>() : record["isEnabled"] != true;
        return std::nullopt;
      });
  if (!changed) return;
  RespondJson(res, 200, changed->Render(/*draft_view=*/false));
}

void DeleteAgent(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  auto changed = ChangeAgentOrRespond(
      d, req, res, Need::kManage, /*deleted_ok=*/true,
      [&](const engine::AgentDefinitionContext& ctx, const Caller&, const std::string&, Json& record) -> std::optional<Refusal> {
        if (record["status"] == "deleted") return std::nullopt;  // deleting twice changes nothing
        record["statusBeforeDelete"] = record["status"];
        record["status"] = "deleted";
        record["deletedAt"] = ctx.now;
        record["isEnabled"] = false;
        return std::nullopt;
      });
  if (!changed) return;
  RespondJson(res, 200, changed->Render(/*draft_view=*/false));
}

void UndeleteAgent(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  auto changed = ChangeAgentOrRespond(
      d, req, res, Need::kManage, /*deleted_ok=*/true,
      [&](const engine::AgentDefinitionContext&, const Caller&, const std::string&, Json& record) -> std::optional<Refusal> {
        if (record["status"] != "deleted") return std::nullopt;  // idempotent
        record["status"] = record.value("statusBeforeDelete", std::string("draft"));
        record.erase("statusBeforeDelete");
        record["deletedAt"] = nullptr;
        // The schedule stays off: a toggle switches it on again.
        return std::nullopt;
      });
  if (!changed) return;
  RespondJson(res, 200, changed->Render(/*draft_view=*/true));
}

void TransferAgentOwnership(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  auto body = JsonObjectBodyOrRespond(req, res, d.limits);
  if (!body) return;
  const Json& to = body->contains("newOwnerUserId") ? (*body)["newOwnerUserId"] : Json();
  if (!to.is_string() || !IsUuid(to.get<std::string>())) {
    return RespondError(res, Status::InvalidArgument("`newOwnerUserId` must be a user id (a UUID)", "newOwnerUserId"));
  }
  auto changed = ChangeAgentOrRespond(
      d, req, res, Need::kSee, /*deleted_ok=*/false,
      [&](const engine::AgentDefinitionContext& ctx, const Caller& caller, const std::string&, Json& record) -> std::optional<Refusal> {
        if (record["ownerUserId"] != caller.principal.id) {
          return Refusal{403, "only the agent's owner may transfer its ownership", "id"};
        }
        if (record["ownerUserId"] == to) return Refusal{400, "that user already owns the agent", "newOwnerUserId"};
        record["pendingTransfer"] = Json{{"pendingOwnerUserId", to},
                                         {"requestedByUserId", caller.principal.id},
                                         {"requestedAt", ctx.now},
                                         {"pendingOwnerEmail", nullptr}};
        return std::nullopt;
      });
  if (!changed) return;
  RespondJson(res, 200, changed->Render(/*draft_view=*/false));
}

void AcceptAgentOwnership(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  auto changed = ChangeAgentOrRespond(
      d, req, res, Need::kSee, /*deleted_ok=*/false,
      [&](const engine::AgentDefinitionContext&, const Caller& caller, const std::string&, Json& record) -> std::optional<Refusal> {
        const Json& pending = record["pendingTransfer"];
        if (!pending.is_object()) return Refusal{409, "the agent has no pending ownership transfer", "id"};
        if (pending["pendingOwnerUserId"] != caller.principal.id) {
          return Refusal{403, "only the user the transfer names may accept it", "id"};
        }
        record["ownerUserId"] = caller.principal.id;
        record["ownerEmail"] = UserEmail(caller);
        record["pendingTransfer"] = nullptr;
        return std::nullopt;
      });
  if (!changed) return;
  RespondJson(res, 200, changed->Render(/*draft_view=*/false));
}

}  // namespace sandbox::modus
