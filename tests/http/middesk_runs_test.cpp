// HTTP tests of /v1/runs against the real binary and the shipped
// cip_orchestrator fixture: the main flow (create -> interrupted with a
// combined proposal -> resume -> completed with a CIP summary), both review
// branches, the step tree of ?include=steps, resume errors, determinism per
// --seed, and the virtual clock's start.
//
// Times asserted below follow from the fixture's durations: the run reaches
// its interrupt after 1.5 s (plan) + 12 s (checks) = 13.5 s; the approve
// branch takes 1.8 s and the reject branch 0.3 s, then the summary 1 s.
#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "support/sandbox_process.h"

namespace http_middesk_runs_test {

namespace {

using sandbox::testing::HttpResponse;
using sandbox::testing::SandboxOptions;
using sandbox::testing::SandboxProcess;
using Json = nlohmann::json;

constexpr const char* kBusinessId = "8a5c3b1e-0f55-4c8a-9d7e-3b2a1c0d9e8f";

// The step tree as "name(child child(grandchild)) name", in response order.
std::string DescribeSteps(const Json& steps) {
  std::string out;
  for (const auto& s : steps) {
    if (!out.empty()) out += " ";
    out += s.at("name").get<std::string>();
    if (!s.at("steps").empty()) out += "(" + DescribeSteps(s.at("steps")) + ")";
  }
  return out;
}

// Every step in the tree, depth first.
void Flatten(const Json& steps, std::vector<Json>& out) {
  for (const auto& s : steps) {
    out.push_back(s);
    Flatten(s.at("steps"), out);
  }
}

bool HasStepNamed(const Json& steps, const std::string& name) {
  std::vector<Json> all;
  Flatten(steps, all);
  return std::any_of(all.begin(), all.end(), [&](const Json& s) { return s.at("name") == name; });
}

// Each step names the run and its parent: top-level steps have a null
// parent_step_id, children the id of the step they are nested in.
void CheckLinkage(const Json& steps, const Json& parent_id, const std::string& run_id) {
  for (const auto& s : steps) {
    INFO("step " << s.at("name"));
    CHECK(s.at("run_id") == run_id);
    CHECK(s.at("parent_step_id") == parent_id);
    CheckLinkage(s.at("steps"), s.at("id"), run_id);
  }
}

// {"errors":[{"message":..., "parameter":...}]}, the Middesk error body.
Json ErrorBody(const std::string& message, const std::string& parameter) {
  return Json{{"errors", Json::array({Json{{"message", message}, {"parameter", parameter}}})}};
}

std::string ThreadBody() { return Json{{"type", "cip_orchestrator"}, {"business_id", kBusinessId}}.dump(); }

// Names of the top-level steps of the shipped cip_orchestrator scenario.
std::vector<std::string> FixtureTopLevelStepNames() {
  std::ifstream in(std::string(FIXTURES_DIR) + "/cip_orchestrator.json");
  Json fixture = Json::parse(in);
  std::vector<std::string> names;
  for (const auto& step : fixture.at("agents")[0].at("scenarios")[0].at("steps")) names.push_back(step.at("name"));
  return names;
}

std::vector<std::string> TopLevelNames(const Json& steps) {
  std::vector<std::string> names;
  for (const auto& step : steps) names.push_back(step.at("name"));
  return names;
}

Json CreateThread(const SandboxProcess& sandbox) {
  HttpResponse r = sandbox.Post("/v1/threads", ThreadBody());
  REQUIRE_STATUS(r, 201);
  return r.json;
}

Json CreateRunOnThread(const SandboxProcess& sandbox, const std::string& thread_id) {
  HttpResponse r = sandbox.Post("/v1/runs", Json{{"type", "cip_orchestrator"}, {"thread_id", thread_id}}.dump());
  REQUIRE_STATUS(r, 201);
  return r.json;
}

// A run on a new thread, returned as GET shows it: interrupted.
Json InterruptedRun(const SandboxProcess& sandbox) {
  Json created = CreateRunOnThread(sandbox, CreateThread(sandbox).at("id"));
  HttpResponse r = sandbox.Get("/v1/runs/" + created.at("id").get<std::string>());
  REQUIRE_STATUS(r, 200);
  REQUIRE(r.json.at("status") == "interrupted");
  REQUIRE(r.json.at("interrupts").size() == 1);
  return r.json;
}

std::string ResumeBody(const std::string& interrupt_id, const std::string& decision) {
  return Json{{"interrupt_id", interrupt_id}, {"input", {{"decision", decision}}}}.dump();
}

const std::string kStepsWhileInterrupted =
    "plan_verification "
    "run_checks(verify_sos_registration verify_tin screen_watchlists(search_watchlists analyze_watchlist_hits) "
    "verify_address(standardize_address check_registered_agent)) "
    "review_proposals";

}  // namespace

TEST_CASE("a cip_orchestrator run pauses at a combined proposal and completes with a CIP summary after approve",
          "[http]") {
  SandboxProcess sandbox;
  Json thread = CreateThread(sandbox);
  const std::string thread_id = thread.at("id");

  // Create: the run as it started.
  HttpResponse created = sandbox.Post("/v1/runs", Json{{"type", "cip_orchestrator"}, {"thread_id", thread_id}}.dump());
  REQUIRE_STATUS(created, 201);
  Json run = created.json;
  const std::string run_id = run.at("id");
  CHECK(run.at("object") == "run");
  CHECK(run.at("status") == "running");
  CHECK(run.at("thread_id") == thread_id);
  CHECK(run.at("agent") == "cip_orchestrator");
  CHECK(run.at("output").is_null());
  CHECK(run.at("interrupts") == Json::array());
  CHECK(run.at("requester").at("name") == "Sandbox Account");
  CHECK(run.at("requester").at("email").is_null());
  CHECK(run.at("requester").at("id").is_string());
  CHECK(run.at("requester").size() == 3);
  CHECK(run.at("requester") == thread.at("requester"));
  CHECK(run.at("ended_at").is_null());
  CHECK_FALSE(run.contains("steps"));

  // Get: interrupted at the review step, waiting for a combined proposal.
  HttpResponse got = sandbox.Get("/v1/runs/" + run_id);
  REQUIRE_STATUS(got, 200);
  CHECK_FALSE(got.json.contains("steps"));
  CHECK(got.json.at("status") == "interrupted");
  CHECK(got.json.at("updated_at") == "2026-01-01T00:00:13.500Z");
  CHECK(got.json.at("output").is_null());
  REQUIRE(got.json.at("interrupts").size() == 1);
  Json interrupt = got.json.at("interrupts")[0];
  const std::string interrupt_id = interrupt.at("id");
  CHECK(interrupt_id.rfind("intr_", 0) == 0);
  CHECK(interrupt.at("agent") == "cip_orchestrator");
  CHECK(interrupt.at("value").at("type") == "combined_proposal");
  REQUIRE(interrupt.at("value").at("proposals").size() == 2);
  CHECK(interrupt.at("value").at("proposals")[0].at("agent") == "watchlist_resolution");
  CHECK(interrupt.at("value").at("proposals")[1].at("agent") == "address_verification");

  // The step tree while interrupted.
  HttpResponse with_steps = sandbox.Get("/v1/runs/" + run_id + "?include=steps");
  REQUIRE_STATUS(with_steps, 200);
  Json steps = with_steps.json.at("steps");
  // The fixture's top-level steps up to the interrupt; the summary has not started.
  const std::vector<std::string> fixture_names = FixtureTopLevelStepNames();
  REQUIRE(fixture_names ==
          std::vector<std::string>{"plan_verification", "run_checks", "review_proposals", "cip_summary"});
  CHECK(TopLevelNames(steps) == std::vector<std::string>(fixture_names.begin(), fixture_names.end() - 1));
  CHECK(DescribeSteps(steps) == kStepsWhileInterrupted);
  CheckLinkage(steps, nullptr, run_id);
  CHECK(steps[1].at("steps")[2].at("agent") == "watchlist_resolution");
  Json review = steps.back();
  CHECK(review.at("name") == "review_proposals");
  CHECK(review.at("type") == "interrupt");
  CHECK(review.at("status") == "running");
  CHECK(review.at("completed_at").is_null());
  CHECK(steps[0].at("status") == "completed");
  CHECK(steps[0].at("completed_at") == "2026-01-01T00:00:01.500Z");

  // Resume: running again, nothing pending.
  HttpResponse resumed = sandbox.Post("/v1/runs/" + run_id + "/resume", ResumeBody(interrupt_id, "approve"));
  REQUIRE_STATUS(resumed, 200);
  CHECK(resumed.json.at("id") == run_id);
  CHECK(resumed.json.at("status") == "running");
  CHECK(resumed.json.at("interrupts") == Json::array());
  CHECK_FALSE(resumed.json.contains("steps"));

  // Completed, with the summary as output.
  HttpResponse done = sandbox.Get("/v1/runs/" + run_id);
  REQUIRE_STATUS(done, 200);
  CHECK(done.json.at("status") == "completed");
  CHECK(done.json.at("ended_at") == "2026-01-01T00:00:16.300Z");
  CHECK(done.json.at("interrupts") == Json::array());
  Json artifacts = done.json.at("output").at("artifacts");
  REQUIRE(artifacts.size() == 1);
  CHECK(artifacts[0].at("type") == "cip_summary");
  CHECK(artifacts[0].at("title") == "CIP summary");
  CHECK(artifacts[0].at("id").is_string());
  CHECK_FALSE(artifacts[0].at("id").get<std::string>().empty());
  REQUIRE(artifacts[0].at("sources").size() == 4);
  CHECK(artifacts[0].at("sources")[0] == Json{{"url", "https://corp.delaware.example.gov/entity-search/7712345"},
                                              {"source_name", "Delaware Division of Corporations"},
                                              {"source_tier", "primary"},
                                              {"source_type", "sos"}});

  HttpResponse done_steps = sandbox.Get("/v1/runs/" + run_id + "?include=steps");
  REQUIRE_STATUS(done_steps, 200);
  Json final_steps = done_steps.json.at("steps");
  CHECK(DescribeSteps(final_steps) ==
        kStepsWhileInterrupted + " apply_proposals(dismiss_watchlist_hits update_addresses) cip_summary");
  CHECK(HasStepNamed(final_steps, "apply_proposals"));
  CHECK_FALSE(HasStepNamed(final_steps, "record_rejection"));
  CheckLinkage(final_steps, nullptr, run_id);
  std::vector<Json> all;
  Flatten(final_steps, all);
  for (const auto& s : all) {
    INFO("step " << s.at("name"));
    CHECK(s.at("status") == "completed");
  }
  // The output artifact is the one attached to the output step.
  CHECK(final_steps.back().at("type") == "output");
  CHECK(final_steps.back().at("artifacts") == artifacts);
}

TEST_CASE("rejecting the combined proposal runs the reject branch and not the approve branch", "[http]") {
  SandboxProcess sandbox;
  Json run = InterruptedRun(sandbox);
  const std::string run_id = run.at("id");

  HttpResponse resumed =
      sandbox.Post("/v1/runs/" + run_id + "/resume", ResumeBody(run.at("interrupts")[0].at("id"), "reject"));
  REQUIRE_STATUS(resumed, 200);

  HttpResponse done = sandbox.Get("/v1/runs/" + run_id + "?include=steps");
  REQUIRE_STATUS(done, 200);
  CHECK(done.json.at("status") == "completed");
  CHECK(done.json.at("ended_at") == "2026-01-01T00:00:14.800Z");
  Json steps = done.json.at("steps");
  CHECK(DescribeSteps(steps) == kStepsWhileInterrupted + " record_rejection cip_summary");
  CHECK(HasStepNamed(steps, "record_rejection"));
  CHECK_FALSE(HasStepNamed(steps, "apply_proposals"));
  CHECK(steps[3].at("result") == Json{{"manual_review_required", true}});
  REQUIRE(done.json.at("output").at("artifacts").size() == 1);
  CHECK(done.json.at("output").at("artifacts")[0].at("type") == "cip_summary");
}

TEST_CASE("creating a run with business_id and no thread_id creates its thread", "[http]") {
  SandboxProcess sandbox;
  HttpResponse created = sandbox.Post("/v1/runs", ThreadBody());
  REQUIRE_STATUS(created, 201);
  const std::string thread_id = created.json.at("thread_id");

  HttpResponse thread = sandbox.Get("/v1/threads/" + thread_id);
  REQUIRE_STATUS(thread, 200);
  CHECK(thread.json.at("id") == thread_id);
  CHECK(thread.json.at("object") == "thread");
  CHECK(thread.json.at("status") == "interrupted");
  CHECK(thread.json.at("created_at") == created.json.at("created_at"));
}

TEST_CASE("creating a run with context_type and context_id instead of business_id", "[http]") {
  SandboxProcess sandbox;
  HttpResponse created = sandbox.Post(
      "/v1/runs", Json{{"type", "cip_orchestrator"}, {"context_type", "business"}, {"context_id", kBusinessId}}.dump());
  REQUIRE_STATUS(created, 201);
  CHECK(created.json.at("status") == "running");
  CHECK(created.json.at("agent") == "cip_orchestrator");

  HttpResponse thread = sandbox.Get("/v1/threads/" + created.json.at("thread_id").get<std::string>());
  CHECK_STATUS(thread, 200);
  HttpResponse run = sandbox.Get("/v1/runs/" + created.json.at("id").get<std::string>());
  CHECK_STATUS(run, 200);
  CHECK(run.json.at("status") == "interrupted");
}

TEST_CASE("resume with ?include=steps returns the step tree as it stands at the resume instant", "[http]") {
  SandboxProcess sandbox;
  Json run = InterruptedRun(sandbox);
  const std::string run_id = run.at("id");

  HttpResponse resumed = sandbox.Post("/v1/runs/" + run_id + "/resume?include=steps",
                                      ResumeBody(run.at("interrupts")[0].at("id"), "approve"));
  REQUIRE_STATUS(resumed, 200);
  CHECK(resumed.json.at("status") == "running");
  REQUIRE(resumed.json.contains("steps"));
  Json steps = resumed.json.at("steps");
  // Everything due at the resume instant has happened: the interrupt step is
  // completed and the approve branch's first steps have started.
  CHECK(DescribeSteps(steps) == std::string(kStepsWhileInterrupted) + " apply_proposals(dismiss_watchlist_hits)");
  const Json& review = steps[steps.size() - 2];
  CHECK(review.at("name") == "review_proposals");
  CHECK(review.at("status") == "completed");
  CHECK(review.at("completed_at") == review.at("started_at"));
  CHECK(steps.back().at("status") == "running");
  CheckLinkage(steps, nullptr, run_id);
}

TEST_CASE("resuming a completed run is a 409 naming id", "[http]") {
  SandboxProcess sandbox;
  Json run = InterruptedRun(sandbox);
  const std::string run_id = run.at("id");
  const std::string body = ResumeBody(run.at("interrupts")[0].at("id"), "approve");
  HttpResponse first = sandbox.Post("/v1/runs/" + run_id + "/resume", body);
  REQUIRE_STATUS(first, 200);

  HttpResponse again = sandbox.Post("/v1/runs/" + run_id + "/resume", body);
  CHECK_STATUS(again, 409);
  CHECK(again.json == ErrorBody("run is not interrupted (status: completed)", "id"));
}

TEST_CASE("resuming with an interrupt id that is not pending on the run is a 409 naming interrupt_id", "[http]") {
  SandboxProcess sandbox;
  Json run = InterruptedRun(sandbox);
  const std::string run_id = run.at("id");

  HttpResponse r = sandbox.Post("/v1/runs/" + run_id + "/resume", ResumeBody("intr_0000", "approve"));
  CHECK_STATUS(r, 409);
  CHECK(r.json == ErrorBody("interrupt intr_0000 is not pending on this run", "interrupt_id"));
  // Nothing changed.
  CHECK(sandbox.Get("/v1/runs/" + run_id).json.at("status") == "interrupted");
}

TEST_CASE("resuming an unknown run is a 404", "[http]") {
  SandboxProcess sandbox;
  HttpResponse r =
      sandbox.Post("/v1/runs/00000000-0000-4000-8000-000000000000/resume", ResumeBody("intr_0000", "approve"));
  CHECK_STATUS(r, 404);
  CHECK(r.json == ErrorBody("agent run not found", "id"));
}

TEST_CASE("resume without interrupt_id is a 400 naming interrupt_id", "[http]") {
  SandboxProcess sandbox;
  Json run = InterruptedRun(sandbox);
  HttpResponse r = sandbox.Post("/v1/runs/" + run.at("id").get<std::string>() + "/resume",
                                Json{{"input", {{"decision", "approve"}}}}.dump());
  CHECK_STATUS(r, 400);
  CHECK(r.json == ErrorBody("Parameter `interrupt_id` is missing", "interrupt_id"));
}

TEST_CASE("resume accepts id as an alias of interrupt_id", "[http]") {
  SandboxProcess sandbox;
  Json run = InterruptedRun(sandbox);
  const std::string run_id = run.at("id");
  HttpResponse r =
      sandbox.Post("/v1/runs/" + run_id + "/resume",
                   Json{{"id", run.at("interrupts")[0].at("id")}, {"input", {{"decision", "reject"}}}}.dump());
  REQUIRE_STATUS(r, 200);
  HttpResponse done = sandbox.Get("/v1/runs/" + run_id + "?include=steps");
  CHECK(done.json.at("status") == "completed");
  CHECK(HasStepNamed(done.json.at("steps"), "record_rejection"));
}

namespace {

// The raw bodies of one fixed request sequence: create thread, create run,
// get with steps, resume, get with steps.
std::vector<std::string> FlowBodies(const std::vector<std::string>& args) {
  SandboxProcess sandbox(SandboxOptions{.args = args});
  std::vector<std::string> bodies;
  auto keep = [&bodies](const HttpResponse& r, int status) {
    REQUIRE_STATUS(r, status);
    bodies.push_back(r.body);
    return r.json;
  };
  Json thread = keep(sandbox.Post("/v1/threads", ThreadBody()), 201);
  Json run =
      keep(sandbox.Post("/v1/runs", Json{{"type", "cip_orchestrator"}, {"thread_id", thread.at("id")}}.dump()), 201);
  const std::string path = "/v1/runs/" + run.at("id").get<std::string>();
  Json interrupted = keep(sandbox.Get(path + "?include=steps"), 200);
  keep(sandbox.Post(path + "/resume", ResumeBody(interrupted.at("interrupts")[0].at("id"), "approve")), 200);
  keep(sandbox.Get(path + "?include=steps"), 200);
  return bodies;
}

}  // namespace

TEST_CASE("the same seed and request sequence give byte-identical responses in fresh processes", "[http]") {
  std::vector<std::string> first = FlowBodies({"--seed", "42"});
  std::vector<std::string> second = FlowBodies({"--seed", "42"});
  REQUIRE(first.size() == 5);
  REQUIRE(second.size() == 5);
  for (size_t i = 0; i < first.size(); ++i) {
    INFO("response " << i);
    CHECK(first[i] == second[i]);
  }
}

TEST_CASE("a different seed gives different ids", "[http]") {
  std::vector<std::string> a = FlowBodies({"--seed", "42"});
  std::vector<std::string> b = FlowBodies({"--seed", "43"});
  Json thread_a = Json::parse(a[0]), thread_b = Json::parse(b[0]);
  Json run_a = Json::parse(a[2]), run_b = Json::parse(b[2]);
  CHECK(thread_a.at("id") != thread_b.at("id"));
  CHECK(run_a.at("id") != run_b.at("id"));
  CHECK(run_a.at("interrupts")[0].at("id") != run_b.at("interrupts")[0].at("id"));
  CHECK(run_a.at("steps")[0].at("id") != run_b.at("steps")[0].at("id"));
  // The requester is a function of the API key alone, not of the seed.
  CHECK(thread_a.at("requester") == thread_b.at("requester"));
  // Only the ids differ: the scripted content and the times are the same.
  CHECK(run_a.at("updated_at") == run_b.at("updated_at"));
  CHECK(DescribeSteps(run_a.at("steps")) == DescribeSteps(run_b.at("steps")));
}

TEST_CASE("the virtual clock starts at 2026-01-01T00:00:00.000Z by default", "[http]") {
  SandboxProcess sandbox;
  HttpResponse created = sandbox.Post("/v1/runs", ThreadBody());
  REQUIRE_STATUS(created, 201);
  CHECK(created.json.at("created_at") == "2026-01-01T00:00:00.000Z");
  CHECK(created.json.at("started_at") == "2026-01-01T00:00:00.000Z");
}

TEST_CASE("the --clock-start option moves where the virtual clock starts", "[http]") {
  SandboxProcess sandbox(SandboxOptions{.args = {"--clock-start", "2030-05-06T07:08:09Z"}});
  HttpResponse created = sandbox.Post("/v1/runs", ThreadBody());
  REQUIRE_STATUS(created, 201);
  CHECK(created.json.at("created_at") == "2030-05-06T07:08:09.000Z");
  HttpResponse got = sandbox.Get("/v1/runs/" + created.json.at("id").get<std::string>());
  CHECK(got.json.at("updated_at") == "2030-05-06T07:08:22.500Z");
}

TEST_CASE("create-run takes an input of any JSON type, templates and match rules read into it", "[http]") {
  sandbox::testing::TempDir dir;
  dir.WriteFile("notes.json", R"({"agents": [{"type": "notes", "name": "Notes", "description": "d", "scenarios": [
    {"name": "urgent", "match": [{"field": "input.priority", "equals": 1}],
     "steps": [{"name": "s", "label": "Urgent: {{request.input.note}}"}]},
    {"name": "default", "steps": [{"name": "s", "label": "Note: {{request.input.note}} / {{request.input}}"}]}
  ]}]})");
  SandboxProcess sb(SandboxOptions{.fixtures = dir.path()});
  auto create = [&](const Json& input) {
    Json body{{"type", "notes"}, {"business_id", "8d1c4f0e-2b6a-4c1e-9f7d-3a5b6c7d8e9f"}, {"input", input}};
    HttpResponse r = sb.Post("/v1/runs", body.dump());
    REQUIRE_STATUS(r, 201);
    HttpResponse run = sb.Get("/v1/runs/" + r.json.at("id").get<std::string>() + "?include=steps");
    REQUIRE_STATUS(run, 200);
    return run.json.at("steps").at(0).at("label").get<std::string>();
  };
  CHECK(create(Json{{"note", "call back"}, {"priority", 1}}) == "Urgent: call back");
  CHECK(create(Json{{"note", "later"}}) == "Note: later / {\"note\":\"later\"}");
  CHECK(create(Json("a prompt")) == "Note:  / a prompt");
  CHECK(create(Json::array({1, 2})) == "Note:  / [1,2]");
  CHECK(create(Json(nullptr)) == "Note:  / ");
}

