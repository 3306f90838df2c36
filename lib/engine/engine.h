// The engine: the single writer (DESIGN.md "Threading"). Every mutation -
// creating threads and runs, resuming, advancing runs along their scripts -
// runs on one thread, in submission order, and is committed to the store
// before the caller hears about it. Handlers on other threads call the public
// methods, which queue a command and wait for its result.
//
// Clock modes: in `virtual` the engine jumps sandbox time straight to the
// next due instruction, so a command returns only after every run it touched
// has reached its next pause (interrupt or end); in `manual` due work fires
// only when time is moved by AdvanceClock; in `realtime` the writer sleeps
// (through the Clock) until work falls due. Runs due at the same instant fire
// in creation order (Run::ordinal).
//
// The writer keeps a view of the store in memory (active runs, ordinals,
// counts), so nothing may change the store under it: whole-database
// operations (snapshot restore, reset of every namespace; issue 10) first
// Quiesce() the writer, which parks between commands, and Reload() it before
// releasing it. A storage failure that leaves that view unclear stops the
// engine from writing (health() reports it, commands answer Unavailable)
// until a Reset() or Reload() succeeds.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/clock.h"
#include "core/ids.h"
#include "core/status.h"
#include "core/types.h"
#include "engine/bus.h"
#include "engine/delivery_states.h"
#include "engine/read_cache.h"
#include "engine/scenario_faults.h"
#include "script/agent_definition.h"
#include "script/fixture.h"
#include "script/program.h"
#include "store/store.h"

namespace sandbox::engine {

struct CreateThreadCommand {
  std::string agent_type;
  std::optional<std::string> context_type;
  std::optional<std::string> context_id;
  std::optional<Principal> requester;
};

struct CreateRunCommand {
  Json request;  // the create-run body: picks the scenario, fills {{request.*}}
  std::string agent_type;
  std::optional<std::string> context_type;
  std::optional<std::string> context_id;
  std::optional<std::string> thread_id;
  std::optional<std::string> scenario;  // by name; the agent's first scenario when absent
  std::optional<Principal> requester;
  std::string trigger_type = "api";
  // With a key: the run this key already created (same body) is answered
  // instead of a new one; the same key with another body is a Conflict.
  // A new run records the key in its own commit.
  std::optional<store::IdempotencyClaim> idempotency;
};

// What the pending interrupt of a run offers (the dashboard's answer form):
// where in the answer the branch key is read, and the keys its scenario
// branches on ("default" apart).
struct InterruptChoices {
  std::string branch_on;
  std::vector<std::string> branches;
  bool has_default = false;
};

struct ResumeCommand {
  std::string run_id;
  std::string interrupt_id;
  Json input;
};

struct FeedbackCommand {
  std::string run_id;
  std::string artifact_id;
  std::string rating;
  std::optional<std::string> comment;
  Principal reviewer;
};

// What an action does, as the dialect's rules decide it (see
// ObjectActionCommand::apply).
struct ObjectActionOutcome {
  Json state;    // the object's state after the action
  Json effects;  // what it changed, in the dialect's words (kept as given)
  // The input it gives the run's pending interrupt, if the run has one.
  Json answer;
};

// What the rules get to decide with. `state` is the object's stored state,
// null before any action changed it.
struct ObjectActionContext {
  const Json& state;
  const std::string& action_id;
  const IdGenerator& ids;  // for ids the effects name, stable per seed
};

// An action a client takes on an object the dialect names (an object type
// and id the engine does not interpret), possibly on behalf of a run: the
// run named, else the thread's latest run. The dialect has checked the
// request and that the object exists; the engine checks the run and thread,
// runs the rules on the writer (so they see what every earlier action left),
// stores the action with the object's new state and, when the run waits on an
// interrupt, answers it in the same transaction.
struct ObjectActionCommand {
  std::string object_type;
  std::string object_id;
  std::string type;
  Json payload;
  std::optional<std::string> note;
  std::optional<std::string> thread_id;
  std::optional<std::string> run_id;
  // The dialect's rules; an error refuses the action and nothing is written.
  std::function<Result<ObjectActionOutcome>(const ObjectActionContext&)> apply;
  // Who acted, as the dialect reports it; `run` is the run acted for, as it
  // stands after the answer (null when none).
  std::function<Json(const Run* run)> actors;
};

// A webhook endpoint to register; the dialect has checked its shape.
struct WebhookSpec {
  std::string url;
  std::optional<std::string> secret;  // generated from the seed when absent
  Json enabled_events;                // array of strings
  std::optional<std::string> include;
  Json oidc;  // null or an object of oidc_* settings
};

// What an update of a webhook endpoint changes; absent members stay as they are.
struct WebhookPatch {
  std::optional<std::string> url;
  std::optional<std::string> secret;
  std::optional<Json> enabled_events;
  std::optional<std::optional<std::string>> include;
  std::optional<Json> oidc;
  std::optional<std::optional<Instant>> disabled_at;  // a value disables, nullopt inside re-enables
};

// What DefineAgent's rules decide with (on the writer: each call sees what
// the previous one left).
struct AgentDefinitionContext {
  const script::FixtureSet& fixtures;  // in force: the files with the definitions laid over them
  const script::FixtureSet& files;     // the fixture files alone
  const IdGenerator& ids;              // for ids the record names, stable per seed
  Instant now;
};
using AgentDefinitionRules = std::function<Result<script::AgentDefinition>(const AgentDefinitionContext&)>;

class Engine {
 public:
  Engine(store::Store& store, Clock& clock, const IdGenerator& ids, std::shared_ptr<const script::FixtureSet> fixtures);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Restores the clock and every run that was in flight, then starts the
  // writer thread; in-flight runs carry on from where their logs end.
  Status Start();
  void Stop();

