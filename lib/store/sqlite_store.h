// SqliteStore: the Store on SQLite. Private to lib/store: the rest of the
// code sees only store.h and its interfaces.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "store/checkpointer.h"
#include "store/file_lock.h"
#include "store/sqlite.h"
#include "store/store.h"
#include "store/writer_lock.h"

namespace sandbox::store {

// The SQLite file (or memory) and its connections, shared by the Store of
// every namespace.
struct Database {
  // First, so that it is released last, after every connection has closed.
  std::unique_ptr<FileLock> lock;  // held by a server (Store::OpenForServing)
  std::string path;
  bool in_memory = false;
  // A group commit (RunLog::BeginGroup) holds it from its start to its end,
  // across the writes it groups, which take it too; writer_lock.h.
  WriterLock writer_mu;
  std::atomic<std::thread::id> group_owner{};  // the thread in a group commit, if any
  std::unique_ptr<Connection> writer;
  // After `writer`, so that it stops before the writer closes.
  std::unique_ptr<Checkpointer> checkpointer;  // file databases only
  std::mutex readers_mu;
  std::vector<std::unique_ptr<Connection>> idle_readers;
  std::map<std::string, std::unique_ptr<Connection>> memory_snapshots;  // in-memory databases only
  WebhookNotifications notifications;                                   // set before any writer starts
  // Inside a group commit, the rows a run's commits project (runs, steps,
  // interrupts, its thread's status) are written once, at the group's end
  // (or before the group's own thread reads), from the run's last state:
  // a run the virtual clock carries through twenty instants in one group
  // used to rewrite its row and steps twenty times. Its events wait too: a
  // run that ends in the group goes straight to run_logs, its events never
  // written as rows. Guarded by writer_mu (the group holds it).
  struct DeferredRows {
    RunState state;                  // the run after its last commit in the group
    std::optional<RunState> before;  // as stored before the group's first commit of it, when known
    std::vector<Event> events;       // its events committed in the group, not yet written
  };
  std::map<std::string, DeferredRows> deferred_rows;  // by run id
  // The clock each commit of the group saves, by meta key: written once, at
  // the flush (every commit used to rewrite the same meta row).
  std::map<std::string, Instant> deferred_clocks;
  Status deferred_failure;  // a flush for a read that failed: the group fails
  // Wipes of the outbox's rows: each reset or restore begins another life
  // of a namespace's outbox (WebhookDelivery::outbox_life), in which the
  // same seed writes deliveries with the same ids. A webhook sender that
  // read a delivery before the wipe and records its outcome after it would
  // mark the new delivery sent, one never sent. Changed under writer_mu;
  // read under wipes_mu alone by the readers that stamp deliveries.
  std::mutex wipes_mu;
  uint64_t wipes_of_all = 0;                    // DeleteEverything, RestoreSnapshot
  std::map<std::string, uint64_t> wipes_by_ns;  // DeleteNamespace
  // Wipes whose lives have not begun yet: inside a group commit, until the
  // group ends (under writer_mu). Every namespace's, or these namespaces'.
  bool wipe_of_all_pending = false;
  std::set<std::string> wipes_pending;
  // WebhookOutbox::WebhookEdits, moved by a WebhookEditCount; inside a
  // group commit, once the group ends (webhook_edit_in_group, under writer_mu).
  std::atomic<uint64_t> webhook_edits{0};
  bool webhook_edit_in_group = false;
};

// Counts a change to webhooks or to deliveries' status (WebhookEdits) as it
// goes out of scope. Declared after the writer's lock and before the
// transaction, it counts once the change is committed or rolled back, and
// before the lock is let go: a count read before a read of the rows never
// matches rows older than the change. Inside a group commit the change's
// transaction is only a savepoint, so the count waits for the group's own
// COMMIT (SqliteStore::EndGroup) or rollback.
class WebhookEditCount {
 public:
  explicit WebhookEditCount(Database& db) : db_(db) {}
  ~WebhookEditCount() {
    if (db_.group_owner.load() == std::this_thread::get_id()) {
      db_.webhook_edit_in_group = true;
    } else {
      db_.webhook_edits.fetch_add(1);
    }
  }
  WebhookEditCount(const WebhookEditCount&) = delete;
  WebhookEditCount& operator=(const WebhookEditCount&) = delete;

 private:
  Database& db_;
};

class SqliteStore final : public Store {
 public:
  SqliteStore(std::shared_ptr<Database> db, std::string ns) : db_(std::move(db)), ns_(std::move(ns)) {}
  // Opens the database at `path` into `db` (its lock, if any, already taken).
  static Result<std::unique_ptr<Store>> OpenInto(std::shared_ptr<Database> db, const std::string& path);
  std::unique_ptr<Store> Namespace(const std::string& ns) const override;

