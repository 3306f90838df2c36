// import: a Run captured from the API (the JSON of GET /v1/runs/{id}?include=steps,
// a STATE_SNAPSHOT event, or a saved stream) becomes a fixture the loader
// accepts; played again it gives the same step tree at the same instants.
#include <catch2/catch.hpp>

#include "kyc_fixture.h"
#include "play.h"
#include "transfer/import.h"

namespace transfer_import_test {

using namespace sandbox;
using namespace sandbox::transfer_test;

namespace {

// The imported fixture, checked by the loader.
std::string Import(const Json& run, const std::string& agent = "") {
  auto doc = transfer::ImportRun(run, agent);
  INFO(doc.status().message());
  REQUIRE(doc.ok());
  std::string text = doc->dump(2);
  auto loaded = script::ParseFixtureText(text, "imported.json", IdGenerator(0));
  INFO(text);
  INFO(loaded.status().message());
  REQUIRE(loaded.ok());
  return text;
}

const Json& FirstScenario(const Json& doc) { return doc["agents"][0]["scenarios"][0]; }

std::string ErrorOf(const std::string& text) {
  auto r = transfer::CapturedRun(text);
  return r.ok() ? "(ok)" : r.status().message();
}

// A capture as the real API might give it: second-precision instants, no
// artifact ids, overlapping (parallel) checks, a gap after the first step,
// and a pending interrupt.
const char* kRealCapture = R"({
  "object": "run", "id": "9f1b2c34-5678-4abc-9def-0123456789ab", "status": "interrupted",
  "created_at": "2026-04-30T18:42:11Z", "updated_at": "2026-04-30T18:42:20Z",
  "thread_id": "1aaa2bbb-3ccc-4ddd-8eee-fffaaa111222", "agent": "cip_orchestrator",
  "requester": null, "started_at": "2026-04-30T18:42:12Z", "ended_at": null, "output": null,
  "interrupts": [{"id": "intr_7c1e", "agent": "watchlist_resolution",
                  "value": {"agent": "watchlist_resolution", "label": "Dismiss 2 watchlist hits?", "artifacts": []}}],
  "steps": [
    {"id": "s1", "agent": "cip_orchestrator", "type": "activity", "name": "plan", "label": "Planning {{business}}",
     "parent_step_id": null, "status": "completed",
     "started_at": "2026-04-30T18:42:12Z", "completed_at": "2026-04-30T18:42:13.500Z", "steps": [],
     "artifacts": [{"title": "Plan", "type": "plan", "confidence": null, "summary": "", "sources": [{"url": "https://x.example"}, {"url": ""}]}]},
    {"id": "s2", "agent": "cip_orchestrator", "type": "activity", "name": "checks", "label": "Checks",
     "parent_step_id": null, "status": "completed",
     "started_at": "2026-04-30T18:42:14Z", "completed_at": "2026-04-30T18:42:20Z", "artifacts": [],
     "steps": [
       {"id": "s3", "agent": "sos_filings", "type": "activity", "name": "sos", "label": "SOS", "parent_step_id": "s2",
        "status": "completed", "started_at": "2026-04-30T18:42:14Z", "completed_at": "2026-04-30T18:42:17Z",
        "steps": [], "artifacts": []},
       {"id": "s4", "agent": "watchlist_resolution", "type": "activity", "name": "watchlist", "label": "Watchlist",
        "parent_step_id": "s2", "status": "completed", "started_at": "2026-04-30T18:42:14Z",
        "completed_at": "2026-04-30T18:42:20Z", "steps": [], "artifacts": []}]},
    {"id": "s5", "agent": "cip_orchestrator", "type": "interrupt", "name": "review", "label": "Review",
     "parent_step_id": null, "status": "running", "started_at": "2026-04-30T18:42:20Z", "completed_at": null,
     "steps": [], "artifacts": []}
  ]})";

}  // namespace

