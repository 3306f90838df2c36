// Store snapshots and reset: whole-database copies with SQLite's online
// backup API (https://sqlite.org/backup.html), which copies page by page
// under the writer's lock, so a snapshot is always one consistent state.
//
// A restore replaces the live database in one write transaction of that API
// (sqlite3_backup_step(-1) commits at the end, and sqlite3_backup_finish rolls
// back whatever a failed step wrote), so it is all or nothing; readers in WAL
// mode see the old database or the new one. The snapshot is first staged in
// memory, where it is checked and migrated, so nothing about a bad or old
// snapshot is discovered half-way through replacing the live database.
// Keeping the engines' views in step with a restore is engine/namespaces.cpp's
// job (issue 10).
#include <algorithm>
#include <cctype>
#include <filesystem>

#include "store/migrations.h"
#include "store/sqlite_store.h"
#include "core/decimal.h"

namespace sandbox::store {
namespace {

namespace fs = std::filesystem;

bool ValidName(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  }
  return true;
}

// Copies every page of `from` over `to` in one write transaction of `to`.
Status Copy(Connection& from, Connection& to) {
  sqlite3_backup* b = sqlite3_backup_init(to.raw(), "main", from.raw(), "main");
  if (!b) return Status::Internal("snapshot: " + to.LastError());
  int rc = sqlite3_backup_step(b, -1);
  // Rolls back what a failed step wrote; the destination is as it was.
  sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE) return Status::Internal(std::string("snapshot: ") + sqlite3_errstr(rc));
  return Status::Ok();
}

Result<int64_t> PragmaInt(Connection& c, const std::string& pragma) {
  Statement q(c, "PRAGMA " + pragma);
  auto row = q.Step();
  if (!row.ok()) return row.status();
  if (!row.value()) return Status::Internal("PRAGMA " + pragma + " gave no answer");
  return q.Int(0);
}

// The snapshot file at `file`, read into memory, checked, and brought to
// this binary's schema: ready to be copied over the live database.
Result<std::unique_ptr<Connection>> Stage(const std::string& name, const std::string& file) {
  auto damaged = [&](const std::string& why) {
    return Status::Conflict("snapshot " + name + " cannot be restored: " + why, "name");
  };
  auto src = Connection::Open(file, /*read_only=*/true);
  if (!src.ok()) return damaged(src.status().message());
  auto page_size = PragmaInt(*src.value(), "page_size");
  if (!page_size.ok()) return damaged(page_size.status().message());
  auto stage = Connection::Open(":memory:", /*read_only=*/false);
  if (!stage.ok()) return stage.status();
  // An in-memory copy must have the source's page size.
  Status st = stage.value()->Exec("PRAGMA page_size=" + std::to_string(page_size.value()));
  if (st.ok()) st = Copy(*src.value(), *stage.value());
  if (!st.ok()) return damaged(st.message());
  auto check = [&]() -> Status {
    Statement q(*stage.value(), "PRAGMA quick_check");
    auto row = q.Step();
    if (!row.ok()) return row.status();
    if (!row.value() || q.Text(0) != "ok") return Status::Internal(row.value() ? q.Text(0) : "no answer");
    return Status::Ok();
  };
  st = check();
  if (!st.ok()) return damaged(st.message());
  // A snapshot saved by an older version has an older schema; a file with
  // none is no snapshot of ours (Migrate would make it an empty sandbox).
  auto version = SchemaVersionOf(*stage.value());
  if (!version.ok()) return damaged(version.status().message());
  if (version.value() < 1) return damaged("it is not an agent-sandbox database");
  st = Migrate(*stage.value(), kSchemaSql, kSchemaVersion, ForwardMigrations());
  if (!st.ok()) return damaged(st.message());
  return std::move(stage).value();
}

}  // namespace

