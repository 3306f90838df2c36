// The Modus management API dialect (docs/modus.md): PAT auth and org scoping,
// agents, the run history of an agent, and the sandbox extensions to
// trigger, approve and cancel runs.
#include <catch2/catch.hpp>

#include <set>

#include "support/sandbox_process.h"

namespace http_modus_test {

using sandbox::testing::SandboxOptions;
using sandbox::testing::SandboxProcess;
using sandbox::testing::TempDir;
using Json = nlohmann::json;

namespace {

const std::string kOrg = "11111111-2222-4333-8444-555555555555";
const std::string kOtherOrg = "99999999-8888-4777-8666-555555555555";

httplib::Headers Pat(const std::string& org = kOrg, const std::string& prefix = "abc123") {
  return {{"Authorization", "Bearer modus_" + org + "_" + prefix + "_s3cret"}};
}

httplib::Headers Ns(const std::string& org = kOrg) { return {{"X-Sandbox-Namespace", "org-" + org}}; }

std::string Trigger(const SandboxProcess& sb, int agent, const Json& body, const httplib::Headers& h = Pat()) {
  auto r = sb.Post("/_sandbox/modus/agents/" + std::to_string(agent) + "/runs", body.dump(), h);
  INFO(r.body);
  REQUIRE(r.status == 201);
  return r.json["workflowId"];
}

std::string RunPath(int agent, const std::string& wf) {
  return "/api/v1/agents/" + std::to_string(agent) + "/runs/" + wf;
}

// base64url without padding, to forge page tokens.
std::string Base64Url(const std::string& in) {
  static const char* a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : in) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += a[(acc >> bits) & 63];
    }
  }
  if (bits > 0) out += a[(acc << (6 - bits)) & 63];
  return out;
}

const char* kTimeoutFixture = R"({
  "agents": [{
    "type": "strict_approval_workflow",
    "name": "Strict Approval Workflow",
    "description": "Waits one hour for an approval, then fails.",
    "modus": {"id": 303, "agent_type": "workflow", "enabled": false, "triggers": [{"type": "manual"}]},
    "scenarios": [{
      "name": "default",
      "steps": [
        {"name": "prepare", "label": "Prepare", "duration": "1s"},
        {"name": "approve", "label": "Approve it", "type": "interrupt",
         "interrupt": {"value": {"label": "Approve the thing?"}, "timeout": "1h"}},
        {"name": "finish", "label": "Finish", "duration": "1s"}
      ],
      "result": {"summary": "Done."}
    }]
  }]
})";

}  // namespace

TEST_CASE("modus: a Personal Access Token is required and scopes everything to its org", "[http]") {
  SandboxProcess sb;
  auto missing = sb.Get("/api/v1/agents", {});
  REQUIRE_STATUS(missing, 401);
  CHECK(missing.json["error"]["code"] == "unauthenticated");
  for (const std::string& bad : std::vector<std::string>{
           "Bearer mk_test_sandbox", "Bearer modus_not-a-uuid_abc_def", "Bearer modus_" + kOrg + "_abc",
           "Bearer modus_" + kOrg + "__def", "Bearer modus_" + kOrg + "_abc_", "Bearer modus_" + kOrg + "_a-b_def",
           "Basic modus_" + kOrg + "_abc_def"}) {
    INFO(bad);
    CHECK_STATUS(sb.Get("/api/v1/agents", {{"Authorization", bad}}), 401);
  }
  auto ok = sb.Get("/api/v1/agents", Pat());
  REQUIRE_STATUS(ok, 200);
  CHECK(ok.json["agents"][0]["orgUuid"] == kOrg);

  // Another org's runs are invisible: 404, never 403.
  std::string wf = Trigger(sb, 101, {{"input", {{"message", "Is Acme in good standing?"}}}});
  CHECK_STATUS(sb.Get(RunPath(101, wf), Pat()), 200);
  auto other = sb.Get(RunPath(101, wf), Pat(kOtherOrg));
  REQUIRE_STATUS(other, 404);
  CHECK(other.json["error"]["code"] == "not_found");
  CHECK(sb.Get("/api/v1/agents/101/runs", Pat(kOtherOrg)).json["counts"]["all_executions"] == 0);
  // The org's runs live in namespace org-<uuid>, not in the default namespace.
  CHECK(sb.Get("/v1/runs").json["total_count"] == 0);
}

