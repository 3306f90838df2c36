// Engine: command handling on the writer thread, the advance loop,
// recovery, and parking the writer for whole-database operations. Ids are derived from (seed, parent, ordinal) at the
// moment an event is made and then recorded in it, so replaying a log never needs the generator again.
#include "engine/engine.h"

#include <future>

#include "core/json_object.h"
#include "core/projection.h"
#include "core/time_format.h"
#include "core/thread_name.h"
#include "script/loader.h"
#include "script/template.h"

namespace sandbox::engine {

using script::Op;

Engine::Engine(store::Store& store, Clock& clock, const IdGenerator& ids,
               std::shared_ptr<const script::FixtureSet> fixtures)
    : store_(store), clock_(clock), ids_(ids), files_(fixtures), fixtures_(std::move(fixtures)), clock_start_(clock.now()) {
  if (fixtures_) scenario_faults_.Replace(*fixtures_);
}

Engine::~Engine() { Stop(); }

std::shared_ptr<const script::FixtureSet> Engine::fixtures() const {
  std::lock_guard<std::mutex> g(fixtures_mu_);
  return fixtures_;
}

std::shared_ptr<const script::FixtureSet> Engine::file_fixtures() const {
  std::lock_guard<std::mutex> g(fixtures_mu_);
  return files_;
}

void Engine::ReplaceFixtures(std::shared_ptr<const script::FixtureSet> fixtures) {
  std::lock_guard<std::mutex> g(fixtures_mu_);
  files_ = std::move(fixtures);
  OverlayLocked();
}

void Engine::OverlayLocked() {
  fixtures_ = script::Overlay(files_, definitions_);
  ++fixtures_version_;
  scenario_faults_.Replace(*fixtures_);
}

std::optional<Fault> Engine::ScenarioFault(const std::string& run_id, const FaultRequest& r, FaultPhase phase) {
  if (!scenario_faults_.Any(phase)) return std::nullopt;
  return scenario_faults_.Match(run_id, generation(), r, phase,
                                [&]() -> std::optional<std::pair<std::string, std::string>> {
                                  auto run = store_.GetRun(run_id, /*with_steps=*/false);
                                  if (!run.ok() || !run.value()) return std::nullopt;
                                  return std::make_pair(run.value()->run.agent, run.value()->run.scenario);
                                });
}

Status Engine::health() const {
  std::lock_guard<std::mutex> g(mu_);
  return sticky_;
}

void Engine::SetStickyError(const Status& st) {
  std::lock_guard<std::mutex> g(mu_);
  if (sticky_.ok()) sticky_ = st;
}

Result<std::shared_ptr<const script::Program>> Engine::ProgramFromScript(const std::string& run_id,
                                                                         const std::string& agent_type) const {
  auto script = store_.RunScript(run_id);
  if (!script.ok()) return script.status();
  if (!script.value()) return Status::NotFound("run " + run_id + " has no script");
  Json source = Json::parse(*script.value(), nullptr, false);
  if (source.is_discarded()) return Status::Internal("run " + run_id + " has a script that is not JSON");
  auto scenario = script::ParseScenario(source, agent_type);
  if (!scenario.ok()) return scenario.status();
  return script::Program::Compile(std::make_shared<const script::Scenario>(std::move(scenario).value()));
}

Status Engine::Start() {
  auto saved = store_.SavedClock();
  if (!saved.ok()) return saved.status();
  // Time never runs backwards across a restart. Realtime continues from the
  // saved instant, so the durations left in runs under way are honoured in
  // full (the time the process was down does not count).
  if (saved.value() && *saved.value() > clock_.now()) clock_.reset_to(*saved.value());
  Status loaded = LoadFromStore();
  if (!loaded.ok()) return loaded;
  {
    std::lock_guard<std::mutex> g(mu_);
    stopping_ = false;
    started_ = true;
    writer_running_ = true;
  }
  writer_ = std::thread([this] {
    NameThisThread(thread_name::kWriter);
    WriterLoop();
  });
  // Runs recovered in virtual mode finish their stretch before any request.
  return Submit<bool>([](Instant) { return Result<bool>(true); }).status();
}

Status Engine::LoadFromStore() {
  active_.clear();
  schedule_counts_.clear();
  auto stored = store_.ListAgentDefinitions();
  if (!stored.ok()) return stored.status();
  std::vector<script::AgentDefinition> definitions;
  for (const auto& doc : stored.value()) {
    auto def = script::DefinitionFromJson(doc);
    if (!def.ok()) return Status::Internal(def.status().message());
    definitions.push_back(std::move(def).value());
  }
  {
    std::lock_guard<std::mutex> g(fixtures_mu_);
    definitions_ = std::move(definitions);
    OverlayLocked();
  }
  auto workflows = store_.WorkflowCounts();
  if (!workflows.ok()) return workflows.status();
  workflow_counts_ = std::move(workflows).value();
  for (const auto& agent : fixtures()->agents) {
    auto n = store_.CountScheduledRuns(agent.type);
    if (!n.ok()) return n.status();
    if (n.value() > 0) schedule_counts_[agent.type] = n.value();
  }
  auto threads = store_.CountThreads();
  auto runs = store_.CountRuns();
  if (!threads.ok()) return threads.status();
  if (!runs.ok()) return runs.status();
  next_thread_ordinal_ = threads.value() + 1;
  next_run_ordinal_ = runs.value() + 1;
  auto in_flight = store_.RunIdsWithStatus(RunStatus::kRunning);
  if (!in_flight.ok()) return in_flight.status();
  auto waiting = store_.RunIdsWithStatus(RunStatus::kInterrupted);
  if (!waiting.ok()) return waiting.status();
  std::vector<std::string> ids = in_flight.value();
  ids.insert(ids.end(), waiting.value().begin(), waiting.value().end());
  for (const auto& id : ids) {
    auto log = store_.Events(id);
    if (!log.ok()) return log.status();
    auto state = Rebuild(log.value());
    if (!state.ok()) return state.status();
    auto program = ProgramFromScript(id, state.value().run.agent);
    if (!program.ok()) return program.status();
    ActiveRun run{std::move(state).value(), std::move(program).value()};
    // A waiting run stays with the writer only when its interrupt can expire.
    if (run.state.run.status == RunStatus::kInterrupted && !ExpiryOf(run)) continue;
    active_[id] = std::move(run);
  }
  return Status::Ok();
}

Status Engine::Reset() {
  return Submit<bool>(
             [this](Instant) -> Result<bool> {
               // One transaction: on failure nothing was deleted, and the
               // writer's view still matches the store.
               Status st = store_.DeleteNamespace();
               if (!st.ok()) return st;
               // No saved clock any more: Reload takes time back to its start.
               st = Reload();
               if (!st.ok()) return st;
               return true;
             },
             WhenFailing::kRun)
      .status();
}

Status Engine::Reload() {
  auto saved = store_.SavedClock();
  Status st = saved.status();
  if (st.ok()) {
    // The stored instant: a snapshot restore takes stepped time back with it.
    clock_.reset_to(saved.value().value_or(clock_start_));
    st = LoadFromStore();
  }
  if (st.ok() && !store_.ns().empty()) {
    // A snapshot taken before this namespace existed has no seed for it; the
    // namespace lives on in this process with the seed it has, so record it
    // again, as its creation did, for the next restart.
    auto seed = store_.SavedSeed();
    st = seed.status();
    if (st.ok() && !seed.value()) st = store_.SaveSeed(ids_.seed());
  }
  ++generation_;
  if (!st.ok()) {
    // active_ and the ordinals may be half-read: nothing may be written
    // from them.
    MarkFailing(Status::Internal("reloading namespace \"" + store_.ns() + "\" from the store failed: " + st.message()));
    AnnounceEverything();
    return st;
  }
  {
    std::lock_guard<std::mutex> g(mu_);
    sticky_ = Status::Ok();
  }
  AnnounceEverything();
  // What the reloaded state has due now fires at once (in virtual time, up
  // to every run's next pause), as after a restart.
  Drain();
  return health();
}

void Engine::MarkFailing(const Status& why) {
  // Unlike SetStickyError, the latest word wins: it says what is wrong now.
  std::lock_guard<std::mutex> g(mu_);
  sticky_ = why.ok() ? Status::Internal("engine marked failing") : why;
}

void Engine::Quiesce() {
  std::unique_lock<std::mutex> lock(mu_);
  ++quiesce_requests_;
  cv_.notify_all();
  parked_cv_.wait(lock, [this] { return parked_ || !writer_running_; });
}

void Engine::Release() {
  {
    std::lock_guard<std::mutex> g(mu_);
    if (quiesce_requests_ > 0) --quiesce_requests_;
  }
  cv_.notify_all();
}

void Engine::Stop() {
  {
    std::lock_guard<std::mutex> g(mu_);
    if (!started_) return;
    stopping_ = true;
    started_ = false;
  }
  cv_.notify_all();
  if (writer_.joinable()) writer_.join();
}

void Engine::WriterLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    if (quiesce_requests_ > 0) {
      // Parked between commands: whoever quiesced us acts as the writer
      // until it releases us (the mutex hands our state over both ways).
      parked_ = true;
      parked_cv_.notify_all();
      cv_.wait(lock, [this] { return quiesce_requests_ == 0; });
      parked_ = false;
      continue;
    }
    if (stopping_) {
      // Commands still queued are answered, not dropped.
      while (!queue_.empty()) {
        std::vector<Command> one;
        one.push_back(std::move(queue_.front()));
        queue_.pop_front();
        lock.unlock();
        RunCommands(std::move(one));
        lock.lock();
      }
      break;
    }
    if (queue_.empty()) {
      auto due = NextDue();
      clock_.wait(cv_, lock, due ? std::optional<Instant>(due->first) : std::nullopt);
      if (stopping_ || quiesce_requests_ > 0) continue;
      if (queue_.empty()) {
        // Woken by time passing (realtime) or a nudge: fire what is due.
        lock.unlock();
        Drain();
        lock.lock();
        continue;
      }
    }
    // The commands queued now, up to kMaxBatchedCommands, share one group
    // commit (leveldb's writer batching): under concurrent writes most of
    // what each commits (index pages, counts, the saved clock) is then
    // written once. A Quiesce() waits for one batch, never a whole backlog.
    std::vector<Command> batch;
    do {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    } while (!queue_.empty() && batch.size() < kMaxBatchedCommands && batch.front().batching == Batching::kShare &&
             queue_.front().batching == Batching::kShare);
    lock.unlock();
    RunCommands(std::move(batch));
    lock.lock();
  }
  writer_running_ = false;
  parked_cv_.notify_all();
}

