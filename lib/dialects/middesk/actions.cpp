// /v1/actions: create, list and retrieve actions on business-verification
// objects. The request's shape is checked here (400 for an unknown type or
// object type, 422 for a bad payload); the rules live in action_rules.cpp.
#include <set>

#include "core/time_format.h"
#include "dialects/middesk/action_rules.h"
#include "dialects/middesk/errors.h"
#include "dialects/middesk/handlers.h"
#include "dialects/middesk/request.h"

namespace sandbox::middesk {
namespace {

const char* ResponseObjectType(const std::string& request_type) {
  return request_type == "businesses" ? "Business" : "Watchlist::Result";
}

OrderedJson RenderAction(const ActionRecord& a) {
  return OrderedJson{{"id", a.id},
                     {"type", a.type},
                     {"object_type", ResponseObjectType(a.object_type)},
                     {"object_id", a.object_id},
                     {"created_at", FormatInstant(a.created_at)},
                     {"note", a.note ? OrderedJson(*a.note) : OrderedJson()},
                     {"metadata", OrderedJson::object()},
                     {"effects", a.effects},
                     {"actors", a.actors}};
}

bool ObjectTypeOrRespond(const std::string& value, const char* parameter, httplib::Response& res) {
  if (value == "businesses" || value == "watchlist_result") return true;
  RespondError(res,
               Status::BadRequest(std::string("Parameter `") + parameter + "` must be businesses or watchlist_result",
                                  parameter));
  return false;
}

bool IsNonEmptyString(const Json& j, const char* key) {
  return j.contains(key) && j[key].is_string() && !j[key].get<std::string>().empty();
}

// Optional string fields of `obj` must be strings when present.
Status OptionalStrings(const Json& obj, std::initializer_list<const char*> keys, const std::string& at) {
  for (const char* k : keys) {
    if (obj.contains(k) && !obj[k].is_null() && !obj[k].is_string())
      return Invalid(at + "." + k + " must be a string", at + "." + k);
  }
  return Status::Ok();
}

Status CheckAddresses(const Json& list, const std::string& at) {
  if (!list.is_array()) return Invalid(at + " must be an array", at);
  for (size_t i = 0; i < list.size(); ++i) {
    std::string p = at + "[" + std::to_string(i) + "]";
    if (!list[i].is_object() || !IsNonEmptyString(list[i], "full_address")) {
      return Invalid(p + ".full_address is required", p + ".full_address");
    }
  }
  return Status::Ok();
}

Status CheckPeople(const Json& list, const std::string& at) {
  if (!list.is_array()) return Invalid(at + " must be an array", at);
  for (size_t i = 0; i < list.size(); ++i) {
    std::string p = at + "[" + std::to_string(i) + "]";
    if (!list[i].is_object() || !IsNonEmptyString(list[i], "name"))
      return Invalid(p + ".name is required", p + ".name");
    if (list[i].contains("titles")) {
      const Json& t = list[i]["titles"];
      bool ok = t.is_array();
      for (const auto& x : t) ok = ok && x.is_string();
      if (!ok) return Invalid(p + ".titles must be an array of strings", p + ".titles");
    }
  }
  return Status::Ok();
}

// The payload rules per action type (../shared/spec/middesk-agents.md section 5).
Status CheckPayload(const std::string& type, const Json& payload, const std::optional<std::string>& note) {
  if (type == "decision") {
    if (!payload.contains("status") || !payload["status"].is_string() ||
        (payload["status"] != "approved" && payload["status"] != "rejected")) {
      return Invalid("payload.status must be approved or rejected", "payload.status");
    }
  } else if (type == "dismissal") {
    if (!note || note->find_first_not_of(" \t\r\n") == std::string::npos) {
      return Invalid("Parameter `note` is required for a dismissal", "note");
    }
  } else if (type == "verify_tin") {
    if (payload.contains("document_id") &&
        (!payload["document_id"].is_string() || !IsUuid(payload["document_id"].get<std::string>()))) {
      return Invalid("payload.document_id must be a UUID", "payload.document_id");
    }
  } else if (type == "add_sources") {
    if (!payload.contains("sources") || !payload["sources"].is_array() || payload["sources"].empty()) {
      return Invalid("payload.sources must be a non-empty array", "payload.sources");
    }
    for (size_t i = 0; i < payload["sources"].size(); ++i) {
      const Json& s = payload["sources"][i];
      std::string at = "payload.sources[" + std::to_string(i) + "]";
      if (!s.is_object()) return Invalid(at + " must be an object", at);
      if (!IsNonEmptyString(s, "source_type")) return Invalid(at + ".source_type is required", at + ".source_type");
      Status st = OptionalStrings(s, {"source_name", "tier", "url"}, at);
      if (st.ok() && s.contains("addresses")) st = CheckAddresses(s["addresses"], at + ".addresses");
      if (st.ok() && s.contains("people")) st = CheckPeople(s["people"], at + ".people");
      if (!st.ok()) return st;
    }
  } else if (type == "add_attributes") {
    bool any = false;
    for (const char* k : {"addresses", "people"}) {
      if (!payload.contains(k)) continue;
      Status st = std::string(k) == "addresses" ? CheckAddresses(payload[k], std::string("payload.") + k)
                                                : CheckPeople(payload[k], std::string("payload.") + k);
      if (!st.ok()) return st;
      any = any || !payload[k].empty();
    }
    if (!any) return Invalid("payload needs at least one of addresses or people", "payload");
  }
  return Status::Ok();
}

bool AppliesTo(const std::string& type, const std::string& object_type) {
  return type == "dismissal" ? object_type == "watchlist_result" : object_type == "businesses";
}

// Both query parameters are required on list and retrieve.
bool ObjectQueryOrRespond(const httplib::Request& req, std::string& type, std::string& id, httplib::Response& res) {
  for (const char* p : {"object_type", "object_id"}) {
    if (!req.has_param(p) || req.get_param_value(p).empty()) {
      RespondError(res, Status::BadRequest(std::string("Parameter `") + p + "` is missing", p));
      return false;
    }
  }
  type = req.get_param_value("object_type");
  id = req.get_param_value("object_id");
  return ObjectTypeOrRespond(type, "object_type", res);
}

}  // namespace

void CreateAction(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  auto call = CallOrRespond(req, res, d.keys, d.spaces);
  if (!call) return;
  const std::optional<Principal> caller = call->caller;
  engine::Engine* engine = call->engine;
  auto body = JsonObjectBodyOrRespond(req, res, d.limits);
  if (!body) return;
  std::optional<std::string> object_type, object_id, type, note, thread_id, run_id;
  if (!StringFieldOrRespond(*body, "object_type", Presence::kRequired, false, object_type, res) ||
      !StringFieldOrRespond(*body, "type", Presence::kRequired, false, type, res)) {
    return;
  }
  if (!ObjectTypeOrRespond(*object_type, "object_type", res)) return;
  static const std::set<std::string> kTypes = {"add_sources", "add_attributes", "verify_tin", "decision", "dismissal"};
  if (!kTypes.count(*type)) {
    return RespondError(res, Status::BadRequest("Parameter `type` must be one of add_sources, add_attributes, "
                                                "verify_tin, decision, dismissal",
                                                "type"));
  }
  if (!AppliesTo(*type, *object_type)) {
    return RespondError(
        res, Status::BadRequest("Action type " + *type + " does not apply to " + *object_type, "object_type"));
  }
  if (!StringFieldOrRespond(*body, "object_id", Presence::kRequired, /*uuid=*/true, object_id, res) ||
      !StringFieldOrRespond(*body, "note", Presence::kOptional, false, note, res) ||
      !StringFieldOrRespond(*body, "thread_id", Presence::kOptional, /*uuid=*/true, thread_id, res) ||
      !StringFieldOrRespond(*body, "run_id", Presence::kOptional, /*uuid=*/true, run_id, res)) {
    return;
  }
  if (!body->contains("payload") || body->at("payload").is_null()) {
    return RespondError(res, Status::BadRequest("Parameter `payload` is missing", "payload"));
  }
  const Json& payload = body->at("payload");
  if (!payload.is_object()) return RespondError(res, Invalid("Parameter `payload` must be an object", "payload"));
  Status st = CheckPayload(*type, payload, note);
  if (!st.ok()) return RespondError(res, st);
  st = CheckActionObjectExists(engine->store(), *object_type, *object_id);
  if (!st.ok()) return RespondError(res, st);
  auto action = engine->RecordObjectAction(
      ActionCommand(*object_type, *object_id, *type, payload, note, thread_id, run_id, *caller));
  if (!action.ok()) return RespondError(res, action.status());
  RespondJson(res, 201, RenderAction(action.value()));
}

void ListActions(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  auto call = CallOrRespond(req, res, d.keys, d.spaces);
  if (!call) return;
  engine::Engine* engine = call->engine;
  std::string type, id;
  if (!ObjectQueryOrRespond(req, type, id, res)) return;
  auto actions = engine->store().ListActions(type, id);
  if (!actions.ok()) return RespondError(res, actions.status());
  OrderedJson data = OrderedJson::array();
  for (const auto& a : actions.value()) data.push_back(RenderAction(a));
  RespondJson(res, 200, OrderedJson{{"object", "list"}, {"data", data}, {"url", "/v1/actions"}});
}

void GetAction(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  auto call = CallOrRespond(req, res, d.keys, d.spaces);
  if (!call) return;
  engine::Engine* engine = call->engine;
  std::string type, id;
  if (!ObjectQueryOrRespond(req, type, id, res)) return;
  auto action = engine->store().GetAction(req.matches[1]);
  if (!action.ok()) return RespondError(res, action.status());
  // An action is found only through the object it was taken on.
  if (!action.value() || action.value()->object_type != type || action.value()->object_id != id) {
    return RespondError(res, Status::NotFound("action not found", "id"));
  }
  RespondJson(res, 200, RenderAction(*action.value()));
}

}  // namespace sandbox::middesk