TEST_CASE("modus: agents list, get, filters and variation", "[http]") {
  SandboxProcess sb;
  auto list = sb.Get("/api/v1/agents", Pat());
  REQUIRE_STATUS(list, 200);
  REQUIRE(list.json["agents"].size() == 2);  // only agents with a modus identity
  CHECK(list.json["nextPageToken"].is_null());
  const Json& kyb = list.json["agents"][0];
  CHECK(kyb["id"] == 101);
  CHECK(kyb["slug"] == "kyb-research-assistant");
  CHECK(kyb["name"] == "KYB Research Assistant");
  CHECK(kyb["status"] == "active");
  CHECK(kyb["type"] == "task");
  CHECK(kyb["isEnabled"] == true);
  CHECK(kyb["canUse"] == true);
  CHECK(kyb["accessConfig"]["visibility"] == "shared");
  CHECK(kyb["draftVariationId"].is_null());
  CHECK(kyb["deletedAt"].is_null());
  CHECK(kyb["createdAt"] == "2026-01-01T00:00:00.000Z");
  CHECK_FALSE(kyb.contains("variation"));

  auto one = sb.Get("/api/v1/agents/202", Pat());
  REQUIRE_STATUS(one, 200);
  CHECK(one.json["type"] == "workflow");
  CHECK(one.json["activeVariationId"] == list.json["agents"][1]["activeVariationId"]);
  const Json& v = one.json["variation"];
  CHECK(v["trigger"]["kinds"] == Json::array({"manual", "schedule"}));
  CHECK(v["trigger"]["schedule"]["everyMs"] == 86400000);
  CHECK(v["trigger"]["schedule"]["every"] == "PT24H");
  REQUIRE(v["workflowStructure"]["nodes"].size() == 4);
  CHECK(v["workflowStructure"]["nodes"][2]["id"] == "compliance_approval");
  CHECK(v["workflowStructure"]["edges"].size() == 3);
  CHECK(v["agentSelection"] == Json::array());

  CHECK_STATUS(sb.Get("/api/v1/agents/999", Pat()), 404);
  CHECK_STATUS(sb.Get("/api/v1/agents/abc", Pat()), 404);
  CHECK_STATUS(sb.Get("/api/v1/agents/kyb_research_assistant", Pat()), 404);

  auto workflows = sb.Get("/api/v1/agents?type=workflow", Pat());
  REQUIRE(workflows.json["agents"].size() == 1);
  CHECK(workflows.json["agents"][0]["id"] == 202);
  CHECK_STATUS(sb.Get("/api/v1/agents?type=robot", Pat()), 400);
  auto search = sb.Get("/api/v1/agents?search=RESEARCH", Pat());
  REQUIRE(search.json["agents"].size() == 1);
  CHECK(search.json["agents"][0]["id"] == 101);
  CHECK(sb.Get("/api/v1/agents?search=nothing-like-this", Pat()).json["agents"].size() == 0);
  auto with = sb.Get("/api/v1/agents?includeVariation=true", Pat());
  CHECK(with.json["agents"][0].contains("variation"));
  CHECK_STATUS(sb.Get("/api/v1/agents?includeVariation=maybe", Pat()), 400);
}

TEST_CASE("modus: agents pagination", "[http]") {
  SandboxProcess sb;
  auto first = sb.Get("/api/v1/agents?pageSize=1", Pat());
  REQUIRE_STATUS(first, 200);
  REQUIRE(first.json["agents"].size() == 1);
  REQUIRE(first.json["nextPageToken"].is_string());
  std::string token = first.json["nextPageToken"];
  auto second = sb.Get("/api/v1/agents?pageSize=1&pageToken=" + token, Pat());
  REQUIRE_STATUS(second, 200);
  REQUIRE(second.json["agents"].size() == 1);
  CHECK(second.json["agents"][0]["id"] == 202);
  CHECK(second.json["nextPageToken"].is_null());
  for (const char* bad : {"0", "-1", "ten", "1.5", ""}) {
    INFO(bad);
    auto r = sb.Get(std::string("/api/v1/agents?pageSize=") + bad, Pat());
    REQUIRE_STATUS(r, 400);
    CHECK(r.json["error"]["code"] == "invalid_argument");
    CHECK(r.json["error"]["field"] == "pageSize");
  }
  CHECK_STATUS(sb.Get("/api/v1/agents?pageSize=500", Pat()), 200);
  // A token of another query (filters changed) or a malformed one.
  auto foreign = sb.Get("/api/v1/agents?pageSize=1&type=task&pageToken=" + token, Pat());
  REQUIRE_STATUS(foreign, 400);
  CHECK(foreign.json["error"]["field"] == "pageToken");
  CHECK_STATUS(sb.Get("/api/v1/agents?pageToken=%21%21%21", Pat()), 400);
  CHECK_STATUS(sb.Get("/api/v1/agents?pageToken=" + Base64Url("{\"o\":1}"), Pat()), 400);
}

