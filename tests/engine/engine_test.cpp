// The engine: runs advance along their scripts under each clock mode, stop at
// interrupts, resume down the chosen branch, survive a restart, and agree
// with a rebuild from their own log.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "core/projection.h"
#include "engine/engine.h"
#include "script/loader.h"

namespace engine_engine_test {

using namespace sandbox;

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
     "artifacts":[{"title":"Summary","type":"kyb_summary","confidence":"high","sources":[{"url":"https://x.example"}]}]}]},
  {"name":"quick","steps":[{"name":"only","label":"Only","type":"output","artifacts":[{"title":"T","type":"t"}]}]}
]}]})";

struct Sandbox {
  explicit Sandbox(ClockMode mode, const std::string& db = ":memory:", uint64_t seed = 0, Instant start = kStart)
      : ids(seed), clock(mode, start) {
    auto s = store::Store::Open(db);
    REQUIRE(s.ok());
    store = std::move(s).value();
    auto set = script::ParseFixtureText(kFixture, "t.json", ids);
    REQUIRE(set.ok());
    engine = std::make_unique<engine::Engine>(*store, clock, ids,
                                              std::make_shared<const script::FixtureSet>(std::move(set).value()));
    REQUIRE(engine->Start().ok());
  }

  RunState Create(std::optional<std::string> scenario = std::nullopt) {
    auto r = engine->CreateRun({Json::object(), "kyb", "business", "11111111-1111-4111-8111-111111111111", std::nullopt,
                                scenario, std::nullopt});
    REQUIRE(r.ok());
    return r.value();
  }
  RunState Stored(const std::string& id) {
    auto r = store->GetRun(id);
    REQUIRE(r.ok());
    REQUIRE(r.value().has_value());
    return *r.value();
  }
  std::string Log(const std::string& id) {
    auto events = store->Events(id);
    REQUIRE(events.ok());
    std::string out;
    for (const auto& e : events.value())
      out += std::to_string(e.seq) + " " + e.type + " +" + std::to_string(e.at - kStart) + "\n";
    return out;
  }

  IdGenerator ids;
  SteppedClock clock;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<engine::Engine> engine;
};

const char* kLogUntilInterrupt =
    "1 run.started +0\n"
    "2 step.started +0\n"
    "3 step.started +0\n"
    "4 artifact.added +1000\n"
    "5 step.completed +1000\n"
    "6 step.completed +2000\n"
    "7 step.started +2000\n"
    "8 run.interrupted +2000\n";

}  // namespace

TEST_CASE("in virtual time a new run reaches its interrupt before the call returns", "[engine]") {
  Sandbox sb(ClockMode::kVirtual);
  RunState created = sb.Create();
  CHECK(created.run.status == RunStatus::kRunning);
  // The answer shows the creation instant: the steps due at once have started.
  REQUIRE(created.steps.size() == 2);
  CHECK(created.steps[1].status == StepStatus::kRunning);
  CHECK(created.run.created_at == kStart);

  RunState now = sb.Stored(created.run.id);
  CHECK(now.run.status == RunStatus::kInterrupted);
  CHECK(sb.Log(created.run.id) == kLogUntilInterrupt);
  REQUIRE(now.interrupts.size() == 1);
  CHECK(now.interrupts[0].value == Json{{"agent", "kyb"}, {"label", "OK?"}});
  CHECK(now.interrupts[0].agent == "kyb");
  CHECK(now.steps[1].agent == "sos");
  CHECK(now.steps[1].parent_step_id == now.steps[0].id);
  CHECK(sb.engine->Now() == kStart + 2000);
}

