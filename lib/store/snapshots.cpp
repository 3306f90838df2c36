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
  std::lock_guard<std::mutex> g(writer_mu_);
  Transaction tx(*writer_);
  if (!tx.begin_status().ok()) return tx.begin_status();
  for (const char* table : {"feedback", "actions", "object_states", "interrupts", "steps", "run_events", "runs",
                            "threads", "meta"}) {
    Status st = writer_->Exec(std::string("DELETE FROM ") + table);
    if (!st.ok()) return st;
  }
  return tx.Commit();
}

Status Store::SaveSnapshot(const std::string& name, Instant clock_now) {
  if (!ValidName(name)) {
    return Status::InvalidArgument("a snapshot name is 1 to 64 letters, digits, - or _", "name");
  }
  std::lock_guard<std::mutex> g(writer_mu_);
  Status st = SaveClock(clock_now);
  if (!st.ok()) return st;
  if (in_memory_) {
    auto conn = Connection::Open(":memory:", false);
    if (!conn.ok()) return conn.status();
    st = Copy(*writer_, *conn.value());
    if (st.ok()) memory_snapshots_[name] = std::move(conn).value();
    return st;
  }
  std::error_code ec;
  fs::create_directories(path_ + ".snapshots", ec);
  if (ec) return Status::Internal("cannot create " + path_ + ".snapshots: " + ec.message());
  std::string file = path_ + ".snapshots/" + name + ".sqlite";
  fs::remove(file, ec);
  auto conn = Connection::Open(file, false);
  if (!conn.ok()) return conn.status();
  return Copy(*writer_, *conn.value());
}

Status Store::RestoreSnapshot(const std::string& name) {
  if (!ValidName(name)) return Status::NotFound("snapshot not found", "name");
  std::lock_guard<std::mutex> g(writer_mu_);
  if (in_memory_) {
    auto it = memory_snapshots_.find(name);
    if (it == memory_snapshots_.end()) return Status::NotFound("snapshot not found", "name");
    return Copy(*it->second, *writer_);
  }
  std::string file = path_ + ".snapshots/" + name + ".sqlite";
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return Status::NotFound("snapshot not found", "name");
  auto conn = Connection::Open(file, /*read_only=*/true);
  if (!conn.ok()) return conn.status();
  return Copy(*conn.value(), *writer_);
}

Result<std::vector<std::string>> Store::Snapshots() {
  std::lock_guard<std::mutex> g(writer_mu_);
  std::vector<std::string> names;
  if (in_memory_) {
    for (const auto& [name, conn] : memory_snapshots_) names.push_back(name);
    return names;
  }
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(path_ + ".snapshots", ec)) {
    if (entry.path().extension() == ".sqlite") names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace sandbox::store
