// Engine::CreateAction: the rules of business-verification actions, and how
// an action answers an agent's interrupt (issue 3; the contract notes are in
// ../shared/spec/middesk-agents.md section 3.4 and 5).
//
// Object state, kept per object in the store:
//   business          {"status": "in_review" | "approved" | "rejected", "tin_verified": bool}
//   watchlist result  {"dismissed": bool}
// Rules: a decision must change the status; add_sources, add_attributes and
// verify_tin need a final status (approved or rejected); verify_tin once;
// dismissal once. Broken rules are InvalidArgument (422) naming the field.
//
// The answer given to the interrupt is
//   {"decision": D, "action_type": T, "action_id": ID, "payload": {...}, "note": N}
// where D is "approve" for an approving decision and for a dismissal,
// "reject" for a rejecting decision, and the action type otherwise; the
// scenario's branches are chosen by D as for any resume.
#include "engine/engine.h"

namespace sandbox::engine {
namespace {

Json DefaultState(const std::string& object_type) {
  if (object_type == "businesses") return Json{{"status", "in_review"}, {"tin_verified", false}};
  return Json{{"dismissed", false}};
}

std::string DecisionFor(const ActionCommand& cmd) {
  if (cmd.type == "decision") return cmd.payload.value("status", "") == "approved" ? "approve" : "reject";
  if (cmd.type == "dismissal") return "approve";
  return cmd.type;
}

Json Effect(const char* operation, Json diff, const std::string& object, const std::string& id) {
  return Json{{"operation", operation}, {"diff", std::move(diff)}, {"target", {{"object", object}, {"id", id}}}};
}

Json ActorOf(const Principal& p) {
  if (p.kind == "User")
    return Json{{"actor_type", "user"}, {"data", {{"id", p.id}, {"name", p.name}, {"email", *p.email}}}};
  return Json{{"actor_type", "account"}, {"data", {{"id", p.id}, {"name", p.name}}}};
}

}  // namespace

Result<ActionRecord> Engine::CreateAction(ActionCommand cmd) {
  return Submit<ActionRecord>([this, cmd = std::move(cmd)](Instant now) -> Result<ActionRecord> {
    // The object.
    bool business = cmd.object_type == "businesses";
    auto exists = business ? store_.BusinessExists(cmd.object_id) : store_.WatchlistResultExists(cmd.object_id);
    if (!exists.ok()) return exists.status();
    if (!exists.value()) {
      return Status::NotFound(business ? "business not found" : "watchlist result not found", "object_id");
    }
    auto stored = store_.ObjectState(cmd.object_type, cmd.object_id);
    if (!stored.ok()) return stored.status();
    Json state = stored.value().is_null() ? DefaultState(cmd.object_type) : stored.value();

    // The run it is taken for, if any: run_id, else the thread's latest run.
    std::optional<RunState> run;
    if (cmd.thread_id) {
      auto thread = store_.GetThread(*cmd.thread_id);
      if (!thread.ok()) return thread.status();
      if (!thread.value()) return Status::NotFound("agent thread not found", "thread_id");
    }
    if (cmd.run_id) {
      auto r = store_.GetRun(*cmd.run_id, /*with_steps=*/false);
      if (!r.ok()) return r.status();
      if (!r.value()) return Status::NotFound("agent run not found", "run_id");
      if (cmd.thread_id && r.value()->run.thread_id != *cmd.thread_id) {
        return Status::InvalidArgument("run " + *cmd.run_id + " does not belong to thread " + *cmd.thread_id, "run_id");
      }
      run = *r.value();
    } else if (cmd.thread_id) {
      auto runs = store_.RunsOfThread(*cmd.thread_id, /*with_steps=*/false);
      if (!runs.ok()) return runs.status();
      if (!runs.value().empty()) run = runs.value().back();
    }

    // The rules, and what the action changes.
    auto count = store_.CountActions();
    if (!count.ok()) return count.status();
    ActionRecord a;
    a.ordinal = count.value() + 1;
    a.id = ids_.Uuid("action", store_.ns(), static_cast<uint64_t>(a.ordinal));
    a.object_type = cmd.object_type;
    a.object_id = cmd.object_id;
    a.type = cmd.type;
    a.note = cmd.note;
    a.payload = cmd.payload;
    a.thread_id = cmd.thread_id ? cmd.thread_id : (run ? std::optional<std::string>(run->run.thread_id) : std::nullopt);
    a.run_id = run ? std::optional<std::string>(run->run.id) : std::nullopt;
    a.created_at = now;
    a.effects = Json::array();
    const std::string status = business ? state["status"].get<std::string>() : "";
    const bool final_status = status == "approved" || status == "rejected";
    auto new_id = [&](size_t i) { return ids_.Uuid("effect", a.id, i); };
    if (cmd.type == "decision") {
      std::string to = cmd.payload["status"];
      if (to == status) return Status::InvalidArgument("business is already " + status, "payload.status");
      a.effects.push_back(Effect("updated", Json{{"status", {status, to}}}, "business", cmd.object_id));
      state["status"] = to;
    } else if (cmd.type == "dismissal") {
      if (state.value("dismissed", false)) {
        return Status::InvalidArgument("watchlist result is already dismissed", "object_id");
      }
      a.effects.push_back(Effect("updated", Json{{"dismissed", {false, true}}}, "watchlist_result", cmd.object_id));
      state["dismissed"] = true;
    } else {
      if (!final_status) {
        return Status::InvalidArgument("business must be approved or rejected first (status: " + status + ")",
                                       "object_id");
      }
      if (cmd.type == "verify_tin") {
        if (state.value("tin_verified", false)) return Status::InvalidArgument("TIN is already verified", "type");
        a.effects.push_back(
            Effect("updated", Json{{"verified", {false, true}}}, "tin", ids_.Uuid("tin", cmd.object_id, 0)));
        state["tin_verified"] = true;
      } else if (cmd.type == "add_sources") {
        size_t i = 0;
        for (const auto& src : cmd.payload["sources"]) {
          a.effects.push_back(Effect("created", nullptr, src["source_type"].get<std::string>(), new_id(i++)));
        }
      } else {  // add_attributes
        size_t i = 0;
        for (const char* kind : {"addresses", "people"}) {
          if (!cmd.payload.contains(kind)) continue;
          for (size_t k = 0; k < cmd.payload[kind].size(); ++k) {
            a.effects.push_back(
                Effect("created", nullptr, std::string(kind) == "people" ? "person" : "address", new_id(i++)));
          }
        }
      }
    }

    // The interrupt it answers.
    std::optional<PreparedResume> resume;
    if (run && run->run.status == RunStatus::kInterrupted) {
      const Interrupt* pending = run->PendingInterrupt();
      if (pending) {
        Json input = {{"decision", DecisionFor(cmd)},
                      {"action_type", a.type},
                      {"action_id", a.id},
                      {"payload", a.payload},
                      {"note", a.note ? Json(*a.note) : Json()}};
        auto prepared = PrepareResume(run->run.id, pending->id, input, now);
        if (!prepared.ok()) return prepared.status();
        resume = std::move(prepared).value();
      }
    }
    a.actors = Json::array({ActorOf(cmd.caller)});
    if (run) {
      const Run& r = resume ? resume->run.state.run : run->run;
      a.actors.push_back(
          Json{{"actor_type", "run"},
               {"data",
                {{"id", r.id}, {"thread_id", r.thread_id}, {"status", RunStatusName(r.status)}, {"agent", r.agent}}}});
    }
    std::optional<store::RunWrite> write;
    if (resume) write = store::RunWrite{.state = &resume->run.state, .events = {resume->resumed}};
    Status st = store_.CommitAction(a, state, write ? &*write : nullptr, now);
    if (!st.ok()) return st;
    if (resume) {
      // The run carries on from the answered interrupt; a failure of its own
      // progress stops the engine (SettleNow), but the action stands.
      (void)Activate(std::move(*resume), now);
    }
    return a;
  });
}

}  // namespace sandbox::engine
