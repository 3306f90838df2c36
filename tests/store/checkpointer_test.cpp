// WAL checkpoints off the writer's path (store/checkpointer.h): the thread
// copies frames back as they accumulate, the writer finishes the job at its
// limit so that the WAL starts again, and the WAL file never grows past
// that limit plus what a few commits add; nothing committed is lost.
#include <catch2/catch.hpp>

#include <chrono>
#include <climits>
#include <filesystem>
#include <string>
#include <thread>

#include "store/checkpointer.h"
#include "store/sqlite.h"

namespace store_checkpointer_test {

namespace fs = std::filesystem;
using sandbox::store::CheckpointLimits;
using sandbox::store::Checkpointer;
using sandbox::store::Connection;
using sandbox::store::Statement;

namespace {

constexpr int kCommits = 300;
constexpr size_t kFrameBytes = 4096 + 24;  // a page and its WAL frame header

struct TempDb {
  TempDb() : dir(fs::temp_directory_path() / ("ckpt-" + std::to_string(::getpid()) + "-" + std::to_string(++n))) {
    fs::create_directories(dir);
    path = (dir / "t.db").string();
  }
  ~TempDb() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  static inline int n = 0;
  fs::path dir;
  std::string path;
};

std::unique_ptr<Connection> OpenWal(const std::string& path) {
  auto conn = Connection::Open(path, false);
  REQUIRE(conn.ok());
  REQUIRE(conn.value()->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL").ok());
  return std::move(conn).value();
}

// Commits kCommits rows of 16 KiB (about six pages each), checking after
// each that the WAL file stays within `max_pages` frames.
void CommitRows(Connection& w, const std::string& path, int max_pages) {
  REQUIRE(w.Exec("CREATE TABLE t (i INTEGER PRIMARY KEY, b BLOB)").ok());
  const std::string blob(16 * 1024, 'x');
  uintmax_t largest = 0;
  for (int i = 0; i < kCommits; ++i) {
    Statement q(w, "INSERT INTO t (i, b) VALUES (?1, ?2)");
    REQUIRE(q.Bind(1, i).BindBlob(2, blob).Run().ok());
    std::error_code ec;
    largest = std::max(largest, fs::file_size(path + "-wal", ec));
  }
  INFO("largest WAL: " << largest << " bytes");
  CHECK(largest <= 32 + static_cast<uintmax_t>(max_pages) * kFrameBytes);
}

int64_t Rows(const std::string& path) {
  auto conn = Connection::Open(path, true);
  REQUIRE(conn.ok());
  Statement q(*conn.value(), "SELECT count(*) FROM t");
  auto row = q.Step();
  REQUIRE(row.ok());
  REQUIRE(row.value());
  return q.Int(0);
}

}  // namespace

TEST_CASE("the checkpoint thread copies frames back and the WAL stays within the writer's limit", "[store]") {
  TempDb db;
  auto w = OpenWal(db.path);
  {
    auto ckpt = Checkpointer::Start(db.path, *w, CheckpointLimits{.wake_at_pages = 50, .writer_at_pages = 400});
    REQUIRE(ckpt.ok());
    // About 1,800 frames in all: the WAL must start again several times,
    // and never hold more than the writer's limit and one commit (six
    // frames; twenty allowed).
    CommitRows(*w, db.path, 400 + 20);
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (ckpt.value()->background_checkpoints() == 0 && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::yield();
    }
    CHECK(ckpt.value()->background_checkpoints() > 0);
  }
  CHECK(Rows(db.path) == kCommits);
  w.reset();
  CHECK(Rows(db.path) == kCommits);
}

TEST_CASE("without the thread's help the writer alone keeps the WAL bounded", "[store]") {
  TempDb db;
  auto w = OpenWal(db.path);
  auto ckpt = Checkpointer::Start(db.path, *w, CheckpointLimits{.wake_at_pages = INT_MAX, .writer_at_pages = 200});
  REQUIRE(ckpt.ok());
  CommitRows(*w, db.path, 200 + 20);
  CHECK(ckpt.value()->background_checkpoints() == 0);
  CHECK(ckpt.value()->writer_checkpoints() > 0);
  CHECK(Rows(db.path) == kCommits);
}

TEST_CASE("a checkpoint thread stops cleanly in the middle of the writer's commits", "[store]") {
  TempDb db;
  auto w = OpenWal(db.path);
  REQUIRE(w->Exec("CREATE TABLE t (i INTEGER PRIMARY KEY, b BLOB)").ok());
  const std::string blob(16 * 1024, 'y');
  for (int round = 0; round < 5; ++round) {
    auto ckpt = Checkpointer::Start(db.path, *w, CheckpointLimits{.wake_at_pages = 5, .writer_at_pages = 100000});
    REQUIRE(ckpt.ok());
    for (int i = 0; i < 20; ++i) {
      Statement q(*w, "INSERT INTO t (b) VALUES (?1)");
      REQUIRE(q.BindBlob(1, blob).Run().ok());
    }
  }  // each destroyed while its thread may be checkpointing
  CHECK(Rows(db.path) == 100);
}

}  // namespace store_checkpointer_test