TEST_CASE("a run as the API renders it imports to a fixture that plays again to the same steps and instants",
          "[transfer]") {
  struct Case {
    std::string scenario;
    std::vector<Json> answers;
    int64_t advance_ms = 0;
  };
  const std::vector<Case> cases = {
      {"nested", {Json{{"decision", "approve"}}}},
      {"nested", {Json{{"decision", "reject"}}}},
      {"nested", {}},
      {"parallel", {}},
      {"failure", {}},
      {"timeout_continue", {}, 3 * 3600 * 1000},
      {"timeout_fail", {}, 3600 * 1000},
      {"auto", {}},
      {"two_asks", {Json{{"decision", "approve"}}, Json{{"decision", "reject"}}}},
  };
  for (const Case& c : cases) {
    INFO("scenario " << c.scenario << " answered " << (c.answers.empty() ? "-" : c.answers[0].dump()));
    Played original = Play(kFixture, c.scenario, c.answers, c.advance_ms);
    Json captured = middesk::RenderRun(original.state, /*include_steps=*/true);
    Played again = Play(Import(captured), "", c.answers, c.advance_ms);
    Json a = Rendered(original.state), b = Rendered(again.state);
    CHECK(Shape(b["steps"]) == Shape(a["steps"]));
    for (const char* k : {"status", "created_at", "started_at", "updated_at", "ended_at", "interrupts", "error"}) {
      INFO(k);
      CHECK(b.value(k, Json()) == a.value(k, Json()));
    }
  }
}

TEST_CASE("an import from the real API keeps the timeline the language can express", "[transfer]") {
  Json doc = Json::parse(Import(Json::parse(kRealCapture)));
  CHECK(doc["agents"][0]["type"] == "cip_orchestrator");
  CHECK(doc["agents"][0]["description"] == "Imported from run 9f1b2c34-5678-4abc-9def-0123456789ab");
  const Json& sc = FirstScenario(doc);
  CHECK(sc["name"] == "imported_9f1b2c34");
  CHECK_FALSE(sc.contains("interrupt_policy"));
  const Json& steps = sc["steps"];
  REQUIRE(steps.size() == 3);
  // The 500 ms gap before `checks` is added to `plan`, so `checks` starts on time;
  // "{{" is not a template here; empty strings and sources without a url are dropped.
  CHECK(steps[0] == Json::parse(R"({"name":"plan","label":"Planning { {business}}","duration":"2s",
      "artifacts":[{"title":"Plan","type":"plan","sources":[{"url":"https://x.example"}]}]})"));
  CHECK(steps[1] == Json::parse(R"({"name":"checks","label":"Checks","parallel":true,"steps":[
      {"name":"sos","label":"SOS","agent":"sos_filings","duration":"3s"},
      {"name":"watchlist","label":"Watchlist","agent":"watchlist_resolution","duration":"6s"}]})"));
  // The pending interrupt's value comes from run.interrupts.
  CHECK(steps[2] == Json::parse(R"({"name":"review","label":"Review","type":"interrupt","interrupt":{
      "value":{"agent":"watchlist_resolution","label":"Dismiss 2 watchlist hits?","artifacts":[]}}})"));

  doc = Json::parse(Import(Json::parse(kRealCapture), "my_agent"));
  CHECK(doc["agents"][0]["type"] == "my_agent");
}

