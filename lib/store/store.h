// The Store: everything the sandbox keeps, in one SQLite file (or in memory).
//
// Writes come only from the engine's writer thread (DESIGN.md "Threading") and
// each Commit() is one transaction holding the new events *and* the rows
// projected from them, so rows and log never disagree. Reads may come from any
// thread: on a file they use their own connections (WAL lets them run beside
// the writer), each call in one read transaction, so it sees one committed
// state (never half of a restore); in memory they share the writer's
// connection under its lock.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/event.h"
#include "core/status.h"
#include "core/types.h"
#include "store/file_lock.h"
#include "store/sqlite.h"

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
};

// Which run events webhooks hear of, and the name they hear each by; nullopt
// for an event no webhook is told of. The dialect that owns webhooks knows
// (the app wires it in with Store::SetWebhookNotifications); until then no
// delivery is queued.
using WebhookNotifications = std::function<std::optional<std::string>(const std::string& event_type)>;

// The SQLite file (or memory) and its connections, shared by the Store of
// every namespace.
struct Database {
  // First, so that it is released last, after every connection has closed.
  std::unique_ptr<FileLock> lock;  // held by a server (Store::OpenForServing)
  std::string path;
  bool in_memory = false;
  std::mutex writer_mu;
  std::unique_ptr<Connection> writer;
  std::mutex readers_mu;
  std::vector<std::unique_ptr<Connection>> idle_readers;
  std::map<std::string, std::unique_ptr<Connection>> memory_snapshots;  // in-memory databases only
  WebhookNotifications notifications;  // set before any writer starts
};

// Where a page of webhook deliveries starts: the sort key of the last one
// the previous page held (the event's instant, the run's ordinal, the
// event's seq, the webhook's ordinal).
struct WebhookDeliveryCursor {
  Instant created_at = 0;
  int64_t run_ordinal = 0;
  int64_t seq = 0;
  int64_t webhook_ordinal = 0;
};

// A page of webhook deliveries, oldest event first or newest first.
struct WebhookDeliveryQuery {
  std::optional<std::string> webhook_id;  // only this webhook's
  int64_t limit = 50;
  std::optional<WebhookDeliveryCursor> after;  // rows past this key, in the page's order
  bool newest_first = false;
};

struct WebhookDeliveryPage {
  std::vector<WebhookDelivery> items;
  int64_t total = 0;                          // matching the filter, across all pages
  std::optional<WebhookDeliveryCursor> next;  // the last item's key when more follow
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

// A Store sees one namespace: every query is limited to its rows.
class Store {
 public:
  // The default namespace ("") of the database at `path`. Takes no lock:
  // for the offline commands (`replay`, `export`), which only read and may
  // run beside a server, and for tests.
  static Result<std::unique_ptr<Store>> Open(const std::string& path);
  // Open, for a server: first takes the database's lock (file_lock.h), held
  // as long as the Store's database is open, so that a second server on the
  // same file fails here (Conflict: "database X is in use by another
  // agent-sandbox process (pid N)") before it reads or migrates anything.
  static Result<std::unique_ptr<Store>> OpenForServing(const std::string& path);
  ~Store();
  // Another namespace of the same database.
  std::unique_ptr<Store> Namespace(const std::string& ns) const;

  const std::string& path() const { return db_->path; }
  // For every namespace of the database; call before any engine starts.
  void SetWebhookNotifications(WebhookNotifications notifications) { db_->notifications = std::move(notifications); }
  const std::string& ns() const { return ns_; }

  // ---- writer side: the engine's thread only ----
  Status InsertThread(const Thread& thread, Instant clock_now);
  Status Commit(const RunWrite& write, Instant clock_now);
  // Several runs' writes in one transaction (a failed run and the retry it
  // starts), in order.
  Status Commit(const std::vector<const RunWrite*>& writes, Instant clock_now);
  // Records `feedback`, first deactivating the reviewer's active rating of the
  // same (run, artifact); sets feedback.superseded_prior accordingly.
  Status InsertFeedback(Feedback& feedback, Instant clock_now);
  // Records an action and the new state of its object, and, when it answers
  // an interrupt, the run's resume, all in one transaction.
  Status CommitAction(const ActionRecord& action, const Json& object_state, const RunWrite* resume, Instant clock_now);