  Status BeginGroup() override;
  Status EndGroup() override;
  void AbandonGroup() override;
  Status Commit(RunWrite write, Instant clock_now) override;
  Status Commit(std::vector<RunWrite> writes, Instant clock_now) override;
  Status InsertFeedback(Feedback& feedback, Instant clock_now) override;
  Status CommitAction(const ActionRecord& action, const Json& object_state, const RunWrite* resume,
                      Instant clock_now) override;
  Result<std::optional<RunState>> GetRun(const std::string& id, bool with_steps) override;
  Result<ListPage<RunState>> ListRuns(int64_t limit, int64_t offset) override;
  Result<std::vector<RunState>> RunsOfThread(const std::string& thread_id, bool with_steps) override;
  Result<std::vector<RunState>> RunsOfAgent(const std::string& agent_type, bool with_steps) override;
  Result<std::vector<RunState>> WorkflowExecutions(const std::string& agent_type, int64_t agent_seq) override;
  Result<AgentRunPage> ListAgentRuns(const AgentRunQuery& query) override;
  Result<std::map<std::string, int64_t>> WorkflowCounts() override;
  Result<std::vector<Event>> Events(const std::string& run_id, int64_t after_seq) override;
  Result<std::optional<std::string>> RunScript(const std::string& run_id) override;
  Result<std::optional<int64_t>> RunLastSeq(const std::string& run_id) override;
  Result<std::vector<std::string>> RunIdsWithStatus(RunStatus status) override;
  Result<int64_t> CountRuns() override;
  Result<int64_t> CountRunsInThread(const std::string& thread_id) override;
  Result<int64_t> CountScheduledRuns(const std::string& agent_type) override;
  Result<std::optional<IdempotencyRecord>> IdempotencyKey(const std::string& key) override;
  Result<int64_t> CountFeedback(const std::string& run_id) override;
  Result<bool> ArtifactExists(const std::string& artifact_id, const std::string& type_prefix) override;
  Result<Json> ObjectState(const std::string& object_type, const std::string& object_id) override;
  Result<std::vector<ActionRecord>> ListActions(const std::string& object_type, const std::string& object_id) override;
  Result<std::optional<ActionRecord>> GetAction(const std::string& id) override;
  Result<int64_t> CountActions() override;

  Status InsertThread(const Thread& thread, Instant clock_now) override;
  Result<std::optional<Thread>> GetThread(const std::string& id) override;
  Result<ListPage<Thread>> ListThreads(const std::optional<std::string>& business_id, int64_t limit,
                                       int64_t offset) override;
  Result<int64_t> CountThreads() override;
  Result<bool> ThreadContextExists(const std::string& context_type, const std::string& context_id) override;

  const std::string& ns() const override;
  const std::string& path() const override;
  Result<std::optional<uint64_t>> SavedSeed() override;
  Status SaveSeed(uint64_t seed) override;
  Result<std::optional<Instant>> SavedClock() override;
  Status SaveClockNow(Instant now) override;
  Result<std::vector<std::string>> KnownNamespaces() override;
  Status DeleteNamespace() override;
  Status DeleteEverything() override;

  void SetWebhookNotifications(WebhookNotifications notifications) override;
  Status InsertWebhook(const Webhook& webhook) override;
  Status UpdateWebhook(const Webhook& webhook) override;
  Status RecordWebhookAttempts(const std::vector<AttemptRecord>& records) override;
  Result<std::optional<Webhook>> GetWebhook(const std::string& id) override;
  Result<ListPage<Webhook>> ListWebhooks(int64_t limit, int64_t offset) override;
  Result<int64_t> CountWebhooks() override;
  Result<std::vector<WebhookDelivery>> DueWebhookDeliveries(Instant now, int64_t limit,
                                                            const std::optional<std::string>& webhook_id) override;
  Result<std::vector<std::string>> DueWebhookEndpoints(Instant now) override;
  uint64_t WebhookEdits() const override { return db_->webhook_edits.load(); }
  Result<std::optional<WebhookDelivery>> GetWebhookDelivery(const std::string& webhook_id, const std::string& run_id,
                                                            int64_t seq) override;
  Result<std::vector<WebhookDelivery>> WebhookDeliveries(const std::optional<std::string>& webhook_id) override;
  Result<WebhookDeliveryPage> ListWebhookDeliveries(const WebhookDeliveryQuery& query) override;

  Status PutAgentDefinition(const std::string& agent_type, const Json& definition, Instant clock_now) override;
  Result<std::vector<Json>> ListAgentDefinitions() override;

  Status SaveSnapshot(const std::string& name) override;
  Status RestoreSnapshot(const std::string& name) override;
  Result<std::vector<std::string>> Snapshots() override;

