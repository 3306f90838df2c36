// Store snapshots and reset: whole-database copies with SQLite's online
// backup API (https://sqlite.org/backup.html), which copies page by page
// under the writer's lock, so a snapshot is always one consistent state.
#include <algorithm>
#include <cctype>
#include <filesystem>

#include "store/store.h"

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

Status Copy(Connection& from, Connection& to) {
  sqlite3_backup* b = sqlite3_backup_init(to.raw(), "main", from.raw(), "main");
  if (!b) return Status::Internal("snapshot: " + to.LastError());
  int rc = sqlite3_backup_step(b, -1);
  sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE) return Status::Internal(std::string("snapshot: ") + sqlite3_errstr(rc));
  return Status::Ok();
}

}  // namespace

Status Store::DeleteEverything() {
  std::lock_guard<std::mutex> g(db_->writer_mu);
  Transaction tx(*db_->writer);
  if (!tx.begin_status().ok()) return tx.begin_status();
  for (const char* table : {"webhook_attempts", "webhook_deliveries", "webhooks", "idempotency_keys", "feedback", "actions", "object_states", "interrupts", "steps",
                            "run_events", "runs", "threads", "meta"}) {
    Status st = db_->writer->Exec(std::string("DELETE FROM ") + table);
    if (!st.ok()) return st;
  }
  return tx.Commit();
}

Status Store::DeleteNamespace() {
  std::lock_guard<std::mutex> g(db_->writer_mu);
  Transaction tx(*db_->writer);
  if (!tx.begin_status().ok()) return tx.begin_status();
  const char* runs = "(SELECT id FROM runs WHERE ns = ?1)";
  std::vector<std::string> sql = {
      "DELETE FROM webhook_attempts WHERE webhook_id IN (SELECT id FROM webhooks WHERE ns = ?1)",
      "DELETE FROM webhook_deliveries WHERE ns = ?1",
      "DELETE FROM webhooks WHERE ns = ?1",
      std::string("DELETE FROM feedback WHERE run_id IN ") + runs,
      "DELETE FROM actions WHERE ns = ?1",
      "DELETE FROM idempotency_keys WHERE ns = ?1",
      "DELETE FROM object_states WHERE ns = ?1",
      std::string("DELETE FROM interrupts WHERE run_id IN ") + runs,
      std::string("DELETE FROM steps WHERE run_id IN ") + runs,
      std::string("DELETE FROM run_events WHERE run_id IN ") + runs,
      "DELETE FROM runs WHERE ns = ?1",
      "DELETE FROM threads WHERE ns = ?1",
      "DELETE FROM meta WHERE key = ?2",
  };
  for (const auto& text : sql) {
    Statement q(*db_->writer, text);
    q.Bind(1, ns_);
    if (text.find("?2") != std::string::npos) q.Bind(2, MetaKey("clock_now"));
    Status st = q.Run();
    if (!st.ok()) return st;
  }
  return tx.Commit();
}

Result<std::optional<uint64_t>> Store::SavedSeed() {
  std::lock_guard<std::mutex> g(db_->writer_mu);
  Statement q(*db_->writer, "SELECT value FROM meta WHERE key = ?1");
  q.Bind(1, MetaKey("seed"));
  auto row = q.Step();
  if (!row.ok()) return row.status();
  if (!row.value()) return std::optional<uint64_t>();
  return std::optional<uint64_t>(std::stoull(q.Text(0)));
}

Status Store::SaveSeed(uint64_t seed) {
  std::lock_guard<std::mutex> g(db_->writer_mu);
  Statement q(*db_->writer, "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING");
  return q.Bind(1, MetaKey("seed")).Bind(2, std::to_string(seed)).Run();
}

Result<std::vector<std::string>> Store::KnownNamespaces() {
  std::lock_guard<std::mutex> g(db_->writer_mu);
  Statement q(*db_->writer,
              "SELECT ns FROM threads UNION SELECT ns FROM runs UNION "
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

Status Store::SaveClockNow(Instant now) {
  std::lock_guard<std::mutex> g(db_->writer_mu);
  return SaveClock(now);
}

Status Store::SaveSnapshot(const std::string& name) {
  if (!ValidName(name)) {
    return Status::InvalidArgument("a snapshot name is 1 to 64 letters, digits, - or _", "name");
  }
  std::lock_guard<std::mutex> g(db_->writer_mu);
  if (db_->in_memory) {
    auto conn = Connection::Open(":memory:", false);
    if (!conn.ok()) return conn.status();
    Status st = Copy(*db_->writer, *conn.value());
    if (st.ok()) db_->memory_snapshots[name] = std::move(conn).value();
    return st;
  }
  std::error_code ec;
  fs::create_directories(db_->path + ".snapshots", ec);
  if (ec) return Status::Internal("cannot create " + db_->path + ".snapshots: " + ec.message());
  std::string file = db_->path + ".snapshots/" + name + ".sqlite";
  fs::remove(file, ec);
  auto conn = Connection::Open(file, false);
  if (!conn.ok()) return conn.status();
  return Copy(*db_->writer, *conn.value());
}

Status Store::RestoreSnapshot(const std::string& name) {
  if (!ValidName(name)) return Status::NotFound("snapshot not found", "name");
  std::lock_guard<std::mutex> g(db_->writer_mu);
  if (db_->in_memory) {
    auto it = db_->memory_snapshots.find(name);
    if (it == db_->memory_snapshots.end()) return Status::NotFound("snapshot not found", "name");
    return Copy(*it->second, *db_->writer);
  }
  std::string file = db_->path + ".snapshots/" + name + ".sqlite";
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return Status::NotFound("snapshot not found", "name");
  auto conn = Connection::Open(file, /*read_only=*/true);
  if (!conn.ok()) return conn.status();
  return Copy(*conn.value(), *db_->writer);
}

Result<std::vector<std::string>> Store::Snapshots() {
  std::lock_guard<std::mutex> g(db_->writer_mu);
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
