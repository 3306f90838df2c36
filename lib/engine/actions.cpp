// Engine::RecordObjectAction: an action on an object the dialect names, and
// how it answers the interrupt of the run it was taken for. What an action
// may do and what it changes are the dialect's rules (for Middesk,
// dialects/middesk/action_rules.cpp); the engine owns the order (one writer,
// so each action sees the state the previous one left), the run it acts for,
// and the single transaction that stores the action, the object's state and
// the resumed run together.
#include "engine/engine.h"

namespace sandbox::engine {

Result<ActionRecord> Engine::RecordObjectAction(ObjectActionCommand cmd) {
  return Submit<ActionRecord>([this, cmd = std::move(cmd)](Instant now) -> Result<ActionRecord> {
    auto stored = store_.ObjectState(cmd.object_type, cmd.object_id);
    if (!stored.ok()) return stored.status();

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
    auto outcome = cmd.apply(ObjectActionContext{.state = stored.value(), .action_id = a.id, .ids = ids_});
    if (!outcome.ok()) return outcome.status();
    a.effects = std::move(outcome.value().effects);

    // The interrupt it answers.
    std::optional<PreparedResume> resume;
    if (run && run->run.status == RunStatus::kInterrupted) {
      const Interrupt* pending = run->PendingInterrupt();
      if (pending) {
        auto prepared = PrepareResume(run->run.id, pending->id, outcome.value().answer, now);
        if (!prepared.ok()) return prepared.status();
        resume = std::move(prepared).value();
      }
    }
    a.actors = cmd.actors(run ? (resume ? &resume->run.state.run : &run->run) : nullptr);
    std::optional<store::RunWrite> write;
    if (resume) write = store::RunWrite{.state = &resume->run.state, .events = {resume->resumed}};
    Status st = store_.CommitAction(a, outcome.value().state, write ? &*write : nullptr, now);
    if (!st.ok()) return st;
    Announce();
    if (resume) {
      // The run carries on from the answered interrupt; a failure of its own
      // progress stops the engine (SettleNow), but the action stands.
      (void)Activate(std::move(*resume), now);
    }
    return a;
  });
}

}  // namespace sandbox::engine
