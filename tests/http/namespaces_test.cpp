// Namespaces (issue 5): parallel tests against one sandbox, each with its own
// X-Sandbox-Namespace, never see each other's threads and runs, and each gets
// its own seed and clock.
#include <catch2/catch.hpp>

#include <thread>

#include "support/sandbox_process.h"

namespace http_namespaces_test {

using sandbox::testing::AuthHeaders;
using sandbox::testing::SandboxOptions;
using sandbox::testing::SandboxProcess;
using Json = nlohmann::json;

namespace {

httplib::Headers In(const std::string& ns, const std::string& seed = "") {
  auto h = AuthHeaders();
  h.emplace("X-Sandbox-Namespace", ns);
  if (!seed.empty()) h.emplace("X-Sandbox-Seed", seed);
  return h;
}

const std::string kCreate =
    Json{{"type", "cip_orchestrator"}, {"business_id", "8d1c4f0e-2b6a-4c1e-9f7d-3a5b6c7d8e9f"}}.dump();

}  // namespace

TEST_CASE("namespaces do not see each other's threads, runs or actions", "[http]") {
  SandboxProcess sb;
  auto a = sb.Post("/v1/runs", kCreate, In("suite-a"));
  auto b = sb.Post("/v1/runs", kCreate, In("suite-b"));
  REQUIRE_STATUS(a, 201);
  REQUIRE_STATUS(b, 201);
  // Same seed and requests: the ids differ because the namespace is part of them.
  CHECK(a.json["id"] != b.json["id"]);
  CHECK(sb.Get("/v1/runs", In("suite-a")).json["total_count"] == 1);
  CHECK(sb.Get("/v1/runs").json["total_count"] == 0);  // the default namespace is a namespace too
  CHECK_STATUS(sb.Get("/v1/runs/" + a.json["id"].get<std::string>(), In("suite-b")), 404);
  CHECK_STATUS(sb.Get("/v1/runs/" + a.json["id"].get<std::string>() + "/stream", In("suite-b")), 404);
  CHECK_STATUS(sb.Get("/v1/threads/" + a.json["thread_id"].get<std::string>(), In("suite-b")), 404);
  auto waiting = sb.Get("/v1/runs/" + a.json["id"].get<std::string>(), In("suite-a"));
  auto resume_elsewhere = sb.Post("/v1/runs/" + a.json["id"].get<std::string>() + "/resume",
                                  Json{{"interrupt_id", waiting.json["interrupts"][0]["id"]}}.dump(), In("suite-b"));
  CHECK_STATUS(resume_elsewhere, 404);
  // A business exists for actions only in the namespace that used it.
  auto action = Json{{"object_type", "businesses"},
                     {"object_id", "8d1c4f0e-2b6a-4c1e-9f7d-3a5b6c7d8e9f"},
                     {"type", "decision"},
                     {"payload", {{"status", "approved"}}}}
                    .dump();
  CHECK_STATUS(sb.Post("/v1/actions", action, In("suite-a")), 201);
  CHECK_STATUS(sb.Post("/v1/actions", action, AuthHeaders()), 404);
}

TEST_CASE("each namespace has its own clock and seed", "[http]") {
  SandboxProcess sb;
  REQUIRE_STATUS(sb.Post("/v1/runs", kCreate, In("fast")), 201);
  // fast's virtual clock moved through the script; slow's did not.
  CHECK(sb.Get("/_sandbox/clock", In("fast")).json["now"] == "2026-01-01T00:00:13.500Z");
  CHECK(sb.Get("/_sandbox/clock", In("slow")).json["now"] == "2026-01-01T00:00:00.000Z");
  auto moved = sb.Post("/_sandbox/clock/advance", R"({"by":"1h"})", In("slow"));
  REQUIRE_STATUS(moved, 200);
  CHECK(sb.Get("/_sandbox/clock", In("fast")).json["now"] == "2026-01-01T00:00:13.500Z");

  // A namespace made with a seed gives the ids a fresh sandbox with that
  // --seed gives in the same namespace, and keeps its seed.
  auto seeded = sb.Post("/v1/runs", kCreate, In("seeded", "42"));
  REQUIRE_STATUS(seeded, 201);
  SandboxProcess other(SandboxOptions{.args = {"--seed", "42"}});
  CHECK(other.Post("/v1/runs", kCreate, In("seeded")).json["id"] == seeded.json["id"]);
  auto clash = sb.Post("/v1/runs", kCreate, In("seeded", "7"));
  CHECK_STATUS(clash, 409);
  CHECK(clash.json["errors"][0]["parameter"] == "X-Sandbox-Seed");
  CHECK_STATUS(sb.Post("/v1/runs", kCreate, In("bad name!")), 400);
  CHECK_STATUS(sb.Post("/v1/runs", kCreate, In("ok", "minus-one")), 400);
}

TEST_CASE("parallel clients in different namespaces get the answers they would get alone", "[http]") {
  SandboxProcess sb;
  SandboxProcess alone;
  const std::string expected =
      alone
          .Get("/v1/runs/" + alone.Post("/v1/runs", kCreate, In("solo")).json["id"].get<std::string>() +
                   "?include=steps",
               In("solo"))
          .body;
  std::vector<std::string> got(4);
  std::vector<std::thread> clients;
  for (int i = 0; i < 4; ++i) {
    clients.emplace_back([&, i] {
      std::string ns = "p" + std::to_string(i);
      auto run = sb.Post("/v1/runs", kCreate, In(ns));
      got[i] = sb.Get("/v1/runs/" + run.json["id"].get<std::string>() + "?include=steps", In(ns)).body;
    });
  }
  for (auto& t : clients) t.join();
  for (int i = 0; i < 4; ++i) {
    INFO("client " << i);
    Json a = Json::parse(got[i]), b = Json::parse(expected);
    // Ids depend on the namespace; timestamps and structure do not.
    CHECK(a["status"] == b["status"]);
    CHECK(a["created_at"] == b["created_at"]);
    CHECK(a["updated_at"] == b["updated_at"]);
    CHECK(a["steps"].size() == b["steps"].size());
  }
}

TEST_CASE("a reset of one namespace leaves the others alone", "[http]") {
  SandboxProcess sb;
  REQUIRE_STATUS(sb.Post("/v1/runs", kCreate, In("keep")), 201);
  REQUIRE_STATUS(sb.Post("/v1/runs", kCreate, In("wipe")), 201);
  auto reset = sb.Post("/_sandbox/reset", "", In("wipe"));
  REQUIRE_STATUS(reset, 200);
  CHECK(sb.Get("/v1/runs", In("wipe")).json["total_count"] == 0);
  CHECK(sb.Get("/v1/runs", In("keep")).json["total_count"] == 1);
  CHECK(sb.Get("/_sandbox/clock", In("wipe")).json["now"] == "2026-01-01T00:00:00.000Z");
}

TEST_CASE("namespaces come back after a restart with their runs and seeds", "[http]") {
  sandbox::testing::TempDir dir;
  const std::string db = dir.File("ns.db");
  std::string id;
  {
    SandboxProcess first(SandboxOptions{.db = db});
    id = first.Post("/v1/runs", kCreate, In("kept", "99")).json["id"];
    first.Stop();
  }
  SandboxProcess second(SandboxOptions{.db = db});
  CHECK_STATUS(second.Get("/v1/runs/" + id, In("kept")), 200);
  CHECK_STATUS(second.Post("/v1/runs", kCreate, In("kept", "5")), 409);  // still seed 99
}

}  // namespace http_namespaces_test