std::optional<std::pair<Instant, std::string>> Engine::NextDue(bool future_expiries) const {
  std::optional<std::pair<Instant, std::string>> best;
  int64_t best_ordinal = 0;
  for (const auto& [id, run] : active_) {
    std::optional<Instant> next;
    if (run.state.run.status == RunStatus::kInterrupted) {
      next = ExpiryOf(run);
      if (next && !future_expiries && *next > clock_.now()) next.reset();
    } else {
      const auto& c = run.state.run.cursor;
      const script::Instruction* in = run.program->At(c.segment, c.pc);
      if (in) next = c.segment_base + in->offset_ms;
    }
    if (!next) continue;
    Instant due = *next;
    if (!best || due < best->first || (due == best->first && run.state.run.ordinal < best_ordinal)) {
      best = std::make_pair(due, id);
      best_ordinal = run.state.run.ordinal;
    }
  }
  // Schedules, like expiries, are waited for, never jumped to by virtual time;
  // at an equal instant runs already under way go first.
  auto schedule = NextSchedule();
  if (schedule && (future_expiries || schedule->first <= clock_.now()) && (!best || schedule->first < best->first)) {
    best = schedule;
  }
  return best;
}

size_t Engine::queued_commands() const {
  std::lock_guard<std::mutex> g(mu_);
  return queue_.size();
}