  // Deletes every row of every table, all namespaces, in one transaction;
  // the schema stays, and so do the seeds namespaces were created with (as
  // DeleteNamespace keeps its own).
  Status DeleteEverything();
  // Deletes this namespace's rows only (its seed stays), in one transaction.
  Status DeleteNamespace();
  // The seed this namespace was created with, and recording it.
  Result<std::optional<uint64_t>> SavedSeed();
  Status SaveSeed(uint64_t seed);
  // Namespaces with any rows or a saved seed, "" first.
  Result<std::vector<std::string>> KnownNamespaces();
  // Copies the whole database under `name` (letters, digits, - and _), and
  // back; NotFound for an unknown name. On a file the copies live in
  // <db>.snapshots/<name>.sqlite (written aside and renamed into place, so a
  // failed save never damages the snapshot it replaces); in memory they live
  // as long as the process. The caller keeps the engines' writers quiesced
  // (engine/namespaces.h): the copy is consistent by itself, but the writers'
  // views of the database are not replaced with it.
  Status SaveSnapshot(const std::string& name);
  // Records this namespace's clock (snapshots and restarts start from it).
  Status SaveClockNow(Instant now);
  // Webhook endpoints (webhooks_store.cpp). Updating one that becomes
  // disabled or deleted cancels its pending deliveries in the same transaction.
  Status InsertWebhook(const Webhook& webhook);
  Status UpdateWebhook(const Webhook& webhook);
  // The outcome of one delivery attempt (the webhook dispatcher's sender
  // threads, under the same writer lock): `body` is kept with the delivery, which
  // becomes `status` with `next_attempt_at`. Nothing is written when the
  // delivery is no longer pending (its webhook went, or a reset came first).
  Status RecordWebhookAttempt(const WebhookDelivery& delivery, const WebhookAttempt& attempt, const std::string& body,
                              const std::string& status, std::optional<Instant> next_attempt_at);
  // All or nothing: the snapshot is read into memory, checked and brought to
  // this binary's schema first (a snapshot saved by an older version is
  // migrated; a damaged one is refused, Conflict), then copied over the
  // database in one write transaction, which readers see whole or not at all.
  Status RestoreSnapshot(const std::string& name);
  Result<std::vector<std::string>> Snapshots();

