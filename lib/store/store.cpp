// Store: SQL for threads, runs, the event log and the projected rows. Every
// statement is prepared and bound; JSON columns hold values the core already
// encodes (lib/core/event.h).
#include "store/store.h"

#include <iterator>
#include <unordered_map>

#include "store/migrations.h"
#include "store/run_archive.h"
#include "core/projection.h"
#include "store/store_internal.h"
#include "core/decimal.h"

namespace sandbox::store {
Result<std::unique_ptr<Store>> Store::Open(const std::string& path) {
  return SqliteStore::OpenInto(std::make_shared<Database>(), path);
}

Result<std::unique_ptr<Store>> Store::OpenForServing(const std::string& path) {
  auto lock = FileLock::Acquire(path);
  if (!lock.ok()) return lock.status();
  auto db = std::make_shared<Database>();
  db->lock = std::move(lock).value();
  return SqliteStore::OpenInto(std::move(db), path);
}

Result<std::unique_ptr<Store>> SqliteStore::OpenInto(std::shared_ptr<Database> db, const std::string& path) {
  db->path = path;
  db->in_memory = path == ":memory:";
  auto conn = Connection::Open(path, /*read_only=*/false);
  if (!conn.ok()) return conn.status();
  db->writer = std::move(conn).value();
  auto store = std::make_unique<SqliteStore>(db, "");
  Connection& w = *db->writer;
  if (!store->db_->in_memory) {
    // WAL lets readers run beside the single writer; NORMAL keeps commits
    // durable across a process crash (not a power cut), which is what a
    // sandbox needs, at a fraction of FULL's cost.
    Status st = w.Exec("PRAGMA journal_mode=WAL");
    if (!st.ok()) return Status::Internal("cannot use " + path + ": " + st.message());
  }
  Status st = w.Exec("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON");
  if (!st.ok()) return st;
  if (!store->db_->in_memory && !path.empty()) {
    // Checkpoints run on a thread of their own, not in the writer's
    // commits, and the writer checkpoints the rest itself only once the WAL
    // holds 8,000 pages (checkpointer.h): the pages every run touches (the
    // runs indexes, counts, the saved clock) are copied back once per
    // checkpoint however often they changed. The WAL file stays at about
    // 32 MiB; a restart after a kill reads it back.
    auto checkpointer = Checkpointer::Start(path, w);
    if (!checkpointer.ok()) return Status::Internal("cannot use " + path + ": " + checkpointer.status().message());
    db->checkpointer = std::move(checkpointer).value();
  }
  st = Migrate(w, kSchemaSql, kSchemaVersion, ForwardMigrations());
  if (!st.ok()) return Status::Internal(path + ": " + st.message());
  // Every fire of a group commit is a savepoint, and SQLite keeps the
  // original of each page a savepoint changes in a sub-journal that spilled
  // to a temporary file past 64 KiB: under load nearly every savepoint
  // wrote a file in /var/tmp, four times the bytes of the WAL itself. In
  // memory (1 KiB chunks, freed at each release) they cost next to nothing.
  // Bulk deletions switch back to files (TempStoreOnDisk); the migration
  // above ran with files too.
  st = w.Exec("PRAGMA temp_store=MEMORY");
  if (!st.ok()) return st;
  return std::unique_ptr<Store>(std::move(store));
}

std::unique_ptr<Store> SqliteStore::Namespace(const std::string& ns) const {
  return std::make_unique<SqliteStore>(db_, ns);
}

const std::string& SqliteStore::ns() const { return ns_; }
const std::string& SqliteStore::path() const { return db_->path; }

// ---------------------------------------------------------------- writes

Status SqliteStore::SaveClock(Instant now) {
  if (InGroupOnThisThread()) {
    // Its commit can only fail before this (the release of its savepoint
    // cannot); a failed group drops it with the rest.
    db_->deferred_clocks[MetaKey("clock_now")] = now;
    return Status::Ok();
  }
  return WriteClock(MetaKey("clock_now"), now);
}

Status SqliteStore::WriteClock(const std::string& key, Instant now) {
  Statement q(*db_->writer,
              "INSERT INTO meta (key, value) VALUES (?2, ?1) "
              "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
  return q.Bind(1, std::to_string(now)).Bind(2, key).Run();
}

Status SqliteStore::WriteNewThread(const Thread& t) {
  Statement q(*db_->writer,
              "INSERT INTO threads (id, ordinal, agent, context_type, context_id, status, requester, metadata, "
              "created_at, updated_at, ns) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
  q.Bind(1, t.id).Bind(2, t.ordinal).Bind(3, t.agent).Bind(4, t.context_type).Bind(5, t.context_id);
  q.Bind(6, ThreadStatusName(t.status)).Bind(7, JsonColumn(PrincipalToJson(t.requester)));
  q.Bind(8, JsonColumn(t.metadata)).Bind(9, t.created_at).Bind(10, t.updated_at).Bind(11, ns_);
  Status st = q.Run();
  if (st.ok()) st = AddToCount("threads");
  return st;
}

Status SqliteStore::AddToCount(const char* what) {
  Statement q(*db_->writer,
              "INSERT INTO counts (ns, what, n) VALUES (?1, ?2, 1) "
              "ON CONFLICT (ns, what) DO UPDATE SET n = n + 1");
  return q.Bind(1, ns_).Bind(2, what).Run();
}

Status SqliteStore::InsertThread(const Thread& t, Instant clock_now) {
  std::lock_guard<WriterLock> g(db_->writer_mu);
  Transaction tx(*db_->writer);
  if (!tx.begin_status().ok()) return tx.begin_status();
  Status st = WriteNewThread(t);
  if (st.ok()) st = SaveClock(clock_now);
  if (st.ok()) st = tx.Commit();
  return st;
}

Status SqliteStore::WriteRunRows(const RunState& s, const RunState* before) {
  // Steps and interrupts only grow and keep their order, so the i-th of
  // `before` is the same object as the i-th of `s`.
  auto unchanged_step = [&](size_t i) { return before && i < before->steps.size() && before->steps[i] == s.steps[i]; };
  auto unchanged_interrupt = [&](size_t i) {
    return before && i < before->interrupts.size() && before->interrupts[i] == s.interrupts[i];
  };
  const Run& r = s.run;
  if (before && before->run.status == r.status && before->run.started_at == r.started_at &&
      before->run.requester == r.requester && before->run.request == r.request) {
    // Most fires change only these columns. Naming the indexed ones (status,
    // started_at, requester) would have SQLite rewrite their index entries
    // and run the status-count trigger on every fire.
    Statement q(*db_->writer,
                "UPDATE runs SET updated_at = ?2, ended_at = ?3, output = ?4, error_message = ?5, "
                "cursor_segment = ?6, cursor_pc = ?7, segment_base = ?8, last_seq = ?9, result = ?10, "
                "failure_reason = ?11 WHERE id = ?1");
    q.Bind(1, r.id).Bind(2, r.updated_at).Bind(3, r.ended_at).Bind(4, JsonColumn(r.output));
    q.Bind(5, r.error_message).Bind(6, r.cursor.segment).Bind(7, r.cursor.pc).Bind(8, r.cursor.segment_base);
    q.Bind(9, r.last_seq).Bind(10, JsonColumn(r.result)).Bind(11, r.failure_reason);
    Status st = q.Run();
    if (!st.ok()) return st;
  } else {
    Statement q(*db_->writer,
                "UPDATE runs SET status = ?2, requester = ?3, updated_at = ?4, started_at = ?5, ended_at = ?6, "
                "output = ?7, error_message = ?8, cursor_segment = ?9, cursor_pc = ?10, segment_base = ?11, "
                "last_seq = ?12, result = ?13, failure_reason = ?14, request = ?15 WHERE id = ?1");
    q.Bind(1, r.id).Bind(2, RunStatusName(r.status)).Bind(3, JsonColumn(PrincipalToJson(r.requester)));
    q.Bind(4, r.updated_at).Bind(5, r.started_at).Bind(6, r.ended_at).Bind(7, JsonColumn(r.output));
    q.Bind(8, r.error_message).Bind(9, r.cursor.segment).Bind(10, r.cursor.pc);
    q.Bind(11, r.cursor.segment_base).Bind(12, r.last_seq).Bind(13, JsonColumn(r.result));
    q.Bind(14, r.failure_reason).Bind(15, JsonColumn(r.request));
    Status st = q.Run();
    if (!st.ok()) return st;
  }
  // An ended run's steps are in its log (ArchiveRun), not in steps.
  const size_t step_rows = IsTerminal(r.status) ? 0 : s.steps.size();
  for (size_t i = 0; i < step_rows; ++i) {
    if (unchanged_step(i)) continue;
    const Step& st = s.steps[i];
    Json artifacts = Json::array();
    for (const auto& a : st.artifacts) artifacts.push_back(ArtifactToJson(a));
    Statement q(*db_->writer,
                "INSERT INTO steps (id, run_key, parent_step_id, ordinal, agent, type, name, label, status, "
                "started_at, completed_at, result, artifacts, text) VALUES (?1, (SELECT run_key FROM runs WHERE id = ?2), "
                "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) ON CONFLICT (run_key, ordinal) DO UPDATE SET "
                "status = excluded.status, "
                "completed_at = excluded.completed_at, result = excluded.result, artifacts = excluded.artifacts, "
                "text = excluded.text");
    q.Bind(1, st.id).Bind(2, st.run_id).Bind(3, st.parent_step_id).Bind(4, st.ordinal).Bind(5, st.agent);
    q.Bind(6, st.type).Bind(7, st.name).Bind(8, st.label).Bind(9, StepStatusName(st.status));
    q.Bind(10, st.started_at).Bind(11, st.completed_at).Bind(12, JsonColumn(st.result));
    q.Bind(13, JsonText(artifacts)).Bind(14, st.text);
    Status rs = q.Run();
    if (!rs.ok()) return rs;
  }
  for (size_t n = 0; n < s.interrupts.size(); ++n) {
    if (unchanged_interrupt(n)) continue;
    const Interrupt& i = s.interrupts[n];
    Statement q(*db_->writer,
                "INSERT INTO interrupts (id, run_id, step_id, agent, value, pending, created_at, resolved_at, "
                "input, expired) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT (id) DO UPDATE SET "
                "pending = excluded.pending, resolved_at = excluded.resolved_at, input = excluded.input, "
                "expired = excluded.expired");
    q.Bind(1, i.id).Bind(2, i.run_id).Bind(3, i.step_id).Bind(4, i.agent).Bind(5, i.value.dump());
    q.Bind(6, i.pending ? 1 : 0).Bind(7, i.created_at).Bind(8, i.resolved_at);
    // A resolved interrupt keeps its answer, even when the answer was JSON null.
    if (i.pending || i.expired)
      q.BindNull(9);
    else
      q.Bind(9, i.input.dump());
    q.Bind(10, i.expired ? 1 : 0);
    Status rs = q.Run();
    if (!rs.ok()) return rs;
  }
  return Status::Ok();
}

Status SqliteStore::WriteThreadStatus(const std::string& thread_id, Instant updated_at) {
  std::vector<RunStatus> statuses;
  {
    Statement q(*db_->writer, "SELECT status FROM runs WHERE thread_id = ?1 ORDER BY ordinal");
    q.Bind(1, thread_id);
    while (true) {
      auto row = q.Step();
      if (!row.ok()) return row.status();
      if (!row.value()) break;
      auto s = ParseRunStatus(q.Text(0));
      if (!s) return Status::Internal("run of thread " + thread_id + " has an unknown status");
      statuses.push_back(*s);
    }
  }
  Statement q(*db_->writer, "UPDATE threads SET status = ?2, updated_at = max(updated_at, ?3) WHERE id = ?1");
  return q.Bind(1, thread_id).Bind(2, ThreadStatusName(DeriveThreadStatus(statuses))).Bind(3, updated_at).Run();
}

Result<int64_t> SqliteStore::ScriptId(const std::string& script) {
  Statement find(*db_->writer, "SELECT id FROM scripts WHERE size = length(?1) AND body = ?1");
  find.Bind(1, script);
  auto row = find.Step();
  if (!row.ok()) return row.status();
  if (row.value()) return find.Int(0);
  Statement insert(*db_->writer, "INSERT INTO scripts (size, body) VALUES (length(?1), ?1)");
  Status st = insert.Bind(1, script).Run();
  if (!st.ok()) return st;
  return static_cast<int64_t>(sqlite3_last_insert_rowid(db_->writer->raw()));
}

Status SqliteStore::WriteRun(RunWrite& w, bool defer, std::map<std::string, DeferredUndo>* undo) {
  const Run& r = w.state->run;
  if (w.new_thread) {
    Status st = WriteNewThread(*w.new_thread);
    if (!st.ok()) return st;
  }
  if (w.script) {
    auto script_id = ScriptId(*w.script);
    if (!script_id.ok()) return script_id.status();
    Statement q(*db_->writer,
                "INSERT INTO runs (id, thread_id, ordinal, agent, scenario, script_id, status, created_at, updated_at, "
                "cursor_segment, cursor_pc, segment_base, last_seq, ns, agent_name, trigger_type, retry_of, "
                "first_attempt, attempt, agent_seq, run_key) "
                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'running', ?7, ?7, 0, 0, ?7, 0, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
                "(SELECT coalesce(max(run_key), 0) + 1 FROM runs))");
    q.Bind(1, r.id).Bind(2, r.thread_id).Bind(3, r.ordinal).Bind(4, r.agent).Bind(5, r.scenario);
    q.Bind(6, script_id.value()).Bind(7, r.created_at).Bind(8, ns_).Bind(9, r.agent_name).Bind(10, r.trigger_type);
    auto or_null = [](const std::string& v) { return v.empty() ? std::nullopt : std::optional<std::string>(v); };
    q.Bind(11, or_null(r.retry_of)).Bind(12, or_null(r.first_attempt)).Bind(13, r.attempt).Bind(14, r.agent_seq);
    Status st = q.Run();
    if (st.ok()) st = AddToCount("runs");
    if (!st.ok()) return st;
  }
  if (w.idempotency) {
    Statement q(*db_->writer,
                "INSERT INTO idempotency_keys (ns, key, body_hash, run_id) VALUES (?1, ?2, ?3, ?4) "
                "ON CONFLICT (ns, key) DO UPDATE SET body_hash = excluded.body_hash, run_id = excluded.run_id");
    Status st = q.Bind(1, ns_).Bind(2, w.idempotency->key).Bind(3, w.idempotency->body_hash).Bind(4, r.id).Run();
    if (!st.ok()) return st;
  }
  if (defer) {
    // Rows would refuse an event out of order by their primary key, and
    // with the rest of its commit; a deferred one is checked here instead.
    auto prior = db_->deferred_rows.find(r.id);
    std::optional<int64_t> last;
    if (prior != db_->deferred_rows.end()) {
      last = prior->second.state.run.last_seq;
    } else if (w.script) {
      last = 0;
    } else if (w.before) {
      last = w.before->run.last_seq;
    }
    if (!last) {
      auto stored = StoredLastSeq(r.id);
      if (!stored.ok()) return stored.status();
      last = stored.value();
    }
    Status order = CheckEventsFollow(w.events, *last);
    if (!order.ok()) return order;
    auto [it, fresh] = db_->deferred_rows.try_emplace(r.id);
    if (fresh && w.before) it->second.before = *w.before;
    // A run new in this group has no stored rows to compare with: `before`
    // stays empty and the flush writes every step.
    if (undo && !undo->count(r.id)) {
      // The state this commit replaces moves to the undo, not copied: a
      // run's state is copied once per commit (below), not three times.
      (*undo)[r.id] = fresh ? DeferredUndo{} : DeferredUndo{true, std::move(it->second.state), it->second.events.size()};
    }
    it->second.state = *w.state;
    Status queued = WriteWebhookOutbox(w.events, w.last_event_queued);
    if (!queued.ok()) return queued;
    std::move(w.events.begin(), w.events.end(), std::back_inserter(it->second.events));
    w.events.clear();
    return Status::Ok();
  }
  Status st = WriteEvents(*w.state, w.events);
  if (st.ok()) st = WriteRunRows(*w.state, w.before);
  if (st.ok()) st = WriteThreadStatus(r.thread_id, r.updated_at);
  if (st.ok()) st = WriteWebhookOutbox(w.events, w.last_event_queued);
  return st;
}

Status SqliteStore::CheckEventsFollow(const std::vector<Event>& events, int64_t last_seq) {
  for (const Event& e : events) {
    if (e.seq != last_seq + 1) {
      return Status::Internal("event " + std::to_string(e.seq) + " of run " + e.run_id + " does not follow event " +
                              std::to_string(last_seq));
    }
    last_seq = e.seq;
  }
  return Status::Ok();
}

Result<int64_t> SqliteStore::StoredLastSeq(const std::string& run_id) {
  Statement q(*db_->writer,
              "SELECT coalesce(max(seq), 0) FROM run_events WHERE run_key = (SELECT run_key FROM runs WHERE id = ?1)");
  q.Bind(1, run_id);
  auto row = q.Step();
  if (!row.ok()) return row.status();
  return row.value() ? q.Int(0) : 0;
}

Status SqliteStore::WriteEvents(const RunState& s, const std::vector<Event>& events) {
  if (IsTerminal(s.run.status)) return ArchiveRun(s, events);
  for (const Event& e : events) {
    Statement q(*db_->writer,
                "INSERT INTO run_events (run_key, seq, type, at, payload) "
                "VALUES ((SELECT run_key FROM runs WHERE id = ?1), ?2, ?3, ?4, ?5)");
    Status st = q.Bind(1, e.run_id).Bind(2, e.seq).Bind(3, e.type).Bind(4, e.at).Bind(5, JsonText(e.payload)).Run();
    if (!st.ok()) return st;
  }
  return Status::Ok();
}

Status SqliteStore::ArchiveRun(const RunState& s, const std::vector<Event>& events) {
  int64_t run_key = 0;
  std::optional<int64_t> script_id;
  {
    Statement q(*db_->writer, "SELECT run_key, script_id FROM runs WHERE id = ?1");
    q.Bind(1, s.run.id);
    auto row = q.Step();
    if (!row.ok()) return row.status();
    if (!row.value()) return Status::Internal("run " + s.run.id + " has no row to end");
    run_key = q.Int(0);
    script_id = q.OptInt(1);
  }
  // The events written as rows before (in earlier commits), then these.
  std::string lines;
  int64_t last_seq = 0;  // a log is events 1..n, each once
  {
    Statement q(*db_->writer, "SELECT seq, type, at, payload FROM run_events WHERE run_key = ?1 ORDER BY seq");
    q.Bind(1, run_key);
    while (true) {
      auto row = q.Step();
      if (!row.ok()) return row.status();
      if (!row.value()) break;
      if (q.Int(0) != last_seq + 1) return Status::Internal("run " + s.run.id + " has a gap in its events");
      last_seq = q.Int(0);
      AppendLogLine(lines, last_seq, q.Text(1), q.Int(2), q.Text(3));
    }
  }
  const bool had_rows = last_seq > 0;
  Status order = CheckEventsFollow(events, last_seq);
  if (!order.ok()) return order;
  for (const Event& e : events) AppendEventLine(lines, e);
  // The dictionary: the first ended log of the script (a run from before
  // scripts were kept has none, and compresses on its own).
  std::string dictionary;
  if (script_id) {
    Statement q(*db_->writer, "SELECT body FROM log_dictionaries WHERE script_id = ?1");
    q.Bind(1, *script_id);
    auto row = q.Step();
    if (!row.ok()) return row.status();
    if (row.value()) {
      dictionary = q.OptBlob(0).value_or("");
    } else {
      Statement insert(*db_->writer, "INSERT INTO log_dictionaries (script_id, body) VALUES (?1, ?2)");
      Status st = insert.Bind(1, *script_id).BindBlob(2, lines).Run();
      if (!st.ok()) return st;
      dictionary = lines;
    }
  }
  auto log = CompressLog(lines, dictionary);
  if (!log.ok()) return log.status();
  Statement insert(*db_->writer, "INSERT INTO run_logs (run_key, log) VALUES (?1, ?2)");
  Status st = insert.Bind(1, run_key).BindBlob(2, log.value()).Run();
  if (!st.ok()) return st;
  if (had_rows) {
    Statement q(*db_->writer, "DELETE FROM run_events WHERE run_key = ?1");
    st = q.Bind(1, run_key).Run();
    if (!st.ok()) return st;
  }
  {
    Statement q(*db_->writer, "DELETE FROM steps WHERE run_key = ?1");
    st = q.Bind(1, run_key).Run();
    if (!st.ok()) return st;
  }
  std::string hashes;
  for (const Step& step : s.steps) {
    for (const Artifact& a : step.artifacts) AppendArtifactHash(hashes, ArtifactHash(a.id));
  }
  if (hashes.empty()) return Status::Ok();
  Statement q(*db_->writer, "INSERT INTO artifact_hashes (run_key, hashes) VALUES (?1, ?2)");
  return q.Bind(1, run_key).BindBlob(2, hashes).Run();
}

Status SqliteStore::FlushDeferredRows() {
  std::map<std::string, Instant> threads;  // each thread's status once, at its latest run's time
  for (const auto& [id, rows] : db_->deferred_rows) {
    Status st = WriteEvents(rows.state, rows.events);
    if (st.ok()) st = WriteRunRows(rows.state, rows.before ? &*rows.before : nullptr);
    if (!st.ok()) return st;
    Instant& at = threads[rows.state.run.thread_id];
    at = std::max(at, rows.state.run.updated_at);
  }
  db_->deferred_rows.clear();
  for (const auto& [thread_id, at] : threads) {
    Status st = WriteThreadStatus(thread_id, at);
    if (!st.ok()) return st;
  }
  for (const auto& [key, now] : db_->deferred_clocks) {
    Status st = WriteClock(key, now);
    if (!st.ok()) return st;
  }
  db_->deferred_clocks.clear();
  return Status::Ok();
}

Status SqliteStore::FlushIfInGroup() {
  if (!InGroupOnThisThread()) return Status::Ok();
  return FlushDeferredRows();
}

Status SqliteStore::BeginGroup() {
  db_->writer_mu.lock();
  Status st = db_->writer->Run("BEGIN IMMEDIATE");
  if (!st.ok()) {
    db_->writer_mu.unlock();
    return st;
  }
  db_->group_owner.store(std::this_thread::get_id());
  return Status::Ok();
}

Status SqliteStore::EndGroup() {
  Status st = std::exchange(db_->deferred_failure, Status::Ok());
  if (st.ok()) st = FlushDeferredRows();
  if (!st.ok()) {
    AbandonGroup();
    return st;
  }
  st = db_->writer->Run("COMMIT");
  if (!st.ok()) {
    AbandonGroup();
    return st;
  }
  SettleOutboxOfGroup();
  db_->group_owner.store(std::thread::id());
  db_->writer_mu.unlock();
  return st;
}

void SqliteStore::SettleOutboxOfGroup() {
  if (std::exchange(db_->webhook_edit_in_group, false)) db_->webhook_edits.fetch_add(1);
  BeginPendingOutboxLives();
}

void SqliteStore::AbandonGroup() {
  db_->deferred_rows.clear();
  db_->deferred_clocks.clear();
  db_->deferred_failure = Status::Ok();
  // Fails only when SQLite has rolled back already (after SQLITE_FULL, say).
  (void)db_->writer->Run("ROLLBACK");
  // Nothing changed, but a count or a life too many only costs a re-read or
  // a delivery sent twice.
  SettleOutboxOfGroup();
  db_->group_owner.store(std::thread::id());
  db_->writer_mu.unlock();
}

Status SqliteStore::Commit(RunWrite w, Instant clock_now) {
  std::vector<RunWrite> one;
  one.push_back(std::move(w));
  return Commit(std::move(one), clock_now);
}

Status SqliteStore::Commit(std::vector<RunWrite> writes, Instant clock_now) {
  std::lock_guard<WriterLock> g(db_->writer_mu);
  const bool defer = InGroupOnThisThread();
  // What the deferred rows of these runs were, so that a commit rolled back
  // to its savepoint takes its rows back too.
  std::map<std::string, DeferredUndo> undo;
  Transaction tx(*db_->writer);
  if (!tx.begin_status().ok()) return tx.begin_status();
  Status st;
  for (RunWrite& w : writes) {
    if (st.ok()) st = WriteRun(w, defer, &undo);
  }
  if (st.ok()) st = SaveClock(clock_now);
  if (st.ok()) st = tx.Commit();
  if (!st.ok()) {
    for (auto& [id, u] : undo) {
      if (!u.existed) {
        db_->deferred_rows.erase(id);
        continue;
      }
      auto& rows = db_->deferred_rows[id];
      rows.state = std::move(u.state);
      rows.events.resize(u.events);
    }
  }
  return st;
}

Status SqliteStore::InsertFeedback(Feedback& f, Instant clock_now) {
  std::lock_guard<WriterLock> g(db_->writer_mu);
  Transaction tx(*db_->writer);
  if (!tx.begin_status().ok()) return tx.begin_status();
  {
    Statement q(*db_->writer,
                "UPDATE feedback SET active = 0 WHERE run_id = ?1 AND artifact_id = ?2 AND reviewer_type = ?3 "
                "AND reviewer_id = ?4 AND active = 1");
    Status st = q.Bind(1, f.run_id).Bind(2, f.artifact_id).Bind(3, f.reviewer.kind).Bind(4, f.reviewer.id).Run();
    if (!st.ok()) return st;
    f.superseded_prior = sqlite3_changes(db_->writer->raw()) > 0;
  }
  Statement q(*db_->writer,
              "INSERT INTO feedback (id, run_id, artifact_id, rating, comment, reviewer_type, reviewer_id, active, "
              "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, ?8)");
  q.Bind(1, f.id).Bind(2, f.run_id).Bind(3, f.artifact_id).Bind(4, f.rating).Bind(5, f.comment);
  q.Bind(6, f.reviewer.kind).Bind(7, f.reviewer.id).Bind(8, f.created_at);
  Status st = q.Run();
  if (st.ok()) st = SaveClock(clock_now);
  if (st.ok()) st = tx.Commit();
  return st;
}

Status SqliteStore::CommitAction(const ActionRecord& a, const Json& object_state, const RunWrite* resume,
                                 Instant clock_now) {
  std::lock_guard<WriterLock> g(db_->writer_mu);
  Transaction tx(*db_->writer);
  if (!tx.begin_status().ok()) return tx.begin_status();
  Statement q(*db_->writer,
              "INSERT INTO actions (id, ordinal, object_type, object_id, type, note, payload, effects, actors, run_id, "
              "thread_id, created_at, ns) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)");
  q.Bind(1, a.id).Bind(2, a.ordinal).Bind(3, a.object_type).Bind(4, a.object_id).Bind(5, a.type).Bind(6, a.note);
  q.Bind(7, a.payload.dump()).Bind(8, a.effects.dump()).Bind(9, a.actors.dump()).Bind(10, a.run_id);
  q.Bind(11, a.thread_id).Bind(12, a.created_at).Bind(13, ns_);
  Status st = q.Run();
  if (st.ok()) {
    Statement u(*db_->writer,
                "INSERT INTO object_states (object_type, object_id, state, updated_at, ns) VALUES (?1, ?2, ?3, ?4, ?5) "
                "ON CONFLICT (ns, object_type, object_id) DO UPDATE SET state = excluded.state, "
                "updated_at = excluded.updated_at");
    u.Bind(1, a.object_type).Bind(2, a.object_id).Bind(3, object_state.dump()).Bind(4, a.created_at).Bind(5, ns_);
    st = u.Run();
  }
  if (st.ok() && resume) {
    RunWrite write = *resume;
    st = WriteRun(write);
  }
  if (st.ok()) st = SaveClock(clock_now);
  if (st.ok()) st = tx.Commit();
  return st;
}

// ---------------------------------------------------------------- reads

namespace {

const char* kThreadColumns =
    "id, ordinal, agent, context_type, context_id, status, requester, metadata, created_at, updated_at";

Result<Thread> ThreadFromRow(Statement& q) {
  Thread t;
  t.id = q.Text(0);
  t.ordinal = q.Int(1);
  t.agent = q.Text(2);
  t.context_type = q.OptText(3);
  t.context_id = q.OptText(4);
  auto status = ParseThreadStatus(q.Text(5));
  if (!status) return Status::Internal("thread " + t.id + " has an unknown status");
  t.status = *status;
  if (!PrincipalFromJson(ParseJsonColumn(q.OptText(6)), t.requester)) {
    return Status::Internal("thread " + t.id + " has a bad requester");
  }
  t.metadata = ParseJsonColumn(q.OptText(7));
  t.created_at = q.Int(8);
  t.updated_at = q.Int(9);
  return t;
}

}  // namespace

Result<std::optional<Thread>> SqliteStore::GetThread(const std::string& id) {
  return WithReader([&](Connection& c) -> Result<std::optional<Thread>> {
    Statement q(c, std::string("SELECT ") + kThreadColumns + " FROM threads WHERE id = ?1 AND ns = ?2");
    q.Bind(1, id).Bind(2, ns_);
    auto row = q.Step();
    if (!row.ok()) return row.status();
    if (!row.value()) return std::optional<Thread>();
    auto t = ThreadFromRow(q);
    if (!t.ok()) return t.status();
    return std::optional<Thread>(std::move(t).value());
  });
}

// Shared with the other files of the Store through store_internal.h.

const char* kRunColumns =
    "id, thread_id, ordinal, agent, scenario, status, requester, created_at, updated_at, started_at, ended_at, "
    "output, error_message, cursor_segment, cursor_pc, segment_base, last_seq, result, failure_reason, request, "
    "agent_name, trigger_type, retry_of, first_attempt, attempt, agent_seq";

Result<Run> RunFromRow(Statement& q) {
  Run r;
  r.id = q.Text(0);
  r.thread_id = q.Text(1);
  r.ordinal = q.Int(2);
  r.agent = q.Text(3);
  r.scenario = q.Text(4);
  auto status = ParseRunStatus(q.Text(5));
  if (!status) return Status::Internal("run " + r.id + " has an unknown status");
  r.status = *status;
  if (!PrincipalFromJson(ParseJsonColumn(q.OptText(6)), r.requester)) {
    return Status::Internal("run " + r.id + " has a bad requester");
  }
  r.created_at = q.Int(7);
  r.updated_at = q.Int(8);
  r.started_at = q.OptInt(9);
  r.ended_at = q.OptInt(10);
  r.output = ParseJsonColumn(q.OptText(11));
  r.error_message = q.OptText(12);
  r.cursor = Cursor{static_cast<int>(q.Int(13)), static_cast<int>(q.Int(14)), q.Int(15)};
  r.last_seq = q.Int(16);
  r.result = ParseJsonColumn(q.OptText(17));
  r.failure_reason = q.OptText(18);
  r.request = ParseJsonColumn(q.OptText(19));
  r.agent_name = q.Text(20);
  r.trigger_type = q.Text(21);
  r.retry_of = q.OptText(22).value_or("");
  r.first_attempt = q.OptText(23).value_or("");
  r.attempt = q.Int(24);
  r.agent_seq = q.Int(25);
  return r;
}

// The ids of `runs` as a JSON array, bound to one `IN (SELECT value FROM
// json_each(?1))`: a page of runs loads its steps or interrupts with one
// query, and the statement text (so its prepared form) is the same for any
// page size.
std::string RunIdsJson(const std::vector<RunState>& runs) {
  Json ids = Json::array();
  for (const auto& s : runs) ids.push_back(s.run.id);
  return ids.dump();
}

// Hands each row of `q` (whose column 1 is run_id) to the run it belongs to.
template <class Fill>
Status ForEachRunRow(Statement& q, std::vector<RunState>& runs, Fill&& fill) {
  std::unordered_map<std::string, RunState*> by_id;
  for (auto& s : runs) by_id.emplace(s.run.id, &s);
  while (true) {
    auto row = q.Step();
    if (!row.ok()) return row.status();
    if (!row.value()) return Status::Ok();
    auto it = by_id.find(q.Text(1));
    if (it == by_id.end()) continue;
    Status st = fill(*it->second);
    if (!st.ok()) return st;
  }
}

Status LoadStepRows(Connection& c, std::vector<RunState>& runs);

// The lines of the ended run `run_id` (of namespace `ns`, when given), when
// its log is in run_logs; nullopt while its events are rows (or it is not
// there).
Result<std::optional<std::string>> ArchivedLog(Connection& c, const std::string& run_id,
                                               const std::optional<std::string>& ns) {
  Statement q(c,
              "SELECT l.log, d.body FROM runs r JOIN run_logs l ON l.run_key = r.run_key "
              "LEFT JOIN log_dictionaries d ON d.script_id = r.script_id WHERE r.id = ?1 AND (?2 IS NULL OR r.ns = ?2)");
  q.Bind(1, run_id).Bind(2, ns);
  auto row = q.Step();
  if (!row.ok()) return row.status();
  if (!row.value()) return std::optional<std::string>();
  auto lines = ExpandLog(q.OptBlob(0).value_or(""), q.OptBlob(1).value_or(""));
  if (!lines.ok()) return Status::Internal("run " + run_id + ": " + lines.status().message());
  return std::optional<std::string>(std::move(lines).value());
}

// The steps of an ended run whose log is in run_logs, rebuilt from it (the
// one apply path, lib/core/projection.h).
Result<StepList> ArchivedSteps(Connection& c, const std::string& run_id) {
  auto lines = ArchivedLog(c, run_id, std::nullopt);
  if (!lines.ok()) return lines.status();
  if (!lines.value()) return StepList();
  auto events = ParseLogLines(*lines.value(), run_id, 0);
  if (!events.ok()) return events.status();
  auto state = Rebuild(events.value());
  if (!state.ok()) return state.status();
  return std::move(state.value().steps);
}

// Runs selected by a query of one namespace: their steps, from rows or logs.
Status LoadSteps(Connection& c, std::vector<RunState>& runs) {
  if (runs.empty()) return Status::Ok();
  Status st = LoadStepRows(c, runs);
  if (!st.ok()) return st;
  for (auto& s : runs) {
    if (!IsTerminal(s.run.status) || !s.steps.empty()) continue;
    auto steps = ArchivedSteps(c, s.run.id);
    if (!steps.ok()) return steps.status();
    s.steps = std::move(steps).value();
  }
  return Status::Ok();
}

Status LoadStepRows(Connection& c, std::vector<RunState>& runs) {
  Statement q(c,
              "SELECT s.id, r.id, s.parent_step_id, s.ordinal, s.agent, s.type, s.name, s.label, s.status, "
              "s.started_at, s.completed_at, s.result, s.artifacts, s.text FROM runs r JOIN steps s "
              "ON s.run_key = r.run_key WHERE r.id IN (SELECT value FROM json_each(?1)) ORDER BY s.run_key, s.ordinal");
  q.Bind(1, RunIdsJson(runs));
  return ForEachRunRow(q, runs, [&](RunState& s) -> Status {
    Step st;
    st.id = q.Text(0);
    st.run_id = q.Text(1);
    st.parent_step_id = q.OptText(2);
    st.ordinal = q.Int(3);
    st.agent = q.Text(4);
    st.type = q.Text(5);
    st.name = q.Text(6);
    st.label = q.Text(7);
    auto status = ParseStepStatus(q.Text(8));
    if (!status) return Status::Internal("step " + st.id + " has an unknown status");
    st.status = *status;
    st.started_at = q.Int(9);
    st.completed_at = q.OptInt(10);
    st.result = ParseJsonColumn(q.OptText(11));
    Json artifacts = ParseJsonColumn(q.Text(12));
    if (!artifacts.is_array()) return Status::Internal("step " + st.id + " has bad artifacts");
    for (const auto& aj : artifacts) {
      Artifact a;
      if (!ArtifactFromJson(aj, a)) return Status::Internal("step " + st.id + " has a bad artifact");
      st.artifacts.push_back(std::move(a));
    }
    st.text = q.Text(13);
    s.steps.push_back(std::move(st));
    return Status::Ok();
  });
}

Status LoadInterrupts(Connection& c, std::vector<RunState>& runs) {
  if (runs.empty()) return Status::Ok();
  Statement q(c,
              "SELECT id, run_id, step_id, agent, value, pending, created_at, resolved_at, input, expired "
              "FROM interrupts WHERE run_id IN (SELECT value FROM json_each(?1)) ORDER BY created_at, rowid");
  q.Bind(1, RunIdsJson(runs));
  return ForEachRunRow(q, runs, [&](RunState& s) -> Status {
    Interrupt i;
    i.id = q.Text(0);
    i.run_id = q.Text(1);
    i.step_id = q.Text(2);
    i.agent = q.OptText(3);
    i.value = ParseJsonColumn(q.Text(4));
    i.pending = q.Int(5) != 0;
    i.created_at = q.Int(6);
    i.resolved_at = q.OptInt(7);
    i.input = ParseJsonColumn(q.OptText(8));
    i.expired = q.Int(9) != 0;
    s.interrupts.push_back(std::move(i));
    return Status::Ok();
  });
}

// Runs selected by `q` (which must select kRunColumns), each with its
// interrupts, and its steps when `with_steps`.
Result<std::vector<RunState>> LoadRuns(Connection& c, Statement& q, bool with_steps) {
  std::vector<RunState> out;
  while (true) {
    auto row = q.Step();
    if (!row.ok()) return row.status();
    if (!row.value()) break;
    auto run = RunFromRow(q);
    if (!run.ok()) return run.status();
    RunState s;
    s.run = std::move(run).value();
    out.push_back(std::move(s));
  }
  Status st = LoadInterrupts(c, out);
  if (st.ok() && with_steps) st = LoadSteps(c, out);
  if (!st.ok()) return st;
  return out;
}

Result<std::optional<RunState>> SqliteStore::GetRun(const std::string& id, bool with_steps) {
  return WithReader([&](Connection& c) -> Result<std::optional<RunState>> {
    Statement q(c, std::string("SELECT ") + kRunColumns + " FROM runs WHERE id = ?1 AND ns = ?2");
    q.Bind(1, id).Bind(2, ns_);
    auto runs = LoadRuns(c, q, with_steps);
    if (!runs.ok()) return runs.status();
    if (runs.value().empty()) return std::optional<RunState>();
    return std::optional<RunState>(std::move(runs.value().front()));
  });
}

Result<std::optional<int64_t>> SqliteStore::RunLastSeq(const std::string& run_id) {
  return WithReader([&](Connection& c) -> Result<std::optional<int64_t>> {
    Statement q(c, "SELECT last_seq FROM runs WHERE id = ?1 AND ns = ?2");
    q.Bind(1, run_id).Bind(2, ns_);
    auto row = q.Step();
    if (!row.ok()) return row.status();
    if (!row.value()) return std::optional<int64_t>();
    return std::optional<int64_t>(q.Int(0));
  });
}

Result<std::optional<int64_t>> SqliteStore::DenseOrdinalTop(Connection& c, const char* table, int64_t total) const {
  // The table name is one of ours, never input.
  Statement q(c, std::string("SELECT max(ordinal) FROM ") + table + " WHERE ns = ?1");
  q.Bind(1, ns_);
  auto row = q.Step();
  if (!row.ok()) return row.status();
  if (q.Int(0) != total) return std::optional<int64_t>();
  return std::optional<int64_t>(total);
}

Result<ListPage<RunState>> SqliteStore::ListRuns(int64_t limit, int64_t offset) {
  return WithReader([&](Connection& c) -> Result<ListPage<RunState>> {
    auto total = StoredCount(c, "runs");
    if (!total.ok()) return total.status();
    auto top = DenseOrdinalTop(c, "runs", total.value());
    if (!top.ok()) return top.status();
    // With ordinals 1..total a page is a range, found by one seek; OFFSET
    // would step over every run before it.
    Statement q(c, std::string("SELECT ") + kRunColumns +
                       (top.value() ? " FROM runs WHERE ns = ?3 AND ordinal <= ?4 ORDER BY ordinal DESC LIMIT ?1"
                                    : " FROM runs WHERE ns = ?3 ORDER BY ordinal DESC LIMIT ?1 OFFSET ?2"));
    q.Bind(1, limit).Bind(3, ns_);
    if (top.value()) {
      q.Bind(4, *top.value() - offset);
    } else {
      q.Bind(2, offset);
    }
    auto runs = LoadRuns(c, q, /*with_steps=*/false);
    if (!runs.ok()) return runs.status();
    return ListPage<RunState>{std::move(runs).value(), total.value()};
  });
}

Result<std::vector<RunState>> SqliteStore::RunsOfThread(const std::string& thread_id, bool with_steps) {
  return WithReader([&](Connection& c) -> Result<std::vector<RunState>> {
    Statement q(c,
                std::string("SELECT ") + kRunColumns + " FROM runs WHERE thread_id = ?1 AND ns = ?2 ORDER BY ordinal");
    q.Bind(1, thread_id).Bind(2, ns_);
    return LoadRuns(c, q, with_steps);
  });
}

Result<std::vector<RunState>> SqliteStore::RunsOfAgent(const std::string& agent_type, bool with_steps) {
  return WithReader([&](Connection& c) -> Result<std::vector<RunState>> {
    Statement q(c, std::string("SELECT ") + kRunColumns + " FROM runs WHERE agent = ?1 AND ns = ?2 ORDER BY ordinal");
    q.Bind(1, agent_type).Bind(2, ns_);
    return LoadRuns(c, q, with_steps);
  });
}

Result<ListPage<Thread>> SqliteStore::ListThreads(const std::optional<std::string>& business_id, int64_t limit,
                                                  int64_t offset) {
  return WithReader([&](Connection& c) -> Result<ListPage<Thread>> {
    // ?1 NULL selects every thread; otherwise those about that business.
    const char* filter = " WHERE ns = ?4 AND (?1 IS NULL OR (context_type = 'business' AND context_id = ?1))";
    // Every thread, with ordinals 1..total: a range of ordinals (as ListRuns).
    std::optional<int64_t> top;
    int64_t all_threads = 0;
    if (!business_id) {
      auto total = StoredCount(c, "threads");
      if (!total.ok()) return total.status();
      all_threads = total.value();
      auto dense = DenseOrdinalTop(c, "threads", all_threads);
      if (!dense.ok()) return dense.status();
      top = dense.value();
    }
    Statement q(c, std::string("SELECT ") + kThreadColumns + " FROM threads" + filter +
                       (top ? " AND ordinal <= ?5 ORDER BY ordinal DESC LIMIT ?2"
                            : " ORDER BY ordinal DESC LIMIT ?2 OFFSET ?3"));
    q.Bind(1, business_id).Bind(2, limit).Bind(4, ns_);
    if (top) {
      q.Bind(5, *top - offset);
    } else {
      q.Bind(3, offset);
    }
    ListPage<Thread> page;
    while (true) {
      auto row = q.Step();
      if (!row.ok()) return row.status();
      if (!row.value()) break;
      auto t = ThreadFromRow(q);
      if (!t.ok()) return t.status();
      page.items.push_back(std::move(t).value());
    }
    if (!business_id) {
      page.total = all_threads;
      return page;
    }
    // One business's threads: a range of threads_by_context, not the namespace.
    Statement count(c, std::string("SELECT count(*) FROM threads") + filter);
    count.Bind(1, business_id).Bind(4, ns_);
    auto row = count.Step();
    if (!row.ok()) return row.status();
    page.total = count.Int(0);
    return page;
  });
}

Result<std::vector<Event>> SqliteStore::Events(const std::string& run_id, int64_t after_seq) {
  return WithReader([&](Connection& c) -> Result<std::vector<Event>> {
    auto archived = ArchivedLog(c, run_id, ns_);
    if (!archived.ok()) return archived.status();
    if (archived.value()) return ParseLogLines(*archived.value(), run_id, after_seq);
    // Only a run of this namespace has events here.
    Statement q(c,
                "SELECT seq, type, at, payload FROM run_events WHERE seq > ?2 "
                "AND run_key = (SELECT run_key FROM runs WHERE id = ?1 AND ns = ?3) ORDER BY seq");
    q.Bind(1, run_id).Bind(2, after_seq).Bind(3, ns_);
    std::vector<Event> out;
    while (true) {
      auto row = q.Step();
      if (!row.ok()) return row.status();
      if (!row.value()) break;
      Event e;
      e.run_id = run_id;
      e.seq = q.Int(0);
      e.type = q.Text(1);
      e.at = q.Int(2);
      e.payload = Json::parse(q.Text(3), nullptr, false);
      if (e.payload.is_discarded()) {
        return Status::Internal("event " + std::to_string(e.seq) + " of run " + run_id + " is not JSON");
      }
      out.push_back(std::move(e));
    }
    return out;
  });
}

Result<std::optional<std::string>> SqliteStore::RunScript(const std::string& run_id) {
  return WithReader([&](Connection& c) -> Result<std::optional<std::string>> {
    Statement q(c,
                "SELECT scripts.body FROM runs JOIN scripts ON scripts.id = runs.script_id "
                "WHERE runs.id = ?1 AND runs.ns = ?2");
    q.Bind(1, run_id).Bind(2, ns_);
    auto row = q.Step();
    if (!row.ok()) return row.status();
    if (!row.value()) return std::optional<std::string>();
    return std::optional<std::string>(q.Text(0));
  });
}

Result<std::vector<std::string>> SqliteStore::RunIdsWithStatus(RunStatus status) {
  return WithReader([&](Connection& c) -> Result<std::vector<std::string>> {
    Statement q(c, "SELECT id FROM runs WHERE ns = ?2 AND status = ?1 ORDER BY ordinal");
    q.Bind(1, RunStatusName(status)).Bind(2, ns_);
    std::vector<std::string> out;
    while (true) {
      auto row = q.Step();
      if (!row.ok()) return row.status();
      if (!row.value()) break;
      out.push_back(q.Text(0));
    }
    return out;
  });
}

namespace {
// Binds `arg` to ?1 when given, the namespace to ?2 and `third` to ?3 when the SQL uses them.
Result<int64_t> CountQuery(Connection& c, const char* sql, const std::optional<std::string>& arg,
                           const std::string& ns = "", const std::string& third = "") {
  Statement q(c, sql);
  if (arg) q.Bind(1, *arg);
  if (std::string(sql).find("?2") != std::string::npos) q.Bind(2, ns);
  if (std::string(sql).find("?3") != std::string::npos) q.Bind(3, third);
  auto row = q.Step();
  if (!row.ok()) return row.status();
  return q.Int(0);
}
}  // namespace

Result<int64_t> SqliteStore::CountFeedback(const std::string& run_id) {
  return WithReader(
      [&](Connection& c) { return CountQuery(c, "SELECT count(*) FROM feedback WHERE run_id = ?1", run_id); });
}

Result<bool> SqliteStore::ThreadContextExists(const std::string& context_type, const std::string& context_id) {
  return WithReader([&](Connection& c) -> Result<bool> {
    auto n = CountQuery(c,
                        "SELECT count(*) FROM (SELECT 1 FROM threads WHERE ns = ?2 AND context_id = ?1 "
                        "AND context_type = ?3 LIMIT 1)",
                        context_id, ns_, context_type);
    if (!n.ok()) return n.status();
    return n.value() > 0;
  });
}

Result<bool> SqliteStore::ArtifactExists(const std::string& artifact_id, const std::string& type_prefix) {
  return WithReader([&](Connection& c) -> Result<bool> {
    // Ended runs: one pass over their artifacts' hashes (8 bytes each), then
    // the steps of the runs of this namespace whose hashes match.
    const uint64_t hash = ArtifactHash(artifact_id);
    std::vector<int64_t> keys;
    {
      Statement q(c, "SELECT run_key, hashes FROM artifact_hashes");
      while (true) {
        auto row = q.Step();
        if (!row.ok()) return row.status();
        if (!row.value()) break;
        if (HoldsArtifactHash(q.Blob(1), hash)) keys.push_back(q.Int(0));
      }
    }
    std::vector<std::string> candidates;
    for (int64_t key : keys) {
      Statement q(c, "SELECT id FROM runs WHERE run_key = ?1 AND ns = ?2");
      q.Bind(1, key).Bind(2, ns_);
      auto row = q.Step();
      if (!row.ok()) return row.status();
      if (row.value()) candidates.push_back(q.Text(0));
    }
    for (const auto& run_id : candidates) {
      auto steps = ArchivedSteps(c, run_id);
      if (!steps.ok()) return steps.status();
      for (const Step& step : steps.value()) {
        for (const Artifact& a : step.artifacts) {
          if (a.id == artifact_id && a.type.compare(0, type_prefix.size(), type_prefix) == 0) return true;
        }
      }
    }
    // Runs going on (and runs that ended before schema version 9): their
    // steps' rows. CROSS JOIN keeps steps outside: driven by the runs of the
    // namespace instead, it visited every run, ended ones too (11 ms at
    // 16,000 runs, against nothing).
    // substr, not LIKE: the prefix is data, and LIKE would read its _ and % as wildcards.
    auto n = CountQuery(c,
                        "SELECT count(*) FROM (SELECT 1 FROM steps CROSS JOIN runs ON runs.run_key = steps.run_key, "
                        "json_each(steps.artifacts) AS a WHERE runs.ns = ?2 AND json_extract(a.value, '$.id') = ?1 "
                        "AND substr(json_extract(a.value, '$.type'), 1, length(?3)) = ?3 LIMIT 1)",
                        artifact_id, ns_, type_prefix);
    if (!n.ok()) return n.status();
    return n.value() > 0;
  });
}

Result<Json> SqliteStore::ObjectState(const std::string& object_type, const std::string& object_id) {
  return WithReader([&](Connection& c) -> Result<Json> {
    Statement q(c, "SELECT state FROM object_states WHERE object_type = ?1 AND object_id = ?2 AND ns = ?3");
    q.Bind(1, object_type).Bind(2, object_id).Bind(3, ns_);
    auto row = q.Step();
    if (!row.ok()) return row.status();
    if (!row.value()) return Json();
    return ParseJsonColumn(q.Text(0));
  });
}

namespace {

const char* kActionColumns =
    "id, ordinal, object_type, object_id, type, note, payload, effects, actors, run_id, thread_id, created_at";

Result<std::vector<ActionRecord>> LoadActions(Statement& q) {
  std::vector<ActionRecord> out;
  while (true) {
    auto row = q.Step();
    if (!row.ok()) return row.status();
    if (!row.value()) return out;
    ActionRecord a;
    a.id = q.Text(0);
    a.ordinal = q.Int(1);
    a.object_type = q.Text(2);
    a.object_id = q.Text(3);
    a.type = q.Text(4);
    a.note = q.OptText(5);
    a.payload = ParseJsonColumn(q.Text(6));
    a.effects = ParseJsonColumn(q.Text(7));
    a.actors = ParseJsonColumn(q.Text(8));
    a.run_id = q.OptText(9);
    a.thread_id = q.OptText(10);
    a.created_at = q.Int(11);
    out.push_back(std::move(a));
  }
}

}  // namespace

Result<std::vector<ActionRecord>> SqliteStore::ListActions(const std::string& object_type,
                                                           const std::string& object_id) {
  return WithReader([&](Connection& c) {
    Statement q(c, std::string("SELECT ") + kActionColumns +
                       " FROM actions WHERE object_type = ?1 AND object_id = ?2 AND ns = ?3 ORDER BY ordinal DESC");
    q.Bind(1, object_type).Bind(2, object_id).Bind(3, ns_);
    return LoadActions(q);
  });
}

Result<std::optional<ActionRecord>> SqliteStore::GetAction(const std::string& id) {
  return WithReader([&](Connection& c) -> Result<std::optional<ActionRecord>> {
    Statement q(c, std::string("SELECT ") + kActionColumns + " FROM actions WHERE id = ?1 AND ns = ?2");
    q.Bind(1, id).Bind(2, ns_);
    auto actions = LoadActions(q);
    if (!actions.ok()) return actions.status();
    if (actions.value().empty()) return std::optional<ActionRecord>();
    return std::optional<ActionRecord>(std::move(actions.value().front()));
  });
}

Result<int64_t> SqliteStore::CountActions() {
  return WithReader(
      [&](Connection& c) { return CountQuery(c, "SELECT count(*) FROM actions WHERE ns = ?2", std::nullopt, ns_); });
}

Result<int64_t> SqliteStore::CountScheduledRuns(const std::string& agent_type) {
  return WithReader([&](Connection& c) {
    return CountQuery(
        c, "SELECT count(*) FROM runs WHERE agent = ?1 AND ns = ?2 AND trigger_type = 'schedule' AND attempt = 1",
        agent_type, ns_);
  });
}

Result<int64_t> SqliteStore::StoredCount(Connection& c, const char* what) const {
  Statement q(c, "SELECT n FROM counts WHERE ns = ?1 AND what = ?2");
  q.Bind(1, ns_).Bind(2, what);
  auto row = q.Step();
  if (!row.ok()) return row.status();
  return row.value() ? q.Int(0) : int64_t{0};
}

Result<int64_t> SqliteStore::CountThreads() {
  return WithReader([&](Connection& c) { return StoredCount(c, "threads"); });
}

Result<int64_t> SqliteStore::CountRuns() {
  return WithReader([&](Connection& c) { return StoredCount(c, "runs"); });
}

Result<int64_t> SqliteStore::CountRunsInThread(const std::string& thread_id) {
  return WithReader(
      [&](Connection& c) { return CountQuery(c, "SELECT count(*) FROM runs WHERE thread_id = ?1", thread_id); });
}

Result<std::optional<Instant>> SqliteStore::SavedClock() {
  return WithReader([&](Connection& c) -> Result<std::optional<Instant>> {
    Statement q(c, "SELECT value FROM meta WHERE key = ?1");
    q.Bind(1, MetaKey("clock_now"));
    auto row = q.Step();
    if (!row.ok()) return row.status();
    if (!row.value()) return std::optional<Instant>();
    auto at = ParseDecimalInt(q.Text(0));
    if (!at) return Status::Internal("the saved clock is not a number: the database is damaged");
    return std::optional<Instant>(*at);
  });
}

Result<std::optional<IdempotencyRecord>> SqliteStore::IdempotencyKey(const std::string& key) {
  return WithReader([&](Connection& c) -> Result<std::optional<IdempotencyRecord>> {
    Statement q(c, "SELECT body_hash, run_id FROM idempotency_keys WHERE ns = ?1 AND key = ?2");
    q.Bind(1, ns_).Bind(2, key);
    auto row = q.Step();
    if (!row.ok()) return row.status();
    if (!row.value()) return std::optional<IdempotencyRecord>();
    return std::optional<IdempotencyRecord>(IdempotencyRecord{q.Text(0), q.Text(1)});
  });
}

}  // namespace sandbox::store
