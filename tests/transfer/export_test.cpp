// export: a run's log becomes a fixture the loader accepts, and playing that
// fixture with the same answers gives the same events at the same instants
// (steps by name, never ids), for every feature of the scenario language.
#include <catch2/catch.hpp>

#include "kyc_fixture.h"
#include "play.h"
#include "transfer/export.h"
#include "transfer/replay.h"

namespace transfer_export_test {

using namespace sandbox;
using namespace sandbox::transfer_test;

namespace {

struct Case {
  std::string scenario;
  std::vector<Json> answers;
  int64_t advance_ms = 0;
};

// The exported fixture, checked by the loader.
std::string Export(const Played& p) {
  auto doc = transfer::ExportRun(p.log);
  INFO(doc.status().message());
  REQUIRE(doc.ok());
  std::string text = doc->dump(2);
  auto loaded = script::ParseFixtureText(text, "exported.json", IdGenerator(0));
  INFO(text);
  INFO(loaded.status().message());
  REQUIRE(loaded.ok());
  return text;
}

const Json& Scenario(const Json& doc) { return doc["agents"][0]["scenarios"][0]; }

}  // namespace

TEST_CASE("an exported run plays again to the same events at the same instants", "[transfer]") {
  const std::vector<Case> cases = {
      {"nested", {Json{{"decision", "approve"}}}},
      {"nested", {Json{{"decision", "reject"}}}},
      {"nested", {Json{{"note", "no decision"}}}},
      {"nested", {}},  // still waiting: the export pauses at the same place
      {"parallel", {}},
      {"failure", {}},
      {"timeout_continue", {}, 3 * 3600 * 1000},
      {"timeout_fail", {}, 3600 * 1000},
      {"auto", {}},
      {"custom_branch", {Json{{"choice", "left"}}}},
      {"custom_branch", {Json("right")}},
      {"two_asks", {Json{{"decision", "approve"}}, Json{{"decision", "reject"}}}},
  };
  for (const Case& c : cases) {
    INFO("scenario " << c.scenario << " answered " << (c.answers.empty() ? "-" : c.answers[0].dump()));
    Played original = Play(kFixture, c.scenario, c.answers, c.advance_ms);
    std::string exported = Export(original);
    Played again = Play(exported, "", c.answers, c.advance_ms);
    // Event by event (steps by name), then the run as the API renders it (without ids).
    CHECK(Signature(again.log) == Signature(original.log));
    CHECK(Rendered(again.state) == Rendered(original.state));
  }
}

TEST_CASE("an export has the documented shape", "[transfer]") {
  const std::string business = "11111111-1111-4111-8111-111111111111";
  Played p = Play(kFixture, "nested", {Json{{"decision", "approve"}}});
  Json doc = Json::parse(Export(p));
  const Json& agent = doc["agents"][0];
  CHECK(agent["type"] == "kyc");
  CHECK(agent["description"] == "Exported from run " + p.state.run.id);
  const Json& sc = Scenario(doc);
  CHECK(sc["name"] == "exported_" + p.state.run.id.substr(0, 8));
  CHECK(sc["result"] == Json{{"summary", "done"}, {"task_result", {{"ok", true}}}});
  const Json& steps = sc["steps"];
  REQUIRE(steps.size() == 5);

  // Rendered text, durations from the instants, artifacts without ids.
  CHECK(steps[0] == Json::parse(R"({"name":"plan","label":"Plan for )" + business + R"(","duration":"1500ms",
      "artifacts":[{"title":"Plan","type":"plan","confidence":"high","summary":"s",
                    "sources":[{"url":"https://a.example","source_name":"A"}]}],
      "result":{"who":")" + business +
                                R"("},"notice":"Planning"})"));
  // A parent longer than its children keeps its own span.
  CHECK(steps[1]["duration"] == "5s");
  CHECK(steps[1]["steps"][1] == Json::parse(R"({"name":"tin","label":"TIN","agent":"tin","duration":"2s",
      "tool":{"name":"irs","input":{"ein":"1"},"output":{"ok":true}}})"));
  // The steps after the answer, inside the same parent, are the branch taken;
  // `wrap` keeps its own agent, since branch steps inherit the interrupt's.
  const Json& review = steps[2];
  CHECK_FALSE(review.contains("duration"));
  REQUIRE(review["steps"].size() == 2);
  CHECK(review["steps"][1] == Json::parse(R"({"name":"ask","label":"Ask","type":"interrupt","agent":"reviewer",
      "interrupt":{"value":{"agent":"kyc","label":"OK )" +
                                          business + R"(?"},
        "branches":{"approve":[{"name":"apply","label":"Apply","duration":"1s"},
                               {"name":"wrap","label":"Wrap","agent":"kyc","duration":"200ms"}]}}})"));
  CHECK(steps[3] == Json::parse(R"({"name":"answer","label":"Answer","duration":"2s",
      "message":"Acme is in good standing."})"));
  CHECK(steps[4]["type"] == "output");
}

TEST_CASE("exports of parallel steps, failures, timeouts, policies and free branch keys", "[transfer]") {
  Json parallel = Scenario(Json::parse(Export(Play(kFixture, "parallel", {}))));
  CHECK(parallel["steps"][0]["parallel"] == true);
  CHECK(parallel["steps"][0]["steps"][1] == Json::parse(R"({"name":"b","label":"B","steps":[
      {"name":"b1","label":"B1","duration":"1s"},{"name":"b2","label":"B2","duration":"4s"}]})"));

