// Helpers shared by the files that implement SqliteStore (store.cpp,
// webhooks_store.cpp): JSON columns and the reader-connection pool.
// Private to lib/store.
#pragma once

#include "core/json_text.h"
#include "store/sqlite_store.h"

namespace sandbox::store {

inline Json ParseJsonColumn(const std::optional<std::string>& text) {
  if (!text) return nullptr;
  return Json::parse(*text, nullptr, /*allow_exceptions=*/false);
}

inline std::optional<std::string> JsonColumn(const Json& j) {
  if (j.is_null()) return std::nullopt;
  return JsonText(j);
}

// The columns RunFromRow reads, and the runs a query selected with them,
// with their interrupts (and steps when asked); defined in store.cpp.
extern const char* kRunColumns;
Result<Run> RunFromRow(Statement& q);
Result<std::vector<RunState>> LoadRuns(Connection& c, Statement& q, bool with_steps);

template <class F>
auto SqliteStore::WithReader(F&& fn) -> decltype(fn(std::declval<Connection&>())) {
  // In a group commit the writer's thread reads its own uncommitted writes,
  // its deferred rows included.
  if (db_->in_memory || InGroupOnThisThread()) {
    std::lock_guard<WriterLock> g(db_->writer_mu);
    if (InGroupOnThisThread() && (!db_->deferred_rows.empty() || !db_->deferred_clocks.empty()) &&
        db_->deferred_failure.ok()) {
      db_->deferred_failure = FlushDeferredRows();
    }
    return fn(*db_->writer);
  }
  std::unique_ptr<Connection> conn;
  {
    std::lock_guard<std::mutex> g(db_->readers_mu);
    if (!db_->idle_readers.empty()) {
      conn = std::move(db_->idle_readers.back());
      db_->idle_readers.pop_back();
    }
  }
  if (!conn) {
    auto opened = Connection::Open(db_->path, /*read_only=*/true);
    if (!opened.ok()) return opened.status();
    conn = std::move(opened).value();
  }
  // One read transaction per call: every statement of `fn` sees the same
  // committed state, even when a commit or a snapshot restore lands between
  // them (a run's row and its steps always agree).
  Status begun = conn->Exec("BEGIN");
  if (!begun.ok()) return begun;
  auto result = fn(*conn);
  // Ends the read; a reader that cannot end it is not reused.
  if (!conn->Exec("COMMIT").ok()) return result;
  std::lock_guard<std::mutex> g(db_->readers_mu);
  db_->idle_readers.push_back(std::move(conn));
  return result;
}

}  // namespace sandbox::store