TEST_CASE("modus: a running run, in manual clock mode", "[http]") {
  SandboxProcess sb({{"--clock", "manual"}});
  std::string wf = Trigger(sb, 101, {{"triggerType", "api"}, {"input", {{"message", "Hello?"}}}});
  CHECK(wf == "wf_101_run_1");
  auto r = sb.Get(RunPath(101, wf), Pat());
  REQUIRE_STATUS(r, 200);
  CHECK(r.json["status"] == "running");
  CHECK(r.json["source"] == "live-query");
  CHECK(r.json["triggerType"] == "api");
  CHECK(r.json["id"] == wf + ":" + r.json["temporalRunId"].get<std::string>());
  CHECK_FALSE(r.json.contains("endedAt"));
  CHECK_FALSE(r.json.contains("durationMs"));
  CHECK_FALSE(r.json.contains("taskResult"));
  CHECK_FALSE(r.json.contains("pendingApproval"));
  auto list = sb.Get("/api/v1/agents/101/runs?status=running", Pat());
  CHECK(list.json["runs"].size() == 1);
  CHECK(list.json["counts"]["running"] == 1);
}

TEST_CASE("modus: task runs, completed with taskResult and in error with taskError", "[http]") {
  SandboxProcess sb;
  std::string ok = Trigger(sb, 101, {{"input", {{"message", "Is Acme in good standing?"}}}});
  auto done = sb.Get(RunPath(101, ok), Pat());
  REQUIRE_STATUS(done, 200);
  CHECK(done.json["status"] == "completed");
  CHECK(done.json["source"] == "history");
  CHECK(done.json["triggerType"] == "manual");
  CHECK(done.json["agentType"] == "task");
  CHECK(done.json["agentName"] == "KYB Research Assistant");
  CHECK(done.json["summary"] == "Acme Lending LLC is in good standing in Delaware and active in Texas.");
  CHECK(done.json["taskResult"]["question"] == "Is Acme in good standing?");
  CHECK(done.json["durationMs"] == 3700);
  CHECK(done.json.contains("endedAt"));
  CHECK_FALSE(done.json.contains("workflowNodes"));

  std::string bad = Trigger(sb, 101, {{"input", {{"message", "Is it registered in Nevada?"}}}});
  CHECK(bad == "wf_101_run_2");
  auto failed = sb.Get(RunPath(101, bad), Pat());
  REQUIRE_STATUS(failed, 200);
  CHECK(failed.json["status"] == "error");
  CHECK(failed.json["taskError"].get<std::string>().find("Nevada business registry") != std::string::npos);
  CHECK_FALSE(failed.json.contains("taskResult"));
  CHECK_FALSE(failed.json.contains("statusReason"));

  // Picking a scenario by name.
  std::string picked = Trigger(sb, 101, {{"input", {{"message", "Hi"}}}, {"scenario", "tool_failure"}});
  CHECK(sb.Get(RunPath(101, picked), Pat()).json["status"] == "error");

  // temporalRunId must be the run's own; runs of another agent are not found.
  std::string temporal = done.json["temporalRunId"];
  CHECK_STATUS(sb.Get(RunPath(101, ok) + "?temporalRunId=" + temporal, Pat()), 200);
  CHECK_STATUS(sb.Get(RunPath(101, ok) + "?temporalRunId=00000000-0000-4000-8000-000000000000", Pat()), 404);
  CHECK_STATUS(sb.Get(RunPath(202, ok), Pat()), 404);
  CHECK_STATUS(sb.Get(RunPath(202, "wf_202_run_1"), Pat()), 404);
  CHECK_STATUS(sb.Get(RunPath(101, "wf_101_run_9"), Pat()), 404);
  CHECK_STATUS(sb.Get(RunPath(101, "wf_101_run_0"), Pat()), 404);
  CHECK_STATUS(sb.Get(RunPath(101, "nonsense"), Pat()), 404);
  CHECK_STATUS(sb.Get(RunPath(999, ok), Pat()), 404);
}

