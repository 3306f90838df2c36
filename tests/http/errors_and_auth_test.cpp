// HTTP tests of authentication (Bearer, HTTP Basic, --api-key), the Middesk
// error bodies for bad requests (bodies, routes, includes, unknown ids, the
// X-Sandbox-Scenario header) and the unauthenticated /_sandbox/health probe.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "support/sandbox_process.h"

namespace http_errors_and_auth_test {

namespace {

using sandbox::testing::AuthHeaders;
using sandbox::testing::HttpResponse;
using sandbox::testing::SandboxOptions;
using sandbox::testing::SandboxProcess;
using Json = nlohmann::json;

constexpr const char* kBusinessId = "8a5c3b1e-0f55-4c8a-9d7e-3b2a1c0d9e8f";

std::string ThreadBody() { return Json{{"type", "cip_orchestrator"}, {"business_id", kBusinessId}}.dump(); }

// {"errors":[{"message": message}]}: no parameter.
Json ErrorBody(const std::string& message) { return Json{{"errors", Json::array({Json{{"message", message}}})}}; }

Json ErrorBody(const std::string& message, const std::string& parameter) {
  return Json{{"errors", Json::array({Json{{"message", message}, {"parameter", parameter}}})}};
}

}  // namespace

TEST_CASE("a request without Authorization is a 401 with a Middesk error body", "[http]") {
  SandboxProcess sandbox;
  HttpResponse r = sandbox.Post("/v1/threads", ThreadBody(), {});
  CHECK_STATUS(r, 401);
  CHECK(r.json ==
        ErrorBody("Missing API key: send Authorization: Bearer <key> (or HTTP Basic with the key as user name)"));
  HttpResponse get = sandbox.Get("/v1/threads/00000000-0000-4000-8000-000000000000", {});
  CHECK_STATUS(get, 401);
}

TEST_CASE("a malformed API key is a 401 with a Middesk error body", "[http]") {
  SandboxProcess sandbox;
  for (const char* header : {"Bearer nope", "Bearer mk_test_", "Bearer mk_prod_abc", "Bearer mk_test_a-b", "Token x"}) {
    INFO("Authorization: " << header);
    HttpResponse r = sandbox.Post("/v1/threads", ThreadBody(), {{"Authorization", header}});
    CHECK_STATUS(r, 401);
    CHECK(r.json.size() == 1);
    REQUIRE(r.json.at("errors").size() == 1);
    CHECK(r.json.at("errors")[0].size() == 1);
    CHECK(r.json.at("errors")[0].at("message").is_string());
  }
  HttpResponse r = sandbox.Post("/v1/threads", ThreadBody(), {{"Authorization", "Bearer nope"}});
  CHECK(r.body == R"({"errors":[{"message":"An invalid API key was provided"}]})");
}

TEST_CASE("HTTP Basic with the key as user name authenticates as that key", "[http]") {
  SandboxProcess sandbox;
  // base64("mk_test_x:")
  HttpResponse basic = sandbox.Post("/v1/threads", ThreadBody(), {{"Authorization", "Basic bWtfdGVzdF94Og=="}});
  REQUIRE_STATUS(basic, 201);
  HttpResponse bearer = sandbox.Post("/v1/threads", ThreadBody(), AuthHeaders("mk_test_x"));
  REQUIRE_STATUS(bearer, 201);
  HttpResponse other = sandbox.Post("/v1/threads", ThreadBody(), AuthHeaders("mk_test_y"));
  REQUIRE_STATUS(other, 201);
  // The requester is a function of the key, whichever scheme carried it.
  CHECK(basic.json.at("requester") == bearer.json.at("requester"));
  CHECK(basic.json.at("requester").at("id") != other.json.at("requester").at("id"));
}

TEST_CASE("the --api-key option makes the sandbox accept only that key", "[http]") {
  SandboxProcess sandbox(SandboxOptions{.args = {"--api-key", "mk_test_only"}});
  HttpResponse allowed = sandbox.Post("/v1/threads", ThreadBody(), AuthHeaders("mk_test_only"));
  CHECK_STATUS(allowed, 201);
  HttpResponse refused = sandbox.Post("/v1/threads", ThreadBody(), AuthHeaders("mk_test_other"));
  CHECK_STATUS(refused, 401);
  CHECK(refused.json == ErrorBody("An invalid API key was provided"));
}

TEST_CASE("a request body that is not a JSON object is a 400 naming body", "[http]") {
  struct Case {
    const char* body;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"{bad", "Request body is not valid JSON (at byte 2)"},
      {R"({"type": "cip_orchestrator",)", "Request body is not valid JSON (at byte 29)"},
      {"[1, 2]", "Request body must be a JSON object"},
      {R"("cip_orchestrator")", "Request body must be a JSON object"},
      {"42", "Request body must be a JSON object"},
  };
  SandboxProcess sandbox;
  for (const char* path : {"/v1/threads", "/v1/runs"}) {
    for (const auto& c : cases) {
      INFO("POST " << path << " " << c.body);
      HttpResponse r = sandbox.Post(path, c.body);
      CHECK_STATUS(r, 400);
      CHECK(r.json == ErrorBody(c.message, "body"));
    }
  }
}

