// Workflow retries: a failed run whose script plans a retry starts the next
// execution of its workflow in the same commit, linked to it, after its
// backoff; the plan runs out, cancellations never retry, and a restart in
// the middle of a backoff carries on.
#include <catch2/catch.hpp>

#include <filesystem>

#include "core/projection.h"
#include "engine/engine.h"
#include "script/loader.h"

namespace engine_retries_test {

using namespace sandbox;

namespace {

constexpr Instant kStart = 1767225600000;  // 2026-01-01T00:00:00Z

// "also_fails" has a plan of its own, used only when it is started directly:
// as a retry it carries what is left of the first execution's plan.
const char* kFixture = R"({"agents":[{"type":"wf","name":"Workflow","description":"d","scenarios":[
  {"name":"flaky","steps":[{"name":"fetch","label":"Fetch","type":"error","duration":"1s","error":{"message":"registry down"}}],
   "retries":[{"after":"30s"},{"after":"1m","scenario":"also_fails"}]},
  {"name":"also_fails","steps":[{"name":"fetch","label":"Fetch","type":"error","duration":"2s","error":{"message":"still down"}}],
   "retries":[{"after":"1h"}]},
  {"name":"fine","steps":[{"name":"work","label":"Work","duration":"1s"}]},
  {"name":"waits","steps":[{"name":"ask","label":"Approve?","type":"interrupt","interrupt":{"value":{"q":"ok?"},"timeout":"10m"}}],
   "retries":[{"after":"1m","scenario":"fine"}]}
]}]})";

struct Sandbox {
  explicit Sandbox(ClockMode mode, const std::string& db = ":memory:", const char* fixture = kFixture)
      : ids(0), clock(mode, kStart) {
    auto s = store::Store::Open(db);
    REQUIRE(s.ok());
    store = std::move(s).value();
    engine = std::make_unique<engine::Engine>(*store, clock, ids, Fixtures(fixture));
    REQUIRE(engine->Start().ok());
  }

  std::shared_ptr<const script::FixtureSet> Fixtures(const char* text) {
    auto set = script::ParseFixtureText(text, "t.json", ids);
    REQUIRE(set.ok());
    return std::make_shared<const script::FixtureSet>(std::move(set).value());
  }

  RunState Create(const std::string& scenario) {
    engine::CreateRunCommand cmd;
    cmd.request = Json{{"business", "Acme"}};
    cmd.agent_type = "wf";
    cmd.scenario = scenario;
    cmd.trigger_type = "manual";
    auto r = engine->CreateRun(cmd);
    REQUIRE(r.ok());
    return r.value();
  }

  std::vector<RunState> Executions() {
    auto runs = store->RunsOfAgent("wf", /*with_steps=*/true);
    REQUIRE(runs.ok());
    return runs.value();
  }

  // "<attempt> <status> <scenario> started=+s first=+s ended=+s" per execution.
  std::string Describe() {
    std::string out;
    for (const auto& s : Executions()) {
      const Run& r = s.run;
      out += std::to_string(r.attempt) + " " + RunStatusName(r.status) + " " + r.scenario + " started=+" +
             std::to_string((*r.started_at - kStart) / 1000) + "s";
      if (!s.steps.empty()) out += " first=+" + std::to_string((s.steps[0].started_at - kStart) / 1000) + "s";
      if (r.ended_at) out += " ended=+" + std::to_string((*r.ended_at - kStart) / 1000) + "s";
      out += "\n";
    }
    return out;
  }

  Json Script(const std::string& run_id) {
    auto text = store->RunScript(run_id);
    REQUIRE(text.ok());
    REQUIRE(text.value().has_value());
    return Json::parse(*text.value());
  }

  IdGenerator ids;
  SteppedClock clock;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<engine::Engine> engine;
};

}  // namespace

TEST_CASE("a failed execution starts the next one of its workflow, linked to it, after the planned backoff",
          "[engine]") {
  Sandbox sb(ClockMode::kVirtual);
  RunState first = sb.Create("flaky");
  // Virtual time runs the whole plan: the retries are scripted work, not a human's.
  CHECK(sb.Describe() ==
        "1 error flaky started=+0s first=+0s ended=+1s\n"
        "2 error flaky started=+1s first=+31s ended=+32s\n"
        "3 error also_fails started=+32s first=+92s ended=+94s\n");
  auto runs = sb.Executions();
  REQUIRE(runs.size() == 3);
  CHECK(runs[0].run.id == first.run.id);
  CHECK(runs[0].run.retry_of.empty());
  CHECK(runs[0].run.first_attempt.empty());
  CHECK(runs[1].run.retry_of == runs[0].run.id);
  CHECK(runs[1].run.first_attempt == runs[0].run.id);
  CHECK(runs[2].run.retry_of == runs[1].run.id);
  CHECK(runs[2].run.first_attempt == runs[0].run.id);
  for (const auto& s : runs) {
    // Same thread, request and trigger as the workflow's first execution.
    CHECK(s.run.thread_id == first.run.thread_id);
    CHECK(s.run.request == Json{{"business", "Acme"}});
    CHECK(s.run.trigger_type == "manual");
    // Rows and log agree for every execution.
    auto log = sb.store->Events(s.run.id);
    REQUIRE(log.ok());
    auto rebuilt = Rebuild(log.value());
    REQUIRE(rebuilt.ok());
    CHECK(rebuilt.value() == s);
  }
  // Each execution keeps the rest of the plan; also_fails' own plan is not used.
  CHECK(sb.Script(runs[1].run.id)["retries"] == Json::parse(R"([{"after":"1m","scenario":"also_fails"}])"));
  CHECK_FALSE(sb.Script(runs[2].run.id).contains("retries"));
  auto started = sb.store->Events(runs[1].run.id);
  REQUIRE(started.ok());
  CHECK(started.value()[0].payload["retry"] ==
        Json{{"of", runs[0].run.id}, {"first", runs[0].run.id}, {"attempt", 2}, {"delay_ms", 30000}});
}

