// RAII wrappers over the SQLite C API; see sqlite.h.
#include "store/sqlite.h"

#include <memory>

#include "store/wal_write_vfs.h"

namespace sandbox::store {

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& path, bool read_only) {
  // SQLite's memory statistics take one process-wide mutex on every malloc
  // and free: under concurrent reads that lock was the hottest in a profile.
  // Nothing here reads the statistics. Must come before SQLite initialises.
  static const bool configured = [] {
    (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return true;
  }();
  (void)configured;
  sqlite3* db = nullptr;
  int flags = (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX |
              SQLITE_OPEN_URI;
  // Through the VFS that writes a WAL frame in one call (wal_write_vfs.h).
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, WalWriteVfs());
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return Status::Internal("cannot open database " + path + ": " + msg);
  }
  sqlite3_busy_timeout(db, 5000);
  sqlite3_extended_result_codes(db, 1);
  return std::unique_ptr<Connection>(new Connection(db));
}

Connection::~Connection() {
  for (auto& [sql, stmt] : idle_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

sqlite3_stmt* Connection::Take(const std::string& sql) {
  auto it = idle_.find(sql);
  if (it != idle_.end()) {
    sqlite3_stmt* stmt = it->second;
    idle_.erase(it);
    return stmt;
  }
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) !=
      SQLITE_OK) {
    sqlite3_finalize(stmt);
    return nullptr;
  }
  return stmt;
}

void Connection::Give(const std::string& sql, sqlite3_stmt* stmt) {
  if (!stmt) return;
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  if (idle_.size() >= kMaxCachedStatements || idle_.count(sql)) {
    sqlite3_finalize(stmt);
    return;
  }
  idle_.emplace(sql, stmt);
}

Status Connection::Exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return Status::Internal("sqlite: " + msg);
  }
  return Status::Ok();
}

Statement::Statement(Connection& conn, std::string_view sql) : conn_(conn), sql_(sql) {
  stmt_ = conn.Take(sql_);
  if (!stmt_) prepare_status_ = Status::Internal("sqlite prepare: " + conn.LastError() + " in: " + sql_);
}

Statement::~Statement() { conn_.Give(sql_, stmt_); }

Statement& Statement::Bind(int i, std::string_view v) {
  if (stmt_ && sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT) != SQLITE_OK) {
    bind_status_ = Status::Internal("sqlite bind: " + conn_.LastError());
  }
  return *this;
}

Statement& Statement::BindBlob(int i, std::string_view bytes) {
  if (stmt_ && sqlite3_bind_blob64(stmt_, i, bytes.data(), bytes.size(), SQLITE_TRANSIENT) != SQLITE_OK) {
    bind_status_ = Status::Internal("sqlite bind: " + conn_.LastError());
  }
  return *this;
}

Statement& Statement::Bind(int i, int64_t v) {
  if (stmt_ && sqlite3_bind_int64(stmt_, i, v) != SQLITE_OK) {
    bind_status_ = Status::Internal("sqlite bind: " + conn_.LastError());
  }
  return *this;
}

Statement& Statement::Bind(int i, const std::optional<std::string>& v) {
  return v ? Bind(i, std::string_view(*v)) : BindNull(i);
}

Statement& Statement::Bind(int i, const std::optional<int64_t>& v) { return v ? Bind(i, *v) : BindNull(i); }

Statement& Statement::BindNull(int i) {
  if (stmt_) sqlite3_bind_null(stmt_, i);
  return *this;
}

Result<bool> Statement::Step() {
  if (!stmt_) return prepare_status_;
  if (!bind_status_.ok()) return bind_status_;
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return Status::Internal("sqlite step: " + conn_.LastError());
}

Status Statement::Run() {
  while (true) {
    auto r = Step();
    if (!r.ok()) return r.status();
    if (!r.value()) return Status::Ok();
  }
}

void Statement::Reset() {
  if (stmt_) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

std::string Statement::Text(int col) const {
  const unsigned char* t = sqlite3_column_text(stmt_, col);
  return t ? std::string(reinterpret_cast<const char*>(t), sqlite3_column_bytes(stmt_, col)) : std::string();
}

std::optional<std::string> Statement::OptText(int col) const {
  if (sqlite3_column_type(stmt_, col) == SQLITE_NULL) return std::nullopt;
  return Text(col);
}

std::optional<std::string> Statement::OptBlob(int col) const {
  if (sqlite3_column_type(stmt_, col) == SQLITE_NULL) return std::nullopt;
  const void* b = sqlite3_column_blob(stmt_, col);
  return b ? std::string(static_cast<const char*>(b), sqlite3_column_bytes(stmt_, col)) : std::string();
}

bool Statement::IsBlob(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_BLOB; }

std::string_view Statement::Blob(int col) const {
  const void* b = sqlite3_column_blob(stmt_, col);
  return b ? std::string_view(static_cast<const char*>(b), sqlite3_column_bytes(stmt_, col)) : std::string_view();
}

int64_t Statement::Int(int col) const { return sqlite3_column_int64(stmt_, col); }

std::optional<int64_t> Statement::OptInt(int col) const {
  if (sqlite3_column_type(stmt_, col) == SQLITE_NULL) return std::nullopt;
  return Int(col);
}

int Statement::ColumnCount() const { return stmt_ ? sqlite3_column_count(stmt_) : 0; }

Status Connection::Run(std::string_view sql) {
  Statement statement(*this, sql);
  return statement.Run();
}

Transaction::Transaction(Connection& conn)
    : conn_(conn), nested_(sqlite3_get_autocommit(conn.raw()) == 0) {
  begin_ = conn_.Run(nested_ ? "SAVEPOINT grouped" : "BEGIN IMMEDIATE");
}

Transaction::~Transaction() {
  if (!begin_.ok() || done_) return;
  // A rollback can fail only when SQLite has already rolled back (after
  // SQLITE_FULL, say): either way nothing of the transaction remains.
  if (nested_) {
    (void)conn_.Run("ROLLBACK TO grouped");
    (void)conn_.Run("RELEASE grouped");
  } else {
    (void)conn_.Run("ROLLBACK");
  }
}

Status Transaction::Commit() {
  if (!begin_.ok()) return begin_;
  Status st = conn_.Run(nested_ ? "RELEASE grouped" : "COMMIT");
  if (st.ok()) done_ = true;
  return st;
}

}  // namespace sandbox::store
