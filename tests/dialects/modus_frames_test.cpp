// The Modus runtime's log -> frames mapping (lib/dialects/modus/runtime_frames.h).
#include <catch2/catch.hpp>

#include "dialects/modus/runtime_frames.h"

namespace dialects_modus_frames_test {

using namespace sandbox;
using namespace sandbox::modus;

namespace {

Event E(int64_t seq, const std::string& type, Instant at, Json payload) {
  return Event{"run-1", seq, type, at, std::move(payload)};
}

}  // namespace

TEST_CASE("modus runtime frames: each event type maps to its RunEvent", "[core]") {
  RuntimeFrames f;
  CHECK(!f.Next(E(1, "run.started", 1000, {{"request", {{"message", "hi"}, {"sessionId", "sess-1"}}}})));
  CHECK(!f.Next(E(2, "step.started", 1000, {{"step_id", "s1"}, {"label", "Compliance approval"}})));
  auto notice = f.Next(E(3, "notice", 1100, {{"step_id", "s1"}, {"text", "Searching"}}));
  REQUIRE(notice);
  CHECK(notice->id == "1100-3");
  CHECK(notice->data.dump() == R"({"type":"notice","message":"Searching","severity":"info"})");
  auto tool = f.Next(E(4, "tool.started", 1200, {{"step_id", "s1"}, {"name", "search"}, {"input", {{"q", 1}}}}));
  REQUIRE(tool);
  CHECK(tool->data.dump() == R"({"type":"tool_start","name":"search","input":{"q":1}})");
  auto tool_end =
      f.Next(E(5, "tool.completed", 1300, {{"step_id", "s1"}, {"name", "search"}, {"output", {{"ok", true}}}}));
  REQUIRE(tool_end);
  CHECK(tool_end->data.dump() == R"({"type":"tool_end","name":"search","output":{"ok":true}})");
  auto token = f.Next(E(6, "text.delta", 1400, {{"step_id", "s1"}, {"text", "Hello "}}));
  REQUIRE(token);
  CHECK(token->data.dump() == R"({"type":"token","content":"Hello "})");
  CHECK(token->Wire() == "id: 1400-6\ndata: {\"type\":\"token\",\"content\":\"Hello \"}\n\n");
  auto wait = f.Next(E(7, "run.interrupted", 1500, {{"interrupt_id", "i1"}, {"step_id", "s1"}, {"value", {{"x", 1}}}}));
  REQUIRE(wait);
  CHECK(wait->data.dump() ==
        R"({"type":"notice","message":"Compliance approval","severity":"warning","awaitingHuman":true})");
  CHECK(!f.finished());
  CHECK(!f.Next(E(8, "run.resumed", 1600, {{"interrupt_id", "i1"}})));
  auto done = f.Next(E(9, "run.completed", 1700, {{"output", {{"artifacts", Json::array()}}}}));
  REQUIRE(done);
  CHECK(done->data.dump() == R"({"type":"done","runId":"run-1","threadId":"sess-1"})");
  CHECK(f.finished());
  CHECK(f.applied_seq() == 9);
}

TEST_CASE("modus runtime frames: interrupt labels, failures, cancels", "[core]") {
  RuntimeFrames a;
  auto labelled = a.Next(E(1, "run.interrupted", 10, {{"step_id", "x"}, {"value", {{"label", "L"}, {"title", "T"}}}}));
  REQUIRE(labelled);
  CHECK(labelled->data["message"] == "L");
  auto titled = a.Next(E(2, "run.interrupted", 10, {{"step_id", "x"}, {"value", {{"title", "T"}}}}));
  CHECK(titled->data["message"] == "T");
  auto failed = a.Next(E(3, "run.failed", 20, {{"message", "boom"}}));
  REQUIRE(failed);
  CHECK(failed->data.dump() == R"({"type":"error","error":"boom"})");
  CHECK(a.finished());

  RuntimeFrames b;
  auto cancelled = b.Next(E(1, "run.cancelled", 42, Json::object()));
  REQUIRE(cancelled);
  CHECK(cancelled->data.dump() == R"({"type":"cancelled","runIds":["run-1"],"timestamp":42})");
  CHECK(b.finished());
}

TEST_CASE("modus runtime frames: cursors and heartbeats", "[core]") {
  CHECK(RuntimeCursor(1767225600000, 12) == "1767225600000-12");
  CHECK(ParseRuntimeCursor("") == 0);
  CHECK(ParseRuntimeCursor("0") == 0);
  CHECK(ParseRuntimeCursor("1767225600000-12") == 12);
  for (const char* bad : {"abc", "12", "-3", "5-", "1-x", "1-2-3", "x-1"}) {
    INFO(bad);
    CHECK(!ParseRuntimeCursor(bad));
  }
  CHECK(HeartbeatFrame(7).Wire() == "data: {\"type\":\"heartbeat\",\"timestamp\":7}\n\n");
  CHECK(ErrorFrame("no").Wire() == "data: {\"type\":\"error\",\"error\":\"no\"}\n\n");
}

}  // namespace dialects_modus_frames_test
