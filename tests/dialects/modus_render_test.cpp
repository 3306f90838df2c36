// Golden-JSON tests of the Modus wire format, without a server (issue 11,
// item 6): lib/dialects/modus/render.h (the Agent and Run objects,
// WorkflowId, ModusStatus) and errors.h (the error body). Agents come from
// the shipped fixtures (FIXTURES_DIR: kyb_research_assistant is the task
// agent 101, onboarding_review_workflow the workflow agent 202); run state is
// built by hand here, so a change in what the renderers print shows up as a
// diff against a file a reviewer can read. The runtime's SSE frames are
// tested in modus_frames_test.cpp.
//
// Golden files: tests/dialects/golden/modus_*.json, each the rendering
// pretty-printed with dump(2) plus a trailing newline (key order and values
// are exactly the wire's; only whitespace differs from the compact dump).
//
// Updating them: run the tests with UPDATE_GOLDEN=1 in the environment, e.g.
//   UPDATE_GOLDEN=1 build/tests/unit_tests "[dialects]"
// and every golden check writes its file instead of comparing (and warns
// which). Read the diff against ../shared/spec/modus-agents.md and
// docs/modus.md before committing it.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "dialects/modus/agent_record.h"
#include "dialects/modus/errors.h"
#include "dialects/modus/render.h"
#include "script/loader.h"