TEST_CASE("resuming with approve runs the approve branch and completes with the output artifacts", "[engine]") {
  Sandbox sb(ClockMode::kVirtual);
  std::string id = sb.Create().run.id;
  std::string intr = sb.Stored(id).interrupts[0].id;
  auto resumed = sb.engine->Resume({id, intr, Json{{"decision", "approve"}}});
  REQUIRE(resumed.ok());
  CHECK(resumed.value().run.status == RunStatus::kRunning);

  RunState done = sb.Stored(id);
  CHECK(done.run.status == RunStatus::kCompleted);
  CHECK(done.run.ended_at == kStart + 3500);
  CHECK(sb.Log(id) == std::string(kLogUntilInterrupt) +
                          "9 run.resumed +2000\n"
                          "10 step.completed +2000\n"
                          "11 step.started +2000\n"
                          "12 step.completed +3000\n"
                          "13 step.started +3000\n"
                          "14 artifact.added +3500\n"
                          "15 step.completed +3500\n"
                          "16 run.completed +3500\n");
  const Json& artifacts = done.run.output["artifacts"];
  REQUIRE(artifacts.size() == 1);
  CHECK(artifacts[0]["type"] == "kyb_summary");
  CHECK(artifacts[0]["id"] == done.steps.back().artifacts[0].id);
  CHECK_FALSE(done.interrupts[0].pending);
  CHECK(done.interrupts[0].input == Json{{"decision", "approve"}});
}

TEST_CASE("resuming with reject fails the run with the scripted message", "[engine]") {
  Sandbox sb(ClockMode::kVirtual);
  std::string id = sb.Create().run.id;
  REQUIRE(sb.engine->Resume({id, sb.Stored(id).interrupts[0].id, Json{{"decision", "reject"}}}).ok());
  RunState done = sb.Stored(id);
  CHECK(done.run.status == RunStatus::kError);
  CHECK(done.run.error_message == "reviewer rejected");
  CHECK(done.steps.back().name == "boom");
  CHECK(done.steps.back().status == StepStatus::kError);
  CHECK(done.run.output.is_null());
}

TEST_CASE("a resume that does not fit the run is a conflict or not found", "[engine]") {
  Sandbox sb(ClockMode::kVirtual);
  std::string id = sb.Create().run.id;
  auto wrong = sb.engine->Resume({id, "intr_nope", Json()});
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.status().code() == Code::kConflict);
  CHECK(wrong.status().parameter() == "interrupt_id");
  CHECK(sb.engine->Resume({"no-such-run", "x", Json()}).status().code() == Code::kNotFound);
  std::string intr = sb.Stored(id).interrupts[0].id;
  REQUIRE(sb.engine->Resume({id, intr, Json()}).ok());
  auto again = sb.engine->Resume({id, intr, Json()});
  CHECK(again.status().code() == Code::kConflict);
  CHECK(again.status().message() == "run is not interrupted (status: completed)");
}