  Result<Thread> CreateThread(CreateThreadCommand cmd);
  // The run as it stood when it started; its progress up to the next pause
  // is committed before this returns in virtual mode.
  Result<RunState> CreateRun(CreateRunCommand cmd);
  // The run as it stood right after the resume took effect.
  Result<RunState> Resume(ResumeCommand cmd);
  // What the pending interrupt of `s` (an interrupted run of this namespace)
  // offers, from the run's stored script. Conflict when it waits on none.
  // Safe from any thread.
  Result<InterruptChoices> PendingChoices(const RunState& s) const;
  // Records a rating of one of the run's artifacts. NotFound for an unknown
  // run; InvalidArgument (artifact_id) when the run has no such artifact.
  Result<Feedback> RecordFeedback(FeedbackCommand cmd);
  // Records an action on an object (ObjectActionCommand). When it names an
  // interrupted run (run_id, or a thread whose latest run is interrupted) it
  // answers the run's pending interrupt and resumes it, in the same
  // transaction.
  Result<ActionRecord> RecordObjectAction(ObjectActionCommand cmd);
  // Ends a run that has not ended (running or waiting for an answer) as
  // cancelled. NotFound for an unknown run, Conflict for one already over.
  Result<RunState> Cancel(const std::string& run_id, std::optional<std::string> reason);
  // Webhook endpoints (engine/webhooks.cpp). NotFound for an unknown or
  // deleted id. Disabling or deleting one cancels its pending deliveries.
  Result<Webhook> CreateWebhook(WebhookSpec spec);
  Result<Webhook> UpdateWebhook(const std::string& id, WebhookPatch patch);
  Result<Webhook> DeleteWebhook(const std::string& id);
  // Moves a manual or virtual clock to `t`, firing everything due on the
  // way (interrupt timeouts included), each at its own instant; in virtual
  // time, the scripted work this sets off then runs on to its next pause.
  // Returns every event fired, in order. Time never moves back.
  Result<std::vector<Event>> AdvanceClock(Instant t);