TEST_CASE("an agent's context rule: business UUIDs by default, any id, or no context at all", "[http]") {
  sandbox::testing::TempDir dir;
  const std::string step = R"("scenarios": [{"name": "default", "steps": [{"name": "s", "label": "S"}]}])";
  dir.WriteFile("agents.json", R"({"agents": [
    {"type": "helpdesk", "name": "Helpdesk", "description": "d", "context": "any", )" + step + R"(},
    {"type": "notes", "name": "Notes", "description": "d", "context": "optional", )" + step + R"(},
    {"type": "kyb", "name": "KYB", "description": "d", )" + step + R"(}]})");
  SandboxProcess sb(SandboxOptions{.fixtures = dir.path()});
  auto post = [&](const std::string& path, const Json& body) { return sb.Post(path, body.dump()); };
  const Json ticket{{"context_type", "ticket"}, {"context_id", "T-1001"}};

  // "any": a context is still needed, but its id need not be a UUID.
  Json body = ticket;
  body["type"] = "helpdesk";
  HttpResponse run = post("/v1/runs", body);
  REQUIRE_STATUS(run, 201);
  CHECK_STATUS(sb.Get("/v1/threads/" + run.json.at("thread_id").get<std::string>()), 200);
  CHECK_STATUS(post("/v1/threads", body), 201);
  CHECK_STATUS(post("/v1/runs", Json{{"type", "helpdesk"}}), 400);
  CHECK_STATUS(post("/v1/runs", Json{{"type", "helpdesk"}, {"business_id", "T-1001"}}), 422);  // still a UUID

  // "optional": no context at all.
  run = post("/v1/runs", Json{{"type", "notes"}});
  REQUIRE_STATUS(run, 201);
  CHECK_STATUS(sb.Get("/v1/threads/" + run.json.at("thread_id").get<std::string>()), 200);
  CHECK_STATUS(post("/v1/threads", Json{{"type", "notes"}}), 201);
  body = ticket;
  body["type"] = "notes";
  CHECK_STATUS(post("/v1/runs", body), 201);

  // The vendor's rule for every other agent.
  body = ticket;
  body["type"] = "kyb";
  HttpResponse refused = post("/v1/runs", body);
  CHECK_STATUS(refused, 422);
  CHECK(refused.json.at("errors")[0].at("parameter") == "context_id");
  CHECK_STATUS(post("/v1/runs", Json{{"type", "kyb"}}), 400);
}

}  // namespace http_middesk_runs_test
