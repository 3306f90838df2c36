// ReadCache keeps a rendered body only while the stamp it was rendered under
// is still the namespace's; the engine's stamp moves with every commit,
// reset and fixture replacement.
#include <catch2/catch.hpp>

#include "engine/namespaces.h"
#include "engine/read_cache.h"
#include "script/loader.h"

namespace engine_read_cache_test {

using namespace sandbox;

namespace {

constexpr Instant kStart = 1767225600000;  // 2026-01-01T00:00:00Z

const char* kFixture = R"({"agents":[{"type":"kyb","name":"KYB","description":"d","scenarios":[
  {"name":"default","steps":[{"name":"check","label":"Check","duration":"2s"}]}]}]})";

std::shared_ptr<const script::FixtureSet> Fixtures() {
  auto set = script::ParseFixtureText(kFixture, "t.json", IdGenerator(0));
  REQUIRE(set.ok());
  return std::make_shared<const script::FixtureSet>(std::move(set).value());
}

}  // namespace

TEST_CASE("a cached body is found only under the stamp it was stored with", "[engine]") {
  engine::ReadCache cache;
  engine::ReadStamp first{.commits = 1, .generation = 0, .fixtures = 0};
  cache.Store("a", first, "body-1");
  REQUIRE(cache.Find("a", first) != nullptr);
  CHECK(*cache.Find("a", first) == "body-1");
  CHECK(cache.Find("b", first) == nullptr);
  CHECK(cache.Find("a", {.commits = 2}) == nullptr);
  CHECK(cache.Find("a", {.commits = 1, .generation = 1}) == nullptr);
  CHECK(cache.Find("a", {.commits = 1, .fixtures = 1}) == nullptr);
  cache.Store("a", {.commits = 2}, "body-2");  // replaces
  CHECK(cache.Find("a", first) == nullptr);
  CHECK(*cache.Find("a", {.commits = 2}) == "body-2");
  CHECK(cache.bytes() == std::string("a").size() + std::string("body-2").size());
}

TEST_CASE("the cache stays within its bound", "[engine]") {
  engine::ReadCache cache(/*max_bytes=*/100);
  cache.Store("huge", {}, std::string(40, 'x'));  // over a quarter of the bound: never kept
  CHECK(cache.Find("huge", {}) == nullptr);
  for (int i = 0; i < 20; ++i) {
    cache.Store("k" + std::to_string(i), {}, std::string(20, 'x'));
    CHECK(cache.bytes() <= 100);
  }
  CHECK(cache.Find("k19", {}) != nullptr);
}

TEST_CASE("a namespace's read stamp moves with each commit, reset and fixture replacement", "[engine]") {
  auto s = store::Store::Open(":memory:");
  REQUIRE(s.ok());
  auto root = std::move(s).value();
  engine::Namespaces spaces(
      *root, [] { return std::make_unique<SteppedClock>(ClockMode::kManual, kStart); }, 0, Fixtures());
  REQUIRE(spaces.Start().ok());
  engine::Engine& e = spaces.Default();
  engine::ReadStamp before = e.read_stamp();
  CHECK(e.read_stamp() == before);  // reads alone change nothing
  auto run = e.CreateRun({.request = Json::object(),
                          .agent_type = "kyb",
                          .context_type = "business",
                          .context_id = "11111111-1111-4111-8111-111111111111"});
  REQUIRE(run.ok());
  engine::ReadStamp created = e.read_stamp();
  CHECK_FALSE(created == before);
  REQUIRE(e.AdvanceClock(kStart + 5'000).ok());  // the run completes
  engine::ReadStamp completed = e.read_stamp();
  CHECK_FALSE(completed == created);
  spaces.ReplaceFixtures(Fixtures());
  engine::ReadStamp reloaded = e.read_stamp();
  CHECK_FALSE(reloaded == completed);
  REQUIRE(e.Reset().ok());
  CHECK_FALSE(e.read_stamp() == reloaded);
  spaces.Stop();
}

TEST_CASE("an answer about one object stays good at its version when other objects change", "[engine]") {
  engine::ReadCache cache;
  engine::ReadStamp rendered{.commits = 1, .generation = 0, .fixtures = 0};
  cache.Store("run", rendered, "body", /*version=*/7);
  engine::ReadStamp later{.commits = 5, .generation = 0, .fixtures = 0};
  CHECK(cache.Find("run", later) == nullptr);
  CHECK(cache.Revalidate("run", later, 8) == nullptr);  // the run itself moved on
  REQUIRE(cache.Revalidate("run", later, 7) != nullptr);
  CHECK(*cache.Find("run", later) == "body");                                     // stamped anew
  CHECK(cache.Revalidate("run", {.commits = 6, .generation = 1}, 7) == nullptr);  // a reset: ids come again
  CHECK(cache.Revalidate("run", {.commits = 6, .fixtures = 1}, 7) == nullptr);
  cache.Store("list", rendered, "page");  // no version: only its exact stamp
  CHECK(cache.Revalidate("list", later, 0) == nullptr);
}

}  // namespace engine_read_cache_test