void Engine::RunCommands(std::vector<Command> batch) {
  if (batch.size() == 1 && batch.front().batching == Batching::kAlone) {
    // Alone, each write of the command is its own commit, durable when made.
    Answer answer = batch.front().run();
    Drain();
    answer(Status::Ok());
    return;
  }
  Status begun = store_.BeginGroup();
  if (!begun.ok()) {
    // The engine stops (the sticky error); each command, run alone now, is
    // refused for it.
    SetStickyError(begun);
    for (Command& c : batch) {
      std::vector<Command> one;
      c.batching = Batching::kAlone;
      one.push_back(std::move(c));
      RunCommands(std::move(one));
    }
    return;
  }
  grouping_ = true;
  std::vector<Answer> answers;
  for (Command& c : batch) answers.push_back(c.run());
  // The drain's fires join the group (FireGrouped).
  Drain();
  Status durable = CloseGroup() ? Status::Ok() : health();
  for (Answer& a : answers) a(durable);
}

void Engine::Announce() {
  if (grouping_) {
    announce_due_ = true;
  } else {
    bus_.Publish();
  }
}

void Engine::Announce(const std::string& run_id) {
  if (grouping_) {
    announce_due_ = true;
    announce_runs_.push_back(run_id);
  } else {
    bus_.Publish(std::vector<std::string>{run_id});
  }
}

void Engine::AnnounceEverything() {
  if (grouping_) {
    announce_due_ = true;
    announce_everything_ = true;
  } else {
    bus_.PublishEverything();
  }
}

bool Engine::CloseGroup() {
  Status st = store_.EndGroup();
  grouping_ = false;
  if (st.ok() && !delivery_states_due_.empty()) delivery_states_.Keep(generation_.load(), std::move(delivery_states_due_));
  delivery_states_due_.clear();
  if (announce_everything_) {
    bus_.PublishEverything();
  } else if (announce_due_) {
    bus_.Publish(announce_runs_);
  }
  announce_due_ = announce_everything_ = false;
  announce_runs_.clear();
  if (!st.ok()) SetStickyError(st);
  return st.ok();
}

Status Engine::FireGrouped(const std::function<std::optional<Due>()>& next_due, std::vector<Event>* fired) {
  // Fires are grouped into one commit each kMaxGroupedFires: with many runs
  // under way, most of what a fire writes (index pages, counts, the saved
  // clock) is shared, and written once per group instead of once per fire.
  // Inside a batch of commands (RunCommands) they join the batch's group.
  const bool own_groups = !grouping_;
  int grouped = 0;
  while (auto next = next_due()) {
    if (own_groups && grouped == 0) {
      Status begun = store_.BeginGroup();
      if (!begun.ok()) {
        SetStickyError(begun);
        return begun;
      }
      grouping_ = true;
    }
    Status st = FireDue(next->second, next->first, fired);
    if (!st.ok()) {
      // The failed fire left nothing (its savepoint); the ones before it
      // are kept, as they were when each fire was its own commit. The
      // fire's failure is the cause health names, whatever the end says.
      SetStickyError(st);
      if (own_groups) (void)CloseGroup();
      return st;
    }
    if (own_groups && ++grouped == kMaxGroupedFires) {
      if (!CloseGroup()) return health();
      grouped = 0;
    }
  }
  if (own_groups && grouped > 0 && !CloseGroup()) return health();
  return Status::Ok();
}

void Engine::Drain(std::vector<Event>* fired) {
  if (!health().ok()) return;
  (void)FireGrouped(
      [this]() -> std::optional<Due> {
        auto next = NextDue(/*future_expiries=*/clock_.mode() != ClockMode::kVirtual);
        if (!next) return std::nullopt;
        if (next->first > clock_.now()) {
          if (clock_.mode() != ClockMode::kVirtual) return std::nullopt;
          clock_.advance_to(next->first);
        }
        return next;
      },
      fired);
}