TEST_CASE("modus: trigger validation", "[http]") {
  SandboxProcess sb;
  auto post = [&](int agent, const std::string& body) {
    return sb.Post("/_sandbox/modus/agents/" + std::to_string(agent) + "/runs", body, Pat());
  };
  CHECK_STATUS(post(101, R"({"triggerType":"cron"})"), 400);
  CHECK_STATUS(post(101, R"({"triggerType":7})"), 400);
  CHECK_STATUS(post(101, R"({"input":"text"})"), 400);
  CHECK_STATUS(post(101, R"({"scenario":"no_such"})"), 400);
  CHECK_STATUS(post(101, "not json"), 400);
  CHECK_STATUS(post(999, "{}"), 404);
  CHECK_STATUS(sb.Post("/_sandbox/modus/agents/101/runs", "{}", {}), 401);
  auto slack = post(101, R"({"triggerType":"slack","input":{"message":"x"}})");
  REQUIRE_STATUS(slack, 201);
  CHECK(slack.json["triggerType"] == "slack");
}

TEST_CASE("modus: a workflow run awaiting approval, approved", "[http]") {
  SandboxProcess sb;
  std::string wf = Trigger(sb, 202, Json::object());
  auto r = sb.Get(RunPath(202, wf), Pat());
  REQUIRE_STATUS(r, 200);
  CHECK(r.json["status"] == "awaiting_human");
  CHECK(r.json["source"] == "live-query");
  CHECK(r.json["summary"] == "Approve onboarding of Acme Lending LLC?");
  const Json& p = r.json["pendingApproval"];
  CHECK(p["interruptId"].is_string());
  CHECK(p["label"] == "Approve onboarding of Acme Lending LLC?");
  CHECK(p["value"]["risk_score"] == 62);
  CHECK(p["requestedAt"] == "2026-01-01T00:00:03.500Z");
  CHECK(p["expiresAt"] == "2026-01-01T02:00:03.500Z");
  const Json& nodes = r.json["workflowNodes"];
  REQUIRE(nodes.size() == 3);
  CHECK(nodes[0]["name"] == "fetch_business_data");
  CHECK(nodes[0]["status"] == "completed");
  CHECK(nodes[0]["completedAt"] == "2026-01-01T00:00:02.000Z");
  CHECK(nodes[2]["name"] == "compliance_approval");
  CHECK(nodes[2]["status"] == "awaiting_human");
  CHECK_FALSE(nodes[2].contains("completedAt"));

  CHECK_STATUS(sb.Post(RunPath(202, wf) + "/approval", R"({"decision":"maybe"})", Pat()), 400);
  CHECK_STATUS(sb.Post(RunPath(202, wf) + "/approval", R"({})", Pat()), 400);
  CHECK_STATUS(sb.Post(RunPath(202, wf) + "/approval", R"({"decision":"approve","comment":5})", Pat()), 400);
  auto approved = sb.Post(RunPath(202, wf) + "/approval", R"({"decision":"approve","comment":"fine"})", Pat());
  REQUIRE_STATUS(approved, 200);
  CHECK(approved.json["status"] == "completed");
  CHECK(approved.json["summary"] == "Onboarding review of Acme Lending LLC finished.");
  CHECK_FALSE(approved.json.contains("pendingApproval"));
  CHECK_FALSE(approved.json.contains("taskResult"));  // workflow agents have no task result
  // The branch taken runs as top-level nodes too: fetch, score, approval, record_approval, notify.
  REQUIRE(approved.json["workflowNodes"].size() == 5);
  CHECK(approved.json["workflowNodes"][2]["status"] == "completed");
  CHECK(approved.json["workflowNodes"][3]["name"] == "record_approval");
  auto again = sb.Post(RunPath(202, wf) + "/approval", R"({"decision":"approve"})", Pat());
  REQUIRE_STATUS(again, 409);
  CHECK(again.json["error"]["code"] == "conflict");
}

