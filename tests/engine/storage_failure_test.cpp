// The sticky-error path, driven by a store that fails chosen writes
// (store/faulty_store.h): a failed commit of a command answers that command
// and changes nothing; a failed commit of the engine's own progress stops the
// engine from writing (health says why, writes are refused as Unavailable,
// reads go on), no run is ever half-written, and what was acknowledged before
// is all there after recovery.
#include <catch2/catch.hpp>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <set>
#include <thread>

#include "core/projection.h"
#include "engine/namespaces.h"
#include "script/loader.h"
#include "store/faulty_store.h"
#include "support/scratch_dir.h"

namespace engine_storage_failure_test {

using namespace sandbox;
using sandbox::testing::ScratchDir;
namespace fs = std::filesystem;

namespace {

constexpr Instant kStart = 1767225600000;  // 2026-01-01T00:00:00Z

const char* kFixture = R"({"agents":[{"type":"kyb","name":"KYB","description":"d","scenarios":[
  {"name":"default","steps":[
    {"name":"check","label":"Check","duration":"2s"},
    {"name":"out","label":"Out","type":"output","duration":"1s","artifacts":[{"title":"Summary","type":"kyb_summary"}]}]}
]}]})";

// Every namespace's engines on a manual clock, over a FaultyStore wrapping the
// database file, as a server has them.
struct Sandbox {
  Sandbox(const std::string& db, std::shared_ptr<store::StoreFaults> faults) {
    auto s = store::Store::Open(db);
    REQUIRE(s.ok());
    root = std::make_unique<store::FaultyStore>(std::move(s).value(), std::move(faults));
    auto set = script::ParseFixtureText(kFixture, "t.json", IdGenerator(0));
    REQUIRE(set.ok());
    spaces = std::make_unique<engine::Namespaces>(
        *root, [] { return std::make_unique<SteppedClock>(ClockMode::kManual, kStart); }, 0,
        std::make_shared<const script::FixtureSet>(std::move(set).value()));
    REQUIRE(spaces->Start().ok());
  }
  ~Sandbox() { spaces->Stop(); }
  engine::Engine& Default() { return spaces->Default(); }
  Result<RunState> Create() {
    return Default().CreateRun({.request = Json::object(),
                                .agent_type = "kyb",
                                .context_type = "business",
                                .context_id = "11111111-1111-4111-8111-111111111111"});
  }
  RunState Stored(const std::string& id) {
    auto r = root->GetRun(id);
    REQUIRE(r.ok());
    REQUIRE(r.value().has_value());
    return *r.value();
  }
  // Every stored run equals a rebuild from its own log: nothing half-written.
  void CheckRowsAgreeWithLogs() {
    auto runs = root->ListRuns(1000, 0);
    REQUIRE(runs.ok());
    for (const auto& listed : runs.value().items) {
      INFO("run " << listed.run.id);
      auto log = root->Events(listed.run.id);
      REQUIRE(log.ok());
      auto rebuilt = Rebuild(log.value());
      REQUIRE(rebuilt.ok());
      CHECK(rebuilt.value() == Stored(listed.run.id));
    }
  }
  std::unique_ptr<store::Store> root;
  std::unique_ptr<engine::Namespaces> spaces;
};

}  // namespace