TEST_CASE("imports of flat step lists, offsets, failures and policy-resolved interrupts", "[transfer]") {
  // Steps listed flat with parent_step_id, instants with a -05:00 offset; the
  // run failed without an error step: the leaf it closed becomes one.
  Json flat = Json::parse(R"({"object":"run","id":"r-2","status":"error","agent":"kyb",
    "started_at":"2026-04-30T13:00:00-05:00","ended_at":"2026-04-30T13:00:05-05:00",
    "error":{"message":"Upstream exploded"},"interrupts":[],"steps":[
      {"id":"c1","parent_step_id":"p","name":"c1","label":"C1","type":"activity","status":"completed",
       "started_at":"2026-04-30T18:00:00Z","completed_at":"2026-04-30T18:00:02Z","steps":[],"artifacts":[]},
      {"id":"p","parent_step_id":null,"name":"p","label":"P","type":"activity","status":"error",
       "started_at":"2026-04-30T13:00:00-05:00","completed_at":"2026-04-30T13:00:05-05:00","steps":[],"artifacts":[]},
      {"id":"c2","parent_step_id":"p","name":"c2","label":"C2","type":"activity","status":"error",
       "started_at":"2026-04-30T18:00:02Z","completed_at":"2026-04-30T18:00:05Z","steps":[],"artifacts":[]}]})");
  Json steps = FirstScenario(Json::parse(Import(flat)))["steps"];
  CHECK(steps == Json::parse(R"([{"name":"p","label":"P","steps":[
      {"name":"c1","label":"C1","duration":"2s"},
      {"name":"c2","label":"C2","type":"error","duration":"3s","error":{"message":"Upstream exploded"}}]}])"));
  Played again = Play(Import(flat), "", {});
  CHECK(again.state.run.status == RunStatus::kError);
  CHECK(again.state.run.error_message == "Upstream exploded");
  CHECK(again.state.steps[0].status == StepStatus::kError);

  // Nothing the failure closed and no message: an error step ends the run.
  Json bare = Json::parse(R"({"object":"run","id":"r-3","status":"error","interrupts":[],"steps":[
      {"name":"a","label":"A","type":"error","status":"completed","started_at":"2026-04-30T18:00:00Z",
       "completed_at":"2026-04-30T18:00:01Z"}]})");
  steps = FirstScenario(Json::parse(Import(bare)))["steps"];
  CHECK(steps == Json::parse(R"([{"name":"a","label":"A","type":"error","duration":"1s",
      "error":{"message":"imported run failed"}}])"));
  Json no_steps = Json::parse(R"({"object":"run","id":"r-4","status":"error","error":{"message":"boom"},"steps":[]})");
  steps = FirstScenario(Json::parse(Import(no_steps)))["steps"];
  CHECK(steps ==
        Json::parse(R"([{"name":"run_failed","label":"Run failed","type":"error","error":{"message":"boom"}}])"));
  Json empty = Json::parse(R"({"object":"run","id":"r-5","status":"completed","steps":[]})");
  CHECK(transfer::ImportRun(empty).status().message() == "the run has no steps to reproduce");

  // An error-type step in a run that completed did not fail it: it stays work.
  Json completed = Json::parse(R"({"object":"run","id":"r-6","status":"completed","steps":[
      {"name":"a","label":"A","type":"error","status":"completed","started_at":"2026-04-30T18:00:00Z",
       "completed_at":"2026-04-30T18:00:01Z"}]})");
  CHECK(FirstScenario(Json::parse(Import(completed)))["steps"] ==
        Json::parse(R"([{"name":"a","label":"A","duration":"1s"}])"));

  // Interrupts an interrupt policy resolved set the scenario's policy.
  Json skipped = Json::parse(R"({"object":"run","id":"r-7","status":"completed","steps":[
      {"name":"ask","label":"Ask","type":"interrupt","status":"completed","result":{"resolution":"skip"},
       "started_at":"2026-04-30T18:00:00Z","completed_at":"2026-04-30T18:00:00Z"},
      {"name":"next","label":"Next","status":"completed","started_at":"2026-04-30T18:00:00Z",
       "completed_at":"2026-04-30T18:00:01Z"}]})");
  Json sc = FirstScenario(Json::parse(Import(skipped)));
  CHECK(sc["interrupt_policy"] == "skip");
  CHECK(sc["steps"] == Json::parse(R"([{"name":"ask","label":"Ask","type":"interrupt","interrupt":{
      "value":{"label":"Ask"},"branches":{"default":[{"name":"next","label":"Next","duration":"1s"}]}}}])"));
}

