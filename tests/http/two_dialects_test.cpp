// One run, two dialects (issue 6): a run of the shipped workflow agent,
// triggered through Modus, answered through the approval extension, and read
// back both as a Modus run and (in the same organisation's namespace) as a
// Middesk run. Both renderings are compared byte for byte with golden files
// in tests/http/golden/, so any change to either wire format is deliberate.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "support/sandbox_process.h"

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
  httplib::Headers middesk_headers = {{"Authorization", "Bearer mk_test_golden"},
                                      {"X-Sandbox-Namespace", "org-" + kOrg}};
  auto middesk = sb.Get("/v1/runs/" + modus.json["temporalRunId"].get<std::string>() + "?include=steps",
                        middesk_headers);
  REQUIRE_STATUS(middesk, 200);
  CHECK(modus.body == Golden("onboarding_run.modus.json"));
  CHECK(middesk.body == Golden("onboarding_run.middesk.json"));
  // The two are one run.
  CHECK(middesk.json["id"] == modus.json["temporalRunId"]);
  CHECK(middesk.json["status"] == "completed");
  CHECK(modus.json["status"] == "completed");
}