  // Everything of this namespace gone (threads, runs, actions...), ids start
  // again from the seed, and stepped time goes back to where it started.
  // Runs on the writer in submission order, so commands before it finish
  // first and commands after it see the empty namespace. It runs even when a
  // storage failure has stopped the engine, and clears that failure when it
  // succeeds: afterwards the writer's view is read afresh from the store.
  Status Reset();

  // ---- whole-sandbox operations (issue 10): engine/namespaces.cpp quiesces
  // every engine, replaces or copies the database, reloads every engine, and
  // releases them; see docs/architecture.md "Quiescing the writers".
  // Parks the writer: returns once it has finished the command it is running
  // (and the due work that command set off) and waits. Commands submitted
  // meanwhile queue up and run after Release(), against whatever the store
  // holds then. Calls nest; never call it from the writer thread.
  void Quiesce();
  void Release();
  // Forgets what the writer knows (active runs, ordinals, counts, the clock)
  // and reads it all from the store again, then fires what is due (in
  // virtual time, up to every run's next pause). For a quiesced engine only:
  // the caller acts as its writer. Success clears a storage failure; a
  // failure becomes the engine's failure (sticky), since the writer's view
  // no longer matches the store. A namespace the store has no seed for (a
  // snapshot older than the namespace) gets its seed recorded again.
  Status Reload();
  // Stops the engine from writing, as a storage failure does, with `why`
  // (health reports it) until Reset() or Reload() succeeds.
  void MarkFailing(const Status& why);
  // Counts Reset()s and Reload()s: a reader that follows a run (a stream)
  // can tell that the log under it was replaced.
  uint64_t generation() const { return generation_.load(); }
  // Run `run_id` just after its event `seq`, when that event was queued for
  // a webhook lately (engine/delivery_states.h); null otherwise: read it
  // from the store.
  std::shared_ptr<const RunState> DeliveryState(const std::string& run_id, int64_t seq) const {
    return delivery_states_.Find(generation_.load(), run_id, seq);
  }
  // What a read's answer depends on (engine/read_cache.h). Take it before
  // the read.
  ReadStamp read_stamp() const {
    return ReadStamp{.commits = bus_.version(), .generation = generation_.load(), .fixtures = fixtures_version_.load()};
  }

  // The fixtures' agent schedules (script::Agent::schedule) start runs in this
  // namespace as the clock passes them (never jumped to by virtual time).
  // Call before Start().
  void EnableSchedules() { fire_schedules_ = true; }

  Instant Now() const { return clock_.now(); }
  // The namespace's store: reads for the dialects go through it.
  store::Store& store() { return store_; }
  uint64_t seed() const { return ids_.seed(); }
  // Announces every commit; stream handlers wait on it.
  EventBus& bus() { return bus_; }
  ClockMode clock_mode() const { return clock_.mode(); }
  // The fixture files with this namespace's agent definitions laid over
  // them (script/agent_definition.h).
  std::shared_ptr<const script::FixtureSet> fixtures() const;
  // The fixture files alone.
  std::shared_ptr<const script::FixtureSet> file_fixtures() const;
  // New runs use these files from now on (the definitions stay laid over
  // them); runs already started keep their script.
  void ReplaceFixtures(std::shared_ptr<const script::FixtureSet> fixtures);
  // Defines an agent, or changes one, as the dialect's `rules` decide: on
  // the writer, stored in one commit, in force for every later command and
  // read. A schedule switched on skips the periods that passed while it was
  // off. An error from the rules (or the store) changes nothing.
  Result<script::AgentDefinition> DefineAgent(AgentDefinitionRules rules);
  // The fault a rule of the run's scenario gives request `r` now (issue 13,
  // engine/scenario_faults.h); nullopt when none fires or there is no such run.
  std::optional<Fault> ScenarioFault(const std::string& run_id, const FaultRequest& r, FaultPhase phase);
  // Cheap: does any scenario declare a rule of `phase`? Of agent `agent_type`?
  bool AnyScenarioFaults(FaultPhase phase) const { return scenario_faults_.Any(phase); }
  bool AgentHasScenarioFaults(const std::string& agent_type, FaultPhase phase) const {
    return scenario_faults_.AgentHas(agent_type, phase);
  }
  // Ok, or the failure that stopped the engine from writing (sticky).
  Status health() const;
  // Commands waiting for the writer (tests use it to queue a batch).
  size_t queued_commands() const;

