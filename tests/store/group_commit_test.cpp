// Group commit (RunLog::BeginGroup): what one thread commits inside a group
// is one transaction, seen by that thread at once and by everyone else only
// when the group ends; a write that fails inside undoes only itself, and an
// abandoned group leaves nothing. Inside a group, the rows projected from a
// run (runs, steps, interrupts) are written once, from its last commit.
#include <catch2/catch.hpp>

#include <future>

#include "core/projection.h"
#include "store/store.h"
#include "support/scratch_dir.h"

namespace store_group_commit_test {

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

TEST_CASE("inside a group a run's rows follow its last commit, and a failed commit takes its rows back", "[store]") {
  TwoRuns f;
  auto& store = f.store;
  const Event step{"r-1", 2, event_type::kStepStarted, 1500,
                   Json{{"step_id", "s-1"}, {"parent_step_id", nullptr}, {"agent", "cip"}, {"type", "activity"},
                        {"name", "check"}, {"label", "Check"}, {"ordinal", 0}}};
  const Event done{"r-1", 3, event_type::kStepCompleted, 1800, Json{{"step_id", "s-1"}, {"status", "completed"}}};
  RunState started = f.one;
  RunState stepped = Rebuild({Started("r-1", 1), step}).value();
  RunState completed = Rebuild({Started("r-1", 1), step, done}).value();

  REQUIRE(store->BeginGroup().ok());
  REQUIRE(f.CommitFirst(2000).ok());
  REQUIRE(store->Commit(RunWrite{.state = &stepped, .events = {step}, .before = &started}, 2100).ok());
  // The group's own thread reads the rows of its last commit.
  auto mid = store->GetRun("r-1", /*with_steps=*/true).value();
  REQUIRE(mid.has_value());
  REQUIRE(mid->steps.size() == 1);
  CHECK(mid->steps[0].status == StepStatus::kRunning);
  // One commit of two runs whose second is refused (sequence 1 twice): the
  // first's completed step must not reach the rows either.
  std::vector<RunWrite> both;
  both.push_back(RunWrite{.state = &completed, .events = {done}, .before = &stepped});
  both.push_back(RunWrite{.state = &f.two, .events = {Started("r-2", 2), Started("r-2", 2)}, .script = &f.script});
  REQUIRE_FALSE(store->Commit(std::move(both), 2200).ok());
  REQUIRE(store->EndGroup().ok());

  auto after = std::async(std::launch::async, [&] { return store->GetRun("r-1", true).value(); }).get();
  REQUIRE(after.has_value());
  REQUIRE(after->steps.size() == 1);
  CHECK(after->steps[0].status == StepStatus::kRunning);
  CHECK(after->run.last_seq == 2);
  CHECK(store->Events("r-1").value().size() == 2);
  CHECK_FALSE(OthersSee(*store, "r-2"));

  // The next group writes the step's completion once, from a stored `before`.
  REQUIRE(store->BeginGroup().ok());
  REQUIRE(store->Commit(RunWrite{.state = &completed, .events = {done}, .before = &stepped}, 2300).ok());
  REQUIRE(store->EndGroup().ok());
  auto last = std::async(std::launch::async, [&] { return store->GetRun("r-1", true).value(); }).get();
  REQUIRE(last.has_value());
  CHECK(last->steps[0].status == StepStatus::kCompleted);
  CHECK(last->steps[0].completed_at == 1800);
}

TEST_CASE("inside a group the clock is saved at its end, and an abandoned group keeps the old one", "[store]") {
  TwoRuns f;
  auto& store = f.store;
  REQUIRE(f.CommitFirst(1500).ok());
  REQUIRE(store->BeginGroup().ok());
  REQUIRE(store->Commit(RunWrite{&f.two, {Started("r-2", 2)}, nullptr, &f.script}, 3000).ok());
  CHECK(store->SavedClock().value() == 3000);  // the group's own thread
  CHECK(std::async(std::launch::async, [&] { return store->SavedClock().value(); }).get() == 1500);
  store->AbandonGroup();
  CHECK(store->SavedClock().value() == 1500);

  REQUIRE(store->BeginGroup().ok());
  REQUIRE(store->Commit(RunWrite{&f.two, {Started("r-2", 2)}, nullptr, &f.script}, 4000).ok());
  REQUIRE(store->EndGroup().ok());
  CHECK(std::async(std::launch::async, [&] { return store->SavedClock().value(); }).get() == 4000);
}

TEST_CASE("a reset inside a group takes the runs the group wrote before it", "[store]") {
  TwoRuns f;
  auto& store = f.store;
  REQUIRE(store->BeginGroup().ok());
  REQUIRE(f.CommitFirst(2000).ok());
  REQUIRE(store->DeleteNamespace().ok());
  REQUIRE(store->EndGroup().ok());
  CHECK_FALSE(OthersSee(*store, "r-1"));
  CHECK(store->Events("r-1").value().empty());
  CHECK_FALSE(store->SavedClock().value().has_value());
  CHECK(store->CountRuns().value() == 0);
}

}  // namespace store_group_commit_test
