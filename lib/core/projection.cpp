// Apply(): each event type's effect on a RunState. Every branch checks the
// payload completely before it changes anything, so a bad event leaves the
// state as it was.
#include "core/projection.h"

namespace sandbox {
namespace {

Status Bad(const Event& e, const std::string& why) {
  return Status::Internal("event " + std::to_string(e.seq) + " (" + e.type + ") of run " + e.run_id + ": " + why);
}

bool HasString(const Json& p, const char* key) { return p.contains(key) && p[key].is_string(); }

Status ApplyRunStarted(RunState& s, const Event& e) {
  const Json& p = e.payload;
  if (!HasString(p, "thread_id") || !HasString(p, "agent") || !HasString(p, "scenario") || !p.contains("ordinal") ||
      !p["ordinal"].is_number_integer()) {
    return Bad(e, "payload needs thread_id, agent, scenario, ordinal");
  }
  std::optional<Principal> requester;
  if (!PrincipalFromJson(p.value("requester", Json()), requester)) return Bad(e, "bad requester");
  Run& r = s.run;
  r.id = e.run_id;
  r.thread_id = p["thread_id"];
  r.agent = p["agent"];
  r.scenario = p["scenario"];
  r.ordinal = p["ordinal"];
  r.requester = std::move(requester);
  r.request = p.value("request", Json());
  r.agent_name = p.value("agent_name", "");
  r.trigger_type = p.value("trigger_type", "api");
  if (p.contains("agent_seq")) {
    if (!p["agent_seq"].is_number_integer() || p["agent_seq"].get<int64_t>() < 1)
      return Bad(e, "agent_seq must be at least 1");
    r.agent_seq = p["agent_seq"];
  }
  int64_t delay_ms = 0;
  if (p.contains("retry")) {
    const Json& retry = p["retry"];
    if (!retry.is_object() || !HasString(retry, "of") || !HasString(retry, "first") || !retry.contains("attempt") ||
        !retry["attempt"].is_number_integer() || retry["attempt"].get<int64_t>() < 2 || !retry.contains("delay_ms") ||
        !retry["delay_ms"].is_number_integer() || retry["delay_ms"].get<int64_t>() < 0) {
      return Bad(e, "retry needs of, first, attempt (>= 2) and delay_ms (>= 0)");
    }
    r.retry_of = retry["of"];
    r.first_attempt = retry["first"];
    r.attempt = retry["attempt"];
    delay_ms = retry["delay_ms"];
  }
  r.status = RunStatus::kRunning;
  r.created_at = r.updated_at = e.at;
  r.started_at = e.at;
  // A retry waits out its backoff before its first instruction.
  r.cursor = Cursor{0, 0, e.at + delay_ms};
  return Status::Ok();
}

Status ApplyStepStarted(RunState& s, const Event& e) {
  const Json& p = e.payload;
  for (const char* k : {"step_id", "agent", "type", "name", "label"}) {
    if (!HasString(p, k)) return Bad(e, std::string("payload needs ") + k);
  }
  if (!p.contains("ordinal") || !p["ordinal"].is_number_integer()) return Bad(e, "payload needs ordinal");
  std::optional<std::string> parent;
  if (p.contains("parent_step_id") && !p["parent_step_id"].is_null()) {
    if (!p["parent_step_id"].is_string()) return Bad(e, "parent_step_id must be a string");
    parent = p["parent_step_id"].get<std::string>();
    if (!s.FindStep(*parent)) return Bad(e, "unknown parent step " + *parent);
  }
  if (s.FindStep(p["step_id"])) return Bad(e, "step already started");
  Step st;
  st.id = p["step_id"];
  st.run_id = e.run_id;
  st.parent_step_id = parent;
  st.ordinal = p["ordinal"];
  st.agent = p["agent"];
  st.type = p["type"];
  st.name = p["name"];
  st.label = p["label"];
  st.status = StepStatus::kRunning;
  st.started_at = e.at;
  s.steps.push_back(std::move(st));
  return Status::Ok();
}

Status ApplyArtifactAdded(RunState& s, const Event& e) {
  const Json& p = e.payload;
  if (!HasString(p, "step_id")) return Bad(e, "payload needs step_id");
  Step* st = s.MutableStep(p["step_id"]);
  if (!st) return Bad(e, "unknown step");
  Artifact a;
  if (!p.contains("artifact") || !ArtifactFromJson(p["artifact"], a)) return Bad(e, "bad artifact");
  st->artifacts.push_back(std::move(a));
  return Status::Ok();
}

Status ApplyStepCompleted(RunState& s, const Event& e) {
  const Json& p = e.payload;
  if (!HasString(p, "step_id") || !HasString(p, "status")) return Bad(e, "payload needs step_id, status");
  Step* st = s.MutableStep(p["step_id"]);
  if (!st) return Bad(e, "unknown step");
  auto status = ParseStepStatus(p["status"]);
  if (!status || *status == StepStatus::kRunning) return Bad(e, "status must be completed or error");
  st->status = *status;
  st->completed_at = e.at;
  if (p.contains("result")) st->result = p["result"];
  return Status::Ok();
}

Status ApplyRunInterrupted(RunState& s, const Event& e) {
  const Json& p = e.payload;
  if (!HasString(p, "interrupt_id") || !HasString(p, "step_id") || !p.contains("value")) {
    return Bad(e, "payload needs interrupt_id, step_id, value");
  }
  if (!s.FindStep(p["step_id"])) return Bad(e, "unknown step");
  if (s.FindInterrupt(p["interrupt_id"])) return Bad(e, "duplicate interrupt id");
  Interrupt i;
  i.id = p["interrupt_id"];
  i.run_id = e.run_id;
  i.step_id = p["step_id"];
  if (p.contains("agent") && p["agent"].is_string()) i.agent = p["agent"].get<std::string>();
  i.value = p["value"];
  i.pending = true;
  i.created_at = e.at;
  s.interrupts.push_back(std::move(i));
  s.run.status = RunStatus::kInterrupted;
  return Status::Ok();
}

Status ApplyRunResumed(RunState& s, const Event& e) {
  const Json& p = e.payload;
  if (!HasString(p, "interrupt_id") || !p.contains("segment") || !p["segment"].is_number_integer()) {
    return Bad(e, "payload needs interrupt_id, segment");
  }
  Interrupt* i = s.FindInterrupt(p["interrupt_id"]);
  if (!i || !i->pending) return Bad(e, "interrupt is not pending");
  if (s.run.status != RunStatus::kInterrupted) return Bad(e, "run is not interrupted");
  i->pending = false;
  i->resolved_at = e.at;
  i->input = p.value("input", Json());
  s.run.status = RunStatus::kRunning;
  s.run.cursor = Cursor{p["segment"].get<int>(), 0, e.at};
  return Status::Ok();
}

Status ApplyRunCompleted(RunState& s, const Event& e) {
  const Json& p = e.payload;
  if (!p.contains("output") || !p["output"].is_object()) return Bad(e, "payload needs output");
  s.run.status = RunStatus::kCompleted;
  s.run.output = p["output"];
  s.run.result = p.value("result", Json());
  s.run.ended_at = e.at;
  return Status::Ok();
}

Status ApplyRunFailed(RunState& s, const Event& e) {
  const Json& p = e.payload;
  if (!HasString(p, "message")) return Bad(e, "payload needs message");
  s.run.status = RunStatus::kError;
  s.run.error_message = p["message"].get<std::string>();
  if (p.contains("reason") && p["reason"].is_string()) s.run.failure_reason = p["reason"].get<std::string>();
  s.run.ended_at = e.at;
  // A failure ends every step still open: the agent will not come back to them.
  for (size_t i = 0; i < s.steps.size(); ++i) {
    if (s.steps[i].status == StepStatus::kRunning) {
      Step& st = s.steps.Mutable(i);
      st.status = StepStatus::kError;
      st.completed_at = e.at;
    }
  }
  return Status::Ok();
}

Status ApplyRunCancelled(RunState& s, const Event& e) {
  const Json& p = e.payload;
  if (p.contains("reason") && !p["reason"].is_null() && !p["reason"].is_string())
    return Bad(e, "reason must be a string");
  s.run.status = RunStatus::kCancelled;
  s.run.ended_at = e.at;
  s.run.error_message = "cancelled";
  if (p.contains("reason") && p["reason"].is_string()) s.run.failure_reason = p["reason"].get<std::string>();
  // Nothing is left to answer or to finish.
  for (auto& i : s.interrupts) {
    if (i.pending) {
      i.pending = false;
      i.resolved_at = e.at;
    }
  }
  for (size_t i = 0; i < s.steps.size(); ++i) {
    if (s.steps[i].status == StepStatus::kRunning) {
      Step& st = s.steps.Mutable(i);
      st.status = StepStatus::kError;
      st.completed_at = e.at;
    }
  }
  return Status::Ok();
}

Status ApplyInterruptExpired(RunState& s, const Event& e) {
  const Json& p = e.payload;
  if (!HasString(p, "interrupt_id") || !p.contains("segment") || !p["segment"].is_number_integer()) {
    return Bad(e, "payload needs interrupt_id, segment");
  }
  Interrupt* i = s.FindInterrupt(p["interrupt_id"]);
  if (!i || !i->pending) return Bad(e, "interrupt is not pending");
  i->pending = false;
  i->expired = true;
  i->resolved_at = e.at;
  s.run.status = RunStatus::kRunning;
  s.run.cursor = Cursor{p["segment"].get<int>(), 0, e.at};
  return Status::Ok();
}

// text.delta, tool.started, tool.completed, notice: they name a started step;
// only text changes the state (the step's message grows).
Status ApplyStepActivity(RunState& s, const Event& e) {
  const Json& p = e.payload;
  if (!HasString(p, "step_id")) return Bad(e, "payload needs step_id");
  if (!s.FindStep(p["step_id"])) return Bad(e, "unknown step");
  if (e.type == event_type::kTextDelta) {
    if (!HasString(p, "text")) return Bad(e, "payload needs text");
    s.MutableStep(p["step_id"])->text += p["text"].get<std::string>();
  }
  return Status::Ok();
}

}  // namespace

Status Apply(RunState& state, const Event& e) {
  if (e.seq != state.run.last_seq + 1) {
    return Bad(e, "expected sequence " + std::to_string(state.run.last_seq + 1));
  }
  if (e.seq == 1 && e.type != event_type::kRunStarted) return Bad(e, "a log must begin with run.started");
  if (e.seq > 1 && e.type == event_type::kRunStarted) return Bad(e, "run.started may only come first");
  if (e.seq > 1 && e.run_id != state.run.id) return Bad(e, "event belongs to another run");
  if (e.seq > 1 && IsTerminal(state.run.status)) return Bad(e, "run has already ended");
  if (!e.payload.is_object()) return Bad(e, "payload must be an object");

  Status st;
  bool instruction = false;
  if (e.type == event_type::kRunStarted) {
    st = ApplyRunStarted(state, e);
  } else if (e.type == event_type::kStepStarted) {
    st = ApplyStepStarted(state, e);
    instruction = true;
  } else if (e.type == event_type::kArtifactAdded) {
    st = ApplyArtifactAdded(state, e);
    instruction = true;
  } else if (e.type == event_type::kStepCompleted) {
    st = ApplyStepCompleted(state, e);
    instruction = true;
  } else if (e.type == event_type::kRunInterrupted) {
    st = ApplyRunInterrupted(state, e);
    instruction = true;
  } else if (e.type == event_type::kRunResumed) {
    st = ApplyRunResumed(state, e);
  } else if (e.type == event_type::kRunCompleted) {
    st = ApplyRunCompleted(state, e);
  } else if (e.type == event_type::kRunFailed) {
    st = ApplyRunFailed(state, e);
  } else if (e.type == event_type::kRunCancelled) {
    st = ApplyRunCancelled(state, e);
  } else if (e.type == event_type::kInterruptExpired) {
    st = ApplyInterruptExpired(state, e);
  } else if (e.type == event_type::kTextDelta || e.type == event_type::kToolStarted ||
             e.type == event_type::kToolCompleted || e.type == event_type::kNotice) {
    st = ApplyStepActivity(state, e);
    instruction = true;
  } else {
    return Bad(e, "unknown event type");
  }
  if (!st.ok()) return st;
  if (instruction) ++state.run.cursor.pc;
  state.run.last_seq = e.seq;
  state.run.updated_at = e.at;
  return Status::Ok();
}

Result<RunState> Rebuild(const std::vector<Event>& log) {
  RunState state;
  for (const auto& e : log) {
    Status st = Apply(state, e);
    if (!st.ok()) return st;
  }
  if (log.empty()) return Status::Internal("cannot rebuild a run from an empty log");
  return state;
}

}  // namespace sandbox
