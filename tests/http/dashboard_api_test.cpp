// What the dashboard reads: /_sandbox/namespaces, /_sandbox/runs and
// /_sandbox/runs/{id}, and the page itself (the browser test drives the page:
// tests/browser/dashboard.test.js).
#include <catch2/catch.hpp>

#include "support/sandbox_process.h"

using sandbox::testing::HttpResponse;
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
  CHECK(one.json["events"][0] == Json{{"seq", 1}, {"type", "run.started"}, {"at", "2026-01-01T00:00:00.000Z"}});
  CHECK(one.json["events"].back()["type"] == "run.interrupted");
  CHECK_STATUS(sb.Get("/_sandbox/runs/" + id, other), 404);
  CHECK_STATUS(sb.Get("/_sandbox/runs/nope"), 404);
}