 private:
  std::string MetaKey(const std::string& key) const { return ns_.empty() ? key : key + "/" + ns_; }
  // This namespace's outbox life (Database::wipes_of_all).
  uint64_t OutboxLife() const;
  // Begins another life of this namespace's outbox, or of every
  // namespace's, as it goes out of scope. Declared after the writer's lock
  // and before the wipe's transaction, it moves once the wipe is committed
  // or rolled back, and before the lock is let go; inside a group commit,
  // once the group's own COMMIT or rollback is done. Moved before the commit,
  // as it was, a sender reading the outbox in between got the old rows
  // stamped with the new life, and its outcome could land on the delivery
  // the same ids get after the wipe, which then never went out.
  class OutboxWipe {
   public:
    OutboxWipe(const SqliteStore& store, bool every_namespace) : store_(store), every_(every_namespace) {}
    ~OutboxWipe();
    OutboxWipe(const OutboxWipe&) = delete;
    OutboxWipe& operator=(const OutboxWipe&) = delete;

   private:
    const SqliteStore& store_;
    bool every_;
  };
  // Runs `fn(Connection&)` on a reader connection.
  template <class F>
  auto WithReader(F&& fn) -> decltype(fn(std::declval<Connection&>()));

  // Statement groups used inside a writer transaction.
  Status WriteNewThread(const Thread& thread);
  // Writes a run's events and, unless `defer` (a group commit), the rows
  // projected from it (else Database::deferred_rows keeps them).
  // What a commit in a group changed in a run's deferred rows, to take back
  // if the commit fails: whether it had any, its state, how many events.
  struct DeferredUndo {
    bool existed = false;
    RunState state;
    size_t events = 0;
  };
  // Takes `write`'s events when it defers them (it leaves them empty).
  Status WriteRun(RunWrite& write, bool defer = false, std::map<std::string, DeferredUndo>* undo = nullptr);
  // Writes the deferred rows of the open group (writer lock held).
  Status FlushDeferredRows();
  bool InGroupOnThisThread() const { return db_->group_owner.load() == std::this_thread::get_id(); }
  // At the end of a group commit: counts a webhook edit made inside it, and
  // begins the outbox lives of the wipes made inside it.
  void SettleOutboxOfGroup();
  // Begins the outbox lives of the wipes pending (Database::wipes_pending).
  void BeginPendingOutboxLives() const;
  // The id of `script` in scripts, added when new.
  Result<int64_t> ScriptId(const std::string& script);
  Status WriteRunRows(const RunState& state, const RunState* before);
  // Writes `events` of a run now in `state`: as rows of run_events while the
  // run goes on, or, once it has ended, its whole log (the rows written
  // before included) as one run_logs value, its steps leaving steps.
  Status WriteEvents(const RunState& state, const std::vector<Event>& events);
  Status ArchiveRun(const RunState& state, const std::vector<Event>& events);
  // Fails unless `events` are last_seq + 1, + 2, ... in order.
  static Status CheckEventsFollow(const std::vector<Event>& events, int64_t last_seq);
  // The last seq of a run's events in run_events (0 when none), on the writer.
  Result<int64_t> StoredLastSeq(const std::string& run_id);
  Status WriteThreadStatus(const std::string& thread_id, Instant updated_at);
  // Queues a delivery to every webhook subscribed to what `events` announce;
  // `last_queued`, when given, says whether the last event was queued for any.
  Status WriteWebhookOutbox(const std::vector<Event>& events, bool* last_queued);
  // The id of a body among the bodies sent for event `seq` of `run_id`,
  // added when new (then `*added` is set); `packed` is the body as
  // CompressLog(body, "") made it.
  Result<int64_t> WebhookBodyId(const std::string& run_id, int64_t seq, const std::string& packed, bool* added);
  // Saves this namespace's clock (at the flush, inside a group commit).
  Status SaveClock(Instant now);
  Status WriteClock(const std::string& meta_key, Instant now);
  // Inside a group commit on this thread, writes what waits for its end, so
  // that a bulk deletion after it sees (and deletes) it.
  Status FlushIfInGroup();
  // One more run or thread in this namespace's counts (a writer transaction).
  Status AddToCount(const char* what);
  // This namespace's count of runs or threads, from the counts table.
  Result<int64_t> StoredCount(Connection& c, const char* what) const;
  // `total` when the namespace's ordinals in `table` (runs or threads) are
  // exactly 1..total, as they are unless rows were removed; else nullopt.
  Result<std::optional<int64_t>> DenseOrdinalTop(Connection& c, const char* table, int64_t total) const;

  std::shared_ptr<Database> db_;
  std::string ns_;
};

}  // namespace sandbox::store