TEST_CASE("a capture is a Run, a STATE_SNAPSHOT event, or a saved stream", "[transfer]") {
  const std::string run = R"({"object":"run","id":"r","status":"completed","steps":[]})";
  auto body = transfer::CapturedRun("\n  " + run);
  REQUIRE(body.ok());
  CHECK(body.value()["id"] == "r");
  auto event = transfer::CapturedRun(R"({"type":"STATE_SNAPSHOT","snapshot":)" + run + "}");
  REQUIRE(event.ok());
  CHECK(event.value()["id"] == "r");

  const std::string stream =
      "id: 1\r\nevent: RUN_STARTED\r\ndata: {\"type\":\"RUN_STARTED\"}\r\n\r\n"
      ": keep-alive\n\n"
      "id: 2\nevent: STATE_SNAPSHOT\ndata: {\"type\":\"STATE_SNAPSHOT\",\"snapshot\":"
      "{\"object\":\"run\",\"id\":\"first\",\"status\":\"running\",\"steps\":[]}}\n\n"
      "id: 3\ndata: {\"type\":\"STATE_SNAPSHOT\",\"snapshot\":"
      "{\"object\":\"run\",\"id\":\"last\",\"status\":\"completed\",\"steps\":[]}}\n\n"
      "id: 4\nevent: RUN_FINISHED\ndata: {\"type\":\"RUN_FINISHED\"}";
  auto streamed = transfer::CapturedRun(stream);
  REQUIRE(streamed.ok());
  CHECK(streamed.value()["id"] == "last");

  CHECK(ErrorOf("") == "the file is empty");
  CHECK(ErrorOf("{\"object\": \"run\",").rfind("not JSON: ", 0) == 0);
  CHECK(ErrorOf("hello world") == "not JSON, nor an event stream (no \"data:\" lines)");
  CHECK(ErrorOf("[1, 2]").rfind("not a run: the JSON is array", 0) == 0);
  CHECK(ErrorOf(R"({"object":"thread","id":"t","status":"running"})")
            .rfind("not a run: its \"object\" is \"thread\"", 0) == 0);
  CHECK(ErrorOf(R"({"hello":"world"})").rfind("not a run: no \"id\" and \"status\"", 0) == 0);
  CHECK(ErrorOf(R"({"object":"run","id":"r","status":"completed"})") ==
        "the run has no \"steps\": capture it with GET /v1/runs/{id}?include=steps");
  CHECK(ErrorOf("event: RUN_STARTED\ndata: {}\n\n") == "no STATE_SNAPSHOT in the stream");
  CHECK(ErrorOf("event: STATE_SNAPSHOT\ndata: {oops\n\n") == "a STATE_SNAPSHOT frame's data is not JSON");
}

TEST_CASE("captured instants with or without milliseconds and with offsets", "[transfer]") {
  using transfer::ParseCapturedInstant;
  CHECK(ParseCapturedInstant("2026-01-01T00:00:00Z") == kStart);
  CHECK(ParseCapturedInstant("2026-01-01T00:00:01.500Z") == kStart + 1500);
  CHECK(ParseCapturedInstant("2026-01-01T00:00:01.123456Z") == kStart + 1123);
  CHECK(ParseCapturedInstant("2026-01-01T00:00:00+00:00") == kStart);
  CHECK(ParseCapturedInstant("2025-12-31T19:00:00-05:00") == kStart);
  CHECK(ParseCapturedInstant("2026-01-01T05:30:00.250+05:30") == kStart + 250);
  CHECK_FALSE(ParseCapturedInstant("2026-01-01").has_value());
  CHECK_FALSE(ParseCapturedInstant("2026-01-01T00:00:00+5:00").has_value());
}

}  // namespace transfer_import_test
