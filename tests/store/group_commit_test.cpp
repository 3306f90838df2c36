// Group commit (RunLog::BeginGroup): what one thread commits inside a group
// is one transaction, seen by that thread at once and by everyone else only
// when the group ends; a write that fails inside undoes only itself, and an
// abandoned group leaves nothing.
#include <catch2/catch.hpp>

#include <future>

#include "core/projection.h"
#include "store/store.h"
#include "support/scratch_dir.h"

using namespace sandbox;
using namespace sandbox::store;
using sandbox::testing::ScratchDir;

namespace {

Thread MakeThread() {
  Thread t;
  t.id = "t-1";
  t.ordinal = 1;
  t.agent = "cip";
  t.created_at = t.updated_at = 1000;
  return t;
}

Event Started(const std::string& run, int64_t ordinal) {
  return Event{run, 1, event_type::kRunStarted, 1000,
               Json{{"thread_id", "t-1"}, {"agent", "cip"}, {"scenario", "default"}, {"ordinal", ordinal}}};
}

// A file store, the thread t-1, and two runs of it (r-1 brings the thread).
struct TwoRuns {
  ScratchDir dir{"group"};
  std::unique_ptr<Store> store;
  Thread t = MakeThread();
  std::string script = "{}";
  RunState one = Rebuild({Started("r-1", 1)}).value();
  RunState two = Rebuild({Started("r-2", 2)}).value();
  TwoRuns() {
    auto s = Store::Open(dir.File("group.db"));
    REQUIRE(s.ok());
    store = std::move(s).value();
  }
  Status CommitFirst(Instant at) { return store->Commit(RunWrite{&one, {Started("r-1", 1)}, &t, &script}, at); }
};

// Whether another thread (on a reader connection of its own) sees the run.
bool OthersSee(Store& store, const std::string& run_id) {
  return std::async(std::launch::async, [&] { return store.GetRun(run_id).value().has_value(); }).get();
}

}  // namespace

TEST_CASE("a group commit is seen by its own thread at once and by others only when it ends", "[store]") {
  TwoRuns f;
  auto& store = f.store;
  REQUIRE(store->BeginGroup().ok());
  REQUIRE(f.CommitFirst(2000).ok());
  REQUIRE(store->Commit(RunWrite{&f.two, {Started("r-2", 2)}, nullptr, &f.script}, 3000).ok());
  CHECK(store->GetRun("r-2").value().has_value());  // this thread reads its own writes
  CHECK(store->CountRunsInThread("t-1").value() == 2);
  CHECK_FALSE(OthersSee(*store, "r-1"));
  CHECK_FALSE(OthersSee(*store, "r-2"));
  REQUIRE(store->EndGroup().ok());

  CHECK(OthersSee(*store, "r-1"));
  CHECK(OthersSee(*store, "r-2"));
  CHECK(store->SavedClock().value() == 3000);
  CHECK(store->CountRuns().value() == 2);
}

TEST_CASE("a write that fails inside a group undoes only itself", "[store]") {
  TwoRuns f;
  auto& store = f.store;
  REQUIRE(store->BeginGroup().ok());
  REQUIRE(f.CommitFirst(2000).ok());
  // Sequence 1 twice: the primary key refuses the second, and r-2's row and
  // first event must go with it, while r-1 stays in the group.
  std::vector<Event> twice = {Started("r-2", 2), Started("r-2", 2)};
  REQUIRE_FALSE(store->Commit(RunWrite{&f.two, twice, nullptr, &f.script}, 3000).ok());
  REQUIRE(store->EndGroup().ok());

  CHECK(OthersSee(*store, "r-1"));
  CHECK_FALSE(OthersSee(*store, "r-2"));
  CHECK(store->Events("r-2").value().empty());
  CHECK(store->SavedClock().value() == 2000);
  CHECK(store->CountRuns().value() == 1);
}

TEST_CASE("an abandoned group leaves nothing, and the store takes writes after it", "[store]") {
  TwoRuns f;
  auto& store = f.store;
  REQUIRE(store->BeginGroup().ok());
  REQUIRE(f.CommitFirst(2000).ok());
  store->AbandonGroup();
  CHECK_FALSE(store->GetRun("r-1").value().has_value());
  CHECK_FALSE(store->GetThread("t-1").value().has_value());
  CHECK_FALSE(store->SavedClock().value().has_value());

  // From another thread too: the writer is free again.
  auto later = std::async(std::launch::async, [&] { return f.CommitFirst(4000); });
  REQUIRE(later.get().ok());
  CHECK(OthersSee(*store, "r-1"));
}
