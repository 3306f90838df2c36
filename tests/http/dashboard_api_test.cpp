// What the dashboard reads: /_sandbox/namespaces, /_sandbox/runs and
// /_sandbox/runs/{id}, and the page itself (the browser test drives the page:
// tests/browser/dashboard.test.js).
#include <catch2/catch.hpp>

#include "support/live_stream.h"
#include "support/sandbox_process.h"

namespace http_dashboard_api_test {

using sandbox::testing::HttpResponse;
using sandbox::testing::LiveStream;
using sandbox::testing::SandboxProcess;
using Json = nlohmann::json;

namespace {

constexpr const char* kBusiness = "8d1c4f0e-2b6a-4c1e-9f7d-3a5b6c7d8e9f";

}  // namespace

TEST_CASE("dashboard: the page is served at /_sandbox/, and /_sandbox redirects to it", "[http]") {
  SandboxProcess sb;
  auto client = sb.client();
  auto page = client.Get("/_sandbox/");
  REQUIRE(page);
  CHECK(page->status == 200);
  CHECK(page->get_header_value("Content-Type") == "text/html; charset=utf-8");
  CHECK(page->body.find("<title>agent-sandbox</title>") != std::string::npos);
  auto bare = client.Get("/_sandbox");
  REQUIRE(bare);
  CHECK(bare->status == 302);
  CHECK(bare->get_header_value("Location") == "/_sandbox/");
}

TEST_CASE("dashboard: namespaces, runs and one run with its step tree and event log", "[http]") {
  SandboxProcess sb;
  HttpResponse run = sb.Post("/v1/runs", Json{{"type", "cip_orchestrator"}, {"business_id", kBusiness}}.dump());
  REQUIRE_STATUS(run, 201);
  const std::string id = run.json["id"];
  httplib::Headers other = sandbox::testing::AuthHeaders();
  other.emplace("X-Sandbox-Namespace", "demo");
  REQUIRE_STATUS(sb.Post("/v1/runs", Json{{"type", "address_verification"}, {"business_id", kBusiness}}.dump(), other),
                 201);

  // The key's account owns the runs: its namespace, and "demo" inside it.
  const std::string account = "acct-" + run.json["requester"]["id"].get<std::string>();
  HttpResponse spaces = sb.Get("/_sandbox/namespaces", {});
  REQUIRE_STATUS(spaces, 200);
  REQUIRE(spaces.json["namespaces"].size() == 3);
  CHECK(spaces.json["namespaces"][0]["name"] == "");
  CHECK(spaces.json["namespaces"][1] == Json{{"name", account},
                                             {"clock", {{"mode", "virtual"}, {"now", "2026-01-01T00:00:13.500Z"}}},
                                             {"seed", 0},
                                             {"runs", 1}});
  CHECK(spaces.json["namespaces"][2]["name"] == account + "/demo");

  // A control call names a namespace by its full name, or with the API key
  // and X-Sandbox-Namespace as an API call would.
  CHECK(sb.Get("/_sandbox/runs", {{"X-Sandbox-Namespace", account}}).json["total"] == 1);
  CHECK(sb.Get("/_sandbox/runs", {}).json["total"] == 0);
  HttpResponse runs = sb.Get("/_sandbox/runs");
  REQUIRE_STATUS(runs, 200);
  CHECK(runs.json["total"] == 1);
  CHECK(runs.json["runs"][0]["id"] == id);
  CHECK(runs.json["runs"][0]["status"] == "interrupted");
  CHECK(runs.json["runs"][0]["agent_name"] == "CIP Orchestrator");
  CHECK(runs.json["runs"][0]["attempt"] == 1);
  CHECK(sb.Get("/_sandbox/runs", other).json["runs"][0]["agent"] == "address_verification");
  CHECK(sb.Get("/_sandbox/runs", {{"X-Sandbox-Namespace", account + "/demo"}}).json["runs"][0]["agent"] ==
        "address_verification");
  CHECK_STATUS(sb.Get("/_sandbox/runs", {{"X-Sandbox-Namespace", "demo/" + account}}), 400);
  CHECK_STATUS(sb.Get("/_sandbox/runs?limit=0", {}), 422);
  CHECK_STATUS(sb.Get("/_sandbox/runs?limit=abc", {}), 422);
  CHECK(sb.Get("/_sandbox/runs?limit=200", {}).status == 200);

  HttpResponse one = sb.Get("/_sandbox/runs/" + id);
  REQUIRE_STATUS(one, 200);
  CHECK(one.json["request"]["business_id"] == kBusiness);
  REQUIRE(one.json["interrupts"].size() == 1);
  CHECK(one.json["interrupts"][0]["pending"] == true);
  // The tree: top-level steps hold their children; every step has its artifacts.
  const Json& steps = one.json["steps"];
  CHECK(steps[0]["name"] == "plan_verification");
  CHECK(steps[1]["name"] == "run_checks");
  CHECK(steps[1]["steps"][0]["name"] == "verify_sos_registration");
  CHECK(steps[1]["steps"][0]["artifacts"][0]["sources"].size() == 2);
  CHECK(one.json["events"][0]["seq"] == 1);
  CHECK(one.json["events"][0]["type"] == "run.started");
  CHECK(one.json["events"][0]["at"] == "2026-01-01T00:00:00.000Z");
  CHECK(one.json["events"][0]["payload"]["business_id"].is_null());
  CHECK(one.json["events"][0]["payload"]["request"]["business_id"] == kBusiness);
  CHECK(one.json["events"].back()["type"] == "run.interrupted");
  CHECK_STATUS(sb.Get("/_sandbox/runs/" + id, other), 404);
  CHECK_STATUS(sb.Get("/_sandbox/runs/nope"), 404);
}

TEST_CASE("dashboard: start a run of any agent, answer its interrupt from the choices it offers", "[http]") {
  SandboxProcess sb;
  const httplib::Headers ns = {{"X-Sandbox-Namespace", ""}};
  HttpResponse agents = sb.Get("/_sandbox/agents", ns);
  REQUIRE_STATUS(agents, 200);
  Json cip;
  for (const auto& a : agents.json["agents"]) {
    if (a["type"] == "cip_orchestrator") cip = a;
    if (a["type"] == "onboarding_review_workflow") CHECK(a["modus_id"] == 202);
  }
  REQUIRE(cip.is_object());
  CHECK(cip["name"] == "CIP Orchestrator");
  CHECK(cip["modus_id"].is_null());
  CHECK(cip["scenarios"][0]["name"] == "default");

  HttpResponse started = sb.Post("/_sandbox/runs",
                                 Json{{"agent", "cip_orchestrator"},
                                      {"scenario", "default"},
                                      {"request", {{"type", "cip_orchestrator"}, {"business_id", kBusiness}}}}
                                     .dump(),
                                 ns);
  REQUIRE_STATUS(started, 201);
  CHECK(started.json["agent"] == "cip_orchestrator");
  CHECK(started.json["scenario"] == "default");
  const std::string id = started.json["id"];

  // In virtual time it has reached its interrupt by the time the answer came.
  HttpResponse one = sb.Get("/_sandbox/runs/" + id, ns);
  REQUIRE_STATUS(one, 200);
  CHECK(one.json["status"] == "interrupted");
  REQUIRE(one.json["interrupts"].size() == 1);
  CHECK(one.json["interrupts"][0]["choices"] ==
        Json{{"branch_on", "decision"}, {"branches", {"approve", "reject"}}, {"has_default", false}});
  // The run as the Middesk API shows it.
  CHECK(one.json["dialect"] == "middesk");
  CHECK(one.json["view"]["object"] == "run");
  CHECK(one.json["view"]["id"] == id);
  CHECK(one.json["view"]["status"] == "interrupted");

  HttpResponse answered = sb.Post("/_sandbox/runs/" + id + "/resume", R"({"input":{"decision":"approve"}})", ns);
  REQUIRE_STATUS(answered, 200);
  CHECK(answered.json["id"] == id);
  HttpResponse done = sb.Get("/_sandbox/runs/" + id, ns);
  CHECK(done.json["status"] == "completed");
  CHECK_FALSE(done.json["interrupts"][0].contains("choices"));
  CHECK(done.json["events"].back()["type"] == "run.completed");

  // Refusals, each naming the field.
  HttpResponse again = sb.Post("/_sandbox/runs/" + id + "/resume", R"({"input":"approve"})", ns);
  CHECK_STATUS(again, 409);
  CHECK(again.json["errors"][0]["message"] == "run waits for no answer (status: completed)");
  CHECK_STATUS(sb.Post("/_sandbox/runs/nope/resume", R"({"input":"approve"})", ns), 404);
  CHECK(sb.Post("/_sandbox/runs/" + id + "/resume", R"({})", ns).json["errors"][0]["parameter"] == "input");
  CHECK(sb.Post("/_sandbox/runs", R"({"agent":"nope"})", ns).json["errors"][0]["parameter"] == "agent");
  CHECK_STATUS(sb.Post("/_sandbox/runs", R"({"agent":"nope"})", ns), 404);
  HttpResponse no_scenario = sb.Post("/_sandbox/runs", R"({"agent":"cip_orchestrator","scenario":"nope"})", ns);
  CHECK_STATUS(no_scenario, 404);
  CHECK(no_scenario.json["errors"][0]["parameter"] == "scenario");
  CHECK_STATUS(sb.Post("/_sandbox/runs", R"({"agent":1})", ns), 422);
  CHECK_STATUS(sb.Post("/_sandbox/runs", R"({"agent":"cip_orchestrator","request":[]})", ns), 422);
  CHECK_STATUS(sb.Post("/_sandbox/runs", R"(not json)", ns), 400);
}

TEST_CASE("dashboard: an organisation's run shows as the Modus run detail, and answers from the page", "[http]") {
  SandboxProcess sb;
  const std::string org = "org-11111111-2222-4333-8444-555555555555";
  const httplib::Headers ns = {{"X-Sandbox-Namespace", org}};
  HttpResponse started = sb.Post("/_sandbox/runs", R"({"agent":"onboarding_review_workflow"})", ns);
  REQUIRE_STATUS(started, 201);
  const std::string id = started.json["id"];
  HttpResponse one = sb.Get("/_sandbox/runs/" + id, ns);
  REQUIRE_STATUS(one, 200);
  CHECK(one.json["dialect"] == "modus");
  CHECK(one.json["view"]["workflowId"] == "wf_202_run_1");
  // In the list too, each run as a row of the Modus history.
  HttpResponse list = sb.Get("/_sandbox/runs", ns);
  REQUIRE_STATUS(list, 200);
  CHECK(list.json["runs"][0]["dialect"] == "modus");
  CHECK(list.json["runs"][0]["view"]["workflowId"] == "wf_202_run_1");
  CHECK(list.json["runs"][0]["view"]["status"] == "awaiting_human");
  CHECK(list.json["runs"][0]["view"]["temporalRunId"] == one.json["view"]["temporalRunId"]);
  CHECK_FALSE(list.json["runs"][0]["view"].contains("workflowNodes"));
  REQUIRE(one.json["status"] == "interrupted");
  CHECK(one.json["view"]["status"] == "awaiting_human");
  const Json& choices = one.json["interrupts"][0]["choices"];
  REQUIRE(choices["branches"].size() > 0);
  Json input = {{choices["branch_on"].get<std::string>(), choices["branches"][0]}};
  REQUIRE_STATUS(sb.Post("/_sandbox/runs/" + id + "/resume", Json{{"input", input}}.dump(), ns), 200);
  CHECK(sb.Get("/_sandbox/runs/" + id, ns).json["status"] != "interrupted");
  // Another namespace does not see it.
  CHECK_STATUS(sb.Get("/_sandbox/runs/" + id, {{"X-Sandbox-Namespace", ""}}), 404);
}

TEST_CASE("dashboard: a namespace's changes arrive as Server-Sent Events", "[http]") {
  SandboxProcess sb;
  const std::string org = "org-11111111-2222-4333-8444-555555555555";
  LiveStream stream(sb, "GET", "/_sandbox/stream?namespace=" + org, {});
  REQUIRE(stream.WaitFor("event: change\ndata: {\"namespace\":\"" + org + "\",\"version\":1}\n\n"));
  // A run started in this namespace is news.
  REQUIRE_STATUS(sb.Post("/_sandbox/runs", R"({"agent":"onboarding_review_workflow"})", {{"X-Sandbox-Namespace", org}}),
                 201);
  REQUIRE(stream.WaitFor("\"version\":2}"));
  CHECK(sb.Get("/_sandbox/stream?namespace=bad%20name", {}).status == 400);
  CHECK(sb.Stop() == 0);
  std::string text = stream.Finish();
  CHECK(text.rfind("event: change\ndata: {\"namespace\":\"" + org + "\",\"version\":1}", 0) == 0);
}

}  // namespace http_dashboard_api_test