TEST_CASE("a command whose commit fails answers the failure, writes nothing, and the engine serves on",
          "[engine][store]") {
  ScratchDir dir("faults");
  auto faults = std::make_shared<store::StoreFaults>(store::StoreFaultPlan{});
  Sandbox sb((dir.path / "x.db").string(), faults);
  auto first = sb.Create();
  REQUIRE(first.ok());

  faults->Arm({.write = "Commit", .nth = 1});
  auto failed = sb.Create();
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.status().message().find("storage failure (injected): Commit") != std::string::npos);
  CHECK(faults->failures() == 1);
  CHECK(sb.root->CountRuns().value() == 1);  // the failed run left no row and no event
  CHECK(sb.spaces->Health().ok());           // the writer's view never took it in

  auto next = sb.Create();
  REQUIRE(next.ok());
  CHECK(sb.root->CountRuns().value() == 2);
  REQUIRE(sb.Default().AdvanceClock(kStart + 10'000).ok());
  CHECK(sb.Stored(first.value().run.id).run.status == RunStatus::kCompleted);
  CHECK(sb.Stored(next.value().run.id).run.status == RunStatus::kCompleted);
  sb.CheckRowsAgreeWithLogs();
}

TEST_CASE("a failed commit of a run's own progress stops the engine until recovery, and loses nothing acknowledged",
          "[engine][store]") {
  ScratchDir dir("faults");
  const std::string db = (dir.path / "x.db").string();
  auto faults = std::make_shared<store::StoreFaults>(store::StoreFaultPlan{});
  std::string acknowledged;
  int64_t acknowledged_seq = 0;
  {
    Sandbox sb(db, faults);
    auto run = sb.Create();
    REQUIRE(run.ok());
    acknowledged = run.value().run.id;
    acknowledged_seq = sb.Stored(acknowledged).run.last_seq;

    // The disk fills up: the progress the clock sets off cannot be written.
    faults->Arm({.write = "Commit", .nth = 1, .keeps_failing = true});
    auto moved = sb.Default().AdvanceClock(kStart + 2'000);
    CHECK_FALSE(moved.ok());
    Status health = sb.spaces->Health();
    REQUIRE_FALSE(health.ok());
    CHECK(health.message().find("storage failure (injected): Commit") != std::string::npos);

    // Writes are refused, as Unavailable (a 503 over HTTP), naming the cause.
    auto refused = sb.Create();
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.status().code() == Code::kUnavailable);
    CHECK(refused.status().message().find("storage failure") != std::string::npos);
    // Reads go on, and show the run exactly as acknowledged.
    RunState stored = sb.Stored(acknowledged);
    CHECK(stored.run.status == RunStatus::kRunning);
    CHECK(stored.run.last_seq == acknowledged_seq);
    sb.CheckRowsAgreeWithLogs();

    // Freeing the disk is not enough: the writer's view may be behind the
    // store, so it stays stopped until it is reloaded.
    faults->Heal();
    CHECK_FALSE(sb.spaces->Health().ok());
    CHECK_FALSE(sb.Create().ok());
  }
  // A restart reloads from the log: the acknowledged run carries on where its
  // log ends, and new runs are taken again.
  Sandbox again(db, faults);
  CHECK(again.spaces->Health().ok());
  REQUIRE(again.Default().AdvanceClock(kStart + 10'000).ok());
  RunState done = again.Stored(acknowledged);
  CHECK(done.run.status == RunStatus::kCompleted);
  CHECK(done.run.last_seq > acknowledged_seq);
  REQUIRE(again.Create().ok());
  CHECK(again.root->CountRuns().value() == 2);
  again.CheckRowsAgreeWithLogs();
}

TEST_CASE("a group commit of the engine's progress that fails stops the engine and loses nothing acknowledged",
          "[engine][store]") {
  ScratchDir dir("faults");
  const std::string db = (dir.path / "x.db").string();
  auto faults = std::make_shared<store::StoreFaults>(store::StoreFaultPlan{});
  std::string first_id, second_id;
  {
    Sandbox sb(db, faults);
    auto first = sb.Create();
    auto second = sb.Create();
    REQUIRE(first.ok());
    REQUIRE(second.ok());
    first_id = first.value().run.id;
    second_id = second.value().run.id;
    RunState acknowledged = sb.Stored(first_id);

    // Both runs' progress is one group; its commit fails as a whole.
    faults->Arm({.write = "EndGroup", .nth = 1});
    auto moved = sb.Default().AdvanceClock(kStart + 10'000);
    REQUIRE_FALSE(moved.ok());
    Status health = sb.spaces->Health();
    REQUIRE_FALSE(health.ok());
    CHECK(health.message().find("storage failure (injected): EndGroup") != std::string::npos);
    CHECK(sb.Stored(first_id) == acknowledged);  // nothing of the group was kept
    CHECK(sb.Stored(second_id).run.status == RunStatus::kRunning);
    CHECK_FALSE(sb.Create().ok());
    sb.CheckRowsAgreeWithLogs();
  }
  Sandbox again(db, faults);
  REQUIRE(again.spaces->Health().ok());
  REQUIRE(again.Default().AdvanceClock(kStart + 10'000).ok());
  CHECK(again.Stored(first_id).run.status == RunStatus::kCompleted);
  CHECK(again.Stored(second_id).run.status == RunStatus::kCompleted);
  again.CheckRowsAgreeWithLogs();
}

TEST_CASE("a reset recovers a stopped engine without a restart", "[engine][store]") {
  ScratchDir dir("faults");
  auto faults = std::make_shared<store::StoreFaults>(store::StoreFaultPlan{});
  Sandbox sb((dir.path / "x.db").string(), faults);
  REQUIRE(sb.Create().ok());
  faults->Arm({.write = "Commit", .nth = 1});
  CHECK_FALSE(sb.Default().AdvanceClock(kStart + 2'000).ok());
  REQUIRE_FALSE(sb.spaces->Health().ok());
  REQUIRE(sb.spaces->ResetAll().ok());
  CHECK(sb.spaces->Health().ok());
  REQUIRE(sb.Create().ok());
  CHECK(sb.root->CountRuns().value() == 1);
}

TEST_CASE("a plan fails the Nth write of one kind, or of any kind, once or from then on", "[store]") {
  store::StoreFaults any({.nth = 3});
  CHECK(any.Check("InsertThread").ok());
  CHECK(any.Check("Commit").ok());
  Status third = any.Check("SaveClockNow");
  CHECK(third.message() == "storage failure (injected): SaveClockNow, write 3");
  CHECK(any.Check("Commit").ok());
  CHECK(any.failures() == 1);

  store::StoreFaults named({.write = "Commit", .nth = 2, .keeps_failing = true});
  CHECK(named.Check("Commit").ok());
  CHECK(named.Check("InsertThread").ok());
  CHECK_FALSE(named.Check("Commit").ok());
  CHECK_FALSE(named.Check("InsertThread").ok());  // the disk stays full
  named.Heal();
  CHECK(named.Check("Commit").ok());
  CHECK(named.writes() == 5);
  CHECK(named.failures() == 2);
}

namespace {

// Creates `n` runs from `n` threads while the writer is parked, so that all
// of them are queued when it resumes and share one group commit; returns
// what each caller heard. `before_release` runs once all are queued.
std::vector<Result<RunState>> CreateBatched(Sandbox& sb, int n, const std::function<void()>& before_release) {
  engine::Engine& e = sb.Default();
  e.Quiesce();
  std::vector<std::optional<Result<RunState>>> answers(n);
  std::vector<std::thread> callers;
  for (int i = 0; i < n; ++i) callers.emplace_back([&, i] { answers[i] = sb.Create(); });
  // Bounded: each caller queues its command as soon as it runs.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (e.queued_commands() < static_cast<size_t>(n) && std::chrono::steady_clock::now() < give_up)
    std::this_thread::yield();
  REQUIRE(e.queued_commands() == static_cast<size_t>(n));
  before_release();
  e.Release();
  for (auto& t : callers) t.join();
  std::vector<Result<RunState>> out;
  for (auto& a : answers) out.push_back(std::move(*a));
  return out;
}

}  // namespace

TEST_CASE("commands queued together commit as one group and are answered once it is durable", "[engine][store]") {
  ScratchDir dir("faults");
  auto faults = std::make_shared<store::StoreFaults>(store::StoreFaultPlan{});
  Sandbox sb((dir.path / "x.db").string(), faults);
  auto answers = CreateBatched(sb, 4, [] {});
  std::set<int64_t> ordinals;
  for (const auto& a : answers) {
    REQUIRE(a.ok());
    ordinals.insert(a.value().run.ordinal);
    CHECK(sb.Stored(a.value().run.id).run.status == RunStatus::kRunning);
  }
  CHECK(ordinals == std::set<int64_t>{1, 2, 3, 4});
  CHECK(sb.root->CountRuns().value() == 4);
  sb.CheckRowsAgreeWithLogs();
}

TEST_CASE("when a batch's group commit fails, no caller hears success and nothing of it is kept", "[engine][store]") {
  ScratchDir dir("faults");
  const std::string db = (dir.path / "x.db").string();
  auto faults = std::make_shared<store::StoreFaults>(store::StoreFaultPlan{});
  {
    Sandbox sb(db, faults);
    // The manual clock fires nothing: the batch's one group is the only one.
    auto answers = CreateBatched(sb, 4, [&] { faults->Arm({.write = "EndGroup", .nth = 1}); });
    for (const auto& a : answers) {
      REQUIRE_FALSE(a.ok());
      CHECK(a.status().code() == Code::kUnavailable);
      CHECK(a.status().message().find("storage failure (injected): EndGroup") != std::string::npos);
    }
    CHECK(faults->failures() == 1);
    CHECK(sb.root->CountRuns().value() == 0);
    CHECK_FALSE(sb.spaces->Health().ok());
  }
  Sandbox again(db, faults);
  REQUIRE(again.spaces->Health().ok());
  CHECK(again.root->CountRuns().value() == 0);
  auto created = again.Create();
  REQUIRE(created.ok());
  CHECK(created.value().run.ordinal == 1);
}

}  // namespace engine_storage_failure_test