TEST_CASE("an unknown route is a 404 with a Middesk error body", "[http]") {
  SandboxProcess sandbox;
  HttpResponse get = sandbox.Get("/v1/nope");
  CHECK_STATUS(get, 404);
  CHECK(get.body == R"({"errors":[{"message":"No route for GET /v1/nope"}]})");
  HttpResponse post = sandbox.Post("/v1/runs/abc/cancel-everything", "{}");
  CHECK_STATUS(post, 404);
  CHECK(post.json == ErrorBody("No route for POST /v1/runs/abc/cancel-everything"));
}

TEST_CASE("GET of an unknown run is a 404 agent run not found", "[http]") {
  SandboxProcess sandbox;
  HttpResponse r = sandbox.Get("/v1/runs/00000000-0000-4000-8000-000000000000");
  CHECK_STATUS(r, 404);
  CHECK(r.body == R"({"errors":[{"message":"agent run not found","parameter":"id"}]})");
}

TEST_CASE("an unsupported ?include is a 422 naming include", "[http]") {
  SandboxProcess sandbox;
  HttpResponse run = sandbox.Post("/v1/runs", ThreadBody());
  REQUIRE_STATUS(run, 201);
  const std::string path = "/v1/runs/" + run.json.at("id").get<std::string>();

  HttpResponse bogus = sandbox.Get(path + "?include=bogus");
  CHECK_STATUS(bogus, 422);
  CHECK(bogus.json == ErrorBody("Unknown include `bogus` (supported: steps)", "include"));
  HttpResponse mixed = sandbox.Get(path + "?include=steps,bogus");
  CHECK_STATUS(mixed, 422);
  CHECK(mixed.json.at("errors")[0].at("parameter") == "include");
  HttpResponse resume = sandbox.Post(path + "/resume?include=bogus", R"({"interrupt_id":"intr_0"})");
  CHECK_STATUS(resume, 422);
  CHECK(resume.json.at("errors")[0].at("parameter") == "include");
}

TEST_CASE("GET /_sandbox/health answers without authentication", "[http]") {
  SandboxProcess sandbox;
  HttpResponse r = sandbox.Get("/_sandbox/health", {});
  REQUIRE_STATUS(r, 200);
  CHECK(r.json.at("status") == "ok");
  CHECK(r.json.at("version") == "0.1.0");
  CHECK(r.json.at("database") == sandbox.db_path());
  CHECK(r.json.at("clock") == Json{{"mode", "virtual"}, {"now", "2026-01-01T00:00:00.000Z"}});
  CHECK(r.json.at("uptime_ms").is_number_integer());
  CHECK_FALSE(r.json.contains("error"));
}

TEST_CASE("X-Sandbox-Scenario naming no scenario of the agent is a 404 naming the header", "[http]") {
  SandboxProcess sandbox;
  httplib::Headers headers = AuthHeaders();
  headers.emplace("X-Sandbox-Scenario", "nosuch");
  HttpResponse r = sandbox.Post("/v1/runs", ThreadBody(), headers);
  CHECK_STATUS(r, 404);
  CHECK(r.json == ErrorBody("scenario \"nosuch\" not found for agent type cip_orchestrator", "X-Sandbox-Scenario"));

  // The shipped fixtures name their only scenario "default".
  headers = AuthHeaders();
  headers.emplace("X-Sandbox-Scenario", "default");
  HttpResponse ok = sandbox.Post("/v1/runs", ThreadBody(), headers);
  CHECK_STATUS(ok, 201);
}

TEST_CASE("unknown paths answer in the shape of the dialect that owns the prefix", "[http]") {
  sandbox::testing::SandboxProcess sb;
  auto middesk = sb.Get("/v1/nope");
  CHECK(middesk.status == 404);
  CHECK(middesk.body == R"({"errors":[{"message":"No route for GET /v1/nope"}]})");
  auto modus = sb.Get("/api/v1/nope");
  CHECK(modus.status == 404);
  CHECK(modus.body == R"({"error":{"code":"not_found","message":"No route for GET /api/v1/nope"}})");
  CHECK(sb.Get("/agent/nowhere").json["error"]["code"] == "not_found");
}

}  // namespace http_errors_and_auth_test