TEST_CASE("exactly one of many concurrent resumes of one interrupt wins", "[engine]") {
  Sandbox sb(ClockMode::kVirtual);
  std::string id = sb.Create().run.id;
  std::string intr = sb.Stored(id).interrupts[0].id;
  std::atomic<int> won{0}, conflicts{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      auto r = sb.engine->Resume({id, intr, Json{{"decision", "approve"}}});
      if (r.ok())
        ++won;
      else if (r.status().code() == Code::kConflict)
        ++conflicts;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(won == 1);
  CHECK(conflicts == 7);
  std::string log = sb.Log(id);
  size_t first = log.find("run.resumed");
  CHECK(log.substr(first - 2, 13) == "9 run.resumed");
  CHECK(log.find("run.resumed", first + 1) == std::string::npos);
}

TEST_CASE("in manual time nothing moves until the clock is advanced", "[engine]") {
  Sandbox sb(ClockMode::kManual);
  std::string id = sb.Create().run.id;
  CHECK(sb.Log(id) == "1 run.started +0\n2 step.started +0\n3 step.started +0\n");
  auto fired = sb.engine->AdvanceClock(kStart + 1500);
  REQUIRE(fired.ok());
  CHECK(sb.engine->Now() == kStart + 1500);
  REQUIRE(fired.value().size() == 2);
  CHECK(fired.value()[0].type == "artifact.added");
  CHECK(fired.value()[1].at == kStart + 1000);
  CHECK(sb.engine->AdvanceClock(kStart).status().code() == Code::kInvalidArgument);
  CHECK(sb.Log(id) ==
        "1 run.started +0\n2 step.started +0\n3 step.started +0\n4 artifact.added +1000\n"
        "5 step.completed +1000\n");
  REQUIRE(sb.engine->AdvanceClock(kStart + 60000).ok());
  CHECK(sb.Log(id) == kLogUntilInterrupt);
  CHECK(sb.Stored(id).run.status == RunStatus::kInterrupted);
}

TEST_CASE("stored rows always equal a rebuild from the log", "[engine][store]") {
  Sandbox sb(ClockMode::kVirtual);
  std::string id = sb.Create().run.id;
  auto check = [&] {
    auto log = sb.store->Events(id);
    REQUIRE(log.ok());
    auto rebuilt = Rebuild(log.value());
    REQUIRE(rebuilt.ok());
    CHECK(rebuilt.value() == sb.Stored(id));
  };
  check();
  REQUIRE(sb.engine->Resume({id, sb.Stored(id).interrupts[0].id, "approve"}).ok());
  check();
}

TEST_CASE("a run in flight carries on after a restart from where its log ends", "[engine][store]") {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / "agent-sandbox-engine-restart";
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::string db = (dir / "sandbox.db").string();
  std::string id;
  {
    Sandbox first(ClockMode::kManual, db);
    id = first.Create().run.id;
    REQUIRE(first.engine->AdvanceClock(kStart + 1000).ok());
    first.engine->Stop();
  }
  {
    // The new process's clock starts earlier; the saved instant wins.
    Sandbox second(ClockMode::kManual, db, 0, kStart - 99999);
    CHECK(second.engine->Now() == kStart + 1000);
    REQUIRE(second.engine->AdvanceClock(kStart + 5000).ok());
    CHECK(second.Log(id) == kLogUntilInterrupt);
    // Ordinals continue: a new run gets a fresh id and thread.
    RunState next = second.Create();
    CHECK(next.run.ordinal == 2);
    CHECK(next.run.id != id);
  }
  fs::remove_all(dir);
}

TEST_CASE("the same seed and commands give the same log and ids, another seed does not", "[engine]") {
  auto drive = [](uint64_t seed) {
    Sandbox sb(ClockMode::kVirtual, ":memory:", seed);
    std::string id = sb.Create().run.id;
    REQUIRE(sb.engine->Resume({id, sb.Stored(id).interrupts[0].id, "approve"}).ok());
    auto events = sb.store->Events(id);
    REQUIRE(events.ok());
    std::string out = id + "\n";
    for (const auto& e : events.value()) out += DescribeEvent(e) + "\n";
    return out;
  };
  std::string a = drive(5);
  CHECK(a == drive(5));
  CHECK(a != drive(6));
}

TEST_CASE("unknown agents, threads and scenarios are not found, naming the parameter", "[engine]") {
  Sandbox sb(ClockMode::kVirtual);
  auto agent =
      sb.engine->CreateRun({Json::object(), "nope", "business", "b", std::nullopt, std::nullopt, std::nullopt});
  CHECK(agent.status().code() == Code::kNotFound);
  CHECK(agent.status().parameter() == "type");
  auto thread = sb.engine->CreateRun({Json::object(), "kyb", std::nullopt, std::nullopt,
                                      "11111111-1111-4111-8111-111111111111", std::nullopt, std::nullopt});
  CHECK(thread.status().code() == Code::kNotFound);
  CHECK(thread.status().parameter() == "thread_id");
  auto scenario = sb.engine->CreateRun({Json::object(), "kyb", "business", "b", std::nullopt, "nope", std::nullopt});
  CHECK(scenario.status().code() == Code::kNotFound);
  CHECK(scenario.status().parameter() == "X-Sandbox-Scenario");
  // Nothing was half-written by the refusals.
  CHECK(sb.store->CountRuns().value() == 0);
  CHECK(sb.store->CountThreads().value() == 0);
}

TEST_CASE("a named scenario is used instead of the default", "[engine]") {
  Sandbox sb(ClockMode::kVirtual);
  std::string id = sb.Create("quick").run.id;
  RunState done = sb.Stored(id);
  CHECK(done.run.scenario == "quick");
  CHECK(done.run.status == RunStatus::kCompleted);
  CHECK(done.run.output["artifacts"][0]["title"] == "T");
}

TEST_CASE("in realtime the writer wakes itself when scripted work falls due", "[engine]") {
  IdGenerator ids(0);
  auto clock = MakeRealtimeClock(kStart, /*speed=*/1000.0);  // the 2s script passes in about 2ms
  auto s = store::Store::Open(":memory:");
  REQUIRE(s.ok());
  auto set = script::ParseFixtureText(kFixture, "t.json", ids);
  REQUIRE(set.ok());
  engine::Engine engine(*s.value(), *clock, ids, std::make_shared<const script::FixtureSet>(std::move(set).value()));
  REQUIRE(engine.Start().ok());
  auto run = engine.CreateRun({Json::object(), "kyb", "business", "b", std::nullopt, std::nullopt, std::nullopt});
  REQUIRE(run.ok());
  // Poll with a bound instead of sleeping for a guessed time.
  RunStatus status = RunStatus::kRunning;
  auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (status == RunStatus::kRunning && std::chrono::steady_clock::now() < give_up) {
    status = s.value()->GetRun(run.value().run.id).value()->run.status;
    if (status == RunStatus::kRunning) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  CHECK(status == RunStatus::kInterrupted);
  // Timestamps follow the script, not the moment the writer woke up.
  RunState done = *s.value()->GetRun(run.value().run.id).value();
  CHECK(done.steps.back().started_at - done.run.created_at == 2000);
  CHECK(engine.AdvanceClock(kStart + 99999999).status().code() == Code::kConflict);
  engine.Stop();
}

namespace {

// A one-agent sandbox over `fixture` text, virtual or manual time.
struct ScriptedSandbox {
  ScriptedSandbox(const std::string& fixture, ClockMode mode = ClockMode::kVirtual) : ids(0), clock(mode, kStart) {
    store = std::move(store::Store::Open(":memory:")).value();
    auto set = script::ParseFixtureText(fixture, "t.json", ids);
    REQUIRE(set.ok());
    engine = std::make_unique<engine::Engine>(*store, clock, ids,
                                              std::make_shared<const script::FixtureSet>(std::move(set).value()));
    REQUIRE(engine->Start().ok());
  }
  RunState Run(Json request, std::optional<std::string> scenario = std::nullopt) {
    auto r = engine->CreateRun({request, "a", "business", "b", std::nullopt, scenario, std::nullopt});
    REQUIRE(r.ok());
    return *store->GetRun(r.value().run.id).value();
  }
  IdGenerator ids;
  SteppedClock clock;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<engine::Engine> engine;
};

std::string Agent(const std::string& scenarios, const std::string& extra = "") {
  return R"({"agents":[{"type":"a","name":"Agent A","description":"d")" + extra + R"(,"scenarios":)" + scenarios +
         "}]}";
}

}  // namespace

TEST_CASE("templates are rendered from the request, run, agent, resume and clock into the log", "[engine]") {
  ScriptedSandbox sb(Agent(R"([{"name":"default","steps":[
    {"name":"s","label":"Checking {{request.business_id}} for {{agent.name}}","duration":"1s",
     "artifacts":[{"title":"Run {{run.id}}","type":"x","summary":"at {{now}}"}]},
    {"name":"ask","label":"Ask","type":"interrupt","interrupt":{"value":{"q":"Approve {{request.business_id}}?"}}},
    {"name":"done","label":"Decided {{resume.decision}}: {{resume.note}}","result":{"by":"{{resume.note}}"}}]}])"));
  RunState r = sb.Run(Json{{"business_id", "B-42"}});
  CHECK(r.steps[0].label == "Checking B-42 for Agent A");
  CHECK(r.steps[0].artifacts[0].title == "Run " + r.run.id);
  CHECK(r.steps[0].artifacts[0].summary == "at 2026-01-01T00:00:01.000Z");
  CHECK(r.interrupts[0].value == Json{{"q", "Approve B-42?"}});
  REQUIRE(sb.engine->Resume({r.run.id, r.interrupts[0].id, Json{{"decision", "approve"}, {"note", "fine"}}}).ok());
  RunState done = *sb.store->GetRun(r.run.id).value();
  CHECK(done.steps.back().label == "Decided approve: fine");
  CHECK(done.steps.back().result == Json{{"by", "fine"}});
}