TEST_CASE("modus: a workflow run rejected, and one cancelled", "[http]") {
  SandboxProcess sb;
  std::string a = Trigger(sb, 202, Json::object());
  std::string b = Trigger(sb, 202, Json::object());
  auto rejected = sb.Post(RunPath(202, a) + "/approval", R"({"decision":"reject"})", Pat());
  REQUIRE_STATUS(rejected, 200);
  CHECK(rejected.json["status"] == "completed");
  auto cancelled = sb.Post(RunPath(202, b) + "/cancel", "", Pat());
  REQUIRE_STATUS(cancelled, 200);
  CHECK(cancelled.json["status"] == "cancelled");
  CHECK(cancelled.json["source"] == "history");
  CHECK(cancelled.json.contains("endedAt"));
  CHECK_FALSE(cancelled.json.contains("pendingApproval"));
  CHECK_STATUS(sb.Post(RunPath(202, b) + "/cancel", "", Pat()), 409);
  CHECK_STATUS(sb.Post(RunPath(202, a) + "/cancel", "", Pat()), 409);
  CHECK_STATUS(sb.Post(RunPath(202, b) + "/approval", R"({"decision":"approve"})", Pat()), 409);
  CHECK_STATUS(sb.Post(RunPath(202, b) + "/cancel", "", Pat(kOtherOrg)), 404);
  auto list = sb.Get("/api/v1/agents/202/runs?status=cancelled", Pat());
  REQUIRE(list.json["runs"].size() == 1);
  CHECK(list.json["runs"][0]["workflowId"] == b);
  CHECK(list.json["counts"]["all_executions"] == 2);
  CHECK(list.json["counts"]["completed"] == 1);
}

TEST_CASE("modus: the shipped workflow escalates when the approval times out", "[http]") {
  SandboxProcess sb;
  std::string wf = Trigger(sb, 202, Json::object());
  REQUIRE_STATUS(sb.Post("/_sandbox/clock/advance", R"({"by":"2h"})", Ns()), 200);
  auto r = sb.Get(RunPath(202, wf), Pat());
  REQUIRE_STATUS(r, 200);
  CHECK(r.json["status"] == "completed");  // on_timeout: escalate_to_senior, then notify
  CHECK_FALSE(r.json.contains("statusReason"));
}

TEST_CASE("modus: approval_timeout when an approval without on_timeout expires", "[http]") {
  TempDir dir;
  dir.WriteFile("strict.json", kTimeoutFixture);
  SandboxProcess sb({{}, "", dir.path()});
  auto agent = sb.Get("/api/v1/agents/303", Pat());
  REQUIRE_STATUS(agent, 200);
  CHECK(agent.json["isEnabled"] == false);
  // A disabled agent can still be triggered manually.
  std::string wf = Trigger(sb, 303, Json::object());
  auto waiting = sb.Get(RunPath(303, wf), Pat());
  CHECK(waiting.json["status"] == "awaiting_human");
  CHECK(waiting.json["summary"] == "Approve the thing?");
  CHECK(waiting.json["pendingApproval"]["expiresAt"] == "2026-01-01T01:00:01.000Z");
  REQUIRE_STATUS(sb.Post("/_sandbox/clock/advance", R"({"by":"2h"})", Ns()), 200);
  auto r = sb.Get(RunPath(303, wf), Pat());
  REQUIRE_STATUS(r, 200);
  CHECK(r.json["status"] == "error");
  CHECK(r.json["statusReason"] == "approval_timeout");
  CHECK(r.json["source"] == "history");
  CHECK_FALSE(r.json.contains("pendingApproval"));
  auto listed = sb.Get("/api/v1/agents/303/runs", Pat());
  CHECK(listed.json["runs"][0]["statusReason"] == "approval_timeout");
  CHECK(listed.json["counts"]["error"] == 1);
}