  // ---- reads: any thread ----
  Result<std::optional<Thread>> GetThread(const std::string& id);
  // The run as its projected rows show it, with its interrupts, and its
  // steps unless `with_steps` is false.
  Result<std::optional<RunState>> GetRun(const std::string& id, bool with_steps = true);
  // Newest first.
  Result<ListPage<RunState>> ListRuns(int64_t limit, int64_t offset);
  // Newest first; only threads about `business_id` when given.
  Result<ListPage<Thread>> ListThreads(const std::optional<std::string>& business_id, int64_t limit, int64_t offset);
  // Oldest first.
  Result<std::vector<RunState>> RunsOfThread(const std::string& thread_id, bool with_steps);
  // Runs of one agent type, oldest first, with their interrupts (steps when `with_steps`).
  Result<std::vector<RunState>> RunsOfAgent(const std::string& agent_type, bool with_steps);
  // The executions of the agent's workflow number `agent_seq`, first attempt
  // first, with their interrupts; empty when there is no such workflow.
  Result<std::vector<RunState>> WorkflowExecutions(const std::string& agent_type, int64_t agent_seq);
  Result<AgentRunPage> ListAgentRuns(const AgentRunQuery& query);
  // How many workflows (first executions) each agent has here.
  Result<std::map<std::string, int64_t>> WorkflowCounts();
  Result<std::vector<Event>> Events(const std::string& run_id, int64_t after_seq = 0);
  Result<std::optional<std::string>> RunScript(const std::string& run_id);
  // Ids of runs in `status`, oldest first.
  Result<std::vector<std::string>> RunIdsWithStatus(RunStatus status);
  Result<int64_t> CountFeedback(const std::string& run_id);
  // True when some thread here has this context (type and id).
  Result<bool> ThreadContextExists(const std::string& context_type, const std::string& context_id);
  // True when some run's step here produced an artifact with this id whose
  // type starts with `type_prefix` (taken literally, not as a pattern).
  Result<bool> ArtifactExists(const std::string& artifact_id, const std::string& type_prefix);
  // The object's state as actions left it; null when no action changed it yet.
  Result<Json> ObjectState(const std::string& object_type, const std::string& object_id);
  Result<std::vector<ActionRecord>> ListActions(const std::string& object_type, const std::string& object_id);
  Result<std::optional<ActionRecord>> GetAction(const std::string& id);
  Result<int64_t> CountActions();
  Result<int64_t> CountThreads();
  Result<int64_t> CountRuns();
  Result<int64_t> CountRunsInThread(const std::string& thread_id);
  // Runs of `agent_type` a schedule trigger started (first executions: a retry is not a trigger).
  Result<int64_t> CountScheduledRuns(const std::string& agent_type);
  // What a run's commit recorded for `key` in this namespace, if anything.
  Result<std::optional<IdempotencyRecord>> IdempotencyKey(const std::string& key);
  // Webhooks of this namespace, deleted ones included when asked.
  Result<std::optional<Webhook>> GetWebhook(const std::string& id);
  // Not deleted, newest first.
  Result<ListPage<Webhook>> ListWebhooks(int64_t limit, int64_t offset);
  // Every webhook ever created here (deleted ones too): the next ordinal.
  Result<int64_t> CountWebhooks();
  // Pending deliveries due at or before `now`, in the order they fall due
  // (then by event, then by webhook), with their attempts so far; only
  // `webhook_id`'s when given.
  Result<std::vector<WebhookDelivery>> DueWebhookDeliveries(Instant now, int64_t limit,
                                                            const std::optional<std::string>& webhook_id = {});
  // The webhooks with a pending delivery due at or before `now`, the one
  // due longest first.
  Result<std::vector<std::string>> DueWebhookEndpoints(Instant now);
  // One delivery with its attempts, if it exists.
  Result<std::optional<WebhookDelivery>> GetWebhookDelivery(const std::string& webhook_id, const std::string& run_id,
                                                            int64_t seq);
  // Every delivery, oldest event first; only `webhook_id`'s when given.
  Result<std::vector<WebhookDelivery>> WebhookDeliveries(const std::optional<std::string>& webhook_id);
  // One page of them (GET /_sandbox/webhooks/deliveries).
  Result<WebhookDeliveryPage> ListWebhookDeliveries(const WebhookDeliveryQuery& query);
  // The sandbox instant saved with the last commit, if any.
  Result<std::optional<Instant>> SavedClock();

 private:
  Store(std::shared_ptr<Database> db, std::string ns) : db_(std::move(db)), ns_(std::move(ns)) {}
  // Opens the database at `path` into `db` (its lock, if any, already taken).
  static Result<std::unique_ptr<Store>> OpenInto(std::shared_ptr<Database> db, const std::string& path);
  std::string MetaKey(const std::string& key) const { return ns_.empty() ? key : key + "/" + ns_; }
  // Runs `fn(Connection&)` on a reader connection.
  template <class F>
  auto WithReader(F&& fn) -> decltype(fn(std::declval<Connection&>()));

  // Statement groups used inside a writer transaction.
  Status WriteNewThread(const Thread& thread);
  Status WriteRun(const RunWrite& write);
  Status WriteRunRows(const RunState& state, const RunState* before);
  Status WriteThreadStatus(const std::string& thread_id, Instant updated_at);
  // Queues a delivery to every webhook subscribed to what `events` announce.
  Status WriteWebhookOutbox(const std::vector<Event>& events);
  Status SaveClock(Instant now);

  std::shared_ptr<Database> db_;
  std::string ns_;
};

}  // namespace sandbox::store
