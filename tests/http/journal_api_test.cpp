// The request journal over real HTTP (docs/toolkit.md "Request journal"):
// what it keeps and how it is bounded, its filters and paging, verification
// with near misses, and a run's interactions.
#include <catch2/catch.hpp>

#include <string>

#include "support/sandbox_process.h"

namespace http_journal_api_test {

namespace {

using sandbox::testing::AuthHeaders;
using sandbox::testing::HttpResponse;
using sandbox::testing::SandboxOptions;
using sandbox::testing::SandboxProcess;
using Json = nlohmann::json;

constexpr const char* kCreate =
    R"({"type":"cip_orchestrator","business_id":"8d1c4f0e-2b6a-4c1e-9f7d-3a5b6c7d8e9f"})";

HttpResponse Delete(const SandboxProcess& sb, const std::string& path) {
  auto res = sb.client().Delete(path.c_str());
  HttpResponse out;
  if (res) out.status = res->status;
  return out;
}

std::vector<std::string> Paths(const Json& listing) {
  std::vector<std::string> out;
  for (const auto& e : listing.at("data")) out.push_back(e.at("method").get<std::string>() + " " + e.at("path").get<std::string>());
  return out;
}

}  // namespace

TEST_CASE("journal api: keeps the newest N requests, masked, filtered and paged", "[http]") {
  SandboxProcess sb(SandboxOptions{.args = {"--journal", "4"}});
  httplib::Headers ns = AuthHeaders("mk_test_journal1234");
  ns.emplace("X-Sandbox-Namespace", "jt");
  REQUIRE_STATUS(sb.Get("/v1/agents"), 200);
  REQUIRE_STATUS(sb.Get("/v1/agents", ns), 200);
  HttpResponse run = sb.Post("/v1/runs", kCreate, ns);
  REQUIRE_STATUS(run, 201);
  const std::string id = run.json.at("id");
  REQUIRE_STATUS(sb.Get("/v1/runs/" + id + "?include=steps", ns), 200);
  REQUIRE_STATUS(sb.Get("/v1/nope", ns), 404);

  HttpResponse all = sb.Get("/_sandbox/requests");
  REQUIRE_STATUS(all, 200);
  CHECK(all.json.at("capacity") == 4);
  CHECK(all.json.at("total") == 4);
  CHECK(Paths(all.json) == std::vector<std::string>{"GET /v1/agents", "POST /v1/runs", "GET /v1/runs/" + id, "GET /v1/nope"});
  const Json& create = all.json.at("data")[1];
  CHECK(create.at("id") == 3);
  CHECK(create.at("status") == 201);
  CHECK(create.at("headers").at("Authorization") == "Bearer mk_t****1234");
  CHECK(create.at("body") == Json::parse(kCreate));
  CHECK(create.at("route") == "POST /v1/runs");
  CHECK(create.at("interaction") == "created");
  CHECK(create.at("run_id") == id);
  CHECK(create.at("response").at("body").at("id") == id);
  CHECK(create.at("latency_ms").is_number());
  const std::string qualified = create.at("namespace");
  CHECK(qualified.size() > 3);
  CHECK(qualified.substr(qualified.size() - 3) == "/jt");
  const Json& poll = all.json.at("data")[2];
  CHECK(poll.at("query") == "include=steps");
  CHECK(poll.at("interaction") == "polled");
  CHECK(all.json.at("data")[3].at("route").is_null());

  CHECK(Paths(sb.Get("/_sandbox/requests?status=4xx").json) == std::vector<std::string>{"GET /v1/nope"});
  CHECK(Paths(sb.Get("/_sandbox/requests?path=/v1/runs/*").json) == std::vector<std::string>{"GET /v1/runs/" + id});
  CHECK(Paths(sb.Get("/_sandbox/requests?method=post").json) == std::vector<std::string>{"POST /v1/runs"});
  CHECK(sb.Get("/_sandbox/requests?namespace=" + qualified).json.at("total") == 3);
  CHECK(Paths(sb.Get("/_sandbox/requests?run_id=" + id).json) ==
        std::vector<std::string>{"POST /v1/runs", "GET /v1/runs/" + id});
  HttpResponse first = sb.Get("/_sandbox/requests?limit=2");
  CHECK(first.json.at("has_more") == true);
  CHECK(first.json.at("next_after") == 3);
  CHECK(Paths(sb.Get("/_sandbox/requests?after=3").json) ==
        std::vector<std::string>{"GET /v1/runs/" + id, "GET /v1/nope"});
  CHECK(Paths(sb.Get("/_sandbox/requests?order=desc&limit=1").json) == std::vector<std::string>{"GET /v1/nope"});
  CHECK_STATUS(sb.Get("/_sandbox/requests?stauts=200"), 400);
  CHECK_STATUS(sb.Get("/_sandbox/requests?status=600"), 400);

  // Reading the journal did not add to it; clearing it empties it.
  CHECK(sb.Get("/_sandbox/requests").json.at("total") == 4);
  CHECK(Delete(sb, "/_sandbox/requests").status == 204);
  CHECK(sb.Get("/_sandbox/requests").json.at("total") == 0);
}

TEST_CASE("journal api: --journal 0 keeps nothing, and verification says so", "[http]") {
  SandboxProcess sb(SandboxOptions{.args = {"--journal", "0"}});
  REQUIRE_STATUS(sb.Get("/v1/agents"), 200);
  CHECK(sb.Get("/_sandbox/requests").json.at("total") == 0);
  HttpResponse v = sb.Post("/_sandbox/requests/verify", R"({"path":"/v1/agents"})");
  REQUIRE_STATUS(v, 200);
  CHECK(v.json.at("pass") == false);
  CHECK(v.json.contains("warning"));
}

TEST_CASE("journal api: verification passes, fails with near misses, and a run's interactions read in order",
          "[http]") {
  SandboxProcess sb;
  HttpResponse run = sb.Post("/v1/runs", kCreate);
  REQUIRE_STATUS(run, 201);
  const std::string id = run.json.at("id");
  HttpResponse got = sb.Get("/v1/runs/" + id);
  REQUIRE_STATUS(got, 200);
  REQUIRE(got.json.at("status") == "interrupted");
  const std::string interrupt = got.json.at("interrupts")[0].at("id");
  REQUIRE_STATUS(sb.Get("/v1/runs/" + id), 200);
  const std::string answer = R"({"interrupt_id":")" + interrupt + R"(","input":{"approved":true}})";
  REQUIRE_STATUS(sb.Post("/v1/runs/" + id + "/resume", answer), 200);
  CHECK_STATUS(sb.Post("/v1/runs/" + id + "/resume", answer), 409);  // answered already

  HttpResponse pass = sb.Post("/_sandbox/requests/verify",
                              R"({"method":"POST","path":"/v1/runs/*/resume","status":200,"count":{"eq":1}})");
  REQUIRE_STATUS(pass, 200);
  CHECK(pass.json.at("pass") == true);
  CHECK(pass.json.at("count") == 1);
  CHECK(pass.json.at("expected") == "exactly 1");
  CHECK(pass.json.at("matched") == Json::array({4}));

  HttpResponse fail = sb.Post("/_sandbox/requests/verify", R"({"method":"POST","path":"/v1/runs/*/resum"})");
  REQUIRE_STATUS(fail, 200);
  CHECK(fail.json.at("pass") == false);
  CHECK(fail.json.at("count") == 0);
  REQUIRE(fail.json.at("near_misses").size() == 3);
  const Json& nearest = fail.json.at("near_misses")[0];
  CHECK(nearest.at("request").at("id") == 5);  // the later of the two resumes
  CHECK(nearest.at("differences") ==
        Json::array({"path `/v1/runs/" + id + "/resume` does not match `/v1/runs/*/resum`"}));

  HttpResponse bad = sb.Post("/_sandbox/requests/verify", R"({"mehtod":"POST"})");
  CHECK_STATUS(bad, 400);
  CHECK(bad.json.at("errors")[0].at("parameter") == "mehtod");
  CHECK_STATUS(sb.Post("/_sandbox/requests/verify", R"({"count":{"eq":-1}})"), 422);

  HttpResponse seen = sb.Get("/_sandbox/runs/" + id + "/interactions");
  REQUIRE_STATUS(seen, 200);
  CHECK(seen.json.at("summary") == Json::parse(R"({"created":1,"polled":2,"resumed":2})"));
  std::vector<std::string> order;
  for (const auto& i : seen.json.at("data")) order.push_back(i.at("interaction"));
  CHECK(order == std::vector<std::string>{"created", "polled", "polled", "resumed", "resumed"});
  CHECK(seen.json.at("data")[3].at("body").at("input") == Json::parse(R"({"approved":true})"));

  std::string once = R"({"interaction":"resumed","status":200,"body":{"interrupt_id":")" + interrupt +
                     R"("},"count":{"eq":1}})";
  CHECK(sb.Post("/_sandbox/runs/" + id + "/interactions/verify", once).json.at("pass") == true);
  HttpResponse twice = sb.Post("/_sandbox/runs/" + id + "/interactions/verify",
                               R"({"interaction":"resumed","count":{"eq":2},"status":200})");
  CHECK(twice.json.at("pass") == false);
  CHECK(twice.json.at("near_misses")[0].at("differences") == Json::array({"status is 409, not 200"}));
  CHECK(sb.Post("/_sandbox/runs/" + id + "/interactions/verify", R"({"interaction":"rated","count":0})")
            .json.at("pass") == true);
}