TEST_CASE("modus: run list filters and counts", "[http]") {
  SandboxProcess sb;
  Trigger(sb, 101, {{"input", {{"message", "Acme?"}}}});    // completed
  Trigger(sb, 101, {{"input", {{"message", "Nevada?"}}}});  // error
  Trigger(sb, 202, Json::object(), Pat(kOrg, "alice"));     // awaiting, alice's
  Trigger(sb, 202, Json::object(), Pat(kOrg, "bob"));       // awaiting, bob's
  auto all = sb.Get("/api/v1/agents/101/runs", Pat());
  REQUIRE_STATUS(all, 200);
  REQUIRE(all.json["runs"].size() == 2);
  CHECK(all.json["runs"][0]["workflowId"] == "wf_101_run_2");  // newest first
  CHECK_FALSE(all.json["runs"][0].contains("taskError"));      // detail-only fields stay out of rows
  CHECK(all.json["counts"] ==
        Json{{"all_executions", 2}, {"running", 0}, {"awaiting_human", 0}, {"error", 1}, {"completed", 1}});
  auto errors = sb.Get("/api/v1/agents/101/runs?status=error", Pat());
  REQUIRE(errors.json["runs"].size() == 1);
  CHECK(errors.json["counts"]["all_executions"] == 2);  // counts ignore the status filter
  CHECK(sb.Get("/api/v1/agents/101/runs?status=all_executions", Pat()).json["runs"].size() == 2);
  CHECK_STATUS(sb.Get("/api/v1/agents/101/runs?status=done", Pat()), 400);
  CHECK_STATUS(sb.Get("/api/v1/agents/101/runs?timeframe=yesterday", Pat()), 400);
  CHECK_STATUS(sb.Get("/api/v1/agents/101/runs?approvalScope=theirs", Pat()), 400);
  CHECK_STATUS(sb.Get("/api/v1/agents/999/runs", Pat()), 404);
  CHECK(sb.Get("/api/v1/agents/101/runs?search=kyb", Pat()).json["runs"].size() == 2);
  auto none = sb.Get("/api/v1/agents/101/runs?search=zzz", Pat());
  CHECK(none.json["runs"].size() == 0);
  CHECK(none.json["counts"]["all_executions"] == 0);

  auto mine = sb.Get("/api/v1/agents/202/runs?status=awaiting_human&approvalScope=mine", Pat(kOrg, "alice"));
  REQUIRE(mine.json["runs"].size() == 1);
  CHECK(mine.json["runs"][0]["workflowId"] == "wf_202_run_1");
  CHECK(sb.Get("/api/v1/agents/202/runs?status=awaiting_human&approvalScope=all", Pat(kOrg, "alice"))
            .json["runs"]
            .size() == 2);
  CHECK(mine.json["counts"]["awaiting_human"] == 2);

  // timeframe is relative to the org's clock.
  CHECK(sb.Get("/api/v1/agents/101/runs?timeframe=last_hour", Pat()).json["runs"].size() == 2);
  REQUIRE_STATUS(sb.Post("/_sandbox/clock/advance", R"({"by":"3h"})", Ns()), 200);
  auto hour = sb.Get("/api/v1/agents/101/runs?timeframe=last_hour", Pat());
  CHECK(hour.json["runs"].size() == 0);
  CHECK(hour.json["counts"]["all_executions"] == 0);
  CHECK(sb.Get("/api/v1/agents/101/runs?timeframe=last_day", Pat()).json["runs"].size() == 2);
  CHECK(sb.Get("/api/v1/agents/101/runs?timeframe=all", Pat()).json["runs"].size() == 2);
}

TEST_CASE("modus: run list pagination over a long history", "[http]") {
  SandboxProcess sb;
  for (int i = 0; i < 60; ++i) Trigger(sb, 101, {{"input", {{"message", "Acme " + std::to_string(i)}}}});
  std::vector<std::string> seen;
  std::vector<size_t> sizes;
  std::string token;
  std::string first_token;
  for (int page = 0; page < 5; ++page) {
    auto r = sb.Get("/api/v1/agents/101/runs?pageSize=25" + (token.empty() ? "" : "&pageToken=" + token), Pat());
    REQUIRE_STATUS(r, 200);
    sizes.push_back(r.json["runs"].size());
    for (const auto& run : r.json["runs"]) seen.push_back(run["workflowId"]);
    if (r.json["nextPageToken"].is_null()) break;
    token = r.json["nextPageToken"];
    if (first_token.empty()) first_token = token;
  }
  CHECK(sizes == std::vector<size_t>{25, 25, 10});
  REQUIRE(seen.size() == 60);
  CHECK(seen.front() == "wf_101_run_60");
  CHECK(seen.back() == "wf_101_run_1");
  CHECK(sb.Get("/api/v1/agents/101/runs?pageSize=500", Pat()).json["runs"].size() == 60);
  CHECK(sb.Get("/api/v1/agents/101/runs", Pat()).json["runs"].size() == 25);  // default page size

  // Tampered (offset changed, hash forged or bytes flipped) and foreign (filters changed) tokens.
  auto tampered = sb.Get("/api/v1/agents/101/runs?pageToken=" + Base64Url(R"({"o":5,"h":"0000000000000000"})"), Pat());
  REQUIRE_STATUS(tampered, 400);
  CHECK(tampered.json["error"]["code"] == "invalid_argument");
  CHECK(tampered.json["error"]["field"] == "pageToken");
  std::string flipped = first_token;
  flipped[flipped.size() / 2] = flipped[flipped.size() / 2] == 'A' ? 'B' : 'A';
  CHECK_STATUS(sb.Get("/api/v1/agents/101/runs?pageToken=" + flipped, Pat()), 400);
  CHECK_STATUS(sb.Get("/api/v1/agents/101/runs?status=completed&pageToken=" + first_token, Pat()), 400);
  CHECK_STATUS(sb.Get("/api/v1/agents/202/runs?pageToken=" + first_token, Pat()), 400);
  CHECK_STATUS(sb.Get("/api/v1/agents/101/runs?pageSize=10&pageToken=" + first_token, Pat()), 200);

  // pageSize over 100 clamps to 100.
  for (int i = 0; i < 45; ++i) Trigger(sb, 101, {{"input", {{"message", "More " + std::to_string(i)}}}});
  auto big = sb.Get("/api/v1/agents/101/runs?pageSize=500", Pat());
  CHECK(big.json["runs"].size() == 100);
  CHECK(big.json["nextPageToken"].is_string());
  CHECK(big.json["counts"]["all_executions"] == 105);
}

