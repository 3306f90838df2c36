// apply(): each event's effect on a run, and the damage it refuses.
#include <catch2/catch.hpp>

#include "core/projection.h"

namespace core_projection_test {

using namespace sandbox;

namespace {

Event Ev(int64_t seq, const char* type, Instant at, Json payload) {
  return Event{"run-1", seq, type, at, std::move(payload)};
}

std::vector<Event> InterruptedLog() {
  return {
      Ev(1, event_type::kRunStarted, 1000,
         {{"thread_id", "t-1"}, {"agent", "cip"}, {"scenario", "default"}, {"ordinal", 1}, {"requester", nullptr}}),
      Ev(2, event_type::kStepStarted, 1000,
         {{"step_id", "s-1"},
          {"parent_step_id", nullptr},
          {"agent", "cip"},
          {"type", "activity"},
          {"name", "plan"},
          {"label", "Planning"},
          {"ordinal", 0}}),
      Ev(3, event_type::kStepStarted, 1000,
         {{"step_id", "s-2"},
          {"parent_step_id", "s-1"},
          {"agent", "sos"},
          {"type", "activity"},
          {"name", "sos"},
          {"label", "SOS"},
          {"ordinal", 1}}),
      Ev(4, event_type::kArtifactAdded, 3000,
         {{"step_id", "s-2"},
          {"artifact",
           {{"id", "a-1"},
            {"title", "SOS"},
            {"type", "sos_report"},
            {"confidence", "high"},
            {"summary", nullptr},
            {"sources", {{{"url", "https://sos.example.gov"}}}}}}}),
      Ev(5, event_type::kStepCompleted, 3000, {{"step_id", "s-2"}, {"status", "completed"}}),
      Ev(6, event_type::kStepCompleted, 3000, {{"step_id", "s-1"}, {"status", "completed"}}),
      Ev(7, event_type::kStepStarted, 3000,
         {{"step_id", "s-3"},
          {"parent_step_id", nullptr},
          {"agent", "cip"},
          {"type", "interrupt"},
          {"name", "review"},
          {"label", "Review"},
          {"ordinal", 2}}),
      Ev(8, event_type::kRunInterrupted, 3000,
         {{"interrupt_id", "intr_1"}, {"step_id", "s-3"}, {"agent", "cip"}, {"value", {{"label", "ok?"}}}}),
  };
}

// A compact rendering of everything a projection holds.
std::string Describe(const RunState& s) {
  std::string out = std::string(RunStatusName(s.run.status)) + " seq=" + std::to_string(s.run.last_seq) +
                    " cursor=" + std::to_string(s.run.cursor.segment) + "/" + std::to_string(s.run.cursor.pc) + "@" +
                    std::to_string(s.run.cursor.segment_base) + " updated=" + std::to_string(s.run.updated_at);
  if (s.run.ended_at) out += " ended=" + std::to_string(*s.run.ended_at);
  for (const auto& st : s.steps) {
    out += "\n" + st.id + " " + st.name + " " + StepStatusName(st.status) +
           " parent=" + st.parent_step_id.value_or("-") + " " + std::to_string(st.started_at) + ".." +
           (st.completed_at ? std::to_string(*st.completed_at) : "") +
           " artifacts=" + std::to_string(st.artifacts.size());
  }
  for (const auto& i : s.interrupts) out += "\n" + i.id + (i.pending ? " pending" : " resolved");
  return out;
}

}  // namespace

TEST_CASE("a log replays into the run, its step tree and its pending interrupt", "[core]") {
  auto state = Rebuild(InterruptedLog());
  REQUIRE(state.ok());
  CHECK(Describe(state.value()) ==
        "interrupted seq=8 cursor=0/7@1000 updated=3000\n"
        "s-1 plan completed parent=- 1000..3000 artifacts=0\n"
        "s-2 sos completed parent=s-1 1000..3000 artifacts=1\n"
        "s-3 review running parent=- 3000.. artifacts=0\n"
        "intr_1 pending");
  CHECK(state.value().run.thread_id == "t-1");
  CHECK(state.value().steps[1].artifacts[0].sources[0].url == "https://sos.example.gov");
}

TEST_CASE("a resume answers the interrupt and moves the cursor to the branch's segment", "[core]") {
  auto log = InterruptedLog();
  log.push_back(
      Ev(9, event_type::kRunResumed, 5000,
         {{"interrupt_id", "intr_1"}, {"input", {{"decision", "approve"}}}, {"branch", "approve"}, {"segment", 2}}));
  log.push_back(Ev(10, event_type::kStepCompleted, 5000, {{"step_id", "s-3"}, {"status", "completed"}}));
  log.push_back(Ev(11, event_type::kRunCompleted, 6000, {{"output", {{"artifacts", Json::array()}}}}));
  auto state = Rebuild(log);
  REQUIRE(state.ok());
  CHECK(Describe(state.value()) ==
        "completed seq=11 cursor=2/1@5000 updated=6000 ended=6000\n"
        "s-1 plan completed parent=- 1000..3000 artifacts=0\n"
        "s-2 sos completed parent=s-1 1000..3000 artifacts=1\n"
        "s-3 review completed parent=- 3000..5000 artifacts=0\n"
        "intr_1 resolved");
  CHECK(state.value().interrupts[0].input == Json{{"decision", "approve"}});
}

TEST_CASE("a failure ends every step still open with an error", "[core]") {
  auto log = InterruptedLog();
  log.resize(3);
  log.push_back(Ev(4, event_type::kRunFailed, 2000, {{"message", "SOS unreachable"}}));
  auto state = Rebuild(log);
  REQUIRE(state.ok());
  CHECK(Describe(state.value()) ==
        "error seq=4 cursor=0/2@1000 updated=2000 ended=2000\n"
        "s-1 plan error parent=- 1000..2000 artifacts=0\n"
        "s-2 sos error parent=s-1 1000..2000 artifacts=0");
  CHECK(state.value().run.error_message == "SOS unreachable");
}

TEST_CASE("damaged logs are refused by name and leave the state untouched", "[core]") {
  auto log = InterruptedLog();
  RunState state;
  for (size_t i = 0; i < 4; ++i) REQUIRE(Apply(state, log[i]).ok());
  const RunState before = state;

  struct Case {
    const char* name;
    Event event;
    const char* expected;
  };
  std::vector<Case> cases = {
      {"sequence gap", Ev(6, event_type::kStepCompleted, 3000, {{"step_id", "s-2"}, {"status", "completed"}}),
       "expected sequence 5"},
      {"duplicate sequence", log[3], "expected sequence 5"},
      {"unknown event", Ev(5, "run.teleported", 3000, Json::object()), "unknown event type"},
      {"unknown step", Ev(5, event_type::kStepCompleted, 3000, {{"step_id", "nope"}, {"status", "completed"}}),
       "unknown step"},
      {"bad status", Ev(5, event_type::kStepCompleted, 3000, {{"step_id", "s-2"}, {"status", "running"}}),
       "status must be completed or error"},
      {"second start", Ev(5, event_type::kRunStarted, 3000, log[0].payload), "run.started may only come first"},
      {"payload not an object", Ev(5, event_type::kStepCompleted, 3000, Json::array()), "payload must be an object"},
      {"resume while running", Ev(5, event_type::kRunResumed, 3000, {{"interrupt_id", "x"}, {"segment", 1}}),
       "interrupt is not pending"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    Status st = Apply(state, c.event);
    CHECK_FALSE(st.ok());
    CHECK_THAT(st.message(), Catch::Contains(c.expected));
    CHECK(state == before);
  }
}

TEST_CASE("a log must begin with run.started and nothing follows the end", "[core]") {
  auto log = InterruptedLog();
  CHECK_FALSE(Rebuild({log[1]}).ok());
  CHECK_FALSE(Rebuild({}).ok());
  std::vector<Event> ended = {log[0], Ev(2, event_type::kRunFailed, 1000, {{"message", "x"}}),
                              Ev(3, event_type::kRunFailed, 1000, {{"message", "y"}})};
  auto st = Rebuild(ended);
  REQUIRE_FALSE(st.ok());
  CHECK_THAT(st.status().message(), Catch::Contains("run has already ended"));
}

TEST_CASE("a retry's run.started links it to the failed execution and defers its first instruction", "[core]") {
  Json payload = InterruptedLog()[0].payload;
  payload["retry"] = {{"of", "run-0"}, {"first", "run-first"}, {"attempt", 3}, {"delay_ms", 30000}};
  auto state = Rebuild({Ev(1, event_type::kRunStarted, 1000, payload)});
  REQUIRE(state.ok());
  const Run& r = state.value().run;
  CHECK(r.retry_of == "run-0");
  CHECK(r.first_attempt == "run-first");
  CHECK(r.attempt == 3);
  CHECK(r.started_at == 1000);
  CHECK(r.cursor == Cursor{0, 0, 31000});

  auto plain = Rebuild({InterruptedLog()[0]});
  REQUIRE(plain.ok());
  CHECK(plain.value().run.attempt == 1);
  CHECK(plain.value().run.retry_of.empty());
  CHECK(plain.value().run.cursor == Cursor{0, 0, 1000});

  for (Json bad : {Json("run-0"), Json{{"of", "run-0"}, {"first", "run-0"}, {"attempt", 1}, {"delay_ms", 0}},
                   Json{{"of", "run-0"}, {"first", "run-0"}, {"attempt", 2}, {"delay_ms", -5}},
                   Json{{"first", "run-0"}, {"attempt", 2}, {"delay_ms", 0}}}) {
    INFO(bad.dump());
    Json p = InterruptedLog()[0].payload;
    p["retry"] = bad;
    auto st = Rebuild({Ev(1, event_type::kRunStarted, 1000, p)});
    REQUIRE_FALSE(st.ok());
    CHECK_THAT(st.status().message(), Catch::Contains("retry needs of, first, attempt (>= 2) and delay_ms (>= 0)"));
  }
}

}  // namespace core_projection_test