namespace dialects_modus_render_test {

using namespace sandbox;
using namespace sandbox::modus;

namespace {

// Compares `j` with the golden file `name`.json; writes it under UPDATE_GOLDEN=1.
void CheckGolden(const std::string& name, const OrderedJson& j) {
  const std::string actual = j.dump(2) + "\n";
  const std::filesystem::path path = std::filesystem::path(GOLDEN_DIR) / (name + ".json");
  const char* update = std::getenv("UPDATE_GOLDEN");
  if (update && std::string(update) == "1") {
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << actual;
    WARN("UPDATE_GOLDEN=1: wrote " << path.string());
    return;
  }
  INFO("golden file " << path.string() << " (UPDATE_GOLDEN=1 rewrites it)");
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  std::stringstream expected;
  expected << in.rdbuf();
  CHECK(actual == expected.str());
}

constexpr Instant kT0 = 1767225600000;         // 2026-01-01T00:00:00.000Z
constexpr Instant kSixAm = kT0 + 6 * 3600000;  // the workflow's schedule start
const char* kOrg = "11111111-2222-4333-8444-555555555555";
const Principal kCaller{"User", "6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d", "Modus user abc123", std::nullopt};

const script::FixtureSet& Fixtures() {
  static const script::FixtureSet set = [] {
    auto loaded = script::LoadFixtures(FIXTURES_DIR, IdGenerator(0));
    if (!loaded.ok()) FAIL("fixtures: " << loaded.status().message());
    return loaded.value();
  }();
  return set;
}

const script::Agent& TaskAgent() {
  const script::Agent* a = Fixtures().FindAgentByType("kyb_research_assistant");
  REQUIRE(a != nullptr);
  REQUIRE(a->modus);
  return *a;
}

const script::Agent& WorkflowAgent() {
  const script::Agent* a = Fixtures().FindAgentByType("onboarding_review_workflow");
  REQUIRE(a != nullptr);
  REQUIRE(a->modus);
  return *a;
}

Step TopStep(const std::string& run_id, const std::string& id, int64_t ordinal, const std::string& type,
             const std::string& name, const std::string& label, StepStatus status, Instant started,
             std::optional<Instant> completed) {
  Step s;
  s.id = id;
  s.run_id = run_id;
  s.ordinal = ordinal;
  s.agent = "onboarding_review_workflow";
  s.type = type;
  s.name = name;
  s.label = label;
  s.status = status;
  s.started_at = started;
  s.completed_at = completed;
  return s;
}

const char* kWorkflowRun = "7e8f9a0b-1c2d-4e3f-8a4b-5c6d7e8f9a0b";
const char* kApprovalStep = "40000000-0000-4000-8000-000000000003";

// The workflow agent's default scenario at its approval: data fetched (with
// a nested tool step under it), risk scored, compliance_approval waiting.
RunState AwaitingWorkflowRun() {
  RunState s;
  Run& r = s.run;
  r.id = kWorkflowRun;
  r.thread_id = "8f9a0b1c-2d3e-4f40-8b5c-6d7e8f9a0b1c";
  r.ordinal = 3;
  r.agent = "onboarding_review_workflow";
  r.agent_name = "Onboarding Review Workflow";
  r.trigger_type = "schedule";
  r.scenario = "default";
  r.agent_seq = 3;
  r.requester = kCaller;
  r.status = RunStatus::kInterrupted;
  r.created_at = kSixAm;
  r.started_at = kSixAm;
  r.updated_at = kSixAm + 3500;
  const std::string run = kWorkflowRun;
  s.steps.push_back(TopStep(run, "40000000-0000-4000-8000-000000000001", 1, "activity", "fetch_business_data",
                            "Fetch business data", StepStatus::kCompleted, kSixAm, kSixAm + 2000));
  Step nested = TopStep(run, "40000000-0000-4000-8000-000000000009", 2, "activity", "call_tool", "Calling a tool",
                        StepStatus::kCompleted, kSixAm, kSixAm + 2000);
  nested.parent_step_id = "40000000-0000-4000-8000-000000000001";  // not a workflow node
  s.steps.push_back(nested);
  s.steps.push_back(TopStep(run, "40000000-0000-4000-8000-000000000002", 3, "activity", "score_risk",
                            "Score onboarding risk", StepStatus::kCompleted, kSixAm + 2000, kSixAm + 3500));
  s.steps.MutableBack().result = Json{{"risk_score", 62}, {"risk_level", "medium"}};
  s.steps.push_back(TopStep(run, kApprovalStep, 4, "interrupt", "compliance_approval", "Compliance approval",
                            StepStatus::kRunning, kSixAm + 3500, std::nullopt));
  Interrupt i;
  i.id = "intr_5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d";
  i.run_id = run;
  i.step_id = kApprovalStep;
  i.value = Json{{"node", "compliance_approval"},
                 {"title", "Approve onboarding of Acme Lending LLC?"},
                 {"risk_level", "medium"},
                 {"risk_score", 62},
                 {"approvers", {"compliance-officers"}},
                 {"options", {"approve", "reject"}}};
  i.created_at = kSixAm + 3500;
  s.interrupts.push_back(i);
  return s;
}

// The same run after `approve`: the approval step completed, the branch's
// record_approval and the final notify_team ran, the scenario result kept.
RunState CompletedWorkflowRun() {
  RunState s = AwaitingWorkflowRun();
  const Instant answered = kSixAm + 600000;
  s.interrupts[0].pending = false;
  s.interrupts[0].resolved_at = answered;
  s.interrupts[0].input = Json{{"decision", "approve"}, {"comment", "looks fine"}};
  s.steps.MutableBack().status = StepStatus::kCompleted;
  s.steps.MutableBack().completed_at = answered;
  s.steps.push_back(TopStep(kWorkflowRun, "40000000-0000-4000-8000-000000000005", 5, "activity", "record_approval",
                            "Record the approval", StepStatus::kCompleted, answered, answered + 200));
  s.steps.push_back(TopStep(kWorkflowRun, "40000000-0000-4000-8000-000000000007", 6, "activity", "notify_team",
                            "Notify the onboarding team", StepStatus::kCompleted, answered + 200, answered + 500));
  Run& r = s.run;
  r.status = RunStatus::kCompleted;
  r.updated_at = r.ended_at.emplace(answered + 500);
  r.output = Json{{"artifacts", Json::array()}};
  r.result = Json{{"summary", "Onboarding review of Acme Lending LLC finished."}};
  return s;
}

const char* kTaskRun = "5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f";

// The task agent's default scenario, answered: plan, search, answer, cite.
RunState CompletedTaskRun() {
  RunState s;
  Run& r = s.run;
  r.id = kTaskRun;
  r.thread_id = "6d7e8f9a-0b1c-4d2e-8f3a-4b5c6d7e8f9a";
  r.ordinal = 1;
  r.agent = "kyb_research_assistant";
  r.agent_name = "KYB Research Assistant";
  r.trigger_type = "api";
  r.scenario = "default";
  r.agent_seq = 1;
  r.requester = kCaller;
  r.status = RunStatus::kCompleted;
  r.created_at = kT0;
  r.started_at = kT0;
  r.updated_at = kT0 + 3700;
  r.ended_at = kT0 + 3700;
  r.request = Json{{"message", "Is Acme Lending LLC in good standing?"}};
  r.output = Json{{"artifacts", Json::array()}};
  r.result = Json{{"summary", "Acme Lending LLC is in good standing in Delaware and active in Texas."},
                  {"task_result",
                   {{"question", "Is Acme Lending LLC in good standing?"},
                    {"entity", "Acme Lending LLC"},
                    {"registrations",
                     {{{"jurisdiction", "DE"}, {"file_number", "7712345"}, {"status", "good_standing"}},
                      {{"jurisdiction", "TX"}, {"file_number", "0803921174"}, {"status", "active"}}}}}},
                  {"task_error", nullptr}};
  s.steps.push_back(TopStep(kTaskRun, "50000000-0000-4000-8000-000000000001", 1, "activity", "plan_research",
                            "Reading the question", StepStatus::kCompleted, kT0, kT0 + 300));
  return s;
}

// The task agent's tool_failure scenario: the run failed; a failure keeps
// no scenario result, so taskError is the error message.
RunState FailedTaskRun() {
  RunState s = CompletedTaskRun();
  Run& r = s.run;
  r.status = RunStatus::kError;
  r.scenario = "tool_failure";
  r.request = Json{{"message", "Is Acme Lending registered in Nevada?"}};
  r.output = Json();
  r.result = Json();
  r.updated_at = r.ended_at.emplace(kT0 + 30300);
  r.error_message = "search_registry failed: the Nevada business registry did not answer within 30 s";
  r.failure_reason = "tool_timeout";
  return s;
}

// A fixture agent as any org member sees it (its record made from the fixture).
OrderedJson RenderAgent(const script::Agent& agent, const std::string& org, Instant created_at, bool with_variation) {
  const Principal member{"User", "0b7a3c1e-0000-4000-8000-000000000001", "Modus user m", std::nullopt};
  return RenderAgentRecord(agent.modus->id, RecordOf(agent, org, created_at), org, member, /*draft_view=*/false,
                           with_variation);
}

}  // namespace

TEST_CASE("modus agent: a list row has no variation", "[dialects]") {
  CheckGolden("modus_agent_workflow_row", RenderAgent(WorkflowAgent(), kOrg, kT0, /*with_variation=*/false));
}

TEST_CASE("modus agent: a workflow agent's variation has its schedule and its default scenario's nodes", "[dialects]") {
  CheckGolden("modus_agent_workflow_detail", RenderAgent(WorkflowAgent(), kOrg, kT0, /*with_variation=*/true));
}

TEST_CASE("modus agent: a task agent's variation has trigger kinds and no schedule", "[dialects]") {
  const OrderedJson j = RenderAgent(TaskAgent(), kOrg, kT0, /*with_variation=*/true);
  CHECK_FALSE(j["variation"]["trigger"].contains("schedule"));
  CheckGolden("modus_agent_task_detail", j);
}

TEST_CASE("modus agent: ownerUserId follows the org, activeVariationId the agent type", "[dialects]") {
  // ownerUserId derives from the org, activeVariationId from the agent type.
  const OrderedJson a = RenderAgent(TaskAgent(), kOrg, kT0, false);
  const OrderedJson b = RenderAgent(TaskAgent(), "99999999-2222-4333-8444-555555555555", kT0, false);
  CHECK(a["accessConfig"]["ownerUserId"] != b["accessConfig"]["ownerUserId"]);
  CHECK(a["activeVariationId"] == b["activeVariationId"]);
  CHECK(a["activeVariationId"] != RenderAgent(WorkflowAgent(), kOrg, kT0, false)["activeVariationId"]);
}

TEST_CASE("modus run: workflow ids count the agent's workflows, core statuses map to Modus ones", "[dialects]") {
  CHECK(WorkflowId(WorkflowAgent(), 3) == "wf_202_run_3");
  CHECK(WorkflowId(TaskAgent(), 1) == "wf_101_run_1");
  CHECK(std::string(ModusStatus(RunStatus::kRunning)) == "running");
  CHECK(std::string(ModusStatus(RunStatus::kInterrupted)) == "awaiting_human");
  CHECK(std::string(ModusStatus(RunStatus::kCompleted)) == "completed");
  CHECK(std::string(ModusStatus(RunStatus::kError)) == "error");
  CHECK(std::string(ModusStatus(RunStatus::kCancelled)) == "cancelled");
}

TEST_CASE("modus run: an awaiting_human list row has pendingApproval with its expiry and no workflowNodes",
          "[dialects]") {
  const OrderedJson j = RenderRun(WorkflowAgent(), AwaitingWorkflowRun(), 3, /*detail=*/false);
  CHECK_FALSE(j.contains("workflowNodes"));
  CheckGolden("modus_run_awaiting_row", j);
}

TEST_CASE("modus run: an awaiting_human detail lists top-level nodes, the waiting one awaiting_human", "[dialects]") {
  CheckGolden("modus_run_awaiting_detail", RenderRun(WorkflowAgent(), AwaitingWorkflowRun(), 3, /*detail=*/true));
}

TEST_CASE("modus run: the approval label is value.label, else value.title, else the step's label", "[dialects]") {
  RunState s = AwaitingWorkflowRun();
  s.interrupts[0].value["label"] = "Approve Acme?";
  OrderedJson j = RenderRun(WorkflowAgent(), s, 3, false);
  CHECK(j["pendingApproval"]["label"] == "Approve Acme?");
  CHECK(j["summary"] == "Approve Acme?");
  s.interrupts[0].value = Json::object();
  j = RenderRun(WorkflowAgent(), s, 3, false);
  CHECK(j["pendingApproval"]["label"] == "Compliance approval");
  CHECK(j["summary"] == "Compliance approval");
}

TEST_CASE("modus run: a completed workflow detail has endedAt, durationMs, summary and every node", "[dialects]") {
  const OrderedJson j = RenderRun(WorkflowAgent(), CompletedWorkflowRun(), 3, /*detail=*/true);
  CHECK_FALSE(j.contains("taskResult"));
  CheckGolden("modus_run_workflow_completed_detail", j);
}

TEST_CASE("modus run: an approval that timed out is error with statusReason approval_timeout", "[dialects]") {
  RunState s = AwaitingWorkflowRun();
  const Instant expired = kSixAm + 3500 + 2 * 3600000;
  s.interrupts[0].pending = false;
  s.interrupts[0].expired = true;
  s.interrupts[0].resolved_at = expired;
  s.steps.MutableBack().status = StepStatus::kError;
  s.steps.MutableBack().completed_at = expired;
  s.run.status = RunStatus::kError;
  s.run.updated_at = s.run.ended_at.emplace(expired);
  s.run.error_message = "approval_timeout";  // the engine's message when the fixture gives none
  s.run.failure_reason = "approval_timeout";
  CheckGolden("modus_run_approval_timeout_detail", RenderRun(WorkflowAgent(), s, 3, /*detail=*/true));
}

TEST_CASE("modus run: a cancelled row is history with no summary, under the name it started with", "[dialects]") {
  RunState s = AwaitingWorkflowRun();
  s.run.agent_name = "Onboarding Review (before the rename)";
  s.run.status = RunStatus::kCancelled;
  s.run.updated_at = s.run.ended_at.emplace(kSixAm + 60000);
  s.run.error_message = "cancelled";  // what Apply(run.cancelled) records
  s.interrupts[0].pending = false;
  s.steps.MutableBack().status = StepStatus::kError;
  s.steps.MutableBack().completed_at = kSixAm + 60000;
  CheckGolden("modus_run_cancelled_row", RenderRun(WorkflowAgent(), s, 3, /*detail=*/false));
}

TEST_CASE("modus run: a retry waiting out its backoff is running with no nodes", "[dialects]") {
  RunState s;
  s.run.id = "9a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d";
  s.run.thread_id = "8f9a0b1c-2d3e-4f40-8b5c-6d7e8f9a0b1c";
  s.run.agent = "onboarding_review_workflow";
  s.run.agent_name = "Onboarding Review Workflow";
  s.run.trigger_type = "manual";
  s.run.scenario = "registry_outage";
  s.run.attempt = 2;
  s.run.retry_of = kWorkflowRun;
  s.run.first_attempt = kWorkflowRun;
  s.run.agent_seq = 1;
  s.run.created_at = s.run.updated_at = kT0 + 2000;
  s.run.started_at = kT0 + 2000;
  CheckGolden("modus_run_retry_waiting_detail", RenderRun(WorkflowAgent(), s, 1, /*detail=*/true));
}

TEST_CASE("modus run: a completed task row has the result's summary and no taskResult", "[dialects]") {
  const OrderedJson j = RenderRun(TaskAgent(), CompletedTaskRun(), 1, /*detail=*/false);
  CHECK_FALSE(j.contains("taskResult"));
  CheckGolden("modus_run_task_completed_row", j);
}

TEST_CASE("modus run: a completed task detail has taskResult and no workflowNodes", "[dialects]") {
  const OrderedJson j = RenderRun(TaskAgent(), CompletedTaskRun(), 1, /*detail=*/true);
  CHECK_FALSE(j.contains("workflowNodes"));
  CheckGolden("modus_run_task_completed_detail", j);
}

TEST_CASE("modus run: a failed task detail has taskError, from the message when task_error is null", "[dialects]") {
  CheckGolden("modus_run_task_error_detail", RenderRun(TaskAgent(), FailedTaskRun(), 1, /*detail=*/true));
  RunState s = FailedTaskRun();
  s.run.result = Json{{"task_error", "registry offline"}};
  CHECK(RenderRun(TaskAgent(), s, 1, true)["taskError"] == "registry offline");
}

TEST_CASE("modus errors: code, message and field, no field when the status names none", "[dialects]") {
  httplib::Response res;
  RespondError(res, Status::InvalidArgument("Parameter `pageSize` must be at least 1", "pageSize"));
  CHECK(res.status == 400);
  CHECK(
      res.body ==
      R"({"error":{"code":"invalid_argument","message":"Parameter `pageSize` must be at least 1","field":"pageSize"}})");
  httplib::Response missing;
  RespondError(missing, Status::NotFound("run wf_202_run_9 not found"));
  CHECK(missing.status == 404);
  CHECK(missing.body == R"({"error":{"code":"not_found","message":"run wf_202_run_9 not found"}})");
  httplib::Response forbidden;
  WriteError(forbidden, 403, "organizationId is not the token's organization", "organizationId");
  CHECK(
      forbidden.body ==
      R"({"error":{"code":"permission_denied","message":"organizationId is not the token's organization","field":"organizationId"}})");
}

}  // namespace dialects_modus_render_test
