// A thin RAII layer over the SQLite C API: connections, prepared statements
// with bound parameters (the only way this codebase runs SQL with values), and
// transactions. Not thread-safe: each Connection is used by one thread at a
// time (the Store hands them out).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/status.h"

namespace sandbox::store {

class Connection {
 public:
  // Opens `path` (":memory:" allowed) read-write, creating it if needed.
  static Result<std::unique_ptr<Connection>> Open(const std::string& path, bool read_only);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* raw() const { return db_; }
  // Runs SQL text without parameters (schema scripts, pragmas).
  Status Exec(const std::string& sql);
  // Runs one statement without parameters through the statement cache. For
  // BEGIN, COMMIT and savepoints, which the writer runs thousands of times a
  // second: Exec parses its text anew on every call.
  Status Run(std::string_view sql);
  std::string LastError() const { return sqlite3_errmsg(db_); }

  // Prepared statements are kept per connection, by their SQL text, and
  // reused: preparing one cost more than running most of ours. Take hands out
  // an idle one (or prepares it; null on error, see LastError); Give resets it
  // and keeps it, unless one is kept already (nested use) or the cache is full.
  sqlite3_stmt* Take(const std::string& sql);
  void Give(const std::string& sql, sqlite3_stmt* stmt);

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  // Enough for every statement text the store writes; texts built from
  // filters vary, and past this they are finalised instead.
  static constexpr size_t kMaxCachedStatements = 256;
  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> idle_;
};

class Statement {
 public:
  Statement(Connection& conn, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool prepared() const { return stmt_ != nullptr; }
  const Status& prepare_status() const { return prepare_status_; }

  // Binds positional parameters (1-based), chaining.
  Statement& Bind(int i, std::string_view v);
  Statement& Bind(int i, const std::string& v) { return Bind(i, std::string_view(v)); }
  Statement& Bind(int i, const char* v) { return Bind(i, std::string_view(v)); }
  Statement& Bind(int i, int64_t v);
  Statement& Bind(int i, int v) { return Bind(i, static_cast<int64_t>(v)); }
  Statement& Bind(int i, const std::optional<std::string>& v);
  Statement& Bind(int i, const std::optional<int64_t>& v);
  Statement& BindNull(int i);
  // Binds bytes as a BLOB (Bind binds text).
  Statement& BindBlob(int i, std::string_view bytes);

  // Steps once: true while a row is available.
  Result<bool> Step();
  // Steps until done (for statements that return no rows).
  Status Run();
  void Reset();

  std::string Text(int col) const;
  std::optional<std::string> OptText(int col) const;
  // A BLOB (or any) column's bytes; nullopt when NULL.
  std::optional<std::string> OptBlob(int col) const;
  // Whether the column holds a BLOB (SQLite keeps a type per value).
  bool IsBlob(int col) const;
  // The same bytes in place, valid until the next Step or Reset.
  std::string_view Blob(int col) const;
  int64_t Int(int col) const;
  std::optional<int64_t> OptInt(int col) const;
  int ColumnCount() const;

 private:
  Connection& conn_;
  std::string sql_;
  sqlite3_stmt* stmt_ = nullptr;
  Status prepare_status_;
  Status bind_status_;
};

// BEGIN IMMEDIATE ... COMMIT; rolls back unless Commit() succeeded.
// BEGIN IMMEDIATE ... COMMIT; inside a transaction already open on the
// connection (a group commit), a savepoint that only its own failure undoes.
// For the length of a bulk change (a namespace's or the whole database's
// deletion): the writer's statement journals go to temporary files again,
// spilled past 64 KiB, instead of memory, where such a change could hold a
// copy of most of the database (SqliteStore::OpenInto keeps them in memory
// otherwise, see there).
class TempStoreOnDisk {
 public:
  explicit TempStoreOnDisk(Connection& conn) : conn_(conn) { (void)conn_.Exec("PRAGMA temp_store=FILE"); }
  ~TempStoreOnDisk() { (void)conn_.Exec("PRAGMA temp_store=MEMORY"); }
  TempStoreOnDisk(const TempStoreOnDisk&) = delete;
  TempStoreOnDisk& operator=(const TempStoreOnDisk&) = delete;

 private:
  Connection& conn_;
};

class Transaction {
 public:
  explicit Transaction(Connection& conn);
  ~Transaction();
  const Status& begin_status() const { return begin_; }
  Status Commit();

 private:
  Connection& conn_;
  bool nested_;
  Status begin_;
  bool done_ = false;
};

}  // namespace sandbox::store
