// The Modus agent management API (docs/modus.md "Managing agents"): agents
// created as drafts, updated with updateMask, deployed and run with a fixture
// scenario or the default one; the schedule switch; soft deletion; access
// and ownership transfer; and definitions that survive a restart but not a
// reset.
#include <catch2/catch.hpp>

#include "support/sandbox_process.h"

namespace http_modus_agent_admin_test {

using sandbox::testing::SandboxOptions;
using sandbox::testing::SandboxProcess;
using sandbox::testing::TempDir;
using Json = nlohmann::json;

namespace {

const std::string kOrg = "11111111-2222-4333-8444-555555555555";

httplib::Headers Pat(const std::string& prefix = "abc123") {
  return {{"Authorization", "Bearer modus_" + kOrg + "_" + prefix + "_s3cret"}};
}
httplib::Headers Ns() { return {{"X-Sandbox-Namespace", "org-" + kOrg}}; }

// PATCH and DELETE, which SandboxProcess has no shorthand for.
sandbox::testing::HttpResponse Send(const SandboxProcess& sb, const std::string& method, const std::string& path,
                                    const std::string& body, const httplib::Headers& h) {
  httplib::Client c = sb.client();
  httplib::Result r = method == "PATCH" ? c.Patch(path, h, body, "application/json") : c.Delete(path, h);
  sandbox::testing::HttpResponse out;
  if (!r) {
    out.error = httplib::to_string(r.error());
    return out;
  }
  out.status = r->status;
  out.body = r->body;
  out.json = Json::parse(r->body, nullptr, false);
  return out;
}

Json Create(const SandboxProcess& sb, const Json& body, const httplib::Headers& h = Pat()) {
  auto r = sb.Post("/api/v1/agents", body.dump(), h);
  REQUIRE_STATUS(r, 201);
  return r.json;
}

std::string Agent(int64_t id) { return "/api/v1/agents/" + std::to_string(id); }

// Triggers a run (sandbox extension) and reads its detail.
Json RunOf(const SandboxProcess& sb, int64_t id) {
  auto r = sb.Post("/_sandbox/modus/agents/" + std::to_string(id) + "/runs",
                   R"({"input":{"message":"Is Acme in good standing?"}})", Pat());
  REQUIRE_STATUS(r, 201);
  auto detail = sb.Get(Agent(id) + "/runs/" + r.json["workflowId"].get<std::string>(), Pat());
  REQUIRE_STATUS(detail, 200);
  return detail.json;
}

int64_t ScheduledRuns(const SandboxProcess& sb, int64_t id) {
  auto list = sb.Get(Agent(id) + "/runs?pageSize=100", Pat());
  REQUIRE_STATUS(list, 200);
  int64_t n = 0;
  for (const auto& r : list.json["runs"]) n += r["triggerType"] == "schedule" ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("modus agents: created as a draft, updated by updateMask, deployed, then run with its fixture scenario",
          "[http]") {
  SandboxProcess sb;
  Json a = Create(sb, {{"name", "Customer Churn Agent"},
                       {"type", "task"},
                       {"description", "Finds customers about to leave."},
                       {"scenario", "kyb_research_assistant/default"}});
  CHECK(a["id"] == 1000);
  CHECK(a["status"] == "draft");
  CHECK(a["name"] == "Customer Churn Agent");
  CHECK(a["slug"].get<std::string>().rfind("customer-churn-agent-", 0) == 0);
  CHECK(a["slug"].get<std::string>().size() == std::string("customer-churn-agent-").size() + 3);
  CHECK(a["orgUuid"] == kOrg);
  CHECK(a["hasUnpublishedChanges"] == true);
  CHECK(a["activeVariationId"].is_null());
  CHECK(a["draftVariationId"].is_string());
  CHECK(a["canManage"] == true);
  CHECK(a["canUse"] == true);
  CHECK(a["accessConfig"]["visibility"] == "shared");
  CHECK(a["accessConfig"]["ownerEmail"] == "abc123@sandbox.modus.local");
  CHECK(a["variation"]["scenario"] == "kyb_research_assistant/default");
  CHECK(a["deletedAt"].is_null());

  // Listed with the fixture agents; a draft never runs.
  auto list = sb.Get("/api/v1/agents", Pat());
  REQUIRE_STATUS(list, 200);
  REQUIRE(list.json["agents"].size() == 3);
  CHECK(list.json["agents"][2]["id"] == 1000);
  CHECK(list.json["agents"][2]["status"] == "draft");
  auto refused = sb.Post("/_sandbox/modus/agents/1000/runs", "{}", Pat());
  REQUIRE_STATUS(refused, 409);
  CHECK(refused.json["error"]["message"].get<std::string>().find("never been deployed") != std::string::npos);

  // The mask picks the fields written; a field it names but the body lacks is cleared.
  auto patched = Send(sb, "PATCH", Agent(1000) + "?updateMask=description",
                      R"({"description":"Churn, scored.","name":"Not this"})", Pat());
  REQUIRE_STATUS(patched, 200);
  CHECK(patched.json["description"] == "Churn, scored.");
  CHECK(patched.json["name"] == "Customer Churn Agent");
  CHECK(patched.json["draftVariationId"] == a["draftVariationId"]);
  auto bad_mask = Send(sb, "PATCH", Agent(1000) + "?updateMask=description,colour", "{}", Pat());
  REQUIRE_STATUS(bad_mask, 400);
  CHECK(bad_mask.json["error"]["field"] == "updateMask");

  auto deployed = sb.Post(Agent(1000) + "/deploy", "{}", Pat());
  REQUIRE_STATUS(deployed, 200);
  CHECK(deployed.json["agent"]["status"] == "active");
  CHECK(deployed.json["agent"]["activeVariationId"] == a["draftVariationId"]);
  CHECK(deployed.json["agent"]["draftVariationId"].is_null());
  CHECK(deployed.json["agent"]["hasUnpublishedChanges"] == false);
  CHECK(deployed.json["deployedAt"] == deployed.json["agent"]["updatedAt"]);

  Json run = RunOf(sb, 1000);
  CHECK(run["status"] == "completed");
  CHECK(run["agentName"] == "Customer Churn Agent");
  CHECK(run["workflowId"] == "wf_1000_run_1");
  CHECK(run["summary"] == "Acme Lending LLC is in good standing in Delaware and active in Texas.");

  // A new draft leaves the deployed variation in force until it is deployed.
  auto renamed = Send(sb, "PATCH", Agent(1000), R"({"name":"Churn Radar"})", Pat());
  REQUIRE_STATUS(renamed, 200);
  CHECK(renamed.json["name"] == "Churn Radar");
  CHECK(renamed.json["hasUnpublishedChanges"] == true);
  CHECK(renamed.json["draftVariationId"] != a["draftVariationId"]);
  CHECK(sb.Get(Agent(1000), Pat()).json["name"] == "Customer Churn Agent");
  CHECK(sb.Get(Agent(1000) + "?view=draft", Pat()).json["name"] == "Churn Radar");
  CHECK(RunOf(sb, 1000)["agentName"] == "Customer Churn Agent");
  REQUIRE_STATUS(sb.Post(Agent(1000) + "/deploy", "{}", Pat()), 200);
  CHECK(RunOf(sb, 1000)["agentName"] == "Churn Radar");
}

TEST_CASE("modus agents: without a scenario an agent plays the default one, bodies are checked", "[http]") {
  SandboxProcess sb;
  Create(sb, {{"name", "Plain"}, {"type", "workflow"}});
  REQUIRE_STATUS(sb.Post(Agent(1000) + "/deploy", "{}", Pat()), 200);
  Json run = RunOf(sb, 1000);
  CHECK(run["status"] == "completed");
  CHECK(run["agentType"] == "workflow");
  REQUIRE(run["workflowNodes"].size() == 1);
  CHECK(run["workflowNodes"][0]["name"] == "work");
  CHECK(run["summary"] == "Done");
  // The next agent gets the next id.
  CHECK(Create(sb, {{"name", "Second"}, {"type", "task"}})["id"] == 1001);

  struct Case {
    Json body;
    std::string field;
  };
  for (const auto& c : std::vector<Case>{
           {{{"type", "task"}}, "name"},
           {{{"name", "x"}}, "type"},
           {{{"name", ""}, {"type", "task"}}, "name"},
           {{{"name", std::string(201, 'n')}, {"type", "task"}}, "name"},
           {{{"name", "x"}, {"type", "robot"}}, "type"},
           {{{"name", "x"}, {"type", "task"}, {"scenario", "nosuch"}}, "scenario"},
           {{{"name", "x"}, {"type", "task"}, {"scenario", "default"}}, "scenario"},  // several agents have one
           {{{"name", "x"}, {"type", "task"}, {"trigger", {{"schedule", {{"everyMs", 5}}}}}}, "trigger.schedule.everyMs"},
           {{{"name", "x"}, {"type", "task"}, {"trigger", {{"kinds", {"carrier-pigeon"}}}}}, "trigger.kinds"},
           {{{"name", "x"}, {"type", "task"}, {"accessConfig", {{"visibility", "everyone"}}}}, "accessConfig.visibility"},
           {{{"name", "x"}, {"type", "task"}, {"workflowStructure", {{"nodes", 1}}}}, "workflowStructure"},
           {{{"name", "x"}, {"type", "task"}, {"agentSelection", Json(3000, "skill-0123456789")}}, "agentSelection"},
       }) {
    auto r = sb.Post("/api/v1/agents", c.body.dump(), Pat());
    INFO(c.body.dump());
    REQUIRE_STATUS(r, 400);
    CHECK(r.json["error"]["field"] == c.field);
  }
  auto ambiguous = sb.Post("/api/v1/agents", R"({"name":"x","type":"task","scenario":"default"})", Pat());
  CHECK(ambiguous.json["error"]["message"].get<std::string>().find("kyb_research_assistant/default") !=
        std::string::npos);
  // Nothing refused was created.
  CHECK(sb.Get("/api/v1/agents", Pat()).json["agents"].size() == 4);
}

TEST_CASE("modus agents: toggling a schedule off stops it, on again it skips the periods it missed", "[http]") {
  SandboxProcess sb;
  REQUIRE_STATUS(sb.Get(Agent(202), Pat()), 200);  // the org's namespace now exists
  auto off = sb.Post(Agent(202) + "/toggle", "{}", Pat());
  REQUIRE_STATUS(off, 200);
  CHECK(off.json["isEnabled"] == false);
  REQUIRE_STATUS(sb.Post("/_sandbox/clock/advance", R"({"by":"48h"})", Ns()), 200);
  CHECK(ScheduledRuns(sb, 202) == 0);
  auto on = sb.Post(Agent(202) + "/toggle", R"({"enabled":true})", Pat());
  REQUIRE_STATUS(on, 200);
  CHECK(on.json["isEnabled"] == true);
  REQUIRE_STATUS(sb.Post("/_sandbox/clock/advance", R"({"by":"24h"})", Ns()), 200);
  auto list = sb.Get(Agent(202) + "/runs", Pat());
  REQUIRE(list.json["runs"].size() == 1);
  CHECK(list.json["runs"][0]["startedAt"] == "2026-01-03T06:00:00.000Z");

  // An agent created with a schedule starts one period after its deploy.
  Create(sb, {{"name", "Hourly"}, {"type", "task"}, {"trigger", {{"schedule", {{"everyMs", 3600000}}}}}});
  auto d = sb.Post(Agent(1000) + "/deploy", "{}", Pat());
  REQUIRE_STATUS(d, 200);
  CHECK(d.json["agent"]["variation"]["trigger"]["kinds"] == Json{"schedule"});
  CHECK(d.json["agent"]["variation"]["trigger"]["schedule"]["every"] == "PT1H");
  REQUIRE_STATUS(sb.Post("/_sandbox/clock/advance", R"({"by":"150m"})", Ns()), 200);
  CHECK(ScheduledRuns(sb, 1000) == 2);
}

TEST_CASE("modus agents: a soft-deleted agent is hidden and never runs, undelete leaves its schedule off", "[http]") {
  SandboxProcess sb;
  auto deleted = Send(sb, "DELETE", Agent(202), "", Pat());
  REQUIRE_STATUS(deleted, 200);
  CHECK(deleted.json["status"] == "deleted");
  CHECK(deleted.json["deletedAt"].is_string());
  CHECK(deleted.json["isEnabled"] == false);
  CHECK_STATUS(Send(sb, "DELETE", Agent(202), "", Pat()), 200);  // idempotent
  CHECK(sb.Get("/api/v1/agents", Pat()).json["agents"].size() == 1);
  CHECK(sb.Get("/api/v1/agents?showDeleted=true", Pat()).json["agents"].size() == 2);
  CHECK(sb.Get(Agent(202), Pat()).json["status"] == "deleted");  // still readable, to be undeleted
  CHECK_STATUS(sb.Get(Agent(202) + "/runs", Pat()), 404);
  CHECK_STATUS(sb.Post("/_sandbox/modus/agents/202/runs", "{}", Pat()), 404);
  CHECK_STATUS(Send(sb, "PATCH", Agent(202), R"({"name":"x"})", Pat()), 404);
  REQUIRE_STATUS(sb.Post("/_sandbox/clock/advance", R"({"by":"48h"})", Ns()), 200);

  auto back = sb.Post(Agent(202) + ":undelete", "", Pat());
  REQUIRE_STATUS(back, 200);
  CHECK(back.json["status"] == "active");
  CHECK(back.json["deletedAt"].is_null());
  CHECK(back.json["isEnabled"] == false);
  CHECK_STATUS(sb.Post(Agent(202) + ":undelete", "", Pat()), 200);  // idempotent
  CHECK(ScheduledRuns(sb, 202) == 0);
  CHECK_STATUS(sb.Post("/_sandbox/modus/agents/202/runs", "{}", Pat()), 201);
}

TEST_CASE("modus agents: private access, sharing, self-lockout and ownership transfer", "[http]") {
  SandboxProcess sb;
  const auto owner = Pat("own111");
  const auto other = Pat("oth222");
  std::string other_id = Create(sb, {{"name", "Theirs"}, {"type", "task"}}, other)["accessConfig"]["ownerUserId"];
  Json mine = Create(sb, {{"name", "Mine"}, {"type", "task"}, {"accessConfig", {{"visibility", "private"}}}}, owner);
  const int64_t id = mine["id"];
  CHECK_STATUS(sb.Get(Agent(id), other), 404);
  CHECK(sb.Get("/api/v1/agents", other).json["agents"].size() == 3);  // two fixtures and their own

  Json share = {{"accessConfig", {{"visibility", "private"}, {"sharedWith", {{{"userId", other_id}, {"use", true}}}}}}};
  REQUIRE_STATUS(Send(sb, "PATCH", Agent(id) + "?updateMask=accessConfig", share.dump(), owner), 200);
  auto seen = sb.Get(Agent(id), other);
  REQUIRE_STATUS(seen, 200);
  CHECK(seen.json["canUse"] == true);
  CHECK(seen.json["canManage"] == false);
  CHECK_STATUS(Send(sb, "PATCH", Agent(id), R"({"name":"Ours"})", other), 403);
  CHECK_STATUS(sb.Post(Agent(id) + "/deploy", "{}", other), 403);

  // A manager who is not the owner may not take their own access away.
  share["accessConfig"]["sharedWith"][0]["manage"] = true;
  REQUIRE_STATUS(Send(sb, "PATCH", Agent(id) + "?updateMask=accessConfig", share.dump(), owner), 200);
  auto lockout = Send(sb, "PATCH", Agent(id) + "?updateMask=accessConfig",
                      R"({"accessConfig":{"visibility":"private"}})", other);
  REQUIRE_STATUS(lockout, 422);
  CHECK(sb.Get(Agent(id), other).json["canManage"] == true);  // nothing was written

  // Only the owner asks; only the named user accepts.
  std::string body = Json{{"newOwnerUserId", other_id}}.dump();
  CHECK_STATUS(sb.Post(Agent(id) + "/transfer-ownership", body, other), 403);
  CHECK_STATUS(sb.Post(Agent(id) + "/transfer-ownership", R"({"newOwnerUserId":"me"})", owner), 400);
  CHECK_STATUS(sb.Post(Agent(id) + "/accept-ownership", "", other), 409);
  auto asked = sb.Post(Agent(id) + "/transfer-ownership", body, owner);
  REQUIRE_STATUS(asked, 200);
  CHECK(asked.json["pendingOwnershipTransfer"]["pendingOwnerUserId"] == other_id);
  CHECK(asked.json["pendingOwnershipTransfer"]["requestedByUserId"] == mine["accessConfig"]["ownerUserId"]);
  CHECK_STATUS(sb.Post(Agent(id) + "/accept-ownership", "", owner), 403);
  auto accepted = sb.Post(Agent(id) + "/accept-ownership", "", other);
  REQUIRE_STATUS(accepted, 200);
  CHECK(accepted.json["accessConfig"]["ownerUserId"] == other_id);
  CHECK(accepted.json["accessConfig"]["ownerEmail"] == "oth222@sandbox.modus.local");
  CHECK_FALSE(accepted.json.contains("pendingOwnershipTransfer"));
  // The former owner is not in sharedWith: the private agent is gone from their view.
  CHECK_STATUS(sb.Get(Agent(id), owner), 404);
}

TEST_CASE("modus agents: definitions survive a restart, and a reset removes them", "[http]") {
  TempDir dir;
  const std::string db = dir.File("agents.db");
  {
    SandboxProcess first(SandboxOptions{.db = db});
    Create(first, {{"name", "Kept"}, {"type", "task"}});
    REQUIRE_STATUS(first.Post(Agent(1000) + "/deploy", "{}", Pat()), 200);
    REQUIRE_STATUS(first.Post(Agent(101) + "/toggle", "{}", Pat()), 200);
  }
  SandboxProcess second(SandboxOptions{.db = db});
  auto kept = second.Get(Agent(1000), Pat());
  REQUIRE_STATUS(kept, 200);
  CHECK(kept.json["name"] == "Kept");
  CHECK(kept.json["status"] == "active");
  CHECK(second.Get(Agent(101), Pat()).json["isEnabled"] == false);
  CHECK(RunOf(second, 1000)["status"] == "completed");

  REQUIRE_STATUS(second.Post("/_sandbox/reset", "", Ns()), 200);
  CHECK_STATUS(second.Get(Agent(1000), Pat()), 404);
  CHECK(second.Get(Agent(101), Pat()).json["isEnabled"] == true);
}

TEST_CASE("modus agents: an organisation keeps at most 200 agents created through the API", "[http]") {
  SandboxProcess sb;
  httplib::Client c = sb.client();
  for (int i = 0; i < 200; ++i) {
    auto r = c.Post("/api/v1/agents", Pat(), R"({"name":"a","type":"task"})", "application/json");
    REQUIRE(r);
    REQUIRE(r->status == 201);
  }
  auto full = sb.Post("/api/v1/agents", R"({"name":"one too many","type":"task"})", Pat());
  REQUIRE_STATUS(full, 409);
  CHECK(full.json["error"]["message"].get<std::string>().find("200 agents") != std::string::npos);
  // Changes to the agents there are still take effect.
  CHECK_STATUS(sb.Post(Agent(1199) + "/deploy", "{}", Pat()), 200);
}

}  // namespace http_modus_agent_admin_test