Result<Event> Engine::EventFor(const ActiveRun& run, const script::Instruction& in, Instant at) const {
  const RunState& s = run.state;
  const std::string& run_id = s.run.id;
  Event e;
  e.run_id = run_id;
  e.seq = s.run.last_seq + 1;
  e.at = at;
  const script::StepNode* n = in.node;
  std::string step_id = n ? ids_.Uuid("step", run_id, static_cast<uint64_t>(n->ref)) : "";
  // Templates are rendered now and the log keeps the result. The context is
  // made at the first variable: most events have none.
  std::optional<Json> made;
  const script::ContextSource ctx = [&]() -> const Json& {
    if (!made) made = TemplateContext(s, at);
    return *made;
  };
  auto render = [&](const std::string& text) { return script::RenderTemplate(text, ctx); };
  auto render_opt = [&](const std::optional<std::string>& text) -> std::optional<std::string> {
    if (!text) return std::nullopt;
    return render(*text);
  };
  switch (in.op) {
    case Op::kStartStep: {
      e.type = event_type::kStepStarted;
      Json parent =
          in.parent_ref >= 0 ? Json(ids_.Uuid("step", run_id, static_cast<uint64_t>(in.parent_ref))) : Json(nullptr);
      e.payload = JsonObject("step_id", step_id, "parent_step_id", std::move(parent), "agent", n->agent, "type",
                             n->type, "name", n->name, "label", render(n->label), "ordinal", s.steps.size());
      break;
    }
    case Op::kAddArtifact: {
      e.type = event_type::kArtifactAdded;
      const auto& spec = n->artifacts[static_cast<size_t>(in.artifact_index)];
      std::vector<Source> sources;
      for (const auto& src : spec.sources) {
        sources.push_back(Source{render(src.url), render_opt(src.source_name), render_opt(src.source_tier),
                                 render_opt(src.source_type)});
      }
      Artifact a{ids_.Uuid("artifact", step_id, static_cast<uint64_t>(in.artifact_index)),
                 render(spec.title),
                 spec.type,
                 spec.confidence,
                 render_opt(spec.summary),
                 std::move(sources)};
      e.payload = JsonObject("step_id", step_id, "artifact", ArtifactToJson(a));
      break;
    }
    case Op::kCompleteStep:
    case Op::kFailStep: {
      e.type = event_type::kStepCompleted;
      e.payload = JsonObject("step_id", step_id, "status", in.op == Op::kFailStep ? "error" : "completed");
      const Json& result = in.detail().result.is_null() ? n->result : in.detail().result;
      if (!result.is_null()) e.payload["result"] = script::RenderTemplates(result, ctx);
      break;
    }
    case Op::kInterrupt:
      e.type = event_type::kRunInterrupted;
      e.payload = {{"interrupt_id", ids_.Prefixed("intr_", "interrupt", run_id, s.interrupts.size())},
                   {"step_id", step_id},
                   {"agent", n->interrupt->agent ? Json(*n->interrupt->agent) : Json(nullptr)},
                   {"value", script::RenderTemplates(n->interrupt->value, ctx)}};
      break;
    case Op::kFailRun:
      e.type = event_type::kRunFailed;
      if (in.detail().fail_reason && !n->error_message) {
        e.payload = {{"message", *in.detail().fail_reason}};  // an expired interrupt
      } else {
        e.payload = {{"message", render(n->error_message.value_or("step " + n->name + " failed"))}};
      }
      if (in.detail().fail_reason) e.payload["reason"] = *in.detail().fail_reason;
      break;
    case Op::kCompleteRun: {
      e.type = event_type::kRunCompleted;
      Json artifacts = Json::array();
      for (const auto& st : s.steps) {
        if (st.type != "output") continue;
        for (const auto& a : st.artifacts) artifacts.push_back(ArtifactToJson(a));
      }
      e.payload = {{"output", {{"artifacts", artifacts}}}};
      const Json& result = run.program->scenario().result;
      if (!result.is_null()) e.payload["result"] = script::RenderTemplates(result, ctx);
      break;
    }
    case Op::kTextDelta:
      e.type = event_type::kTextDelta;
      e.payload = JsonObject("step_id", step_id, "text", render(in.text));
      break;
    case Op::kToolStart:
      e.type = event_type::kToolStarted;
      e.payload = {
          {"step_id", step_id}, {"name", n->tool->name}, {"input", script::RenderTemplates(n->tool->input, ctx)}};
      break;
    case Op::kToolEnd:
      e.type = event_type::kToolCompleted;
      e.payload = {
          {"step_id", step_id}, {"name", n->tool->name}, {"output", script::RenderTemplates(n->tool->output, ctx)}};
      break;
    case Op::kNotice:
      e.type = event_type::kNotice;
      e.payload = JsonObject("step_id", step_id, "text", render(*n->notice));
      break;
  }
  return e;
}

Json Engine::TemplateContext(const RunState& s, Instant at) const {
  const Run& r = s.run;
  // resume.*: the latest answer; a plain-string answer is its decision.
  Json resume = Json::object();
  for (const auto& i : s.interrupts) {
    if (i.pending || i.expired) continue;
    resume = i.input.is_object() ? i.input : Json::object();
    if (i.input.is_string()) resume["decision"] = i.input;
    resume["input"] = i.input;
  }
  return Json{{"request", r.request.is_object() ? r.request : Json::object()},
              {"run", {{"id", r.id}, {"thread_id", r.thread_id}, {"agent", r.agent}, {"scenario", r.scenario}}},
              {"thread", {{"id", r.thread_id}}},
              // The name the run started with: a fixture reload never changes a run under way.
              {"agent", {{"type", r.agent}, {"name", r.agent_name.empty() ? r.agent : r.agent_name}}},
              {"resume", resume},
              {"now", FormatInstant(at)}};
}

std::optional<Instant> Engine::ExpiryOf(const ActiveRun& run) const {
  const RunState& s = run.state;
  if (s.run.status != RunStatus::kInterrupted) return std::nullopt;
  const Interrupt* pending = s.PendingInterrupt();
  const script::Instruction* at = run.program->At(s.run.cursor.segment, s.run.cursor.pc - 1);
  if (!pending || !at || at->op != Op::kInterrupt || !at->detail().timeout_ms) return std::nullopt;
  return pending->created_at + *at->detail().timeout_ms;
}

