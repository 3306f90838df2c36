// Strict mode and the served OpenAPI document, through the real binary
// (issue 13): refusals in each dialect's error shape, the header overriding
// the flag both ways, and every operation of GET /openapi.json answered by
// a route (never the server's "No route" 404). The converse, that every
// handler is in the document, holds by construction: handlers are only
// registered through RouteTable (tests/routes_check.cmake), from which the
// document is generated. tests/openapi validates the document as OpenAPI 3.1.
#include <catch2/catch.hpp>

#include "support/sandbox_process.h"

namespace http_strict_openapi_test {

using sandbox::testing::AuthHeaders;
using sandbox::testing::HttpResponse;
using sandbox::testing::SandboxOptions;
using sandbox::testing::SandboxProcess;
using Json = nlohmann::json;

namespace {

const std::string kOrg = "11111111-2222-4333-8444-555555555555";

httplib::Headers Modus(httplib::Headers more = {}) {
  more.emplace("Authorization", "Bearer modus_" + kOrg + "_abc123_s3cret");
  return more;
}

httplib::Headers Middesk(httplib::Headers more = {}) {
  more.emplace("Authorization", "Bearer mk_test_sandbox");
  return more;
}

}  // namespace

TEST_CASE("strict: lenient by default, X-Sandbox-Strict: true refuses in each dialect's shape", "[http]") {
  SandboxProcess sb;
  CHECK_STATUS(sb.Get("/v1/runs?foo=1", Middesk()), 200);

  HttpResponse r = sb.Get("/v1/runs?foo=1", Middesk({{"X-Sandbox-Strict", "true"}}));
  REQUIRE_STATUS(r, 400);
  CHECK(r.json["errors"][0]["parameter"] == "foo");
  CHECK(r.json["errors"][0]["message"] ==
        "Unknown query parameter `foo` (strict mode); this route takes: page, per_page");

  r = sb.Post("/v1/threads", R"({"type":"kyb","business_id":"2a5e2f2e-0000-4000-8000-000000000001","bogus":1})",
              Middesk({{"X-Sandbox-Strict", "true"}}));
  REQUIRE_STATUS(r, 400);
  CHECK(r.json["errors"][0]["parameter"] == "bogus");

  CHECK_STATUS(sb.Get("/api/v1/agents?foo=1", Modus()), 200);
  r = sb.Get("/api/v1/agents?foo=1", Modus({{"X-Sandbox-Strict", "true"}}));
  REQUIRE_STATUS(r, 400);
  CHECK(r.json["error"]["code"] == "invalid_argument");
  CHECK(r.json["error"]["field"] == "foo");
  CHECK(r.json["error"]["message"].get<std::string>().rfind("Unknown query parameter `foo` (strict mode)", 0) == 0);

  // Declared parameters pass, and so does the control API's own.
  CHECK_STATUS(sb.Get("/api/v1/agents?pageSize=1&type=task", Modus({{"X-Sandbox-Strict", "true"}})), 200);
  r = sb.Get("/_sandbox/health?x=1", {{"X-Sandbox-Strict", "true"}});
  REQUIRE_STATUS(r, 400);
  CHECK(r.json["errors"][0]["message"] == "Unknown query parameter `x` (strict mode); this route takes: none");
  CHECK_STATUS(sb.Get("/v1/runs", Middesk({{"X-Sandbox-Strict", "maybe"}})), 400);
}

TEST_CASE("strict: --strict refuses, X-Sandbox-Strict: false waives it for one request", "[http]") {
  SandboxProcess sb(SandboxOptions{.args = {"--strict"}});
  HttpResponse r = sb.Get("/v1/runs?per_page=5&foo=1", Middesk());
  REQUIRE_STATUS(r, 400);
  CHECK(r.json["errors"][0]["parameter"] == "foo");
  CHECK_STATUS(sb.Get("/v1/runs?per_page=5&foo=1", Middesk({{"X-Sandbox-Strict", "false"}})), 200);
  CHECK_STATUS(sb.Get("/v1/runs?per_page=5", Middesk()), 200);

  r = sb.Post("/_sandbox/modus/agents/101/runs", R"({"input":{},"colour":"red"})", Modus());
  REQUIRE_STATUS(r, 400);
  CHECK(r.json["error"]["field"] == "colour");

  // The document says what strict mode checks.
  r = sb.Get("/openapi.json", {});
  REQUIRE_STATUS(r, 200);
  CHECK(r.json["paths"]["/v1/threads"]["post"]["requestBody"]["content"]["application/json"]["schema"]
              ["additionalProperties"] == false);
  r = sb.Get("/openapi.json", {{"X-Sandbox-Strict", "false"}});
  CHECK(r.json["paths"]["/v1/threads"]["post"]["requestBody"]["content"]["application/json"]["schema"]
              ["additionalProperties"] == true);
}

TEST_CASE("openapi: every documented operation is answered by a route", "[http]") {
  SandboxProcess sb;
  HttpResponse doc = sb.Get("/openapi.json", {});
  REQUIRE_STATUS(doc, 200);
  CHECK(doc.json["openapi"] == "3.1.0");
  CHECK(doc.json["info"]["title"] == "agent-sandbox");
  CHECK(sb.Get("/_sandbox/openapi.json", {}).body == doc.body);
  CHECK_STATUS(sb.Get("/openapi.yaml", {}), 200);

  httplib::Client c = sb.client();
  size_t operations = 0;
  for (auto& [path, item] : doc.json["paths"].items()) {
    // Every path parameter gets a value no object has.
    std::string concrete;
    for (size_t i = 0; i < path.size(); ++i) {
      if (path[i] == '{') {
        concrete += "nosuch";
        i = path.find('}', i);
      } else {
        concrete += path[i];
      }
    }
    for (auto& [method, op] : item.items()) {
      ++operations;
      httplib::Headers h = path.rfind("/v1/", 0) == 0 ? Middesk() : Modus();
      if (path == "/_sandbox/stream") {
        // A namespace's changes never end on their own: its first frame is enough.
        std::string first;
        httplib::Result res = c.Get(concrete, h, [&](const char* data, size_t n) {
          first.append(data, n);
          return false;
        });
        INFO(first);
        CHECK(first.rfind("event: change\n", 0) == 0);
        continue;
      }
      httplib::Result res = method == "get"      ? c.Get(concrete, h)
                            : method == "post"   ? c.Post(concrete, h, "{}", "application/json")
                            : method == "put"    ? c.Put(concrete, h, "{}", "application/json")
                            : method == "delete" ? c.Delete(concrete, h)
                            : method == "patch"  ? c.Patch(concrete, h, "{}", "application/json")
                                                 : httplib::Result(nullptr, httplib::Error::Unknown);
      INFO(method << " " << concrete);
      REQUIRE(res);
      INFO(res->body);
      CHECK(res->body.find("No route for") == std::string::npos);
    }
  }
  // One route of each table, and the toolkit's own, are among them.
  for (const auto& [path, method] : std::vector<std::pair<std::string, std::string>>{
           {"/v1/runs/{run_id}/resume", "post"},
           {"/api/v1/agents/{agent_id}/runs/{run_id}", "get"},
           {"/agent/runs/{run_id}/stream", "get"},
           {"/_sandbox/requests/verify", "post"},
           {"/_sandbox/runs/{run_id}/interactions", "get"},
           {"/openapi.json", "get"}}) {
    INFO(method << " " << path);
    CHECK(doc.json["paths"].contains(path));
    CHECK(doc.json["paths"][path].contains(method));
  }
  CHECK(operations >= 55);
}

}  // namespace http_strict_openapi_test