TEST_CASE("journal api: a Modus run's polls and approval by workflow id count as its interactions", "[http]") {
  SandboxProcess sb;
  const std::string org = "11111111-2222-4333-8444-555555555555";
  const httplib::Headers pat = {{"Authorization", "Bearer modus_" + org + "_abc_secret"},
                                {"Content-Type", "application/json"}};
  HttpResponse started = sb.Post("/_sandbox/modus/agents/202/runs", "{}", pat);
  REQUIRE_STATUS(started, 201);
  const std::string run_id = started.json.at("temporalRunId");
  const std::string path = "/api/v1/agents/202/runs/" + started.json.at("workflowId").get<std::string>();
  REQUIRE_STATUS(sb.Get(path, pat), 200);
  REQUIRE_STATUS(sb.Get(path, pat), 200);
  REQUIRE_STATUS(sb.Post(path + "/approval", R"({"decision":"approve"})", pat), 200);
  HttpResponse seen = sb.Get("/_sandbox/runs/" + run_id + "/interactions", {{"X-Sandbox-Namespace", "org-" + org}});
  REQUIRE_STATUS(seen, 200);
  CHECK(seen.json.at("summary") == Json::parse(R"({"created":1,"polled":2,"approved":1})"));
}

}  // namespace http_journal_api_test
