// The database lock of a server (issue 10, part 6): one holder at a time,
// named in the refusal; released with its holder; none for :memory:.
#include <catch2/catch.hpp>

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>

#include "store/file_lock.h"
#include "store/store.h"
#include "support/scratch_dir.h"

namespace store_file_lock_test {

using namespace sandbox;
using sandbox::testing::ScratchDir;
using namespace sandbox::store;
namespace fs = std::filesystem;

namespace {}  // namespace

TEST_CASE("a database lock has one holder, who is named to the next", "[store]") {
  ScratchDir dir("lock");
  const std::string db = (dir.path / "x.db").string();
  auto first = FileLock::Acquire(db);
  REQUIRE(first.ok());
  REQUIRE(first.value() != nullptr);
  CHECK(first.value()->path() == fs::weakly_canonical(db).string() + ".lock");

  // flock conflicts between two opens of the file, even in one process.
  auto second = FileLock::Acquire(db);
  REQUIRE_FALSE(second.ok());
  CHECK(second.status().code() == Code::kConflict);
  CHECK(second.status().message() ==
        "database " + db + " is in use by another agent-sandbox process (pid " + std::to_string(::getpid()) + ")");

  first.value().reset();  // released with its holder
  auto third = FileLock::Acquire(db);
  REQUIRE(third.ok());
  CHECK(third.value() != nullptr);
}

TEST_CASE("two spellings of one database share its lock", "[store]") {
  ScratchDir dir("lock");
  const std::string db = (dir.path / "x.db").string();
  fs::create_symlink(db, dir.path / "alias.db");
  { std::ofstream(db) << ""; }  // the symlink resolves once the file exists
  auto held = FileLock::Acquire(db);
  REQUIRE(held.ok());
  CHECK_FALSE(FileLock::Acquire((dir.path / "alias.db").string()).ok());
  CHECK_FALSE(FileLock::Acquire((dir.path / "." / "x.db").string()).ok());
}

TEST_CASE("in-memory databases need no lock", "[store]") {
  CHECK(FileLock::LockPathFor(":memory:").empty());
  CHECK(FileLock::LockPathFor("").empty());
  CHECK(FileLock::LockPathFor("file:x?mode=memory&cache=shared").empty());
  auto none = FileLock::Acquire(":memory:");
  REQUIRE(none.ok());
  CHECK(none.value() == nullptr);
  // Two servers in memory never share anything.
  auto a = Store::OpenForServing(":memory:");
  auto b = Store::OpenForServing(":memory:");
  CHECK(a.ok());
  CHECK(b.ok());
}

TEST_CASE("a server's store holds the lock while it is open, offline readers take none", "[store]") {
  ScratchDir dir("lock");
  const std::string db = (dir.path / "x.db").string();
  {
    auto serving = Store::OpenForServing(db);
    REQUIRE(serving.ok());
    auto other = Store::OpenForServing(db);
    REQUIRE_FALSE(other.ok());
    CHECK(other.status().message().find("is in use by another agent-sandbox process") != std::string::npos);
    // replay and export open with Store::Open, beside the server.
    auto reader = Store::Open(db);
    REQUIRE(reader.ok());
    CHECK(reader.value()->CountRuns().ok());
  }
  CHECK(Store::OpenForServing(db).ok());
}

}  // namespace store_file_lock_test
