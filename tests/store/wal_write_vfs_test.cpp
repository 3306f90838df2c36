// The VFS that sends a WAL frame's header and page in one write
// (store/wal_write_vfs.h): frames do go out joined, and the files on disk
// right after any commit (what a SIGKILL would leave) recover, with the
// system's own VFS, to every committed row, including after a transaction
// larger than the page cache that wrote pages twice (SQLite then rewrites
// frame headers in place).
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include "store/sqlite.h"
#include "store/wal_write_vfs.h"
#include "support/scratch_dir.h"

namespace store_wal_write_vfs_test {

namespace fs = std::filesystem;
using sandbox::store::Connection;
using sandbox::store::Statement;
using sandbox::store::WalWriteCountsSoFar;
using sandbox::testing::ScratchDir;

namespace {

// A database in WAL mode in a folder of its own (no automatic checkpoint,
// so the WAL keeps every frame), and a folder for copies of it.
struct WalDb {
  explicit WalDb(const std::string& name) : dir(name), copies(name + "-copies"), path(dir.File("t.db")) {
    auto opened = Connection::Open(path, false);
    REQUIRE(opened.ok());
    c = std::move(opened).value();
    REQUIRE(c->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=0").ok());
    REQUIRE(c->Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB NOT NULL)").ok());
  }

  // The database and its WAL as they are on disk now, copied, opened with
  // the system's VFS (no shared index: it recovers from the WAL's frame
  // headers): its rows' count and the sum of their lengths.
  std::pair<int64_t, int64_t> RecoveredCopy() {
    const std::string copy = copies.File("copy" + std::to_string(++copied) + ".db");
    fs::copy_file(path, copy);
    if (fs::exists(path + "-wal")) fs::copy_file(path + "-wal", copy + "-wal");
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open_v2(copy.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
    sqlite3_stmt* q = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, "SELECT count(*), coalesce(sum(length(v)), 0) FROM t", -1, &q, nullptr) ==
            SQLITE_OK);
    REQUIRE(sqlite3_step(q) == SQLITE_ROW);
    std::pair<int64_t, int64_t> out{sqlite3_column_int64(q, 0), sqlite3_column_int64(q, 1)};
    sqlite3_finalize(q);
    sqlite3_close(db);
    return out;
  }

  ScratchDir dir;
  ScratchDir copies;
  std::string path;
  std::unique_ptr<Connection> c;
  int copied = 0;
};

}  // namespace

TEST_CASE("WAL frames go out joined, and the files after each commit recover every committed row", "[store]") {
  WalDb db("wal-vfs");
  auto& c = db.c;
  const auto before = WalWriteCountsSoFar();
  int64_t rows = 0;
  int64_t bytes = 0;
  for (int commit = 1; commit <= 20; ++commit) {
    REQUIRE(c->Exec("BEGIN").ok());
    for (int i = 0; i < commit; ++i) {
      Statement ins(*c, "INSERT INTO t (v) VALUES (zeroblob(?1))");
      REQUIRE(ins.Bind(1, static_cast<int64_t>(500 * i + 100)).Run().ok());
      ++rows;
      bytes += 500 * i + 100;
    }
    REQUIRE(c->Exec("COMMIT").ok());
    CHECK(db.RecoveredCopy() == std::make_pair(rows, bytes));
  }
  const auto after = WalWriteCountsSoFar();
  // 20 commits of 1 to 20 rows, up to 10 KB each: well over 20 frames.
  CHECK(after.frames_joined - before.frames_joined > 20);
  CHECK(after.headers_alone == before.headers_alone);
}

TEST_CASE("a transaction larger than the page cache, writing pages twice, still recovers whole", "[store]") {
  WalDb db("wal-vfs-spill");
  auto& c = db.c;
  REQUIRE(c->Exec("PRAGMA cache_size=8").ok());
  REQUIRE(c->Exec("INSERT INTO t (v) VALUES (zeroblob(10))").ok());
  const auto before = WalWriteCountsSoFar();
  // One transaction: 400 rows of 1 KB (about 100 pages, far past 8 in the
  // cache, so pages spill to the WAL), then every row made 2 KB (each page
  // written again: SQLite overwrites its frame in place and rewrites the
  // checksums of the frames after it at the commit).
  REQUIRE(c->Exec("BEGIN").ok());
  for (int i = 0; i < 400; ++i) REQUIRE(c->Exec("INSERT INTO t (v) VALUES (zeroblob(1000))").ok());
  REQUIRE(c->Exec("UPDATE t SET v = zeroblob(2000) WHERE id > 1").ok());
  REQUIRE(c->Exec("COMMIT").ok());
  CHECK(db.RecoveredCopy() == std::make_pair(int64_t{401}, int64_t{10 + 400 * 2000}));
  // The rewritten headers are not at the log's end: none was held, so none
  // had to go out alone later.
  CHECK(WalWriteCountsSoFar().headers_alone == before.headers_alone);
  CHECK(WalWriteCountsSoFar().frames_joined > before.frames_joined);
  // And the next commits after it.
  for (int i = 0; i < 3; ++i) REQUIRE(c->Exec("INSERT INTO t (v) VALUES (zeroblob(3000))").ok());
  CHECK(db.RecoveredCopy() == std::make_pair(int64_t{404}, int64_t{10 + 400 * 2000 + 3 * 3000}));
}

}  // namespace store_wal_write_vfs_test
