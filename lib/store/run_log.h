// RunLog: runs and their event logs, with what hangs off a run (feedback,
// actions on the objects it worked on, the Idempotency-Key that created it).
// One of the store's small interfaces (store.h); every query sees one
// namespace.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/event.h"
#include "core/status.h"
#include "core/types.h"

namespace sandbox::store {

template <class T>
struct ListPage {
  std::vector<T> items;
  int64_t total = 0;  // across all pages
};

// An Idempotency-Key claimed by the request that creates a run. It is
// written in the run's own commit: a crash can never leave the run without
// its key, so a retry after a crash finds the run instead of making another.
struct IdempotencyClaim {
  std::string key;
  std::string body_hash;  // of the request that claimed it
};

struct RunWrite {
  const RunState* state = nullptr;      // the run after `events`
  std::vector<Event> events;            // new events, in order
  const Thread* new_thread = nullptr;   // a thread created together with the run
  const std::string* script = nullptr;  // the scenario JSON; given when the run is new
  // The run as stored before `events`, when known: only the steps and
  // interrupts that differ from it are written (a commit stays O(change)).
  const RunState* before = nullptr;
  // Recorded for this run (a new one), replacing whatever the key stood for.
  const IdempotencyClaim* idempotency = nullptr;
  // When given, set to whether the last of `events` was queued for any
  // webhook (webhook_outbox.h): the engine then keeps the run's state for
  // the delivery to render (engine/delivery_states.h).
  bool* last_event_queued = nullptr;
};

// A filtered, paged history of one agent's runs (agent_runs.cpp).
struct AgentRunQuery {
  std::string agent_type;
  std::string fallback_name;             // the agent's name, for runs that recorded none
  std::optional<Instant> started_since;  // only runs started at or after it
  std::string name_contains;             // lower-case substring of the agent name; "" = any
  std::optional<RunStatus> status;       // only runs in it
  std::optional<Principal> requester;    // only runs this principal started
  int64_t limit = 25;
  int64_t offset = 0;
};

struct AgentRunPage {
  std::vector<RunState> runs;  // newest first, with interrupts (no steps)
  int64_t total = 0;           // runs matching every filter, across pages
  // Per status, the runs matching started_since and name_contains only.
  std::map<RunStatus, int64_t> counts;
};

// What an Idempotency-Key (RunWrite::idempotency) stands for.
struct IdempotencyRecord {
  std::string body_hash;  // of the request body's canonical JSON
  std::string run_id;     // the run it created
};

class RunLog {
 public:
  virtual ~RunLog() = default;

  // ---- writes: the engine's writer thread only ----
  // Group commit: every write this thread makes between BeginGroup() and
  // EndGroup() lands in one transaction, each its own savepoint inside it, so
  // a drain of many due runs writes each shared page (an index, the counts,
  // the clock) once, not once per run. Meanwhile other writers wait, and this
  // thread's reads see the group's writes. Nothing of the group is durable
  // until EndGroup() succeeds; when it fails, nothing of it remains. Every
  // BeginGroup() that succeeded is followed by exactly one EndGroup().
  [[nodiscard]] virtual Status BeginGroup() = 0;
  [[nodiscard]] virtual Status EndGroup() = 0;
  // Ends the group leaving nothing of it (a rollback).
  virtual void AbandonGroup() = 0;
  // The store takes the write's events (inside a group commit they wait in
  // memory for the group's end; moved, not copied, they cost the writer
  // 3 % less, issue 12).
  virtual Status Commit(RunWrite write, Instant clock_now) = 0;
  // Several runs' writes in one transaction (a failed run and the retry it
  // starts), in order.
  virtual Status Commit(std::vector<RunWrite> writes, Instant clock_now) = 0;
  // Records `feedback`, first deactivating the reviewer's active rating of the
  // same (run, artifact); sets feedback.superseded_prior accordingly.
  virtual Status InsertFeedback(Feedback& feedback, Instant clock_now) = 0;
  // Records an action and the new state of its object, and, when it answers
  // an interrupt, the run's resume, all in one transaction.
  virtual Status CommitAction(const ActionRecord& action, const Json& object_state, const RunWrite* resume,
                              Instant clock_now) = 0;

  // ---- reads: any thread ----
  // The run as its projected rows show it, with its interrupts, and its
  // steps unless `with_steps` is false.
  virtual Result<std::optional<RunState>> GetRun(const std::string& id, bool with_steps = true) = 0;
  // Newest first.
  virtual Result<ListPage<RunState>> ListRuns(int64_t limit, int64_t offset) = 0;
  // Oldest first.
  virtual Result<std::vector<RunState>> RunsOfThread(const std::string& thread_id, bool with_steps) = 0;
  // Runs of one agent type, oldest first, with their interrupts (steps when `with_steps`).
  virtual Result<std::vector<RunState>> RunsOfAgent(const std::string& agent_type, bool with_steps) = 0;
  // The executions of the agent's workflow number `agent_seq`, first attempt
  // first, with their interrupts; empty when there is no such workflow.
  virtual Result<std::vector<RunState>> WorkflowExecutions(const std::string& agent_type, int64_t agent_seq) = 0;
  virtual Result<AgentRunPage> ListAgentRuns(const AgentRunQuery& query) = 0;
  // How many workflows (first executions) each agent has here.
  virtual Result<std::map<std::string, int64_t>> WorkflowCounts() = 0;
  virtual Result<std::vector<Event>> Events(const std::string& run_id, int64_t after_seq = 0) = 0;
  virtual Result<std::optional<std::string>> RunScript(const std::string& run_id) = 0;
  // The sequence of the run's last event (a version that moves with every
  // change of the run); nullopt for an unknown run.
  virtual Result<std::optional<int64_t>> RunLastSeq(const std::string& run_id) = 0;
  // Ids of runs in `status`, oldest first.
  virtual Result<std::vector<std::string>> RunIdsWithStatus(RunStatus status) = 0;
  virtual Result<int64_t> CountRuns() = 0;
  virtual Result<int64_t> CountRunsInThread(const std::string& thread_id) = 0;
  // Runs of `agent_type` a schedule trigger started (first executions: a retry is not a trigger).
  virtual Result<int64_t> CountScheduledRuns(const std::string& agent_type) = 0;
  // What a run's commit recorded for `key` in this namespace, if anything.
  virtual Result<std::optional<IdempotencyRecord>> IdempotencyKey(const std::string& key) = 0;
  virtual Result<int64_t> CountFeedback(const std::string& run_id) = 0;
  // True when some run's step here produced an artifact with this id whose
  // type starts with `type_prefix` (taken literally, not as a pattern).
  virtual Result<bool> ArtifactExists(const std::string& artifact_id, const std::string& type_prefix) = 0;
  // The object's state as actions left it; null when no action changed it yet.
  virtual Result<Json> ObjectState(const std::string& object_type, const std::string& object_id) = 0;
  virtual Result<std::vector<ActionRecord>> ListActions(const std::string& object_type,
                                                        const std::string& object_id) = 0;
  virtual Result<std::optional<ActionRecord>> GetAction(const std::string& id) = 0;
  virtual Result<int64_t> CountActions() = 0;
};

}  // namespace sandbox::store