 private:
  struct ActiveRun {
    RunState state;
    std::shared_ptr<const script::Program> program;
  };

  // Whether a command may run on an engine stopped by a storage failure.
  enum class WhenFailing { kRefuse, kRun };
  // Whether a command may share a group commit with the commands queued
  // beside it. Commands that manage commits of their own (a reset, moving
  // the clock through any number of fires) run alone.
  enum class Batching { kShare, kAlone };
  template <class T>
  // Runs `fn` on the writer with the command's instant: the clock is read
  // once per command, so everything one command records shares one time.
  // The caller hears back once what the command set off is durable.
  Result<T> Submit(std::function<Result<T>(Instant now)> fn, WhenFailing when_failing = WhenFailing::kRefuse,
                   Batching batching = Batching::kShare);
  // A queued command. `run` does its work on the writer and returns how to
  // answer the caller, given whether what it wrote became durable.
  using Answer = std::function<void(const Status& durable)>;
  struct Command {
    std::function<Answer()> run;
    Batching batching = Batching::kShare;
  };
  // Runs the queued commands `batch` (kMaxBatchedCommands at most) and the
  // drain they set off in one group commit, and answers each once its writes
  // are durable. A kAlone command runs by itself, each of its writes its own
  // commit. A lone kShare command is grouped too: creating a run and the
  // drain that carries it on are then one commit instead of three, and the
  // pages they share (the run's row and indexes, the log's last leaf, the
  // saved clock, page 1) go to the WAL once.
  void RunCommands(std::vector<Command> batch);
  static constexpr size_t kMaxBatchedCommands = 64;
  void WriterLoop();
  // Fires due work; in virtual mode moves time to it first. `fired`, when
  // given, receives the events. Up to kMaxGroupedFires fires share one group
  // commit (store::RunLog::BeginGroup).
  void Drain(std::vector<Event>* fired = nullptr);
  using Due = std::pair<Instant, std::string>;  // when, and the run id or schedule key
  // Fires each work `next_due` picks (it also moves the clock) until it picks
  // none, kMaxGroupedFires to a group commit (store::RunLog::BeginGroup). A
  // failure stops the engine (the sticky error) and is returned.
  Status FireGrouped(const std::function<std::optional<Due>()>& next_due, std::vector<Event>* fired);
  static constexpr int kMaxGroupedFires = 64;
  // Ends the open group commit and announces what it made durable; a failed
  // end stops the engine (the sticky error), and says so.
  bool CloseGroup();
  // Announces a commit on the bus, or, inside a group commit, once the group
  // is durable: a reader woken earlier would read (and cache) the state
  // before it. With a run, the commit touched that run's log and wakes its
  // followers; Announce() alone touched no run's log; AnnounceEverything()
  // wakes every follower (the namespace was reset, reloaded or failed).
  void Announce();
  void Announce(const std::string& run_id);
  void AnnounceEverything();
  // Keeps `state` for the webhook delivery its last event was queued for;
  // inside a group commit, once the group is durable.
  void KeepForDelivery(std::shared_ptr<const RunState> state);
  // The earliest due work. A waiting interrupt's expiry counts only when
  // `future_expiries` or when it is already due: virtual time jumps through
  // scripted work, never through the time a human has to answer.
  std::optional<std::pair<Instant, std::string>> NextDue(bool future_expiries = true) const;
  // Fires every instruction of `run` due at `due` as one commit; `after`,
  // when given, receives the run's state after it.
  Status AdvanceRun(const std::string& run_id, Instant due, RunState* after = nullptr,
                    std::vector<Event>* fired = nullptr);
  // The run after everything it has due at this very instant, so that a
  // create or resume answers with the state of that instant (e.g. the first
  // steps started, the answered interrupt's step completed).
  Result<RunState> SettleNow(RunState state, Instant now);
  Result<Event> EventFor(const ActiveRun& run, const script::Instruction& in, Instant at) const;
  // What {{...}} in the run's script can refer to at instant `at`.
  Json TemplateContext(const RunState& s, Instant at) const;
  // When a run waiting on an interrupt with a timeout expires; nullopt otherwise.
  std::optional<Instant> ExpiryOf(const ActiveRun& run) const;
  Result<std::shared_ptr<const script::Program>> ProgramFromScript(const std::string& run_id,
                                                                   const std::string& agent_type) const;
  void SetStickyError(const Status& st);
  // Rebuilds the writer's view (active runs, ordinals) from the store.
  Status LoadFromStore();
  // The next thread of this namespace (its ordinal and id), not yet stored.
  Thread NewThread(const std::string& agent_type, const std::optional<std::string>& context_type,
                   const std::optional<std::string>& context_id, const std::optional<Principal>& requester,
                   Instant now) const;
  // Starts a run at `now` and makes it active (writer thread only).
  Result<RunState> StartRun(const CreateRunCommand& cmd, Instant now);
  // A run about to start: its run.started applied, nothing written yet.
  struct PreparedStart {
    ActiveRun run;
    Event started;
    std::string script;  // the scenario JSON the run keeps
    std::optional<Thread> new_thread;
  };
  // How a retry names the execution it follows (run.started's "retry").
  struct RetryLink {
    std::string of;
    std::string first;
    int64_t attempt = 2;
    int64_t delay_ms = 0;
    int64_t agent_seq = 0;  // the workflow's number, kept by every execution
  };
  // A scenario compiled: its program, and the JSON text every run of it keeps.
  struct CompiledScenario {
    std::shared_ptr<const script::Program> program;
    std::string source;
  };
  static Result<CompiledScenario> Compile(std::shared_ptr<const script::Scenario> scenario);
  // `scenario` of `fixtures` compiled, once per fixture set: every run of a
  // scenario used to copy it, serialise it and compile it again (writer
  // thread only).
  Result<CompiledScenario> CompiledFixture(const std::shared_ptr<const script::FixtureSet>& fixtures,
                                           const script::Scenario& scenario);
  Result<PreparedStart> PrepareStart(const CreateRunCommand& cmd, const std::string& agent_name,
                                     const CompiledScenario& compiled, Instant now, const RetryLink* retry);
  // Makes a committed start live; returns the run as it started.
  RunState Started(PreparedStart p);
  // The next execution of `failed`'s workflow when its script plans one;
  // nullopt when it does not, or (with `skipped` saying why) when the
  // planned scenario has left the fixtures.
  Result<std::optional<PreparedStart>> PrepareRetry(const ActiveRun& failed, Instant at, std::string& skipped);
  // The earliest schedule trigger due, as (instant, kSchedulePrefix + agent type).
  std::optional<std::pair<Instant, std::string>> NextSchedule() const;
  // Fires what NextDue named: a run's due work, or a schedule trigger.
  Status FireDue(const std::string& id, Instant due, std::vector<Event>* fired);
  static constexpr const char* kSchedulePrefix = "\x01schedule:";
  // The run resumed at `interrupt_id` (the run.resumed event applied) and
  // that event; nothing is written yet.
  struct PreparedResume {
    ActiveRun run;
    Event resumed;
  };
  Result<PreparedResume> PrepareResume(const std::string& run_id, const std::string& interrupt_id, const Json& input,
                                       Instant now);
  // Makes a prepared resume live after its commit; returns SettleNow's state.
  Result<RunState> Activate(PreparedResume prepared, Instant now);