TEST_CASE("scenarios are chosen by their match rules, the header, or the default", "[engine]") {
  ScriptedSandbox sb(Agent(R"([
    {"name":"plain","steps":[{"name":"p","label":"P"}]},
    {"name":"dead","match":[{"field":"business_id","equals":"dead"}],"steps":[{"name":"d","label":"D"}]},
    {"name":"chat","match":[{"field":"message","contains":"sanctions"}],"steps":[{"name":"c","label":"C"}]}])"));
  CHECK(sb.Run(Json{{"business_id", "dead"}}).run.scenario == "dead");
  CHECK(sb.Run(Json{{"message", "any sanctions hits?"}}).run.scenario == "chat");
  CHECK(sb.Run(Json{{"business_id", "alive"}}).run.scenario == "plain");
  CHECK(sb.Run(Json{{"business_id", "dead"}}, "chat").run.scenario == "chat");
}

TEST_CASE("an unanswered interrupt expires at its timeout and the run fails with approval_timeout", "[engine]") {
  ScriptedSandbox sb(Agent(R"([{"name":"default","steps":[
    {"name":"ask","label":"Ask","duration":"1s","type":"interrupt","interrupt":{"value":{},"timeout":"1h"}}]}])"),
                     ClockMode::kManual);
  RunState r = sb.Run(Json::object());
  REQUIRE(r.run.status == RunStatus::kInterrupted);
  REQUIRE(sb.engine->AdvanceClock(kStart + 3599999).ok());
  CHECK(sb.store->GetRun(r.run.id).value()->run.status == RunStatus::kInterrupted);
  REQUIRE(sb.engine->AdvanceClock(kStart + 3600000).ok());
  RunState done = *sb.store->GetRun(r.run.id).value();
  CHECK(done.run.status == RunStatus::kError);
  CHECK(done.run.error_message == "approval_timeout");
  CHECK(done.run.failure_reason == "approval_timeout");
  CHECK(done.run.ended_at == kStart + 3600000);
  CHECK(done.interrupts[0].expired);
  CHECK(done.steps[0].status == StepStatus::kError);
  // Too late to answer.
  CHECK(sb.engine->Resume({r.run.id, r.interrupts[0].id, "approve"}).status().code() == Code::kConflict);
}