Status SqliteStore::DeleteEverything() {
  std::lock_guard<WriterLock> g(db_->writer_mu);
  WebhookEditCount edit(*db_);
  OutboxWipe wipe(*this, /*every_namespace=*/true);
  Status flushed = FlushIfInGroup();
  if (!flushed.ok()) return flushed;
  TempStoreOnDisk bulk(*db_->writer);
  Transaction tx(*db_->writer);
  if (!tx.begin_status().ok()) return tx.begin_status();
  // Every table the schema has, so that a table added later is never
  // forgotten; foreign keys are checked at the commit, so the order of the
  // deletes does not matter.
  Status st = db_->writer->Exec("PRAGMA defer_foreign_keys = ON");
  if (!st.ok()) return st;
  std::vector<std::string> tables;
  {
    Statement q(*db_->writer,
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'meta' "
                "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name");
    while (true) {
      auto row = q.Step();
      if (!row.ok()) return row.status();
      if (!row.value()) break;
      tables.push_back(q.Text(0));
    }
  }
  for (const auto& table : tables) {
    st = db_->writer->Exec("DELETE FROM \"" + table + "\"");
    if (!st.ok()) return st;
  }
  // Clocks go (time starts again); the seeds namespaces were created with stay.
  st = db_->writer->Exec("DELETE FROM meta WHERE key NOT LIKE 'seed/%'");
  if (!st.ok()) return st;
  return tx.Commit();
}

Status SqliteStore::DeleteNamespace() {
  std::lock_guard<WriterLock> g(db_->writer_mu);
  WebhookEditCount edit(*db_);
  OutboxWipe wipe(*this, /*every_namespace=*/false);
  Status flushed = FlushIfInGroup();
  if (!flushed.ok()) return flushed;
  TempStoreOnDisk bulk(*db_->writer);
  Transaction tx(*db_->writer);
  if (!tx.begin_status().ok()) return tx.begin_status();
  const char* runs = "(SELECT id FROM runs WHERE ns = ?1)";
  std::vector<std::string> sql = {
      "DELETE FROM webhook_attempts WHERE webhook_id IN (SELECT id FROM webhooks WHERE ns = ?1)",
      "DELETE FROM webhook_deliveries WHERE ns = ?1",
      "DELETE FROM webhook_bodies WHERE run_key IN (SELECT run_key FROM runs WHERE ns = ?1)",
      "DELETE FROM webhooks WHERE ns = ?1",
      std::string("DELETE FROM feedback WHERE run_id IN ") + runs,
      "DELETE FROM actions WHERE ns = ?1",
      "DELETE FROM idempotency_keys WHERE ns = ?1",
      "DELETE FROM object_states WHERE ns = ?1",
      "DELETE FROM agent_definitions WHERE ns = ?1",
      std::string("DELETE FROM interrupts WHERE run_id IN ") + runs,
      "DELETE FROM steps WHERE run_key IN (SELECT run_key FROM runs WHERE ns = ?1)",
      "DELETE FROM run_events WHERE run_key IN (SELECT run_key FROM runs WHERE ns = ?1)",
      "DELETE FROM run_logs WHERE run_key IN (SELECT run_key FROM runs WHERE ns = ?1)",
      "DELETE FROM artifact_hashes WHERE run_key IN (SELECT run_key FROM runs WHERE ns = ?1)",
      "DELETE FROM runs WHERE ns = ?1",
      "DELETE FROM threads WHERE ns = ?1",
      "DELETE FROM counts WHERE ns = ?1",
      "DELETE FROM run_status_counts WHERE ns = ?1",
      "DELETE FROM meta WHERE key = ?2",
      // Scripts no run of any namespace uses any more, and their dictionaries.
      "DELETE FROM log_dictionaries WHERE NOT EXISTS (SELECT 1 FROM runs WHERE runs.script_id = "
      "log_dictionaries.script_id)",
      "DELETE FROM scripts WHERE NOT EXISTS (SELECT 1 FROM runs WHERE runs.script_id = scripts.id)",
  };
  for (const auto& text : sql) {
    Statement q(*db_->writer, text);
    if (text.find("?1") != std::string::npos) q.Bind(1, ns_);
    if (text.find("?2") != std::string::npos) q.Bind(2, MetaKey("clock_now"));
    Status st = q.Run();
    if (!st.ok()) return st;
  }
  return tx.Commit();
}

Result<std::optional<uint64_t>> SqliteStore::SavedSeed() {
  std::lock_guard<WriterLock> g(db_->writer_mu);
  Statement q(*db_->writer, "SELECT value FROM meta WHERE key = ?1");
  q.Bind(1, MetaKey("seed"));
  auto row = q.Step();
  if (!row.ok()) return row.status();
  if (!row.value()) return std::optional<uint64_t>();
  auto seed = ParseDecimal(q.Text(0));
  if (!seed) return Status::Internal("the saved seed is not a number: the database is damaged");
  return std::optional<uint64_t>(*seed);
}

