// The VFS that sends a commit's WAL frames in one write
// (store/wal_write_vfs.h): each commit goes out in one write, the files on
// disk right after any commit (what a SIGKILL would leave) recover, with the
// system's own VFS, to every committed row, including after a transaction
// larger than the page cache that wrote pages twice (SQLite then rewrites
// frame headers in place) and one larger than what the VFS holds; and a
// write that fails fails its commit.
#include <signal.h>
#include <sys/resource.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include "store/sqlite.h"
#include "store/wal_write_vfs.h"
#include "support/scratch_dir.h"

namespace store_wal_write_vfs_test {

namespace fs = std::filesystem;
using sandbox::store::Connection;
using sandbox::store::kWriteBytesMax;
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

TEST_CASE("each commit's WAL frames go out in one write and the files after each commit recover every row", "[store]") {
  WalDb db("wal-vfs");
  auto& c = db.c;
  const auto before = WalWriteCountsSoFar();
  int64_t rows = 0;
  int64_t bytes = 0;
  for (int commit = 1; commit <= 20; ++commit) {
    REQUIRE(c->Exec("BEGIN").ok());
    for (int i = 0; i < commit; ++i) {
      Statement ins(*c, "INSERT INTO t (v) VALUES (zeroblob(?1))");
      REQUIRE(ins.Bind(1, static_cast<int64_t>(200 * i + 100)).Run().ok());
      ++rows;
      bytes += 200 * i + 100;
    }
    REQUIRE(c->Exec("COMMIT").ok());
    CHECK(db.RecoveredCopy() == std::make_pair(rows, bytes));
  }
  const auto after = WalWriteCountsSoFar();
  // 20 commits of 1 to 20 rows, up to 4 KB each (the largest commit about
  // 12 pages, under one write's limit): well over 20 frames, one write a
  // commit, none sent before its commit's last frame.
  CHECK(after.frames_held - before.frames_held > 40);
  CHECK(after.held_writes - before.held_writes == 20);
  CHECK(after.sent_early == before.sent_early);
}

TEST_CASE("a transaction larger than the page cache, writing pages twice, still recovers whole", "[store]") {
  WalDb db("wal-vfs-spill");
  auto& c = db.c;
  REQUIRE(c->Exec("PRAGMA cache_size=8").ok());
  REQUIRE(c->Exec("INSERT INTO t (v) VALUES (zeroblob(10))").ok());
  // One transaction: 400 rows of 1 KB (about 100 pages, far past 8 in the
  // cache, so pages spill to the WAL before the commit, and are read back),
  // then every row made 2 KB (each page written again: SQLite overwrites its
  // frame in place and rewrites the checksums of the frames after it at the
  // commit).
  REQUIRE(c->Exec("BEGIN").ok());
  for (int i = 0; i < 400; ++i) REQUIRE(c->Exec("INSERT INTO t (v) VALUES (zeroblob(1000))").ok());
  REQUIRE(c->Exec("UPDATE t SET v = zeroblob(2000) WHERE id > 1").ok());
  REQUIRE(c->Exec("COMMIT").ok());
  CHECK(db.RecoveredCopy() == std::make_pair(int64_t{401}, int64_t{10 + 400 * 2000}));
  // And the next commits after it, one write each.
  const auto before = WalWriteCountsSoFar();
  for (int i = 0; i < 3; ++i) REQUIRE(c->Exec("INSERT INTO t (v) VALUES (zeroblob(3000))").ok());
  CHECK(db.RecoveredCopy() == std::make_pair(int64_t{404}, int64_t{10 + 400 * 2000 + 3 * 3000}));
  CHECK(WalWriteCountsSoFar().held_writes - before.held_writes == 3);
  CHECK(WalWriteCountsSoFar().sent_early == before.sent_early);
}

TEST_CASE("a commit larger than one write goes out in full writes and recovers whole", "[store]") {
  WalDb db("wal-vfs-large");
  auto& c = db.c;
  REQUIRE(c->Exec("PRAGMA cache_size=-65536").ok());  // 64 MiB: nothing spills before the commit
  const auto before = WalWriteCountsSoFar();
  const int64_t blob = 3 << 20;
  Statement ins(*c, "INSERT INTO t (v) VALUES (zeroblob(?1))");
  REQUIRE(ins.Bind(1, blob).Run().ok());
  CHECK(db.RecoveredCopy() == std::make_pair(int64_t{1}, blob));
  const auto after = WalWriteCountsSoFar();
  // About 770 frames of 4,120 bytes (a 24-byte header and a page each), in
  // writes of at most kWriteBytesMax, each but the last one filled to within
  // a page of it, the last with the commit's last frame; none early.
  const uint64_t frames = after.frames_held - before.frames_held;
  const uint64_t bytes = frames * (24 + 4096);
  const uint64_t fewest = (bytes + kWriteBytesMax - 1) / kWriteBytesMax;
  const uint64_t most = (bytes + kWriteBytesMax - 4096) / (kWriteBytesMax - 4095);
  CHECK(frames > 750);
  CHECK(after.held_writes - before.held_writes >= fewest);
  CHECK(after.held_writes - before.held_writes <= most);
  CHECK(after.sent_early == before.sent_early);
}

TEST_CASE("a commit whose frames cannot be written fails and leaves the log usable", "[store]") {
  WalDb db("wal-vfs-full");
  auto& c = db.c;
  REQUIRE(c->Exec("INSERT INTO t (v) VALUES (zeroblob(100))").ok());
  const int64_t wal_size = static_cast<int64_t>(fs::file_size(db.path + "-wal"));
  // Files may not grow past 32 KiB beyond the log's size now (the kernel
  // refuses the write with EFBIG instead of raising SIGXFSZ), and the next
  // commit needs about 100 KB: it goes out in one write, at its last frame,
  // after every statement of the transaction has succeeded.
  struct sigaction ignore = {};
  ignore.sa_handler = SIG_IGN;
  struct sigaction old_action = {};
  REQUIRE(sigaction(SIGXFSZ, &ignore, &old_action) == 0);
  rlimit old_limit = {};
  REQUIRE(getrlimit(RLIMIT_FSIZE, &old_limit) == 0);
  rlimit limit = old_limit;
  limit.rlim_cur = static_cast<rlim_t>(wal_size + 32 * 1024);
  REQUIRE(setrlimit(RLIMIT_FSIZE, &limit) == 0);
  REQUIRE(c->Exec("BEGIN").ok());
  Statement ins(*c, "INSERT INTO t (v) VALUES (zeroblob(100000))");
  const bool inserted = ins.Run().ok();
  const bool committed = c->Exec("COMMIT").ok();
  REQUIRE(setrlimit(RLIMIT_FSIZE, &old_limit) == 0);
  REQUIRE(sigaction(SIGXFSZ, &old_action, nullptr) == 0);
  CHECK(inserted);
  CHECK_FALSE(committed);
  if (!committed) (void)c->Exec("ROLLBACK");
  // Nothing of it is read back, now or after a crash, and the next commit
  // goes through.
  REQUIRE(c->Exec("INSERT INTO t (v) VALUES (zeroblob(300))").ok());
  Statement count(*c, "SELECT count(*), sum(length(v)) FROM t");
  auto row = count.Step();
  REQUIRE(row.ok());
  REQUIRE(row.value());
  CHECK(count.Int(0) == 2);
  CHECK(count.Int(1) == 400);
  CHECK(db.RecoveredCopy() == std::make_pair(int64_t{2}, int64_t{400}));
}

}  // namespace store_wal_write_vfs_test