TEST_CASE("an interrupt's on_timeout steps run after expiry, an answer in time cancels the timeout", "[engine]") {
  const std::string fixture = Agent(R"([{"name":"default","steps":[
    {"name":"ask","label":"Ask","type":"interrupt","interrupt":{"value":{},"timeout":"10m",
      "on_timeout":[{"name":"escalate","label":"Escalate","duration":"1s"}]}},
    {"name":"end","label":"End"}]}])");
  {
    // Virtual time does not jump through a human's time to answer: the run
    // waits until the clock is moved past the timeout.
    ScriptedSandbox sb(fixture);
    RunState r = sb.Run(Json::object());
    CHECK(r.run.status == RunStatus::kInterrupted);
    CHECK(sb.engine->Now() == kStart);
    auto fired = sb.engine->AdvanceClock(kStart + 600000);
    REQUIRE(fired.ok());
    CHECK(fired.value().front().type == "interrupt.expired");
    RunState done = *sb.store->GetRun(r.run.id).value();
    CHECK(done.run.status == RunStatus::kCompleted);
    CHECK(done.steps[1].name == "escalate");
    CHECK(done.run.ended_at == kStart + 601000);  // the escalation's own second passed in virtual time
  }
  {
    ScriptedSandbox sb(fixture, ClockMode::kManual);
    RunState r = sb.Run(Json::object());
    REQUIRE(sb.engine->Resume({r.run.id, r.interrupts[0].id, "approve"}).ok());
    REQUIRE(sb.engine->AdvanceClock(kStart + 3600000).ok());
    RunState done = *sb.store->GetRun(r.run.id).value();
    CHECK(done.run.status == RunStatus::kCompleted);
    CHECK(done.steps.size() == 2);  // ask, end: no escalation
  }
}