  Json failure = Scenario(Json::parse(Export(Play(kFixture, "failure", {}))));
  REQUIRE(failure["steps"].size() == 2);  // `never` never started
  CHECK(failure["steps"][1]["steps"][0] == Json::parse(R"({"name":"boom","label":"Boom","type":"error",
      "duration":"2s","error":{"message":"upstream down","reason":"upstream_unavailable"}})"));

  Json expired = Scenario(Json::parse(Export(Play(kFixture, "timeout_continue", {}, 3 * 3600 * 1000))));
  REQUIRE(expired["steps"].size() == 1);
  CHECK(expired["steps"][0]["interrupt"] == Json::parse(R"({"value":{"label":"Anyone?"},"timeout":"2h",
      "on_timeout":[{"name":"escalate","label":"Escalate","duration":"500ms"},
                    {"name":"after","label":"After","duration":"1s"}]})"));

  Json failed = Scenario(Json::parse(Export(Play(kFixture, "timeout_fail", {}, 3600 * 1000))));
  CHECK(failed["steps"][0]["interrupt"] == Json::parse(R"({"value":{"label":"Anyone?"},"timeout":"30m"})"));

  Json policy = Scenario(Json::parse(Export(Play(kFixture, "auto", {}))));
  CHECK(policy["interrupt_policy"] == "auto_approve");
  CHECK_FALSE(policy["steps"][0].contains("result"));  // the policy's mark is not the author's result
  CHECK(policy["steps"][0]["interrupt"]["branches"]["default"].size() == 2);

  // The answer's branch is found again where the answer holds it.
  Json custom = Scenario(Json::parse(Export(Play(kFixture, "custom_branch", {Json{{"choice", "left"}}}))));
  CHECK(custom["steps"][0]["interrupt"] == Json::parse(R"({"value":{"label":"Which?"},"branch_on":"choice",
      "branches":{"left":[{"name":"went_left","label":"Left","duration":"1s"}]}})"));
  // An answer no branch named took the default way: so does any answer to the export.
  Json other = Scenario(Json::parse(Export(Play(kFixture, "nested", {Json{{"note", "no decision"}}}))));
  CHECK(other["steps"][2]["steps"][1]["interrupt"]["branches"].begin().key() == "default");
}

TEST_CASE("export refuses an empty or damaged log", "[transfer]") {
  CHECK_FALSE(transfer::ExportRun({}).ok());
  Played p = Play(kFixture, "parallel", {});
  std::vector<Event> damaged = p.log;
  damaged.erase(damaged.begin() + 2);  // a sequence gap
  CHECK_FALSE(transfer::ExportRun(damaged).ok());
}

TEST_CASE("replay gives one frame per event, framed as the live stream", "[transfer]") {
  Played p = Play(kFixture, "parallel", {});
  auto stream = transfer::ReplayStream(p.log, transfer::StreamDialect::kMiddesk);
  REQUIRE(stream.ok());
  const std::string& s = stream.value();
  CHECK(s.rfind("id: 1\nevent: RUN_STARTED\ndata: {", 0) == 0);
  size_t snapshots = 0;
  for (size_t pos = 0; (pos = s.find("event: STATE_SNAPSHOT\n", pos)) != std::string::npos; ++pos) ++snapshots;
  CHECK(snapshots == p.log.size());
  const std::string last = "id: " + std::to_string(p.log.size() + 2) + "\nevent: RUN_FINISHED\n";
  CHECK(s.find(last) != std::string::npos);
  CHECK(s.substr(s.size() - 2) == "\n\n");
}

}  // namespace transfer_export_test
