// Faults declared in a scenario (issue 13, docs/toolkit.md "Faults declared
// in a scenario"), as clients see them: the shipped flaky_network scenario
// over Middesk, and a Modus agent's scenario given faults in a fixture copy.
// A rule's `count` is per run (and per namespace); a stream fault applies to
// the run's stream; the journal names the rule that fired.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support/sandbox_process.h"
#include "support/sse_frames.h"

namespace http_scenario_faults_test {

using sandbox::testing::AuthHeaders;
using sandbox::testing::FrameIds;
using sandbox::testing::SandboxOptions;
using sandbox::testing::SandboxProcess;
using sandbox::testing::TempDir;
using Json = nlohmann::json;

namespace {

const std::string kBusiness = "8d1c4f0e-2b6a-4c1e-9f7d-3a5b6c7d8e9f";

httplib::Headers Headers(const std::string& scenario = "", const std::string& ns = "") {
  auto h = AuthHeaders();
  if (!scenario.empty()) h.emplace("X-Sandbox-Scenario", scenario);
  if (!ns.empty()) h.emplace("X-Sandbox-Namespace", ns);
  return h;
}

std::string CreateRun(const SandboxProcess& sb, const httplib::Headers& headers) {
  auto r = sb.Post("/v1/runs", Json{{"type", "address_verification"}, {"business_id", kBusiness}}.dump(), headers);
  REQUIRE_STATUS(r, 201);
  return r.json["id"];
}

struct StreamRead {
  std::string body;
  httplib::Error error = httplib::Error::Success;
};

StreamRead ReadStream(const SandboxProcess& sb, const std::string& path, const httplib::Headers& headers) {
  StreamRead out;
  auto client = sb.client();
  client.set_read_timeout(std::chrono::seconds(10));
  auto res = client.Get(path.c_str(), headers, [&](const char* d, size_t n) {
    out.body.append(d, n);
    return true;
  });
  out.error = res.error();
  return out;
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("scenario faults: flaky_network fails each run's first poll and drops its first stream", "[http]") {
  SandboxProcess sb;
  const std::string a = CreateRun(sb, Headers("flaky_network"));
  auto first = sb.Get("/v1/runs/" + a);
  CHECK_STATUS(first, 503);
  CHECK(first.json["errors"][0]["message"] == "Injected fault: status 503 (fault flaky_network/faults/0)");
  CHECK_STATUS(sb.Get("/v1/runs/" + a), 200);  // spent for this run

  // The count is per run: another run of the scenario fails its first poll
  // too; a run of another scenario never does.
  const std::string b = CreateRun(sb, Headers("flaky_network"));
  CHECK_STATUS(sb.Get("/v1/runs/" + b), 503);
  CHECK_STATUS(sb.Get("/v1/runs/" + b), 200);
  const std::string c = CreateRun(sb, Headers());
  CHECK_STATUS(sb.Get("/v1/runs/" + c), 200);

  // The stream rule: the first stream of the run ends after three frames,
  // the next one is whole.
  StreamRead dropped = ReadStream(sb, "/v1/runs/" + a + "/stream", Headers());
  CHECK(FrameIds(dropped.body) == std::vector<std::string>{"1", "2", "3"});
  CHECK(dropped.error != httplib::Error::Success);
  StreamRead whole = ReadStream(sb, "/v1/runs/" + a + "/stream", Headers());
  CHECK(whole.error == httplib::Error::Success);
  CHECK(FrameIds(whole.body).size() > 3);
  StreamRead other = ReadStream(sb, "/v1/runs/" + c + "/stream", Headers());
  CHECK(other.error == httplib::Error::Success);

  // The journal names the rule on the requests it answered.
  auto journal = sb.Get("/_sandbox/requests?run_id=" + a + "&order=asc");
  REQUIRE_STATUS(journal, 200);
  std::vector<std::string> faults;
  for (const auto& e : journal.json["data"]) faults.push_back(e["fault"].is_null() ? "-" : e["fault"].get<std::string>());
  CHECK(faults == std::vector<std::string>{"-", "status 503 (fault flaky_network/faults/0)", "-",
                                           "drop_after 3 frames (fault flaky_network/faults/1)", "-"});
}

TEST_CASE("scenario faults: each namespace counts its own runs", "[http]") {
  SandboxProcess sb;
  const std::string a = CreateRun(sb, Headers("flaky_network"));
  const std::string a2 = CreateRun(sb, Headers("flaky_network", "ci-a"));
  CHECK_STATUS(sb.Get("/v1/runs/" + a), 503);
  CHECK_STATUS(sb.Get("/v1/runs/" + a2, Headers("", "ci-a")), 503);
  CHECK_STATUS(sb.Get("/v1/runs/" + a2, Headers("", "ci-a")), 200);
  // After a reset the namespace's ids start again from its seed: the run
  // that gets a2's id again is a new run, with its own count.
  CHECK_STATUS(sb.Post("/_sandbox/reset", "{}", Headers("", "ci-a")), 200);
  const std::string again = CreateRun(sb, Headers("flaky_network", "ci-a"));
  CHECK(again == a2);
  CHECK_STATUS(sb.Get("/v1/runs/" + again, Headers("", "ci-a")), 503);
}

TEST_CASE("scenario faults: a Modus agent's scenario faults its run detail, events and stream", "[http]") {
  // The shipped fixtures, with faults given to every scenario of the Modus
  // task agent (kyb_research_assistant, agent 101).
  TempDir dir;
  for (const auto& entry : std::filesystem::directory_iterator(FIXTURES_DIR)) {
    Json file = Json::parse(ReadText(entry.path().string()));
    for (auto& agent : file["agents"]) {
      if (agent["type"] != "kyb_research_assistant") continue;
      for (auto& sc : agent["scenarios"]) {
        sc["faults"] = Json::array({
            {{"fault", "status"}, {"status", 503}, {"path", "/api/v1/agents/*/runs/*"}, {"count", 1}},
            {{"fault", "rate_limit"}, {"retry_after_s", 3}, {"path", "/agent/runs/*/events"}, {"count", 1}},
            {{"fault", "drop_after"}, {"frames", 2}, {"path", "/agent/runs/*/stream"}, {"count", 1}},
        });
      }
    }
    dir.WriteFile(entry.path().filename().string(), file.dump(2));
  }
  SandboxProcess sb(SandboxOptions{.fixtures = dir.path()});
  const std::string org = "11111111-2222-4333-8444-555555555555";
  const httplib::Headers pat = {{"Authorization", "Bearer modus_" + org + "_abc123_s3cret"}};
  httplib::Headers json = pat;
  json.emplace("Accept", "application/json");
  auto created = sb.Post(
      "/agent/runs",
      Json{{"message", "Is Acme Lending LLC in good standing?"}, {"sessionId", "s-1"}, {"organizationId", org}}.dump(),
      json);
  REQUIRE_STATUS(created, 201);  // creating the run is no request about it
  const std::string run = created.json["runId"];

  auto detail = sb.Get("/api/v1/agents/101/runs/wf_101_run_1", pat);
  CHECK_STATUS(detail, 503);
  CHECK(detail.json["error"]["code"] == "unavailable");
  const std::string message = detail.json["error"]["message"];
  CHECK(message.rfind("Injected fault: status 503 (fault ", 0) == 0);
  CHECK(message.find("/faults/0)") == message.size() - 10);
  CHECK_STATUS(sb.Get("/api/v1/agents/101/runs/wf_101_run_1", pat), 200);

  auto client = sb.client();
  auto events = client.Get(("/agent/runs/" + run + "/events").c_str(), pat);
  REQUIRE(events);
  CHECK(events->status == 429);
  CHECK(events->get_header_value("Retry-After") == "3");
  CHECK_STATUS(sb.Get("/agent/runs/" + run + "/events", pat), 200);

  StreamRead dropped = ReadStream(sb, "/agent/runs/" + run + "/stream", pat);
  CHECK(FrameIds(dropped.body).size() == 2);
  CHECK(dropped.error != httplib::Error::Success);
  StreamRead whole = ReadStream(sb, "/agent/runs/" + run + "/stream", pat);
  CHECK(whole.error == httplib::Error::Success);
  CHECK(FrameIds(whole.body).size() > 2);
}

}  // namespace http_scenario_faults_test
