// Byte-identical replay (issue 5): a fixed request sequence touching threads,
// runs, interrupts, resumes, feedback, actions, lists and streams, driven
// twice against two fresh processes, gives the same bytes for every response
// and every stream frame; a restart in between changes nothing either.
#include <catch2/catch.hpp>

#include "support/sandbox_process.h"

namespace http_golden_replay_test {

using sandbox::testing::AuthHeaders;
using sandbox::testing::SandboxOptions;
using sandbox::testing::SandboxProcess;
using Json = nlohmann::json;

namespace {

const std::string kBusiness = "8d1c4f0e-2b6a-4c1e-9f7d-3a5b6c7d8e9f";

std::string Stream(const SandboxProcess& sb, const std::string& run_id) {
  auto client = sb.client();
  std::string body;
  client.Get(("/v1/runs/" + run_id + "/stream").c_str(), AuthHeaders(), [&](const char* d, size_t n) {
    body.append(d, n);
    return true;
  });
  return body;
}

// Drives the sequence; returns every response body and stream, in order.
std::vector<std::string> Drive(const SandboxProcess& sb) {
  std::vector<std::string> out;
  auto keep = [&](const sandbox::testing::HttpResponse& r) {
    out.push_back(std::to_string(r.status) + " " + r.body);
    return r.json;
  };
  Json thread = keep(sb.Post("/v1/threads", Json{{"type", "cip_orchestrator"}, {"business_id", kBusiness}}.dump()));
  Json run = keep(sb.Post("/v1/runs", Json{{"type", "cip_orchestrator"}, {"thread_id", thread["id"]}}.dump()));
  std::string id = run["id"];
  Json waiting = keep(sb.Get("/v1/runs/" + id + "?include=steps"));
  keep(sb.Post("/v1/runs/" + id + "/resume?include=steps",
               Json{{"interrupt_id", waiting["interrupts"][0]["id"]}, {"input", {{"decision", "approve"}}}}.dump()));
  Json done = keep(sb.Get("/v1/runs/" + id + "?include=steps"));
  keep(sb.Post(
      "/v1/runs/" + id + "/feedback",
      Json{{"rating", "POSITIVE"}, {"artifact_id", done["output"]["artifacts"][0]["id"]}, {"comment", " ok "}}.dump()));
  Json second = keep(sb.Post("/v1/runs", Json{{"type", "watchlist_resolution"}, {"business_id", kBusiness}}.dump()));
  keep(sb.Post("/v1/actions", Json{{"object_type", "businesses"},
                                   {"object_id", kBusiness},
                                   {"type", "decision"},
                                   {"run_id", second["id"]},
                                   {"payload", {{"status", "rejected"}}}}
                                  .dump()));
  keep(sb.Get("/v1/runs"));
  keep(sb.Get("/v1/threads/" + thread["id"].get<std::string>() + "?include=steps"));
  out.push_back(Stream(sb, id));
  out.push_back(Stream(sb, second["id"]));
  return out;
}

}  // namespace

TEST_CASE("the same seed and requests give byte-identical responses and streams in two processes", "[http]") {
  std::vector<std::string> a, b;
  {
    SandboxProcess sb(SandboxOptions{.args = {"--seed", "1234"}});
    a = Drive(sb);
  }
  {
    SandboxProcess sb(SandboxOptions{.args = {"--seed", "1234"}});
    b = Drive(sb);
  }
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    INFO("response " << i);
    CHECK(a[i] == b[i]);
  }
  // The streams are complete: RUN_STARTED ... RUN_FINISHED.
  CHECK(a[a.size() - 2].rfind("id: 1\nevent: RUN_STARTED\n", 0) == 0);
  CHECK(a.back().find("event: RUN_FINISHED") != std::string::npos);
}

TEST_CASE("a restart between requests does not change a byte of what follows", "[http]") {
  sandbox::testing::TempDir dir;
  const std::string db = dir.File("golden.db");
  std::vector<std::string> straight;
  {
    SandboxProcess sb;
    straight = Drive(sb);
  }
  // Same sequence, but the process is replaced before the streams are read.
  std::vector<std::string> restarted;
  {
    SandboxProcess first(SandboxOptions{.db = db});
    restarted = Drive(first);
    restarted.resize(restarted.size() - 2);
    first.Stop();
    SandboxProcess second(SandboxOptions{.db = db});
    Json runs = second.Get("/v1/runs").json;
    // Newest first: the watchlist run, then the CIP run.
    restarted.push_back(Stream(second, runs["data"][1]["id"]));
    restarted.push_back(Stream(second, runs["data"][0]["id"]));
  }
  CHECK(restarted == straight);
}

}  // namespace http_golden_replay_test