TEST_CASE("the workflow agent's daily schedule starts runs in an organisation as its clock passes", "[http]") {
  SandboxProcess sb;
  // The organisation's namespace comes into being on its first request.
  REQUIRE_STATUS(sb.Get("/api/v1/agents/202/runs", Pat()), 200);
  auto advanced = sb.Post("/_sandbox/clock/advance", R"({"by":"48h"})", Ns());
  REQUIRE_STATUS(advanced, 200);
  auto list = sb.Get("/api/v1/agents/202/runs", Pat());
  REQUIRE_STATUS(list, 200);
  REQUIRE(list.json["runs"].size() == 2);
  for (const auto& run : list.json["runs"]) CHECK(run["triggerType"] == "schedule");
  // The fixture schedules it every 24h from 06:00.
  CHECK(list.json["runs"][1]["startedAt"] == "2026-01-01T06:00:00.000Z");
  CHECK(list.json["runs"][0]["startedAt"] == "2026-01-02T06:00:00.000Z");
  // The default (Middesk) namespace runs no schedules.
  CHECK(sb.Get("/v1/runs").json["total_count"] == 0);
}

TEST_CASE("modus: a retried workflow lists every execution under one workflowId, ?temporalRunId picks one", "[http]") {
  SandboxProcess sb;
  // registry_outage: two failed executions, then the default review (awaiting approval).
  auto triggered = sb.Post("/_sandbox/modus/agents/202/runs", R"({"input":{"simulate":"registry_outage"}})", Pat());
  REQUIRE_STATUS(triggered, 201);
  CHECK(triggered.json["workflowId"] == "wf_202_run_1");
  CHECK(triggered.json["status"] == "error");
  const std::string first = triggered.json["temporalRunId"];

  auto list = sb.Get("/api/v1/agents/202/runs", Pat());
  REQUIRE_STATUS(list, 200);
  const Json& rows = list.json["runs"];
  REQUIRE(rows.size() == 3);
  for (const auto& row : rows) CHECK(row["workflowId"] == "wf_202_run_1");
  CHECK(rows[0]["status"] == "awaiting_human");
  CHECK(rows[1]["status"] == "error");
  CHECK(rows[2]["status"] == "error");
  CHECK(rows[2]["temporalRunId"] == first);
  CHECK(rows[1]["startedAt"] == "2026-01-01T00:00:02.000Z");  // when the first failed
  CHECK(rows[1]["endedAt"] == "2026-01-01T00:05:04.000Z");    // 5 min backoff + 2 s of work
  CHECK(rows[0]["startedAt"] == "2026-01-01T00:05:04.000Z");
  CHECK(list.json["counts"] ==
        Json{{"all_executions", 3}, {"running", 0}, {"awaiting_human", 1}, {"error", 2}, {"completed", 0}});

  // Without ?temporalRunId: the latest execution.
  auto latest = sb.Get(RunPath(202, "wf_202_run_1"), Pat());
  REQUIRE_STATUS(latest, 200);
  CHECK(latest.json["temporalRunId"] == rows[0]["temporalRunId"]);
  CHECK(latest.json["id"] == "wf_202_run_1:" + rows[0]["temporalRunId"].get<std::string>());
  CHECK(latest.json["pendingApproval"]["requestedAt"] == "2026-01-01T00:15:07.500Z");
  auto one = sb.Get(RunPath(202, "wf_202_run_1") + "?temporalRunId=" + first, Pat());
  REQUIRE_STATUS(one, 200);
  CHECK(one.json["id"] == "wf_202_run_1:" + first);
  CHECK(one.json["status"] == "error");
  CHECK(one.json["source"] == "history");
  CHECK(one.json["summary"] == "Delaware registry unavailable (attempt failed after 2 s)");
  CHECK(one.json["workflowNodes"][0]["status"] == "error");
  auto unknown = sb.Get(RunPath(202, "wf_202_run_1") + "?temporalRunId=00000000-0000-4000-8000-000000000000", Pat());
  REQUIRE_STATUS(unknown, 404);
  CHECK(unknown.json["error"]["code"] == "not_found");

  // Retries do not shift workflow numbers; another workflow's execution is not this one's.
  CHECK(Trigger(sb, 202, Json::object()) == "wf_202_run_2");
  CHECK_STATUS(sb.Get(RunPath(202, "wf_202_run_2") + "?temporalRunId=" + first, Pat()), 404);
  CHECK_STATUS(sb.Get(RunPath(202, "wf_202_run_3"), Pat()), 404);
  CHECK_STATUS(sb.Get(RunPath(202, "wf_202_run_1") + "?temporalRunId=" + first, Pat(kOtherOrg)), 404);

  // The approval extension answers the latest execution.
  auto approved = sb.Post(RunPath(202, "wf_202_run_1") + "/approval", R"({"decision":"approve"})", Pat());
  REQUIRE_STATUS(approved, 200);
  CHECK(approved.json["status"] == "completed");
  CHECK(approved.json["temporalRunId"] == rows[0]["temporalRunId"]);
  CHECK_STATUS(sb.Post(RunPath(202, "wf_202_run_1") + "/cancel", "", Pat()), 409);

  // Underneath, each execution is a run of the same thread (a Middesk key
  // cannot reach an organisation's namespace: the control API shows it).
  auto runs = sb.Get("/_sandbox/runs", {{"X-Sandbox-Namespace", "org-" + kOrg}});
  REQUIRE_STATUS(runs, 200);
  REQUIRE(runs.json["runs"].size() == 4);  // three executions of workflow 1, one of workflow 2
  std::set<std::string> threads;
  for (const auto& r : runs.json["runs"]) {
    if (r["view"]["workflowId"] == "wf_202_run_1") threads.insert(r["thread_id"].get<std::string>());
  }
  CHECK(threads.size() == 1);
}

