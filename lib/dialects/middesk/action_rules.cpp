// The Middesk action rules: object state, effects, actors and the interrupt
// answer (see action_rules.h).
//
// Object state, kept per object by the store:
//   business          {"status": "in_review" | "approved" | "rejected", "tin_verified": bool}
//   watchlist result  {"dismissed": bool}
#include "dialects/middesk/action_rules.h"

namespace sandbox::middesk {
namespace {

Json DefaultState(const std::string& object_type) {
  if (object_type == "businesses") return Json{{"status", "in_review"}, {"tin_verified", false}};
  return Json{{"dismissed", false}};
}

std::string DecisionFor(const std::string& type, const Json& payload) {
  if (type == "decision") return payload.value("status", "") == "approved" ? "approve" : "reject";
  if (type == "dismissal") return "approve";
  return type;
}

Json Effect(const char* operation, Json diff, const std::string& object, const std::string& id) {
  return Json{{"operation", operation}, {"diff", std::move(diff)}, {"target", {{"object", object}, {"id", id}}}};
}

Json ActorOf(const Principal& p) {
  if (p.kind == "User")
    return Json{{"actor_type", "user"}, {"data", {{"id", p.id}, {"name", p.name}, {"email", *p.email}}}};
  return Json{{"actor_type", "account"}, {"data", {{"id", p.id}, {"name", p.name}}}};
}

struct Action {
  std::string object_type;
  std::string object_id;
  std::string type;
  Json payload;
  std::optional<std::string> note;
};

Result<engine::ObjectActionOutcome> Apply(const Action& act, const engine::ObjectActionContext& ctx) {
  const bool business = act.object_type == "businesses";
  Json state = ctx.state.is_null() ? DefaultState(act.object_type) : ctx.state;
  Json effects = Json::array();
  const std::string status = business ? state["status"].get<std::string>() : "";
  const bool final_status = status == "approved" || status == "rejected";
  auto new_id = [&](size_t i) { return ctx.ids.Uuid("effect", ctx.action_id, i); };
  if (act.type == "decision") {
    std::string to = act.payload["status"];
    if (to == status) return Status::InvalidArgument("business is already " + status, "payload.status");
    effects.push_back(Effect("updated", Json{{"status", {status, to}}}, "business", act.object_id));
    state["status"] = to;
  } else if (act.type == "dismissal") {
    if (state.value("dismissed", false)) {
      return Status::InvalidArgument("watchlist result is already dismissed", "object_id");
    }
    effects.push_back(Effect("updated", Json{{"dismissed", {false, true}}}, "watchlist_result", act.object_id));
    state["dismissed"] = true;
  } else {
    if (!final_status) {
      return Status::InvalidArgument("business must be approved or rejected first (status: " + status + ")",
                                     "object_id");
    }
    if (act.type == "verify_tin") {
      if (state.value("tin_verified", false)) return Status::InvalidArgument("TIN is already verified", "type");
      effects.push_back(
          Effect("updated", Json{{"verified", {false, true}}}, "tin", ctx.ids.Uuid("tin", act.object_id, 0)));
      state["tin_verified"] = true;
    } else if (act.type == "add_sources") {
      size_t i = 0;
      for (const auto& src : act.payload["sources"]) {
        effects.push_back(Effect("created", nullptr, src["source_type"].get<std::string>(), new_id(i++)));
      }
    } else {  // add_attributes
      size_t i = 0;
      for (const char* kind : {"addresses", "people"}) {
        if (!act.payload.contains(kind)) continue;
        for (size_t k = 0; k < act.payload[kind].size(); ++k) {
          effects.push_back(
              Effect("created", nullptr, std::string(kind) == "people" ? "person" : "address", new_id(i++)));
        }
      }
    }
  }
  Json answer = {{"decision", DecisionFor(act.type, act.payload)},
                 {"action_type", act.type},
                 {"action_id", ctx.action_id},
                 {"payload", act.payload},
                 {"note", act.note ? Json(*act.note) : Json()}};
  return engine::ObjectActionOutcome{.state = std::move(state), .effects = std::move(effects), .answer = answer};
}

}  // namespace

Status CheckActionObjectExists(store::Store& store, const std::string& object_type, const std::string& object_id) {
  const bool business = object_type == "businesses";
  auto exists =
      business ? store.ThreadContextExists("business", object_id) : store.ArtifactExists(object_id, "watchlist_");
  if (!exists.ok()) return exists.status();
  if (!exists.value()) return Status::NotFound(business ? "business not found" : "watchlist result not found", "object_id");
  return Status::Ok();
}

engine::ObjectActionCommand ActionCommand(std::string object_type, std::string object_id, std::string type,
                                          Json payload, std::optional<std::string> note,
                                          std::optional<std::string> thread_id, std::optional<std::string> run_id,
                                          Principal caller) {
  Action act{object_type, object_id, type, payload, note};
  return engine::ObjectActionCommand{
      .object_type = std::move(object_type),
      .object_id = std::move(object_id),
      .type = std::move(type),
      .payload = std::move(payload),
      .note = std::move(note),
      .thread_id = std::move(thread_id),
      .run_id = std::move(run_id),
      .apply = [act = std::move(act)](const engine::ObjectActionContext& ctx) { return Apply(act, ctx); },
      .actors = [caller = std::move(caller)](const Run* run) {
        Json actors = Json::array({ActorOf(caller)});
        if (run) {
          actors.push_back(Json{{"actor_type", "run"},
                                {"data",
                                 {{"id", run->id},
                                  {"thread_id", run->thread_id},
                                  {"status", RunStatusName(run->status)},
                                  {"agent", run->agent}}}});
        }
        return actors;
      }};
}

}  // namespace sandbox::middesk
