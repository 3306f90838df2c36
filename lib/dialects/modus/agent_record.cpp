// Agent records: made from fixtures, checked from request bodies, rendered
// for a caller, turned into definitions; see agent_record.h.
#include "dialects/modus/agent_record.h"

#include <algorithm>

#include "core/ids.h"
#include "core/time_format.h"
#include "dialects/modus/render.h"

namespace sandbox::modus {
namespace {

const IdGenerator kStableIds(0);  // ids that depend on the fixtures only, never on the seed

constexpr size_t kMaxNameChars = 200;
constexpr size_t kMaxDescriptionChars = 2000;
// Each of trigger, agentSelection and workflowStructure: a record keeps two
// variations, laid over the fixtures in memory for as long as the agent lives.
constexpr size_t kMaxVariationFieldBytes = 32768;
constexpr int64_t kMinScheduleMs = 60000;              // a minute
constexpr int64_t kMaxScheduleMs = 366LL * 86400000;   // a year

const Json& At(const Json& j, const char* key) {
  static const Json kNull;
  return j.is_object() && j.contains(key) ? j[key] : kNull;
}

size_t Utf8Chars(const std::string& s) {
  return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

OrderedJson Ordered(const Json& j) { return OrderedJson::parse(j.dump()); }

OrderedJson TimeOrNull(const Json& ms) {
  if (!ms.is_number_integer()) return nullptr;
  return FormatInstant(ms.get<Instant>());
}

// The sharedWith entry of `user_id`, or null.
const Json* SharedEntry(const Json& record, const std::string& user_id) {
  const Json& shared = At(At(record, "access"), "sharedWith");
  if (!shared.is_array()) return nullptr;
  for (const auto& e : shared) {
    if (e.is_object() && At(e, "userId") == user_id) return &e;
  }
  return nullptr;
}

bool IsOwner(const Json& record, const Principal& caller) { return At(record, "ownerUserId") == caller.id; }
bool Shared(const Json& record) { return At(At(record, "access"), "visibility") == "shared"; }

Status Bad(const std::string& field, const std::string& why) {
  return Status::InvalidArgument("`" + field + "` " + why, field);
}

Result<Json> CheckTrigger(const Json& t) {
  if (!t.is_object()) return Bad("trigger", "must be an object");
  static const std::vector<std::string> kKinds = {"schedule", "webhook", "api", "slack", "manual"};
  Json out = t;  // kinds other than schedule are kept as given
  Json kinds = Json::array();
  if (t.contains("kinds")) {
    if (!t["kinds"].is_array()) return Bad("trigger.kinds", "must be an array");
    for (const auto& k : t["kinds"]) {
      if (!k.is_string() || std::find(kKinds.begin(), kKinds.end(), k.get<std::string>()) == kKinds.end()) {
        return Bad("trigger.kinds", "takes schedule, webhook, api, slack and manual");
      }
      if (std::find(kinds.begin(), kinds.end(), k) == kinds.end()) kinds.push_back(k);
    }
  }
  if (t.contains("schedule") && !t["schedule"].is_null()) {
    const Json& s = t["schedule"];
    if (!s.is_object()) return Bad("trigger.schedule", "must be an object");
    const Json& every = At(s, "everyMs");
    if (!every.is_number_integer() || every.get<int64_t>() < kMinScheduleMs || every.get<int64_t>() > kMaxScheduleMs) {
      return Bad("trigger.schedule.everyMs", "must be an integer from 60000 (a minute) to 31622400000 (a year)");
    }
    Json schedule{{"every", IsoDuration(every.get<int64_t>())}, {"everyMs", every}};
    if (s.contains("startAt") && !s["startAt"].is_null()) {
      auto start = s["startAt"].is_string() ? ParseInstant(s["startAt"].get<std::string>()) : std::nullopt;
      if (!start || *start < 0) return Bad("trigger.schedule.startAt", "must be an ISO 8601 time like 2026-01-01T00:00:00Z");
      schedule["startAt"] = FormatInstant(*start);
    }
    out["schedule"] = std::move(schedule);
    if (std::find(kinds.begin(), kinds.end(), "schedule") == kinds.end()) kinds.push_back("schedule");
  } else {
    out.erase("schedule");
    kinds.erase(std::remove(kinds.begin(), kinds.end(), "schedule"), kinds.end());
  }
  out["kinds"] = std::move(kinds);
  return out;
}

Result<Json> CheckAccess(const Json& a) {
  if (!a.is_object()) return Bad("accessConfig", "must be an object");
  Json out = DefaultAccess();
  if (a.contains("visibility")) {
    if (a["visibility"] != "shared" && a["visibility"] != "private") {
      return Bad("accessConfig.visibility", "must be shared or private");
    }
    out["visibility"] = a["visibility"];
  }
  if (a.contains("groupPermissions")) {
    const Json& g = a["groupPermissions"];
    if (!g.is_object()) return Bad("accessConfig.groupPermissions", "must be an object of {use, manage}");
    for (const auto& [group, p] : g.items()) {
      if (!p.is_object() || !At(p, "use").is_boolean() || !At(p, "manage").is_boolean()) {
        return Bad("accessConfig.groupPermissions", "maps each group id to {use: boolean, manage: boolean}");
      }
    }
    out["groupPermissions"] = g;
  }
  if (a.contains("sharedWith")) {
    const Json& list = a["sharedWith"];
    if (!list.is_array()) return Bad("accessConfig.sharedWith", "must be an array");
    Json users = Json::array();
    for (const auto& e : list) {
      if (!e.is_object() || !At(e, "userId").is_string() || At(e, "userId").get<std::string>().empty()) {
        return Bad("accessConfig.sharedWith", "takes {userId, use, manage} objects");
      }
      Json entry{{"userId", e["userId"]}, {"use", true}, {"manage", false}};
      for (const char* key : {"use", "manage"}) {
        if (!e.contains(key)) continue;
        if (!e[key].is_boolean()) return Bad(std::string("accessConfig.sharedWith.") + key, "must be true or false");
        entry[key] = e[key];
      }
      users.push_back(std::move(entry));
    }
    out["sharedWith"] = std::move(users);
  }
  return out;
}

// One field of a body, checked, into `variation` (or `record` for access);
// `present` false clears it.
Status ApplyField(const std::string& field, const Json& body, const script::FixtureSet& files, Json& variation,
                  Json& record) {
  const bool present = body.contains(field) && !body[field].is_null();
  static const Json kAbsent;
  const Json& v = present ? body[field] : kAbsent;
  if (present && (field == "trigger" || field == "agentSelection" || field == "workflowStructure") &&
      v.dump().size() > kMaxVariationFieldBytes) {
    return Bad(field, "must be at most 32768 bytes of JSON");
  }
  if (field == "name") {
    if (!present || !v.is_string() || v.get<std::string>().empty() || Utf8Chars(v) > kMaxNameChars) {
      return Bad(field, "must be 1 to 200 characters");
    }
    variation["name"] = v;
  } else if (field == "type") {
    if (!present || (v != "task" && v != "workflow")) return Bad(field, "must be task or workflow");
    variation["type"] = v;
  } else if (field == "description") {
    if (present && (!v.is_string() || Utf8Chars(v) > kMaxDescriptionChars)) {
      return Bad(field, "must be a string of at most 2000 characters");
    }
    variation["description"] = present ? v : Json("");
  } else if (field == "trigger") {
    auto t = CheckTrigger(present ? v : Json::object());
    if (!t.ok()) return t.status();
    variation["trigger"] = std::move(t).value();
  } else if (field == "agentSelection") {
    if (present && !v.is_array()) return Bad(field, "must be an array");
    variation["agentSelection"] = present ? v : Json::array();
  } else if (field == "workflowStructure") {
    if (present && (!v.is_object() || !At(v, "nodes").is_array() || !At(v, "edges").is_array())) {
      return Bad(field, "must be {nodes: [...], edges: [...]}");
    }
    variation["workflowStructure"] = present ? v : Json{{"nodes", Json::array()}, {"edges", Json::array()}};
  } else if (field == "accessConfig") {
    auto a = CheckAccess(present ? v : Json::object());
    if (!a.ok()) return a.status();
    record["access"] = std::move(a).value();
  } else if (field == "scenario") {
    if (present) {
      if (!v.is_string()) return Bad(field, "must be a fixture scenario's name");
      auto ref = script::FindScenarioRef(files, v.get<std::string>(), field);
      if (!ref.ok()) return ref.status();
      variation["scenario"] = v;
    } else {
      variation.erase("scenario");
    }
  }
  return Status::Ok();
}

}  // namespace

Json DefaultAccess() {
  return Json{{"visibility", "shared"}, {"groupPermissions", Json::object()}, {"sharedWith", Json::array()}};
}

const std::vector<std::string>& AgentFieldNames() {
  static const std::vector<std::string> kNames = {"name",           "type",          "description",
                                                  "trigger",        "agentSelection", "workflowStructure",
                                                  "accessConfig",   "scenario"};
  return kNames;
}

std::string FixtureOwnerId(const std::string& org_uuid) { return kStableIds.Uuid("modus-owner", org_uuid, 0); }

Json RecordOf(const script::Agent& agent, const std::string& org_uuid, Instant created_at) {
  if (agent.record.is_object()) return agent.record;
  Json variation = Json::parse(FixtureVariation(agent).dump());
  variation["name"] = agent.name;
  variation["description"] = agent.description;
  variation["type"] = agent.modus->agent_type;
  return Json{{"slug", AgentSlug(agent.type)},
              {"createdAt", created_at},
              {"updatedAt", created_at},
              {"deletedAt", nullptr},
              {"ownerUserId", FixtureOwnerId(org_uuid)},
              {"ownerEmail", "owner@sandbox.modus.local"},
              {"access", DefaultAccess()},
              {"isEnabled", agent.modus->enabled},
              {"status", "active"},
              {"active", variation},
              {"activeVariationId", kStableIds.Uuid("modus-variation", agent.type, 1)},
              {"deployedAt", created_at},
              {"draft", nullptr},
              {"draftVariationId", nullptr},
              {"pendingTransfer", nullptr},
              {"variations", 1}};
}

bool CanUse(const Json& record, const Principal& caller) {
  if (IsOwner(record, caller) || Shared(record)) return true;
  const Json* e = SharedEntry(record, caller.id);
  return e && At(*e, "use") == true;
}

bool CanManage(const Json& record, const Principal& caller) {
  if (IsOwner(record, caller) || Shared(record)) return true;
  const Json* e = SharedEntry(record, caller.id);
  return e && At(*e, "manage") == true;
}

bool Visible(const Json& record, const Principal& caller) {
  return CanUse(record, caller) || At(At(record, "pendingTransfer"), "pendingOwnerUserId") == caller.id;
}

OrderedJson RenderAgentRecord(int64_t id, const Json& record, const std::string& org_uuid, const Principal& caller,
                              bool draft_view, bool with_variation) {
  const Json& active = At(record, "active");
  const Json& draft = At(record, "draft");
  const Json& v = (draft_view && draft.is_object()) || !active.is_object() ? draft : active;
  const Json& access = At(record, "access");
  OrderedJson a;
  a["id"] = id;
  a["slug"] = At(record, "slug");
  a["name"] = At(v, "name");
  a["status"] = At(record, "status");
  a["type"] = At(v, "type");
  a["orgUuid"] = org_uuid;
  a["hasUnpublishedChanges"] = draft.is_object() && draft != active;
  a["isEnabled"] = At(record, "isEnabled");
  a["accessConfig"] = OrderedJson{{"visibility", At(access, "visibility")},
                                  {"groupPermissions", Ordered(At(access, "groupPermissions"))},
                                  {"sharedWith", Ordered(At(access, "sharedWith"))},
                                  {"ownerUserId", At(record, "ownerUserId")},
                                  {"ownerEmail", At(record, "ownerEmail")}};
  a["createdAt"] = TimeOrNull(At(record, "createdAt"));
  a["updatedAt"] = TimeOrNull(At(record, "updatedAt"));
  a["canManage"] = CanManage(record, caller);
  a["canUse"] = CanUse(record, caller);
  a["description"] = At(v, "description");
  a["activeVariationId"] = At(record, "activeVariationId");
  a["draftVariationId"] = At(record, "draftVariationId");
  const Json& pending = At(record, "pendingTransfer");
  if (pending.is_object()) {
    a["pendingOwnershipTransfer"] = OrderedJson{{"pendingOwnerUserId", At(pending, "pendingOwnerUserId")},
                                                {"requestedByUserId", At(pending, "requestedByUserId")},
                                                {"requestedAt", TimeOrNull(At(pending, "requestedAt"))},
                                                {"pendingOwnerEmail", At(pending, "pendingOwnerEmail")}};
  }
  if (with_variation) {
    OrderedJson var{{"trigger", Ordered(At(v, "trigger"))},
                    {"workflowStructure", Ordered(At(v, "workflowStructure"))},
                    {"agentSelection", Ordered(At(v, "agentSelection"))}};
    if (At(v, "scenario").is_string()) var["scenario"] = At(v, "scenario");  // sandbox extension
    a["variation"] = std::move(var);
  }
  a["deletedAt"] = TimeOrNull(At(record, "deletedAt"));
  return a;
}

script::AgentDefinition DefinitionOf(const std::string& type, int64_t id, const Json& record) {
  const Json& active = At(record, "active");
  const Json& v = active.is_object() ? active : At(record, "draft");
  script::AgentDefinition d;
  d.type = type;
  d.name = At(v, "name").is_string() ? At(v, "name").get<std::string>() : type;
  d.description = At(v, "description").is_string() ? At(v, "description").get<std::string>() : "";
  d.modus.id = id;
  d.modus.agent_type = At(v, "type") == "workflow" ? "workflow" : "task";
  d.modus.enabled = At(record, "isEnabled") == true;
  d.modus.status = At(record, "status").is_string() ? At(record, "status").get<std::string>() : "draft";
  const Json& trigger = At(v, "trigger");
  const Json& kinds = At(trigger, "kinds");
  if (kinds.is_array()) {
    for (const auto& k : kinds) {
      if (!k.is_string()) continue;
      script::ModusTrigger t{.type = k.get<std::string>()};
      if (t.type == "schedule") {
        const Json& s = At(trigger, "schedule");
        if (At(s, "everyMs").is_number_integer()) t.every_ms = At(s, "everyMs").get<int64_t>();
        if (At(s, "startAt").is_string()) t.start = ParseInstant(At(s, "startAt").get<std::string>());
      }
      d.modus.triggers.push_back(std::move(t));
    }
  }
  if (At(v, "scenario").is_string()) d.scenario = At(v, "scenario").get<std::string>();
  d.record = record;
  return d;
}

Status ApplyAgentFields(const Json& body, const std::vector<std::string>& fields, const script::FixtureSet& files,
                        Json& variation, Json& record) {
  for (const auto& field : AgentFieldNames()) {
    const bool masked = std::find(fields.begin(), fields.end(), field) != fields.end();
    if (fields.empty() ? !body.contains(field) : !masked) continue;
    Status st = ApplyField(field, body, files, variation, record);
    if (!st.ok()) return st;
  }
  return Status::Ok();
}

}  // namespace sandbox::modus