TEST_CASE("modus: on a manual clock a retry waits out its backoff as a running execution", "[http]") {
  SandboxProcess sb({{"--clock", "manual"}});
  Trigger(sb, 202, {{"input", {{"simulate", "registry_outage"}}}});
  REQUIRE_STATUS(sb.Post("/_sandbox/clock/advance", R"({"by":"2s"})", Ns()), 200);
  auto waiting = sb.Get(RunPath(202, "wf_202_run_1"), Pat());
  REQUIRE_STATUS(waiting, 200);
  CHECK(waiting.json["status"] == "running");
  CHECK(waiting.json["source"] == "live-query");
  CHECK(waiting.json["workflowNodes"] == Json::array());
  CHECK_FALSE(waiting.json.contains("endedAt"));
  // It can be cancelled before it does anything: the workflow then ends there.
  auto cancelled = sb.Post(RunPath(202, "wf_202_run_1") + "/cancel", "", Pat());
  REQUIRE_STATUS(cancelled, 200);
  CHECK(cancelled.json["status"] == "cancelled");
  REQUIRE_STATUS(sb.Post("/_sandbox/clock/advance", R"({"by":"1h"})", Ns()), 200);
  auto list = sb.Get("/api/v1/agents/202/runs", Pat());
  CHECK(list.json["runs"].size() == 2);
  CHECK(list.json["counts"]["all_executions"] == 2);
}

}  // namespace http_modus_test