TEST_CASE("a waiting run's timeout survives a restart", "[engine][store]") {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / "agent-sandbox-timeout-restart";
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::string db = (dir / "s.db").string();
  const std::string fixture = Agent(R"([{"name":"default","steps":[
    {"name":"ask","label":"Ask","type":"interrupt","interrupt":{"value":{},"timeout":"1h"}}]}])");
  std::string id;
  auto open = [&](std::unique_ptr<store::Store>& st, SteppedClock& clock, IdGenerator& ids) {
    st = std::move(store::Store::Open(db)).value();
    auto set = script::ParseFixtureText(fixture, "t.json", ids);
    return std::make_unique<engine::Engine>(*st, clock, ids,
                                            std::make_shared<const script::FixtureSet>(std::move(set).value()));
  };
  {
    IdGenerator ids(0);
    SteppedClock clock(ClockMode::kManual, kStart);
    std::unique_ptr<store::Store> st;
    auto engine = open(st, clock, ids);
    REQUIRE(engine->Start().ok());
    id = engine->CreateRun({Json::object(), "a", "business", "b", std::nullopt, std::nullopt, std::nullopt})->run.id;
    engine->Stop();
  }
  IdGenerator ids(0);
  SteppedClock clock(ClockMode::kManual, kStart);
  std::unique_ptr<store::Store> st;
  auto engine = open(st, clock, ids);
  REQUIRE(engine->Start().ok());
  REQUIRE(engine->AdvanceClock(kStart + 7200000).ok());
  CHECK(st->GetRun(id).value()->run.failure_reason == "approval_timeout");
  engine->Stop();
  fs::remove_all(dir);
}

TEST_CASE("an auto_approve policy records the resolution and runs the approve branch", "[engine]") {
  ScriptedSandbox sb(Agent(R"([{"name":"default","steps":[
    {"name":"ask","label":"Ask","type":"interrupt","interrupt":{"value":{},"branches":{"approve":[{"name":"apply","label":"Apply"}]}}}]}])",
                           R"(,"interrupt_policy":"auto_approve")"));
  RunState r = sb.Run(Json::object());
  CHECK(r.run.status == RunStatus::kCompleted);
  CHECK(r.interrupts.empty());
  CHECK(r.steps[0].result == Json{{"resolution", "auto_approve"}});
  CHECK(r.steps[1].name == "apply");
}

TEST_CASE("streamed messages, tools and notices are logged and the step keeps the text", "[engine]") {
  ScriptedSandbox sb(
      Agent(R"([{"name":"default","result":{"summary":"Answered {{request.message}}","task_result":{"n":1}},
    "steps":[{"name":"answer","label":"A","duration":"2s","notice":"Looking","tool":{"name":"search","input":{"q":"{{request.message}}"},"output":{"hits":2}},
    "message":"Two hits for {{request.message}}."}]}])"));
  RunState r = sb.Run(Json{{"message", "Acme"}});
  CHECK(r.steps[0].text == "Two hits for Acme.");
  CHECK(r.run.result == Json{{"summary", "Answered Acme"}, {"task_result", {{"n", 1}}}});
  auto log = sb.store->Events(r.run.id).value();
  std::string types;
  for (const auto& e : log) types += e.type + " ";
  CHECK(types ==
        "run.started step.started notice tool.started text.delta text.delta text.delta text.delta tool.completed "
        "step.completed run.completed ");
  CHECK(log[3].payload["input"] == Json{{"q", "Acme"}});
}