Status Engine::AdvanceRun(const std::string& run_id, Instant due, RunState* after, std::vector<Event>* fired) {
  auto it = active_.find(run_id);
  if (it == active_.end()) return Status::Internal("run " + run_id + " is not active");
  ActiveRun next = it->second;  // applied to a copy: nothing changes unless the commit succeeds
  std::vector<Event> events;
  if (next.state.run.status == RunStatus::kInterrupted) {
    // Its interrupt's timeout has come: the run moves to the timeout path.
    const Interrupt* pending = next.state.PendingInterrupt();
    const script::Instruction* at = next.program->At(next.state.run.cursor.segment, next.state.run.cursor.pc - 1);
    if (!pending || !at || at->detail().timeout_segment < 0) return Status::Internal("run " + run_id + " has no expiry");
    Event expired{run_id, next.state.run.last_seq + 1, event_type::kInterruptExpired, due,
                  Json{{"interrupt_id", pending->id}, {"segment", at->detail().timeout_segment}}};
    Status st = Apply(next.state, expired);
    if (!st.ok()) return st;
    events.push_back(std::move(expired));
  }
  while (true) {
    const auto& c = next.state.run.cursor;
    const script::Instruction* in = next.program->At(c.segment, c.pc);
    if (!in || c.segment_base + in->offset_ms != due) break;
    auto e = EventFor(next, *in, due);
    if (!e.ok()) return e.status();
    Status st = Apply(next.state, e.value());
    if (!st.ok()) return st;
    events.push_back(std::move(e).value());
    if (next.state.run.status != RunStatus::kRunning) break;
  }
  if (events.empty()) return Status::Internal("run " + run_id + " had nothing due at its due time");
  // A failed execution with a scripted retry starts the next one in the
  // same transaction: the workflow is never left failed-with-retry-pending.
  std::optional<PreparedStart> retry;
  if (next.state.run.status == RunStatus::kError) {
    std::string skipped;
    auto prepared = PrepareRetry(next, due, skipped);
    if (!prepared.ok()) return prepared.status();
    retry = std::move(prepared).value();
    if (!skipped.empty()) events.back().payload["retry_skipped"] = skipped;
  }
  if (fired) {
    fired->insert(fired->end(), events.begin(), events.end());
    if (retry) fired->push_back(retry->started);
  }
  bool queued = false;
  store::RunWrite write{
      .state = &next.state, .events = std::move(events), .before = &it->second.state, .last_event_queued = &queued};
  std::optional<store::RunWrite> retry_write;
  if (retry)
    retry_write = store::RunWrite{.state = &retry->run.state, .events = {retry->started}, .script = &retry->script};
  // The clock saved with this commit: one reading for the whole transaction.
  const Instant saved_clock = clock_.now();
  Status st;
  if (retry_write) {
    std::vector<store::RunWrite> both;
    both.push_back(std::move(write));
    both.push_back(std::move(*retry_write));
    st = store_.Commit(std::move(both), saved_clock);
  } else {
    st = store_.Commit(std::move(write), saved_clock);
  }
  if (!st.ok()) return st;
  Announce(next.state.run.id);
  if (retry) Announce(retry->run.state.run.id);
  if (retry) Started(std::move(*retry));
  if (after) *after = next.state;
  if (next.state.run.status == RunStatus::kRunning || ExpiryOf(next)) {
    if (queued) KeepForDelivery(std::make_shared<const RunState>(next.state));
    it->second = std::move(next);
  } else {
    // An ended run's state is not needed here again: handed over, not copied.
    if (queued) KeepForDelivery(std::make_shared<const RunState>(std::move(next.state)));
    active_.erase(it);
  }
  return Status::Ok();
}

void Engine::KeepForDelivery(std::shared_ptr<const RunState> state) {
  if (grouping_) {
    delivery_states_due_.push_back(std::move(state));
  } else {
    delivery_states_.Keep(generation_.load(), {std::move(state)});
  }
}

Thread Engine::NewThread(const std::string& agent_type, const std::optional<std::string>& context_type,
                         const std::optional<std::string>& context_id, const std::optional<Principal>& requester,
                         Instant now) const {
  Thread t;
  t.ordinal = next_thread_ordinal_;
  t.id = ids_.Uuid("thread", store_.ns(), static_cast<uint64_t>(t.ordinal));
  t.agent = agent_type;
  t.context_type = context_type;
  t.context_id = context_id;
  t.status = DeriveThreadStatus({});
  t.requester = requester;
  t.created_at = t.updated_at = now;
  return t;
}

Result<Thread> Engine::CreateThread(CreateThreadCommand cmd) {
  return Submit<Thread>([this, cmd = std::move(cmd)](Instant now) -> Result<Thread> {
    if (!fixtures()->FindAgentByType(cmd.agent_type)) return Status::NotFound("agent type not found", "type");
    Thread t = NewThread(cmd.agent_type, cmd.context_type, cmd.context_id, cmd.requester, now);
    Status st = store_.InsertThread(t, now);
    if (!st.ok()) return st;
    Announce();  // every write is announced: cached reads (the thread list) depend on it
    ++next_thread_ordinal_;
    return t;
  });
}

Result<RunState> Engine::CreateRun(CreateRunCommand cmd) {
  return Submit<RunState>([this, cmd = std::move(cmd)](Instant now) -> Result<RunState> {
    if (cmd.idempotency) {
      // On the writer, so two requests with one key cannot both miss it.
      auto known = store_.IdempotencyKey(cmd.idempotency->key);
      if (!known.ok()) return known.status();
      if (known.value()) {
        auto existing = store_.GetRun(known.value()->run_id, /*with_steps=*/false);
        if (!existing.ok()) return existing.status();
        // No run: the namespace was reset since, and the key is free again.
        if (existing.value()) {
          if (known.value()->body_hash != cmd.idempotency->body_hash) {
            return Status::Conflict("Idempotency-Key reused with a different body", "Idempotency-Key");
          }
          return std::move(*existing.value());
        }
      }
    }
    auto started = StartRun(cmd, now);
    if (!started.ok()) return started.status();
    return SettleNow(std::move(started).value(), now);
  });
}