  store::Store& store_;
  Clock& clock_;
  const IdGenerator& ids_;
  mutable std::mutex fixtures_mu_;  // guards the three below
  std::shared_ptr<const script::FixtureSet> files_;
  std::vector<script::AgentDefinition> definitions_;  // changed on the writer only
  std::shared_ptr<const script::FixtureSet> fixtures_;  // files_ with definitions_ laid over them
  // CompiledFixture's programs, by scenario. Each entry keeps its fixture
  // set alive, so a scenario's address cannot be reused by another while
  // the entry exists; entries of a replaced set are dropped at the next
  // start. Writer thread only.
  struct CompiledEntry {
    std::shared_ptr<const script::FixtureSet> owner;
    CompiledScenario compiled;
  };
  std::map<const script::Scenario*, CompiledEntry> compiled_;
  // Lays definitions_ over files_ again; caller holds fixtures_mu_.
  void OverlayLocked();

  // Writer-thread state.
  std::map<std::string, ActiveRun> active_;
  int64_t next_thread_ordinal_ = 1;
  int64_t next_run_ordinal_ = 1;

  mutable std::mutex mu_;              // guards queue_, stopping_, started_, sticky_ and the quiesce state
  std::condition_variable cv_;         // wakes the writer
  std::condition_variable parked_cv_;  // wakes Quiesce() when the writer parks or ends
  std::deque<Command> queue_;
  bool stopping_ = false;
  bool started_ = false;
  bool writer_running_ = false;  // the writer thread is in WriterLoop
  int quiesce_requests_ = 0;     // Quiesce() calls not yet Release()d
  bool parked_ = false;          // the writer waits for Release()
  Status sticky_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<uint64_t> fixtures_version_{0};
  ScenarioFaults scenario_faults_;  // counts ReplaceFixtures