TEST_CASE("a scenario started directly follows its own retry plan", "[engine]") {
  Sandbox sb(ClockMode::kVirtual);
  sb.Create("also_fails");
  CHECK(sb.Describe() ==
        "1 error also_fails started=+0s first=+0s ended=+2s\n"
        "2 error also_fails started=+2s first=+3602s ended=+3604s\n");
  sb.Create("fine");
  CHECK(sb.Executions().size() == 3);  // a completed run is never retried
}

TEST_CASE("an expired approval fails the execution and the retry waits out its backoff on a manual clock", "[engine]") {
  Sandbox sb(ClockMode::kManual);
  RunState first = sb.Create("waits");
  CHECK(first.run.status == RunStatus::kInterrupted);
  auto fired = sb.engine->AdvanceClock(kStart + 10 * 60000);
  REQUIRE(fired.ok());
  std::string types;
  for (const auto& e : fired.value()) types += e.type + " ";
  CHECK(types == "interrupt.expired step.completed run.failed run.started ");
  CHECK(sb.Describe() ==
        "1 error waits started=+0s first=+0s ended=+600s\n"
        "2 running fine started=+600s\n");
  CHECK(sb.Executions()[0].run.failure_reason == "approval_timeout");
  // Nothing of the retry happens before its backoff is over.
  REQUIRE(sb.engine->AdvanceClock(kStart + 10 * 60000 + 59999).ok());
  CHECK(sb.Executions()[1].steps.empty());
  REQUIRE(sb.engine->AdvanceClock(kStart + 12 * 60000).ok());
  CHECK(sb.Describe() ==
        "1 error waits started=+0s first=+0s ended=+600s\n"
        "2 completed fine started=+600s first=+660s ended=+661s\n");
}

TEST_CASE("cancelling an execution, even one waiting out its backoff, starts no retry", "[engine]") {
  Sandbox sb(ClockMode::kManual);
  RunState first = sb.Create("flaky");
  REQUIRE(sb.engine->Cancel(first.run.id, std::nullopt).ok());
  REQUIRE(sb.engine->AdvanceClock(kStart + 3600000).ok());
  CHECK(sb.Describe() == "1 cancelled flaky started=+0s first=+0s ended=+0s\n");

  RunState second = sb.Create("flaky");
  REQUIRE(sb.engine->AdvanceClock(kStart + 3600000 + 1000).ok());
  auto runs = sb.Executions();
  REQUIRE(runs.size() == 3);
  CHECK(runs[2].run.retry_of == second.run.id);
  REQUIRE(sb.engine->Cancel(runs[2].run.id, std::nullopt).ok());
  REQUIRE(sb.engine->AdvanceClock(kStart + 2 * 3600000).ok());
  runs = sb.Executions();
  REQUIRE(runs.size() == 3);
  CHECK(runs[2].run.status == RunStatus::kCancelled);
  CHECK(runs[2].steps.empty());
}

TEST_CASE("a restart in the middle of a backoff carries the retry on", "[engine][store]") {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("retries_restart_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string db = (dir / "sandbox.db").string();
  std::string retry_id;
  {
    Sandbox sb(ClockMode::kManual, db);
    sb.Create("flaky");
    REQUIRE(sb.engine->AdvanceClock(kStart + 10000).ok());
    auto runs = sb.Executions();
    REQUIRE(runs.size() == 2);
    CHECK(runs[1].run.status == RunStatus::kRunning);
    retry_id = runs[1].run.id;
    sb.engine->Stop();
  }
  {
    Sandbox sb(ClockMode::kManual, db);
    REQUIRE(sb.engine->AdvanceClock(kStart + 40000).ok());
    CHECK(sb.Describe() ==
          "1 error flaky started=+0s first=+0s ended=+1s\n"
          "2 error flaky started=+1s first=+31s ended=+32s\n"
          "3 running also_fails started=+32s\n");
    CHECK(sb.Executions()[2].run.retry_of == retry_id);
    sb.engine->Stop();
  }
  fs::remove_all(dir);
}

TEST_CASE("a retry whose scenario left the fixtures is skipped and the failure says why", "[engine]") {
  Sandbox sb(ClockMode::kManual);
  RunState first = sb.Create("flaky");
  REQUIRE(sb.engine->AdvanceClock(kStart + 20000).ok());  // the first retry (same script) waits out its backoff
  sb.engine->ReplaceFixtures(sb.Fixtures(R"({"agents":[{"type":"wf","name":"Workflow","description":"d",
    "scenarios":[{"name":"fine","steps":[{"name":"work","label":"Work"}]}]}]})"));
  REQUIRE(sb.engine->AdvanceClock(kStart + 3600000).ok());
  auto runs = sb.Executions();
  REQUIRE(runs.size() == 2);
  CHECK(runs[1].run.status == RunStatus::kError);
  auto log = sb.store->Events(runs[1].run.id);
  REQUIRE(log.ok());
  const Event& failed = log.value().back();
  CHECK(failed.type == event_type::kRunFailed);
  CHECK(failed.payload["retry_skipped"] == "retry scenario \"also_fails\" of agent wf is no longer in the fixtures");
}

}  // namespace engine_retries_test
