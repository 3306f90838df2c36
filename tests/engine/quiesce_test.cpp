// Quiescing the writers (issue 10): snapshots, restores and resets of the
// whole sandbox park every engine's writer, act on the database, reload every
// engine and release them. Commands that arrive meanwhile wait and run
// against the new state; a reload that fails makes the engines failing (and
// health says why) until a later one succeeds.
#include <catch2/catch.hpp>

#include <stdlib.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <thread>

#include "core/projection.h"
#include "store/sqlite.h"
#include "engine/namespaces.h"
#include "script/loader.h"
#include "support/scratch_dir.h"

namespace engine_quiesce_test {

using namespace sandbox;
using sandbox::testing::ScratchDir;
namespace fs = std::filesystem;

namespace {

constexpr Instant kStart = 1767225600000;  // 2026-01-01T00:00:00Z

const char* kFixture = R"({"agents":[{"type":"kyb","name":"KYB","description":"d","scenarios":[
  {"name":"default","steps":[
    {"name":"check","label":"Check","duration":"2s","steps":[
      {"name":"sos","label":"SOS","agent":"sos","duration":"1s","artifacts":[{"title":"SOS","type":"sos"}]}]},
    {"name":"ask","label":"Ask","type":"interrupt","interrupt":{"value":{"agent":"kyb","label":"OK?"},"branches":{
      "approve":[{"name":"apply","label":"Apply","duration":"1s"}],
      "reject":[{"name":"boom","label":"Boom","type":"error","error":{"message":"reviewer rejected"}}]}}},
    {"name":"out","label":"Out","type":"output","duration":"500ms",
     "artifacts":[{"title":"Summary","type":"kyb_summary","confidence":"high","sources":[{"url":"https://x.example"}]}]}]}
]}]})";

std::shared_ptr<const script::FixtureSet> Fixtures() {
  auto set = script::ParseFixtureText(kFixture, "t.json", IdGenerator(0));
  REQUIRE(set.ok());
  return std::make_shared<const script::FixtureSet>(std::move(set).value());
}

engine::CreateRunCommand KybRun() {
  return {Json::object(), "kyb",        "business",  "11111111-1111-4111-8111-111111111111",
          std::nullopt,   std::nullopt, std::nullopt};
}

// Every namespace's engines, on a database file, as a server has them.
struct Sandbox {
  explicit Sandbox(const std::string& db) {
    auto s = store::Store::Open(db);
    REQUIRE(s.ok());
    root = std::move(s).value();
    spaces = std::make_unique<engine::Namespaces>(
        *root, [] { return std::make_unique<SteppedClock>(ClockMode::kVirtual, kStart); }, 0, Fixtures());
    REQUIRE(spaces->Start().ok());
  }
  ~Sandbox() { spaces->Stop(); }
  engine::Engine& In(const std::string& ns) {
    auto e = spaces->For(ns);
    REQUIRE(e.ok());
    return *e.value();
  }
  RunState Create(const std::string& ns = "") {
    auto r = In(ns).CreateRun(KybRun());
    REQUIRE(r.ok());
    return r.value();
  }

  std::unique_ptr<store::Store> root;
  std::unique_ptr<engine::Namespaces> spaces;
};

// Runs `sql` on its own connection to the file at `path`.
void Exec(const std::string& path, const std::string& sql) {
  auto c = store::Connection::Open(path, /*read_only=*/false);
  REQUIRE(c.ok());
  REQUIRE(c.value()->Exec(sql).ok());
}

// Every stored run of every namespace equals a rebuild from its own log.
void CheckRowsAgreeWithLogs(store::Store& root) {
  auto spaces = root.KnownNamespaces();
  REQUIRE(spaces.ok());
  for (const auto& ns : spaces.value()) {
    auto view = root.Namespace(ns);
    auto runs = view->ListRuns(100000, 0);
    REQUIRE(runs.ok());
    for (const auto& listed : runs.value().items) {
      INFO("namespace '" << ns << "' run " << listed.run.id);
      auto log = view->Events(listed.run.id);
      REQUIRE(log.ok());
      auto rebuilt = Rebuild(log.value());
      REQUIRE(rebuilt.ok());
      CHECK(rebuilt.value() == *view->GetRun(listed.run.id).value());
    }
  }
}

}  // namespace

TEST_CASE("a command that arrives while the writer is quiesced runs after the release, on the reloaded state",
          "[engine]") {
  ScratchDir dir("quiesce");
  Sandbox sb(dir.File("x.db"));
  engine::Engine& e = sb.In("");
  sb.Create();
  REQUIRE(sb.root->SaveSnapshot("one").ok());
  RunState second = sb.Create();

  e.Quiesce();
  // The writer is parked: this command waits in the queue.
  auto pending = std::async(std::launch::async, [&] { return e.CreateRun(KybRun()); });
  // Acting as the writer: the database goes back, the engine rereads it.
  REQUIRE(sb.root->RestoreSnapshot("one").ok());
  uint64_t generation = e.generation();
  REQUIRE(e.Reload().ok());
  CHECK(e.generation() == generation + 1);
  e.Release();

  auto third = pending.get();
  REQUIRE(third.ok());
  // Ordinals came from the restored rows: the same ids as the second run had.
  CHECK(third.value().run.id == second.run.id);
  CHECK(third.value().run.thread_id == second.run.thread_id);
  CHECK(e.health().ok());
  CHECK(e.store().CountRuns().value() == 2);
  CheckRowsAgreeWithLogs(*sb.root);
}

