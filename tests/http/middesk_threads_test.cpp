// HTTP tests of /v1/threads against the real binary: creating and reading a
// thread, the thread's status following its run, and the 4xx answers to bad
// create requests (table-driven) and unknown threads.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "support/sandbox_process.h"

namespace http_middesk_threads_test {

namespace {

using sandbox::testing::HttpResponse;
using sandbox::testing::SandboxProcess;
using Json = nlohmann::json;

constexpr const char* kBusinessId = "8a5c3b1e-0f55-4c8a-9d7e-3b2a1c0d9e8f";

bool IsUuid(const std::string& s) {
  static const std::string kShape = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
  if (s.size() != kShape.size()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    bool hex = (s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f');
    if (kShape[i] == '-' ? s[i] != '-' : !hex) return false;
  }
  return true;
}

// {"errors":[{"message":..., "parameter":...}]}, the Middesk error body.
Json ErrorBody(const std::string& message, const std::string& parameter) {
  return Json{{"errors", Json::array({Json{{"message", message}, {"parameter", parameter}}})}};
}

std::string ThreadBody() { return Json{{"type", "cip_orchestrator"}, {"business_id", kBusinessId}}.dump(); }

}  // namespace

TEST_CASE("creating a thread returns 201 with a running thread that GET returns unchanged", "[http]") {
  SandboxProcess sandbox;
  HttpResponse created = sandbox.Post("/v1/threads", ThreadBody());
  REQUIRE_STATUS(created, 201);
  Json t = created.json;
  CHECK(t.at("object") == "thread");
  CHECK(IsUuid(t.at("id")));
  CHECK(t.at("status") == "running");
  CHECK(t.at("metadata").is_null());
  CHECK(t.at("created_at") == "2026-01-01T00:00:00.000Z");
  CHECK(t.at("updated_at") == "2026-01-01T00:00:00.000Z");
  CHECK(t.at("requester").at("name") == "Sandbox Account");
  CHECK(t.at("requester").at("email").is_null());
  CHECK(IsUuid(t.at("requester").at("id")));
  CHECK(t.at("steps") == Json::array());  // as the vendor's example shows it
  CHECK(t.size() == 8);

  HttpResponse got = sandbox.Get("/v1/threads/" + t.at("id").get<std::string>());
  REQUIRE_STATUS(got, 200);
  CHECK(got.body == created.body);
}

TEST_CASE("a thread's status follows its run: interrupted, then completed after the resume", "[http]") {
  SandboxProcess sandbox;
  HttpResponse thread = sandbox.Post("/v1/threads", ThreadBody());
  REQUIRE_STATUS(thread, 201);
  const std::string thread_path = "/v1/threads/" + thread.json.at("id").get<std::string>();

  HttpResponse run =
      sandbox.Post("/v1/runs", Json{{"type", "cip_orchestrator"}, {"thread_id", thread.json.at("id")}}.dump());
  REQUIRE_STATUS(run, 201);
  const std::string run_path = "/v1/runs/" + run.json.at("id").get<std::string>();

  HttpResponse paused = sandbox.Get(thread_path);
  REQUIRE_STATUS(paused, 200);
  CHECK(paused.json.at("status") == "interrupted");
  CHECK(paused.json.at("updated_at") == "2026-01-01T00:00:13.500Z");

  HttpResponse interrupted = sandbox.Get(run_path);
  REQUIRE_STATUS(interrupted, 200);
  REQUIRE(interrupted.json.at("interrupts").size() == 1);
  HttpResponse resumed = sandbox.Post(
      run_path + "/resume",
      Json{{"interrupt_id", interrupted.json.at("interrupts")[0].at("id")}, {"input", {{"decision", "approve"}}}}
          .dump());
  REQUIRE_STATUS(resumed, 200);

  HttpResponse done = sandbox.Get(thread_path);
  REQUIRE_STATUS(done, 200);
  CHECK(done.json.at("status") == "completed");
  CHECK(done.json.at("updated_at") == "2026-01-01T00:00:16.300Z");
  CHECK(done.json.at("created_at") == "2026-01-01T00:00:00.000Z");
}

TEST_CASE("bad thread create requests get a 4xx naming the parameter and create nothing", "[http]") {
  struct Case {
    Json body;
    int status;
    std::string message;
    std::string parameter;
  };
  const std::string together = "Parameter `context_id` must be provided together with `context_type`";
  const std::vector<Case> cases = {
      {{{"type", "cip_orchestrator"}},
       400,
       "A context is required: provide `business_id`, or `context_type` and `context_id`",
       "business_id"},
      {{{"type", "cip_orchestrator"}, {"context_type", "business"}}, 400, together, "context_id"},
      {{{"type", "cip_orchestrator"}, {"context_id", kBusinessId}}, 400, together, "context_type"},
      {{{"business_id", kBusinessId}}, 400, "Parameter `type` is missing", "type"},
      {{{"type", "no_such_agent"}, {"business_id", kBusinessId}}, 404, "agent type not found", "type"},
      {{{"type", "cip_orchestrator"}, {"business_id", "acme"}},
       422,
       "Parameter `business_id` must be a UUID",
       "business_id"},
      {{{"type", 7}, {"business_id", kBusinessId}}, 422, "Parameter `type` must be a string", "type"},
  };
  SandboxProcess sandbox;
  for (const auto& c : cases) {
    INFO("POST /v1/threads " << c.body.dump());
    HttpResponse r = sandbox.Post("/v1/threads", c.body.dump());
    CHECK_STATUS(r, c.status);
    CHECK(r.json == ErrorBody(c.message, c.parameter));
  }
  // None of them created anything: the next thread is the one a fresh
  // sandbox creates first.
  HttpResponse next = sandbox.Post("/v1/threads", ThreadBody());
  REQUIRE_STATUS(next, 201);
  SandboxProcess fresh;
  HttpResponse first = fresh.Post("/v1/threads", ThreadBody());
  REQUIRE_STATUS(first, 201);
  CHECK(next.json.at("id") == first.json.at("id"));
}

TEST_CASE("GET of an unknown thread is a 404 with the Middesk error body", "[http]") {
  SandboxProcess sandbox;
  HttpResponse r = sandbox.Get("/v1/threads/00000000-0000-4000-8000-000000000000");
  CHECK_STATUS(r, 404);
  CHECK(r.body == R"({"errors":[{"message":"agent thread not found","parameter":"id"}]})");
}

TEST_CASE("lists answer what was just written, though they are served from a cache", "[http]") {
  SandboxProcess sandbox;
  auto total = [&](const std::string& path) {
    HttpResponse list = sandbox.Get(path);
    REQUIRE_STATUS(list, 200);
    return list.json.at("total_count").get<int64_t>();
  };
  CHECK(total("/v1/threads") == 0);
  CHECK(total("/v1/threads") == 0);  // now cached
  REQUIRE_STATUS(sandbox.Post("/v1/threads", ThreadBody()), 201);
  CHECK(total("/v1/threads") == 1);
  CHECK(total("/v1/threads?business_id=" + std::string(kBusinessId)) == 1);
  CHECK(total("/v1/runs") == 0);
  HttpResponse run = sandbox.Post("/v1/runs", ThreadBody());
  REQUIRE_STATUS(run, 201);
  CHECK(total("/v1/runs") == 1);
  CHECK(total("/v1/threads") == 2);
}

}  // namespace http_middesk_threads_test