TEST_CASE("after a restart a realtime run waits out exactly the durations it had left", "[engine][store]") {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / "agent-sandbox-realtime-restart";
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::string db = (dir / "s.db").string();
  std::string id;
  {
    // The first process gets 1.5s into the script, then stops.
    Sandbox first(ClockMode::kManual, db);
    id = first.Create().run.id;
    REQUIRE(first.engine->AdvanceClock(kStart + 1500).ok());
    first.engine->Stop();
  }
  IdGenerator ids(0);
  // A realtime clock that would start an hour earlier: the saved instant wins.
  auto clock = MakeRealtimeClock(kStart - 3600000, /*speed=*/1000.0);
  auto st = store::Store::Open(db);
  REQUIRE(st.ok());
  auto set = script::ParseFixtureText(kFixture, "t.json", ids);
  engine::Engine engine(*st.value(), *clock, ids, std::make_shared<const script::FixtureSet>(std::move(set).value()));
  REQUIRE(engine.Start().ok());
  CHECK(engine.Now() >= kStart + 1500);
  RunStatus status = RunStatus::kRunning;
  auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (status == RunStatus::kRunning && std::chrono::steady_clock::now() < give_up) {
    status = st.value()->GetRun(id).value()->run.status;
    if (status == RunStatus::kRunning) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  REQUIRE(status == RunStatus::kInterrupted);
  // The remaining half second of `check` was waited out in sandbox time: the
  // log is the script's, to the millisecond.
  auto log = st.value()->Events(id).value();
  CHECK(log[5].type == "step.completed");
  CHECK(log[5].at == kStart + 2000);
  CHECK(log.back().at == kStart + 2000);
  engine.Stop();
  fs::remove_all(dir);
}

TEST_CASE("a run is cancelled while running or waiting, and not after it ended", "[engine]") {
  Sandbox sb(ClockMode::kManual);
  std::string running = sb.Create().run.id;
  auto cancelled = sb.engine->Cancel(running, "user asked");
  REQUIRE(cancelled.ok());
  RunState r = sb.Stored(running);
  CHECK(r.run.status == RunStatus::kCancelled);
  CHECK(r.run.failure_reason == "user asked");
  CHECK(r.run.ended_at == kStart);
  for (const auto& st : r.steps) CHECK(st.status == StepStatus::kError);
  // Nothing more happens to it when time moves on.
  REQUIRE(sb.engine->AdvanceClock(kStart + 60000).ok());
  CHECK(sb.Log(running) == "1 run.started +0\n2 step.started +0\n3 step.started +0\n4 run.cancelled +0\n");
  CHECK(sb.engine->Cancel(running, std::nullopt).status().code() == Code::kConflict);
  CHECK(sb.engine->Cancel("nope", std::nullopt).status().code() == Code::kNotFound);

  std::string waiting = sb.Create().run.id;
  REQUIRE(sb.engine->AdvanceClock(kStart + 120000).ok());
  REQUIRE(sb.Stored(waiting).run.status == RunStatus::kInterrupted);
  REQUIRE(sb.engine->Cancel(waiting, std::nullopt).ok());
  RunState w = sb.Stored(waiting);
  CHECK(w.run.status == RunStatus::kCancelled);
  CHECK_FALSE(w.interrupts[0].pending);
  CHECK(sb.engine->Resume({waiting, w.interrupts[0].id, "approve"}).status().code() == Code::kConflict);
  CHECK(w.run.trigger_type == "api");
}

TEST_CASE("schedule triggers start runs as the clock passes them, only where enabled", "[engine]") {
  const std::string fixture = R"({"agents":[{"type":"nightly","name":"Nightly","description":"d",
    "modus":{"id":9,"agent_type":"task","triggers":[{"type":"schedule","every":"1h"}]},
    "scenarios":[{"name":"default","steps":[{"name":"work","label":"Work","duration":"1m"}]}]}]})";
  auto make = [&](bool schedules, ClockMode mode, std::unique_ptr<store::Store>& st, SteppedClock& clock,
                  IdGenerator& ids) {
    st = std::move(store::Store::Open(":memory:")).value();
    auto set = script::ParseFixtureText(fixture, "t.json", ids);
    REQUIRE(set.ok());
    auto e = std::make_unique<engine::Engine>(*st, clock, ids,
                                              std::make_shared<const script::FixtureSet>(std::move(set).value()));
    if (schedules) e->EnableSchedules();
    REQUIRE(e->Start().ok());
    (void)mode;
    return e;
  };
  IdGenerator ids(0);
  {
    SteppedClock clock(ClockMode::kVirtual, kStart);
    std::unique_ptr<store::Store> st;
    auto e = make(true, ClockMode::kVirtual, st, clock, ids);
    // Virtual time does not run ahead to the next schedule on its own.
    CHECK(e->Now() == kStart);
    CHECK(st->CountRuns().value() == 0);
    auto fired = e->AdvanceClock(kStart + 3 * 3600000);
    REQUIRE(fired.ok());
    auto runs = st->ListRuns(10, 0).value().items;  // newest first
    REQUIRE(runs.size() == 3);
    CHECK(runs[2].run.created_at == kStart + 3600000);
    CHECK(runs[1].run.created_at == kStart + 2 * 3600000);
    CHECK(runs[0].run.created_at == kStart + 3 * 3600000);
    for (const auto& r : runs) CHECK(r.run.trigger_type == "schedule");
    CHECK(runs[2].run.status == RunStatus::kCompleted);
    CHECK(fired.value().front().type == "run.started");
  }
  {
    SteppedClock clock(ClockMode::kManual, kStart);
    std::unique_ptr<store::Store> st;
    auto e = make(false, ClockMode::kManual, st, clock, ids);
    REQUIRE(e->AdvanceClock(kStart + 3 * 3600000).ok());
    CHECK(st->CountRuns().value() == 0);  // not enabled in this namespace
  }
}