Status SqliteStore::SaveSeed(uint64_t seed) {
  std::lock_guard<WriterLock> g(db_->writer_mu);
  Statement q(*db_->writer, "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING");
  return q.Bind(1, MetaKey("seed")).Bind(2, std::to_string(seed)).Run();
}

Result<std::vector<std::string>> SqliteStore::KnownNamespaces() {
  std::lock_guard<WriterLock> g(db_->writer_mu);
  Statement q(*db_->writer,
              "SELECT ns FROM counts WHERE n > 0 UNION "
              "SELECT substr(key, 6) FROM meta WHERE key LIKE 'seed/%' ORDER BY 1");
  std::vector<std::string> out = {""};
  while (true) {
    auto row = q.Step();
    if (!row.ok()) return row.status();
    if (!row.value()) return out;
    std::string ns = q.Text(0);
    if (!ns.empty()) out.push_back(ns);
  }
}

Status SqliteStore::SaveClockNow(Instant now) {
  std::lock_guard<WriterLock> g(db_->writer_mu);
  return SaveClock(now);
}

Status SqliteStore::SaveSnapshot(const std::string& name) {
  if (!ValidName(name)) {
    return Status::InvalidArgument("a snapshot name is 1 to 64 letters, digits, - or _", "name");
  }
  std::lock_guard<WriterLock> g(db_->writer_mu);
  if (db_->in_memory) {
    auto conn = Connection::Open(":memory:", false);
    if (!conn.ok()) return conn.status();
    Status st = Copy(*db_->writer, *conn.value());
    if (st.ok()) db_->memory_snapshots[name] = std::move(conn).value();
    return st;
  }
  std::error_code ec;
  const std::string dir = db_->path + ".snapshots";
  fs::create_directories(dir, ec);
  if (ec) return Status::Internal("cannot create " + dir + ": " + ec.message());
  const std::string file = dir + "/" + name + ".sqlite";
  const std::string aside = file + ".saving";
  auto remove_with_journals = [&ec](const std::string& f) {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) fs::remove(f + suffix, ec);
  };
  remove_with_journals(aside);
  {
    auto conn = Connection::Open(aside, false);
    if (!conn.ok()) return conn.status();
    Status st = Copy(*db_->writer, *conn.value());
    // The copy carries the live database's WAL mode; a snapshot is one
    // self-contained file, with no -wal or -shm beside it.
    if (st.ok()) st = conn.value()->Exec("PRAGMA journal_mode=DELETE");
    if (!st.ok()) {
      conn.value().reset();
      remove_with_journals(aside);
      return st;
    }
  }
  // A stale -wal of an older snapshot of this name must never meet the new file.
  for (const char* suffix : {"-wal", "-shm", "-journal"}) fs::remove(file + suffix, ec);
  fs::rename(aside, file, ec);
  if (ec) return Status::Internal("cannot save snapshot " + name + ": " + ec.message());
  return Status::Ok();
}

Status SqliteStore::RestoreSnapshot(const std::string& name) {
  if (!ValidName(name)) return Status::NotFound("snapshot not found", "name");
  if (db_->in_memory) {
    std::lock_guard<WriterLock> g(db_->writer_mu);
    auto it = db_->memory_snapshots.find(name);
    if (it == db_->memory_snapshots.end()) return Status::NotFound("snapshot not found", "name");
    WebhookEditCount edit(*db_);
    OutboxWipe wipe(*this, /*every_namespace=*/true);
    return Copy(*it->second, *db_->writer);
  }
  std::string file = db_->path + ".snapshots/" + name + ".sqlite";
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return Status::NotFound("snapshot not found", "name");
  // Staged outside the writer's lock: the live database is untouched until
  // the staged copy is known to be good.
  auto staged = Stage(name, file);
  if (!staged.ok()) return staged.status();
  std::lock_guard<WriterLock> g(db_->writer_mu);
  WebhookEditCount edit(*db_);
  OutboxWipe wipe(*this, /*every_namespace=*/true);
  return Copy(*staged.value(), *db_->writer);
}

Result<std::vector<std::string>> SqliteStore::Snapshots() {
  std::lock_guard<WriterLock> g(db_->writer_mu);
  std::vector<std::string> names;
  if (db_->in_memory) {
    for (const auto& [name, conn] : db_->memory_snapshots) names.push_back(name);
    return names;
  }
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(db_->path + ".snapshots", ec)) {
    if (entry.path().extension() == ".sqlite") names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace sandbox::store