  std::thread writer_;
  EventBus bus_;
  bool grouping_ = false;     // writer thread only: a group commit is open
  // Writer thread only: what the open group has to announce at its end.
  bool announce_due_ = false;
  bool announce_everything_ = false;
  std::vector<std::string> announce_runs_;
  // Writer thread only: states for webhook deliveries, kept when the open
  // group is durable (KeepForDelivery).
  std::vector<std::shared_ptr<const RunState>> delivery_states_due_;
  DeliveryStates delivery_states_;
  Instant clock_start_;  // where the clock stood when the engine was made
  bool fire_schedules_ = false;
  std::map<std::string, int64_t> schedule_counts_;  // agent type -> scheduled runs so far
  std::map<std::string, int64_t> workflow_counts_;  // agent type -> workflows (first executions) so far
};

// Defined here because every file of the engine submits commands.
template <class T>
Result<T> Engine::Submit(std::function<Result<T>(Instant now)> fn, WhenFailing when_failing, Batching batching) {
  auto promise = std::make_shared<std::promise<Result<T>>>();
  auto future = promise->get_future();
  {
    std::lock_guard<std::mutex> g(mu_);
    if (!started_) return Status::Unavailable("engine is not running");
    if (!sticky_.ok() && when_failing == WhenFailing::kRefuse) {
      return Status::Unavailable("engine stopped after a storage failure: " + sticky_.message());
    }
    auto run = [this, fn = std::move(fn), promise, when_failing]() -> Answer {
      // Checked again when the command's turn comes: a failure may have
      // come while it waited (a restore that failed half-way, say).
      Status failing = health();
      if (!failing.ok() && when_failing == WhenFailing::kRefuse) {
        return [promise, failing](const Status&) {
          promise->set_value(Status::Unavailable("engine stopped after a storage failure: " + failing.message()));
        };
      }
      auto r = std::make_shared<Result<T>>(fn(clock_.now()));
      // Answered after the work this command set off is committed (in
      // virtual mode, up to every run's next pause). A success whose writes
      // were lost with their group is no success.
      return [promise, r](const Status& durable) {
        if (!durable.ok() && r->ok()) {
          promise->set_value(Status::Unavailable("engine stopped after a storage failure: " + durable.message()));
        } else {
          promise->set_value(std::move(*r));
        }
      };
    };
    queue_.push_back(Command{std::move(run), when_failing == WhenFailing::kRun ? Batching::kAlone : batching});
  }
  cv_.notify_all();
  return future.get();
}

}  // namespace sandbox::engine