Result<RunState> Engine::StartRun(const CreateRunCommand& cmd, Instant now) {
  // Held for the whole command: a reload cannot free the scenario under us.
  auto fixtures = this->fixtures();
  const script::Agent* agent = fixtures->FindAgentByType(cmd.agent_type);
  if (!agent) return Status::NotFound("agent type not found", "type");
  const script::Scenario* scenario =
      cmd.scenario ? agent->FindScenario(*cmd.scenario) : &agent->SelectScenario(cmd.request);
  if (!scenario) {
    return Status::NotFound("scenario \"" + *cmd.scenario + "\" not found for agent type " + agent->type,
                            "X-Sandbox-Scenario");
  }
  auto compiled = CompiledFixture(fixtures, *scenario);
  if (!compiled.ok()) return compiled.status();
  auto prepared = PrepareStart(cmd, agent->name, compiled.value(), now, nullptr);
  if (!prepared.ok()) return prepared.status();
  PreparedStart& p = prepared.value();
  bool queued = false;
  store::RunWrite write{.state = &p.run.state,
                        .events = {p.started},
                        .new_thread = p.new_thread ? &*p.new_thread : nullptr,
                        .script = &p.script,
                        .idempotency = cmd.idempotency ? &*cmd.idempotency : nullptr,
                        .last_event_queued = &queued};
  Status st = store_.Commit(std::move(write), now);
  if (!st.ok()) return st;
  Announce(p.run.state.run.id);
  if (queued) KeepForDelivery(std::make_shared<const RunState>(p.run.state));
  return Started(std::move(p));
}

Result<Engine::CompiledScenario> Engine::Compile(std::shared_ptr<const script::Scenario> scenario) {
  CompiledScenario out;
  out.source = scenario->source.dump();
  auto program = script::Program::Compile(std::move(scenario));
  if (!program.ok()) return program.status();
  out.program = std::move(program).value();
  return out;
}

Result<Engine::CompiledScenario> Engine::CompiledFixture(const std::shared_ptr<const script::FixtureSet>& fixtures,
                                                         const script::Scenario& scenario) {
  auto it = compiled_.find(&scenario);
  if (it != compiled_.end() && it->second.owner == fixtures) return it->second.compiled;
  // A new fixture set (a reload, an agent defined): the old set's entries go.
  std::erase_if(compiled_, [&](const auto& entry) { return entry.second.owner != fixtures; });
  auto compiled = Compile(std::make_shared<const script::Scenario>(scenario));
  if (!compiled.ok()) return compiled.status();
  compiled_[&scenario] = CompiledEntry{fixtures, compiled.value()};
  return compiled;
}

Result<Engine::PreparedStart> Engine::PrepareStart(const CreateRunCommand& cmd, const std::string& agent_name,
                                                   const CompiledScenario& compiled, Instant now,
                                                   const RetryLink* retry) {
  PreparedStart p;
  std::string thread_id;
  if (cmd.thread_id) {
    auto thread = store_.GetThread(*cmd.thread_id);
    if (!thread.ok()) return thread.status();
    if (!thread.value()) return Status::NotFound("agent thread not found", "thread_id");
    thread_id = *cmd.thread_id;
  } else {
    Thread t = NewThread(cmd.agent_type, cmd.context_type, cmd.context_id, cmd.requester, now);
    thread_id = t.id;
    p.new_thread = std::move(t);
  }
  int64_t in_thread = 0;  // a new thread has no runs yet
  if (!p.new_thread) {
    auto counted = store_.CountRunsInThread(thread_id);
    if (!counted.ok()) return counted.status();
    in_thread = counted.value();
  }
  p.script = compiled.source;
  p.run.program = compiled.program;
  const std::string& scenario_name = compiled.program->scenario().name;

  std::string run_id = ids_.Uuid("run", thread_id, static_cast<uint64_t>(in_thread + 1));
  Json payload{{"thread_id", thread_id},
               {"agent", cmd.agent_type},
               {"scenario", scenario_name},
               {"ordinal", next_run_ordinal_},
               {"requester", PrincipalToJson(cmd.requester)},
               {"request", cmd.request.is_object() ? cmd.request : Json::object()},
               {"agent_name", agent_name},
               {"trigger_type", cmd.trigger_type},
               {"agent_seq", retry ? retry->agent_seq : workflow_counts_[cmd.agent_type] + 1}};
  if (retry) {
    payload["retry"] = {
        {"of", retry->of}, {"first", retry->first}, {"attempt", retry->attempt}, {"delay_ms", retry->delay_ms}};
  }
  p.started = Event{run_id, 1, event_type::kRunStarted, now, std::move(payload)};
  Status st = Apply(p.run.state, p.started);
  if (!st.ok()) return st;
  return p;
}

RunState Engine::Started(PreparedStart p) {
  if (p.new_thread) ++next_thread_ordinal_;
  ++next_run_ordinal_;
  const Run& r = p.run.state.run;
  if (r.attempt == 1) {
    workflow_counts_[r.agent] = r.agent_seq;
    if (r.trigger_type == "schedule") ++schedule_counts_[r.agent];
  }
  RunState snapshot = p.run.state;
  active_[snapshot.run.id] = std::move(p.run);
  return snapshot;
}

