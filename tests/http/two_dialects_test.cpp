// One fixture, two dialects (issue 6): the shipped workflow agent run through
// Modus (triggered, answered through the approval extension) and through
// Middesk (created, resumed with the same answer), each read back in its own
// dialect. Both renderings are compared byte for byte with golden files in
// tests/http/golden/, so any change to either wire format is deliberate.
// (Each runs in its own tenant: a Middesk key cannot read an organisation's
// runs since issue 10.)
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "support/sandbox_process.h"

namespace http_two_dialects_test {

using sandbox::testing::SandboxProcess;
using Json = nlohmann::json;

namespace {

const std::string kOrg = "11111111-2222-4333-8444-555555555555";

std::string Golden(const std::string& name) {
  std::ifstream in(std::string(GOLDEN_DIR) + "/" + name);
  std::stringstream s;
  s << in.rdbuf();
  std::string text = s.str();
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

}  // namespace

TEST_CASE("a workflow run renders identically to the golden files in both dialects", "[http]") {
  SandboxProcess sb;
  httplib::Headers pat = {{"Authorization", "Bearer modus_" + kOrg + "_golden_s3cret"}};
  auto triggered = sb.Post("/_sandbox/modus/agents/202/runs", R"({"triggerType":"manual","input":{}})", pat);
  REQUIRE_STATUS(triggered, 201);
  const std::string workflow = triggered.json["workflowId"];
  REQUIRE(triggered.json["status"] == "awaiting_human");
  auto approved = sb.Post("/api/v1/agents/202/runs/" + workflow + "/approval",
                          R"({"decision":"approve","comment":"Looks right"})", pat);
  REQUIRE_STATUS(approved, 200);

  auto modus = sb.Get("/api/v1/agents/202/runs/" + workflow, pat);
  REQUIRE_STATUS(modus, 200);

  httplib::Headers key = {{"Authorization", "Bearer mk_test_golden"}};
  auto created = sb.Post(
      "/v1/runs", R"({"type":"onboarding_review_workflow","business_id":"8d1c4f0e-2b6a-4c1e-9f7d-3a5b6c7d8e9f"})", key);
  REQUIRE_STATUS(created, 201);
  const std::string run_path = "/v1/runs/" + created.json["id"].get<std::string>();
  auto waiting = sb.Get(run_path, key);
  REQUIRE(waiting.json["status"] == "interrupted");
  auto resumed = sb.Post(run_path + "/resume",
                         R"({"interrupt_id":")" + waiting.json["interrupts"][0]["id"].get<std::string>() +
                             R"(","input":{"decision":"approve","comment":"Looks right"}})",
                         key);
  REQUIRE_STATUS(resumed, 200);
  auto middesk = sb.Get(run_path + "?include=steps", key);
  REQUIRE_STATUS(middesk, 200);
  CHECK(modus.body == Golden("onboarding_run.modus.json"));
  CHECK(middesk.body == Golden("onboarding_run.middesk.json"));
  CHECK(middesk.json["status"] == "completed");
  CHECK(modus.json["status"] == "completed");
  // An organisation's run is not a Middesk key's to read.
  CHECK_STATUS(sb.Get("/v1/runs/" + modus.json["temporalRunId"].get<std::string>(), key), 404);
}

}  // namespace http_two_dialects_test