TEST_CASE("a reload that cannot read the store stops the engine until a reload or reset succeeds", "[engine]") {
  ScratchDir dir("quiesce");
  const std::string db = dir.File("x.db");
  Sandbox sb(db);
  engine::Engine& e = sb.In("");
  RunState waiting = sb.Create();
  auto script = e.store().RunScript(waiting.run.id).value();
  REQUIRE(script.has_value());
  // The run's script is damaged (the row all of this scenario's runs share).
  Exec(db, "UPDATE scripts SET body = 'not json' WHERE id = (SELECT script_id FROM runs WHERE id = '" + waiting.run.id +
               "')");

  e.Quiesce();
  Status reloaded = e.Reload();
  e.Release();
  REQUIRE_FALSE(reloaded.ok());
  REQUIRE_FALSE(e.health().ok());
  CHECK(e.health().message() ==
        "reloading namespace \"\" from the store failed: run " + waiting.run.id + " has a script that is not JSON");
  auto refused = e.CreateRun(KybRun());
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == Code::kUnavailable);  // 503
  CHECK_THAT(refused.status().message(), Catch::StartsWith("engine stopped after a storage failure: reloading"));
  CHECK_FALSE(sb.spaces->Health().ok());

  // Mended and reloaded: the engine writes again.
  Exec(db, "UPDATE scripts SET body = '" + *script + "' WHERE id = (SELECT script_id FROM runs WHERE id = '" +
               waiting.run.id + "')");
  e.Quiesce();
  CHECK(e.Reload().ok());
  e.Release();
  CHECK(e.health().ok());
  sb.Create();

  // A reset is the other way out: it reads an empty namespace.
  // The run's script is damaged (the row all of this scenario's runs share).
  Exec(db, "UPDATE scripts SET body = 'not json' WHERE id = (SELECT script_id FROM runs WHERE id = '" + waiting.run.id +
               "')");
  e.Quiesce();
  CHECK_FALSE(e.Reload().ok());
  e.Release();
  REQUIRE(e.Reset().ok());
  CHECK(e.health().ok());
  CHECK(e.store().CountRuns().value() == 0);
  CHECK(sb.Create().run.id == waiting.run.id);  // ids start again from the seed
}

TEST_CASE("a restore empties namespaces the snapshot does not know, keeping their seed", "[engine]") {
  ScratchDir dir("quiesce");
  Sandbox sb(dir.File("x.db"));
  sb.Create();
  REQUIRE(sb.spaces->SaveSnapshot("base").ok());
  auto later = sb.spaces->For("later", 7);
  REQUIRE(later.ok());
  RunState first = later.value()->CreateRun(KybRun()).value();
  REQUIRE(later.value()->Now() > kStart);

  REQUIRE(sb.spaces->RestoreSnapshot("base").ok());
  CHECK(later.value()->store().CountRuns().value() == 0);
  CHECK(later.value()->Now() == kStart);
  CHECK(later.value()->store().SavedSeed().value() == std::optional<uint64_t>(7));
  CHECK(sb.spaces->For("later", 7).ok());
  // The same request gives the same run again.
  CHECK(later.value()->CreateRun(KybRun()).value().run.id == first.run.id);
  CHECK(sb.In("").store().CountRuns().value() == 1);
}

TEST_CASE("a restore brings to life the namespaces only the snapshot knows", "[engine]") {
  ScratchDir dir("quiesce");
  RunState in_x;
  {
    Sandbox first(dir.File("a.db"));
    in_x = first.Create("x");
    REQUIRE(first.spaces->SaveSnapshot("with-x").ok());
  }
  fs::create_directories(dir.File("b.db.snapshots"));
  fs::copy_file(dir.File("a.db.snapshots/with-x.sqlite"), dir.File("b.db.snapshots/with-x.sqlite"));
  Sandbox second(dir.File("b.db"));
  std::vector<std::string> names;
  second.spaces->ForEach([&](const std::string& ns, engine::Engine&) { names.push_back(ns); });
  CHECK(names == std::vector<std::string>{""});
  REQUIRE(second.spaces->RestoreSnapshot("with-x").ok());
  names.clear();
  second.spaces->ForEach([&](const std::string& ns, engine::Engine&) { names.push_back(ns); });
  CHECK(names == std::vector<std::string>{"", "x"});
  auto run = second.In("x").store().GetRun(in_x.run.id);
  REQUIRE(run.ok());
  CHECK(run.value().has_value());
}