Result<std::optional<Engine::PreparedStart>> Engine::PrepareRetry(const ActiveRun& failed, Instant at,
                                                                  std::string& skipped) {
  const script::Scenario& ran = failed.program->scenario();
  if (ran.retries.empty()) return std::optional<PreparedStart>();
  const Run& r = failed.state.run;
  const script::Retry& next = ran.retries.front();
  // The same scenario retries with the script the failed execution ran;
  // another one is taken from the fixtures as they are now.
  Json source = ran.source;
  if (!next.scenario.empty()) {
    auto fixtures = this->fixtures();
    const script::Agent* agent = fixtures->FindAgentByType(r.agent);
    const script::Scenario* target = agent ? agent->FindScenario(next.scenario) : nullptr;
    if (!target) {
      skipped = "retry scenario \"" + next.scenario + "\" of agent " + r.agent + " is no longer in the fixtures";
      return std::optional<PreparedStart>();
    }
    source = target->source;
  }
  // The retry carries the entries still to come, whatever its own fixture says.
  Json rest = Json::array();
  const Json& planned = ran.source.contains("retries") ? ran.source["retries"] : Json::array();
  for (size_t i = 1; i < planned.size(); ++i) rest.push_back(planned[i]);
  if (rest.empty()) {
    source.erase("retries");
  } else {
    source["retries"] = std::move(rest);
  }
  auto scenario = script::ParseScenario(source, r.agent);
  if (!scenario.ok()) return scenario.status();
  CreateRunCommand cmd;
  cmd.request = r.request;
  cmd.agent_type = r.agent;
  cmd.thread_id = r.thread_id;
  cmd.requester = r.requester;
  cmd.trigger_type = r.trigger_type;
  RetryLink link{r.id, r.first_attempt.empty() ? r.id : r.first_attempt, r.attempt + 1, next.after_ms, r.agent_seq};
  auto compiled = Compile(std::make_shared<const script::Scenario>(std::move(scenario).value()));
  if (!compiled.ok()) return compiled.status();
  auto prepared = PrepareStart(cmd, r.agent_name, compiled.value(), at, &link);
  if (!prepared.ok()) return prepared.status();
  return std::optional<PreparedStart>(std::move(prepared).value());
}

std::optional<std::pair<Instant, std::string>> Engine::NextSchedule() const {
  if (!fire_schedules_) return std::nullopt;
  std::optional<std::pair<Instant, std::string>> best;
  auto fixtures = this->fixtures();
  for (const auto& agent : fixtures->agents) {
    if (!agent.schedule) continue;
    const script::Schedule& t = *agent.schedule;
    auto it = schedule_counts_.find(agent.type);
    int64_t fired = it == schedule_counts_.end() ? 0 : it->second;
    Instant first = t.start.value_or(clock_start_ + t.every_ms);
    Instant due = first + (fired + t.skipped) * t.every_ms;
    if (!best || due < best->first) best = std::make_pair(due, std::string(kSchedulePrefix) + agent.type);
  }
  return best;
}

Status Engine::FireDue(const std::string& id, Instant due, std::vector<Event>* fired) {
  if (id.rfind(kSchedulePrefix, 0) != 0) return AdvanceRun(id, due, nullptr, fired);
  // A schedule trigger: a new run of the agent, started at the scheduled instant.
  CreateRunCommand cmd;
  cmd.request = Json::object();
  cmd.agent_type = id.substr(std::string(kSchedulePrefix).size());
  cmd.trigger_type = "schedule";
  auto run = StartRun(cmd, due);
  if (!run.ok()) return run.status();
  if (fired) {
    auto log = store_.Events(run.value().run.id);
    if (!log.ok()) return log.status();
    fired->insert(fired->end(), log.value().begin(), log.value().end());
  }
  return Status::Ok();
}

Result<InterruptChoices> Engine::PendingChoices(const RunState& s) const {
  if (s.run.status != RunStatus::kInterrupted || !s.PendingInterrupt()) {
    return Status::Conflict("run " + s.run.id + " waits for no answer", "id");
  }
  auto program = ProgramFromScript(s.run.id, s.run.agent);
  if (!program.ok()) return program.status();
  const script::Instruction* at = program.value()->At(s.run.cursor.segment, s.run.cursor.pc - 1);
  if (!at || at->op != Op::kInterrupt || !at->node->interrupt) {
    return Status::Internal("run " + s.run.id + " is interrupted but its script is not at an interrupt");
  }
  InterruptChoices out;
  out.branch_on = at->node->interrupt->branch_on;
  for (const auto& [key, steps] : at->node->interrupt->branches) {
    if (key == "default")
      out.has_default = true;
    else
      out.branches.push_back(key);
  }
  return out;
}

Result<Engine::PreparedResume> Engine::PrepareResume(const std::string& run_id, const std::string& interrupt_id,
                                                     const Json& input, Instant now) {
  auto live = active_.find(run_id);
  if (live != active_.end() && live->second.state.run.status == RunStatus::kRunning) {
    return Status::Conflict("run is not interrupted (status: running)", "id");
  }
  auto log = store_.Events(run_id);
  if (!log.ok()) return log.status();
  if (log.value().empty()) return Status::NotFound("agent run not found", "id");
  auto state = Rebuild(log.value());
  if (!state.ok()) return state.status();
  RunState& s = state.value();
  if (s.run.status != RunStatus::kInterrupted) {
    return Status::Conflict(std::string("run is not interrupted (status: ") + RunStatusName(s.run.status) + ")", "id");
  }
  Interrupt* intr = s.FindInterrupt(interrupt_id);
  if (!intr || !intr->pending) {
    return Status::Conflict("interrupt " + interrupt_id + " is not pending on this run", "interrupt_id");
  }
  auto program = ProgramFromScript(s.run.id, s.run.agent);
  if (!program.ok()) return program.status();
  const script::Instruction* at = program.value()->At(s.run.cursor.segment, s.run.cursor.pc - 1);
  if (!at || at->op != Op::kInterrupt) {
    return Status::Internal("run " + s.run.id + " is interrupted but its script is not at an interrupt");
  }
  std::string branch;
  int segment = program.value()->BranchFor(*at, script::DecisionOf(input, at->node->interrupt->branch_on), branch);
  Event resumed{s.run.id, s.run.last_seq + 1, event_type::kRunResumed, now,
                Json{{"interrupt_id", interrupt_id}, {"input", input}, {"branch", branch}, {"segment", segment}}};
  ActiveRun run{std::move(s), std::move(program).value()};
  Status st = Apply(run.state, resumed);
  if (!st.ok()) return st;
  return PreparedResume{std::move(run), std::move(resumed)};
}