TEST_CASE("artifact type prefixes and thread contexts are matched literally, not as patterns", "[engine][store]") {
  Sandbox sb(ClockMode::kVirtual);
  RunState done = sb.Stored(sb.Create("quick").run.id);
  const std::string artifact = done.steps.back().artifacts.at(0).id;  // type "t"
  auto exists = [&](const std::string& id, const std::string& prefix) {
    auto r = sb.store->ArtifactExists(id, prefix);
    REQUIRE(r.ok());
    return r.value();
  };
  CHECK(exists(artifact, "t"));
  CHECK(exists(artifact, ""));
  CHECK_FALSE(exists(artifact, "_"));  // a LIKE pattern would match any one character
  CHECK_FALSE(exists(artifact, "%"));
  CHECK_FALSE(exists(artifact, "tt"));
  CHECK_FALSE(exists("not-an-artifact", "t"));
  auto context = [&](const std::string& type, const std::string& id) {
    auto r = sb.store->ThreadContextExists(type, id);
    REQUIRE(r.ok());
    return r.value();
  };
  CHECK(context("business", "11111111-1111-4111-8111-111111111111"));
  CHECK_FALSE(context("person", "11111111-1111-4111-8111-111111111111"));
  CHECK_FALSE(context("business", "11111111-1111-4111-8111-11111111111%"));
}

TEST_CASE("a run's followers wake for its own commits, and all of them for a reset", "[engine][bus]") {
  Sandbox sb(ClockMode::kVirtual);
  std::string a = sb.Create().run.id;
  std::string b = sb.Create().run.id;
  auto watch_a = sb.engine->bus().Watch(a);
  auto watch_b = sb.engine->bus().Watch(b);
  const uint64_t a0 = sb.engine->bus().version(*watch_a), b0 = sb.engine->bus().version(*watch_b);

  // Resuming a carries it to completion through several commits (one group).
  REQUIRE(sb.engine->Resume({a, sb.Stored(a).interrupts[0].id, Json{{"decision", "approve"}}}).ok());
  CHECK(sb.engine->bus().version(*watch_a) > a0);
  CHECK(sb.engine->bus().version(*watch_b) == b0);
  // Cancelling b is b's commit alone.
  const uint64_t a1 = sb.engine->bus().version(*watch_a);
  REQUIRE(sb.engine->Cancel(b, std::nullopt).ok());
  CHECK(sb.engine->bus().version(*watch_a) == a1);
  CHECK(sb.engine->bus().version(*watch_b) == b0 + 1);

  REQUIRE(sb.engine->Reset().ok());
  CHECK(sb.engine->bus().version(*watch_a) > a1);
  CHECK(sb.engine->bus().version(*watch_b) > b0 + 1);
}

}  // namespace engine_engine_test
