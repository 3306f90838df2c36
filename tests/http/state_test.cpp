// Reset and snapshots (issue 5): a demo or a suite can start over, or go
// back to a saved state, without restarting the sandbox.
#include <catch2/catch.hpp>

#include "support/sandbox_process.h"

namespace http_state_test {

using sandbox::testing::HttpResponse;
using sandbox::testing::SandboxOptions;
using sandbox::testing::SandboxProcess;
using Json = nlohmann::json;

namespace {

Json Interrupted(const SandboxProcess& sb) {
  auto r = sb.Post("/v1/runs",
                   Json{{"type", "cip_orchestrator"}, {"business_id", "8d1c4f0e-2b6a-4c1e-9f7d-3a5b6c7d8e9f"}}.dump());
  REQUIRE_STATUS(r, 201);
  auto run = sb.Get("/v1/runs/" + r.json["id"].get<std::string>());
  REQUIRE(run.json["status"] == "interrupted");
  return run.json;
}

void Resume(const SandboxProcess& sb, const Json& run) {
  auto r = sb.Post("/v1/runs/" + run["id"].get<std::string>() + "/resume",
                   Json{{"interrupt_id", run["interrupts"][0]["id"]}, {"input", "approve"}}.dump());
  REQUIRE_STATUS(r, 200);
}

}  // namespace

TEST_CASE("a snapshot restores the whole state and its instant, on a file and in memory", "[http]") {
  for (const char* db : {"", ":memory:"}) {
    INFO("db " << db);
    SandboxProcess sb(SandboxOptions{.db = db});
    Json run = Interrupted(sb);
    const std::string path = "/v1/runs/" + run["id"].get<std::string>() + "?include=steps";
    const std::string before = sb.Get(path).body;
    // With the key, the answer tells the clock of the key's account.
    auto saved = sb.Post("/_sandbox/snapshots", R"({"name":"paused-review"})");
    REQUIRE_STATUS(saved, 201);
    CHECK(saved.json["saved_at"] == "2026-01-01T00:00:13.500Z");
    Resume(sb, run);
    REQUIRE(sb.Get(path).json["status"] == "completed");

    auto restored = sb.Post("/_sandbox/snapshots/paused-review/restore", "{}");
    REQUIRE_STATUS(restored, 200);
    CHECK(restored.json["now"] == "2026-01-01T00:00:13.500Z");
    CHECK(sb.Get(path).body == before);
    // The restored run can be resumed again, and ends as it did the first time.
    Resume(sb, run);
    CHECK(sb.Get(path).json["status"] == "completed");
    auto list = sb.Get("/_sandbox/snapshots", {});
    CHECK(list.json["data"] == Json::parse(R"([{"name":"paused-review"}])"));
  }
}

TEST_CASE("snapshot names are checked and unknown snapshots are 404", "[http]") {
  SandboxProcess sb;
  CHECK_STATUS(sb.Post("/_sandbox/snapshots", R"({"name":"../etc"})", {}), 422);
  CHECK_STATUS(sb.Post("/_sandbox/snapshots", R"({})", {}), 400);
  CHECK_STATUS(sb.Post("/_sandbox/snapshots", R"(not json)", {}), 400);
  auto missing = sb.Post("/_sandbox/snapshots/nope/restore", "{}", {});
  CHECK_STATUS(missing, 404);
  CHECK(missing.body == R"({"errors":[{"message":"snapshot not found","parameter":"name"}]})");
}

TEST_CASE("a reset empties the sandbox and starts ids and time again", "[http]") {
  SandboxProcess sb;
  Json first = Interrupted(sb);
  auto reset = sb.Post("/_sandbox/reset", "", {});
  REQUIRE_STATUS(reset, 200);
  CHECK(reset.json["now"] == "2026-01-01T00:00:00.000Z");
  CHECK(sb.Get("/v1/runs").json["total_count"] == 0);
  CHECK(sb.Get("/v1/threads").json["total_count"] == 0);
  CHECK_STATUS(sb.Get("/v1/runs/" + first["id"].get<std::string>()), 404);
  // The same request after a reset gives the same run, id and timestamps included.
  Json again = Interrupted(sb);
  CHECK(again == first);
}

}  // namespace http_state_test