Result<RunState> Engine::Activate(PreparedResume prepared, Instant now) {
  Announce(prepared.run.state.run.id);
  RunState snapshot = prepared.run.state;
  active_[snapshot.run.id] = std::move(prepared.run);
  return SettleNow(std::move(snapshot), now);
}

Result<RunState> Engine::SettleNow(RunState state, Instant now) {
  auto it = active_.find(state.run.id);
  if (it == active_.end()) return state;
  const auto& c = it->second.state.run.cursor;
  const script::Instruction* in = it->second.program->At(c.segment, c.pc);
  if (!in || c.segment_base + in->offset_ms > now) return state;
  Status st = AdvanceRun(state.run.id, c.segment_base + in->offset_ms, &state);
  if (!st.ok()) {
    SetStickyError(st);
    return st;
  }
  return state;
}

Result<RunState> Engine::Resume(ResumeCommand cmd) {
  return Submit<RunState>([this, cmd = std::move(cmd)](Instant now) -> Result<RunState> {
    auto prepared = PrepareResume(cmd.run_id, cmd.interrupt_id, cmd.input, now);
    if (!prepared.ok()) return prepared.status();
    PreparedResume& p = prepared.value();
    Status st = store_.Commit(store::RunWrite{.state = &p.run.state, .events = {p.resumed}}, now);
    if (!st.ok()) return st;
    return Activate(std::move(p), now);
  });
}

Result<RunState> Engine::Cancel(const std::string& run_id, std::optional<std::string> reason) {
  return Submit<RunState>([this, run_id, reason](Instant now) -> Result<RunState> {
    auto log = store_.Events(run_id);
    if (!log.ok()) return log.status();
    if (log.value().empty()) return Status::NotFound("run not found", "id");
    auto state = Rebuild(log.value());
    if (!state.ok()) return state.status();
    RunState s = std::move(state).value();
    if (IsTerminal(s.run.status)) {
      return Status::Conflict(std::string("run has already ended (status: ") + RunStatusName(s.run.status) + ")", "id");
    }
    Event cancelled{run_id, s.run.last_seq + 1, event_type::kRunCancelled, now,
                    Json{{"reason", reason ? Json(*reason) : Json(nullptr)}}};
    const RunState before = s;
    Status st = Apply(s, cancelled);
    if (!st.ok()) return st;
    st = store_.Commit(store::RunWrite{.state = &s, .events = {cancelled}, .before = &before}, now);
    if (!st.ok()) return st;
    active_.erase(run_id);
    Announce(run_id);
    return s;
  });
}

Result<Feedback> Engine::RecordFeedback(FeedbackCommand cmd) {
  return Submit<Feedback>([this, cmd = std::move(cmd)](Instant now) -> Result<Feedback> {
    auto run = store_.GetRun(cmd.run_id);
    if (!run.ok()) return run.status();
    if (!run.value()) return Status::NotFound("agent run not found", "id");
    bool found = false;
    for (const auto& st : run.value()->steps) {
      for (const auto& a : st.artifacts) found = found || a.id == cmd.artifact_id;
    }
    if (!found)
      return Status::InvalidArgument("artifact " + cmd.artifact_id + " is not an artifact of this run", "artifact_id");
    auto count = store_.CountFeedback(cmd.run_id);
    if (!count.ok()) return count.status();
    Feedback f;
    f.id = ids_.Uuid("feedback", cmd.run_id, static_cast<uint64_t>(count.value() + 1));
    f.run_id = cmd.run_id;
    f.artifact_id = cmd.artifact_id;
    f.rating = cmd.rating;
    f.comment = cmd.comment;
    f.reviewer = cmd.reviewer;
    f.created_at = now;
    Status st = store_.InsertFeedback(f, now);
    if (!st.ok()) return st;
    Announce();
    return f;
  });
}

Result<std::vector<Event>> Engine::AdvanceClock(Instant t) {
  return Submit<std::vector<Event>>([this, t](Instant now) -> Result<std::vector<Event>> {
    if (clock_.mode() == ClockMode::kRealtime) {
      return Status::Conflict("the realtime clock cannot be moved; start with --clock manual or virtual", "clock");
    }
    if (t < now) return Status::InvalidArgument("the clock never moves back", "to");
    std::vector<Event> fired;
    // Fire what falls due on the way, each at its own instant, then settle at t.
    Status moved = FireGrouped(
        [this, t]() -> std::optional<Due> {
          auto next = NextDue();
          if (!next || next->first > t) return std::nullopt;
          clock_.advance_to(next->first);
          return next;
        },
        &fired);
    if (!moved.ok()) return moved;
    clock_.advance_to(t);
    Drain(&fired);
    // Where time stands is part of the state: a restart or snapshot starts
    // from it. This command's purpose is to move the clock, so it reads the
    // clock again: the instant it moved to.
    Status st = store_.SaveClockNow(clock_.now());
    if (!st.ok()) return st;
    return fired;
  }, WhenFailing::kRefuse, Batching::kAlone);
}

}  // namespace sandbox::engine