TEST_CASE("a failed restore changes nothing, one that fails after the copy marks every namespace failing", "[engine]") {
  ScratchDir dir("quiesce");
  const std::string db = dir.File("x.db");
  Sandbox sb(db);
  RunState waiting = sb.Create();
  sb.Create("other");
  REQUIRE(sb.spaces->SaveSnapshot("good").ok());
  REQUIRE(sb.spaces->SaveSnapshot("bad").ok());
  sb.Create();

  // Not a database: refused before the live one is touched.
  std::ofstream(db + ".snapshots/garbage.sqlite") << std::string(8192, 'x');
  Status refused = sb.spaces->RestoreSnapshot("garbage");
  CHECK(refused.code() == Code::kConflict);
  CHECK(sb.spaces->Health().ok());
  CHECK(sb.In("").store().CountRuns().value() == 2);
  sb.Create();

  // A snapshot the engines cannot reload from: the database was replaced,
  // the writers' views are unclear, so everything stops and health says why.
  Exec(db + ".snapshots/bad.sqlite",
       "UPDATE scripts SET body = 'not json' WHERE id = (SELECT script_id FROM runs "
       "WHERE id = '" +
           waiting.run.id + "')");
  Status failed = sb.spaces->RestoreSnapshot("bad");
  REQUIRE_FALSE(failed.ok());
  CHECK_THAT(failed.message(),
             Catch::StartsWith("restoring snapshot \"bad\" failed after the database was replaced: namespace \"\": "));
  CHECK(sb.spaces->Health().message() == failed.message());
  sb.spaces->ForEach([&](const std::string&, engine::Engine& e) { CHECK(e.health().message() == failed.message()); });
  CHECK_FALSE(sb.In("other").CreateRun(KybRun()).ok());

  // Restoring a good snapshot mends it all.
  REQUIRE(sb.spaces->RestoreSnapshot("good").ok());
  CHECK(sb.spaces->Health().ok());
  sb.Create("other");
  CheckRowsAgreeWithLogs(*sb.root);
}

TEST_CASE("snapshots, restores and resets while writers of two namespaces commit", "[engine]") {
  ScratchDir dir("quiesce");
  Sandbox sb(dir.File("x.db"));
  std::mutex mu;
  std::condition_variable cv;
  int64_t done = 0;
  std::vector<std::string> failures;
  std::atomic<bool> stop{false};
  auto client = [&](engine::Engine* e) {
    while (!stop) {
      auto created = e->CreateRun(KybRun());
      std::string failure;
      if (!created.ok()) {
        failure = "create: " + created.status().message();
      } else {
        auto stored = e->store().GetRun(created.value().run.id);
        if (!stored.ok()) {
          failure = "get: " + stored.status().message();
        } else if (stored.value() && stored.value()->run.status == RunStatus::kInterrupted) {
          auto resumed = e->Resume({created.value().run.id, stored.value()->interrupts[0].id, "approve"});
          // A reset or restore may come between the create and the resume.
          if (!resumed.ok() && resumed.status().code() != Code::kNotFound &&
              resumed.status().code() != Code::kConflict) {
            failure = "resume: " + resumed.status().message();
          }
        }
      }
      std::lock_guard<std::mutex> g(mu);
      if (!failure.empty()) failures.push_back(failure);
      ++done;
      cv.notify_all();
    }
  };
  auto wait_for_progress = [&] {
    std::unique_lock<std::mutex> lock(mu);
    int64_t target = done + 4;
    return cv.wait_for(lock, std::chrono::seconds(20), [&] { return done >= target; });
  };
  engine::Engine* a = &sb.In("a");
  engine::Engine* b = &sb.In("b");
  std::vector<std::thread> threads;
  struct Joiner {  // also when a REQUIRE below ends the test early
    std::atomic<bool>& stop;
    std::vector<std::thread>& threads;
    ~Joiner() {
      stop = true;
      for (auto& t : threads) t.join();
    }
  } joiner{stop, threads};
  for (engine::Engine* e : {a, a, b, b}) threads.emplace_back(client, e);
  std::vector<std::string> control;
  for (int round = 0; round < 10; ++round) {
    auto check = [&](const std::string& what, const Status& st) {
      if (!st.ok()) control.push_back(what + ": " + st.message());
    };
    REQUIRE(wait_for_progress());
    check("save", sb.spaces->SaveSnapshot("s" + std::to_string(round % 2)));
    REQUIRE(wait_for_progress());
    check("restore", sb.spaces->RestoreSnapshot("s" + std::to_string(round % 2)));
    REQUIRE(wait_for_progress());
    check(round % 2 ? "reset b" : "reset all", round % 2 ? b->Reset() : sb.spaces->ResetAll());
  }
  stop = true;
  for (auto& t : threads) t.join();
  threads.clear();
  CHECK(control == std::vector<std::string>{});
  CHECK(failures == std::vector<std::string>{});
  CHECK(sb.spaces->Health().ok());
  CheckRowsAgreeWithLogs(*sb.root);
}

}  // namespace engine_quiesce_test
