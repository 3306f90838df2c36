// Golden-JSON tests of the Middesk wire format, without a server (issue 11,
// item 6): lib/dialects/middesk/render.h (Run, Thread, Agent, list envelope,
// requester), errors.h (the error body) and stream_frames.h (the AG-UI frames
// of a run's log). The input state is built by hand here, so a change in what
// the renderers print shows up as a diff against a file a reviewer can read.
//
// Golden files: tests/dialects/golden/middesk_*.json, each the rendering
// pretty-printed with dump(2) plus a trailing newline (key order and values
// are exactly the wire's; only whitespace differs from the compact dump).
//
// Updating them: run the tests with UPDATE_GOLDEN=1 in the environment, e.g.
//   UPDATE_GOLDEN=1 build/tests/unit_tests "[dialects]"
// and every golden check writes its file instead of comparing (and warns
// which). Read the diff against ../shared/spec/openapi and docs/middesk.md
// before committing it.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/event.h"
#include "dialects/middesk/errors.h"
#include "dialects/middesk/render.h"
#include "dialects/middesk/stream_frames.h"
#include "script/loader.h"

namespace dialects_middesk_render_test {

using namespace sandbox;
using namespace sandbox::middesk;

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

constexpr Instant kT0 = 1767225600000;  // 2026-01-01T00:00:00.000Z

const Principal kUser{"User", "5d0c1e2f-3a4b-4c5d-8e6f-708192a3b4c5", "ana", "ana@example.com"};
const Principal kAccount{"Account", "0b6e7f80-91a2-4b3c-8d4e-5f60718293a4", "Sandbox Account", std::nullopt};

const char* kThreadId = "1aaa2bbb-3ccc-4ddd-8eee-fffaaa111222";
const char* kRunId = "9f1b2c34-5678-4abc-9def-0123456789ab";
const char* kRun2Id = "2c3d4e5f-6071-4829-9a3b-4c5d6e7f8091";

Step MakeStep(const std::string& run_id, const std::string& id, std::optional<std::string> parent, int64_t ordinal,
              const std::string& agent, const std::string& type, const std::string& name, const std::string& label,
              StepStatus status, Instant started, std::optional<Instant> completed) {
  Step s;
  s.id = id;
  s.run_id = run_id;
  s.parent_step_id = std::move(parent);
  s.ordinal = ordinal;
  s.agent = agent;
  s.type = type;
  s.name = name;
  s.label = label;
  s.status = status;
  s.started_at = started;
  s.completed_at = completed;
  return s;
}

Artifact WatchlistHit() {
  return Artifact{
      "a1a1a1a1-0000-4000-8000-000000000001",
      "Watchlist hit: ACME LENDING",
      "watchlist_hit",
      "medium",
      std::nullopt,  // no summary: rendered as null
      {Source{"https://sanctionssearch.ofac.example.gov/Details.aspx?id=1234", "OFAC SDN List", "primary", "watchlist"},
       Source{"https://news.example.com/acme", std::nullopt, std::nullopt, std::nullopt}}};
}

Artifact AddressCheck() {
  return Artifact{"a2a2a2a2-0000-4000-8000-000000000002",
                  "Registered address",
                  "address_verification",
                  "high",
                  "450 Commerce Way, Suite 300, Austin, TX 78701 is a commercial address.",
                  {Source{"https://sos.texas.example.gov/corp/filings/0803921174", "Texas Secretary of State",
                          "primary", std::nullopt}}};
}

// A cip_orchestrator run waiting for a reviewer: a planning step, a
// dispatch step with two specialists (one with a nested step and a
// watchlist artifact, one with an address artifact), and the interrupt
// step still running. One earlier interrupt was answered already.
RunState InterruptedRun() {
  RunState s;
  Run& r = s.run;
  r.id = kRunId;
  r.thread_id = kThreadId;
  r.ordinal = 1;
  r.agent = "cip_orchestrator";
  r.agent_name = "CIP Orchestrator";
  r.scenario = "default";
  r.requester = kUser;
  r.status = RunStatus::kInterrupted;
  r.created_at = kT0;
  r.updated_at = kT0 + 9000;
  r.started_at = kT0;
  r.last_seq = 20;

  const std::string run = kRunId;
  s.steps.push_back(MakeStep(run, "10000000-0000-4000-8000-000000000001", std::nullopt, 1, "cip_orchestrator",
                             "activity", "plan_review", "Planning the CIP review", StepStatus::kCompleted, kT0,
                             kT0 + 500));
  s.steps.MutableBack().result = Json{{"checks", {"sos", "tin", "watchlist", "address"}}};
  s.steps.push_back(MakeStep(run, "10000000-0000-4000-8000-000000000002", std::nullopt, 2, "cip_orchestrator",
                             "activity", "dispatch_specialists", "Dispatching specialist agents",
                             StepStatus::kCompleted, kT0 + 500, kT0 + 8000));
  s.steps.push_back(MakeStep(run, "10000000-0000-4000-8000-000000000003", "10000000-0000-4000-8000-000000000002", 3,
                             "watchlist_resolution", "output", "screen_watchlists", "Screening watchlists",
                             StepStatus::kCompleted, kT0 + 500, kT0 + 4000));
  s.steps.MutableBack().artifacts.push_back(WatchlistHit());
  s.steps.push_back(MakeStep(run, "10000000-0000-4000-8000-000000000004", "10000000-0000-4000-8000-000000000003", 4,
                             "watchlist_resolution", "activity", "compare_names", "Comparing names",
                             StepStatus::kCompleted, kT0 + 1000, kT0 + 3000));
  s.steps.push_back(MakeStep(run, "10000000-0000-4000-8000-000000000005", "10000000-0000-4000-8000-000000000002", 5,
                             "address_verification", "output", "verify_address", "Verifying the registered address",
                             StepStatus::kCompleted, kT0 + 4000, kT0 + 8000));
  s.steps.MutableBack().artifacts.push_back(AddressCheck());
  s.steps.push_back(MakeStep(run, "10000000-0000-4000-8000-000000000006", std::nullopt, 6, "cip_orchestrator",
                             "interrupt", "review_proposals", "Waiting for a reviewer", StepStatus::kRunning,
                             kT0 + 9000, std::nullopt));

  Interrupt answered;
  answered.id = "intr_00000000000000000000000000000001";
  answered.run_id = run;
  answered.step_id = "10000000-0000-4000-8000-000000000001";
  answered.value = Json{{"label", "Confirm the business name"}};
  answered.pending = false;
  answered.created_at = kT0 + 100;
  answered.resolved_at = kT0 + 200;
  answered.input = Json{{"decision", "approve"}};
  s.interrupts.push_back(answered);

  Interrupt pending;
  pending.id = "intr_7c1e0f2a3b4c5d6e7f8091a2b3c4d5e6";
  pending.run_id = run;
  pending.step_id = "10000000-0000-4000-8000-000000000006";
  pending.agent = "cip_orchestrator";
  pending.value = Json{{"agent", "cip_orchestrator"},
                       {"label", "Approve the watchlist and address proposals?"},
                       {"type", "combined_proposal"},
                       {"proposals",
                        {{{"agent", "watchlist_resolution"},
                          {"label", "Dismiss 1 watchlist hit as a false positive?"},
                          {"artifacts", Json::array()}}}}};
  pending.created_at = kT0 + 9000;
  s.interrupts.push_back(pending);
  return s;
}

// An address_verification run that ended: one output step with an artifact
// (whose source lacks source_type), one interrupt step an interrupt policy
// approved, and the run's output as the engine writes it (ArtifactToJson).
RunState CompletedRun() {
  RunState s;
  Run& r = s.run;
  r.id = kRun2Id;
  r.thread_id = kThreadId;
  r.ordinal = 2;
  r.agent = "address_verification";
  r.agent_name = "Address Verification";
  r.scenario = "default";
  r.requester = kAccount;
  r.status = RunStatus::kCompleted;
  r.created_at = kT0 + 60000;
  r.updated_at = kT0 + 63000;
  r.started_at = kT0 + 60000;
  r.ended_at = kT0 + 63000;
  r.last_seq = 9;
  const std::string run = kRun2Id;
  s.steps.push_back(MakeStep(run, "20000000-0000-4000-8000-000000000001", std::nullopt, 1, "address_verification",
                             "output", "verify_address", "Verifying the registered address", StepStatus::kCompleted,
                             kT0 + 60000, kT0 + 62000));
  s.steps.MutableBack().artifacts.push_back(AddressCheck());
  s.steps.push_back(MakeStep(run, "20000000-0000-4000-8000-000000000002", std::nullopt, 2, "address_verification",
                             "interrupt", "confirm_address", "Confirming the address", StepStatus::kCompleted,
                             kT0 + 62000, kT0 + 62000));
  s.steps.MutableBack().result = Json{{"resolution", "auto_approve"}};
  r.output = Json{{"artifacts", Json::array({ArtifactToJson(AddressCheck())})}};
  return s;
}

// A watchlist_resolution run whose search step failed; the step still open
// was ended with error by the failure, as Apply(run.failed) does.
RunState FailedRun() {
  RunState s;
  Run& r = s.run;
  r.id = "3d4e5f60-7182-4930-8a4b-5c6d7e8f9012";
  r.thread_id = kThreadId;
  r.ordinal = 3;
  r.agent = "watchlist_resolution";
  r.scenario = "search_outage";
  r.requester = kAccount;
  r.status = RunStatus::kError;
  r.created_at = kT0 + 120000;
  r.updated_at = kT0 + 125000;
  r.started_at = kT0 + 120000;
  r.ended_at = kT0 + 125000;
  r.error_message = "Watchlist search unavailable";
  r.failure_reason = "upstream_unavailable";
  const std::string run = r.id;
  s.steps.push_back(MakeStep(run, "30000000-0000-4000-8000-000000000001", std::nullopt, 1, "watchlist_resolution",
                             "activity", "screen", "Screening watchlists", StepStatus::kError, kT0 + 120000,
                             kT0 + 125000));
  s.steps.push_back(MakeStep(run, "30000000-0000-4000-8000-000000000002", "30000000-0000-4000-8000-000000000001", 2,
                             "watchlist_resolution", "error", "search", "Searching sanctions lists", StepStatus::kError,
                             kT0 + 120000, kT0 + 125000));
  return s;
}

Thread MakeThread() {
  Thread t;
  t.id = kThreadId;
  t.ordinal = 1;
  t.agent = "cip_orchestrator";
  t.context_type = "business";
  t.context_id = "4c2a1b3d-5e6f-4a7b-8c9d-0e1f2a3b4c5d";
  t.status = ThreadStatus::kInterrupted;
  t.requester = kAccount;
  t.created_at = kT0;
  t.updated_at = kT0 + 9000;
  return t;
}

Event E(const std::string& run, int64_t seq, const std::string& type, Instant at, Json payload) {
  return Event{run, seq, type, at, std::move(payload)};
}

// Every frame the events produce, as {"id","event","data"}, in order.
OrderedJson FramesOf(const std::vector<Event>& log) {
  RunStreamFrames frames;
  OrderedJson out = OrderedJson::array();
  for (const auto& e : log) {
    auto next = frames.Next(e);
    REQUIRE(next.ok());
    for (const auto& f : next.value()) out.push_back(OrderedJson{{"id", f.id}, {"event", f.event}, {"data", f.Data()}});
  }
  return out;
}

Json StartedPayload(const std::optional<Principal>& requester) {
  return Json{{"thread_id", kThreadId},
              {"agent", "address_verification"},
              {"scenario", "default"},
              {"ordinal", 1},
              {"requester", PrincipalToJson(requester)}};
}

Json StepStartedPayload(const std::string& id, const std::string& type, const std::string& name,
                        const std::string& label, int ordinal) {
  return Json{
      {"step_id", id},  {"parent_step_id", nullptr}, {"agent", "address_verification"}, {"type", type}, {"name", name},
      {"label", label}, {"ordinal", ordinal}};
}

}  // namespace

TEST_CASE("middesk run: an interrupted run nests its steps and lists only the pending interrupt", "[dialects]") {
  CheckGolden("middesk_run_interrupted", RenderRun(InterruptedRun(), /*include_steps=*/true));
}

TEST_CASE("middesk run: without include=steps the run has no steps key", "[dialects]") {
  const OrderedJson j = RenderRun(InterruptedRun(), /*include_steps=*/false);
  CHECK_FALSE(j.contains("steps"));
  CheckGolden("middesk_run_interrupted_no_steps", j);
}

TEST_CASE("middesk run: a completed run carries its output and an Account requester", "[dialects]") {
  // The golden records today's output: in output.artifacts the missing
  // source_type is null (the stored ArtifactToJson form), while the same
  // artifact under steps omits it as the contract's Source wants.
  CheckGolden("middesk_run_completed", RenderRun(CompletedRun(), /*include_steps=*/true));
}

TEST_CASE("middesk run: a failed run is error with null output and error.message", "[dialects]") {
  CheckGolden("middesk_run_error", RenderRun(FailedRun(), /*include_steps=*/true));
}

TEST_CASE("middesk run: output is null unless the run completed", "[dialects]") {
  RunState s = CompletedRun();
  s.run.status = RunStatus::kRunning;
  s.run.ended_at.reset();
  CHECK(RenderRun(s, false)["output"].is_null());
  CHECK_FALSE(RenderRun(s, false).contains("error"));
}

TEST_CASE("middesk run: a failed run without a message says run failed", "[dialects]") {
  RunState s = FailedRun();
  s.run.error_message.reset();
  CHECK(RenderRun(s, false)["error"].dump() == R"({"message":"run failed"})");
}

TEST_CASE("middesk run: a cancelled run shows as error, its message cancelled", "[dialects]") {
  RunState s = InterruptedRun();
  s.run.status = RunStatus::kCancelled;
  s.run.ended_at = s.run.updated_at = kT0 + 10000;
  s.run.error_message = "cancelled";  // what Apply(run.cancelled) records
  for (auto& i : s.interrupts) i.pending = false;
  for (size_t i = 0; i < s.steps.size(); ++i) {
    if (s.steps[i].status == StepStatus::kRunning) {
      Step& st = s.steps.Mutable(i);
      st.status = StepStatus::kError;
      st.completed_at = kT0 + 10000;
    }
  }
  CheckGolden("middesk_run_cancelled", RenderRun(s, /*include_steps=*/false));
}

TEST_CASE("middesk requester: User with email, Account with null email, none is null", "[dialects]") {
  CHECK(RenderRequester(kUser).dump() ==
        R"({"id":"5d0c1e2f-3a4b-4c5d-8e6f-708192a3b4c5","name":"ana","email":"ana@example.com"})");
  CHECK(RenderRequester(kAccount).dump() ==
        R"({"id":"0b6e7f80-91a2-4b3c-8d4e-5f60718293a4","name":"Sandbox Account","email":null})");
  CHECK(RenderRequester(std::nullopt).dump() == "null");
  RunState system = CompletedRun();
  system.run.requester.reset();
  CHECK(RenderRun(system, false)["requester"].is_null());
}

TEST_CASE("middesk thread: without runs it has no steps key", "[dialects]") {
  const OrderedJson j = RenderThread(MakeThread());
  CHECK_FALSE(j.contains("steps"));
  CheckGolden("middesk_thread", j);
}

TEST_CASE("middesk thread: with its runs, the top-level steps of each, oldest run first", "[dialects]") {
  Thread t = MakeThread();
  t.metadata = Json{{"source", "sidepanel"}};
  t.requester = kUser;
  const std::vector<RunState> runs = {InterruptedRun(), CompletedRun()};
  CheckGolden("middesk_thread_with_steps", RenderThread(t, &runs));
}

TEST_CASE("middesk agent: a fixture agent with the clock's start as its times", "[dialects]") {
  auto set = script::LoadFixtures(FIXTURES_DIR, IdGenerator(0));
  REQUIRE(set.ok());
  const script::Agent* cip = set.value().FindAgentByType("cip_orchestrator");
  REQUIRE(cip != nullptr);
  CheckGolden("middesk_agent", RenderAgent(*cip, kT0));
}

TEST_CASE("middesk list: the envelope wraps rows with has_more and total_count", "[dialects]") {
  OrderedJson rows = OrderedJson::array();
  rows.push_back(RenderRun(CompletedRun(), false));
  rows.push_back(RenderRun(InterruptedRun(), false));
  CheckGolden("middesk_run_list", RenderList(std::move(rows), /*has_more=*/true, /*total_count=*/5));
  CHECK(RenderList(OrderedJson::array(), false, 0).dump() ==
        R"({"object":"list","data":[],"has_more":false,"total_count":0})");
}

TEST_CASE("middesk errors: the error body names the parameter when there is one", "[dialects]") {
  CHECK(ErrorBody("Parameter `per_page` must be at most 100", "per_page").dump() ==
        R"({"errors":[{"message":"Parameter `per_page` must be at most 100","parameter":"per_page"}]})");
  CHECK(ErrorBody("agent run not found").dump() == R"({"errors":[{"message":"agent run not found"}]})");
  httplib::Response res;
  RespondError(res, Status::InvalidArgument("Parameter `page` must be an integer", "page"));
  CHECK(res.status == 422);
  CHECK(res.body == R"({"errors":[{"message":"Parameter `page` must be an integer","parameter":"page"}]})");
}

TEST_CASE("middesk stream: a completed run's log gives RUN_STARTED, a snapshot per event, RUN_FINISHED", "[dialects]") {
  const std::string run = kRun2Id;
  const std::string step = "20000000-0000-4000-8000-000000000001";
  const std::vector<Event> log = {
      E(run, 1, "run.started", kT0, StartedPayload(kAccount)),
      E(run, 2, "step.started", kT0, StepStartedPayload(step, "output", "verify_address", "Verifying the address", 1)),
      E(run, 3, "artifact.added", kT0 + 1500, Json{{"step_id", step}, {"artifact", ArtifactToJson(AddressCheck())}}),
      E(run, 4, "step.completed", kT0 + 2000, Json{{"step_id", step}, {"status", "completed"}}),
      E(run, 5, "run.completed", kT0 + 2000,
        Json{{"output", {{"artifacts", Json::array({ArtifactToJson(AddressCheck())})}}}}),
  };
  const OrderedJson frames = FramesOf(log);
  REQUIRE(frames.size() == 7);
  CheckGolden("middesk_stream_completed", frames);

  RunStreamFrames f;
  auto first = f.Next(log[0]);
  REQUIRE(first.ok());
  REQUIRE(first.value().size() == 2);
  CHECK(first.value()[0].Wire() ==
        "id: 1\nevent: RUN_STARTED\ndata: "
        R"({"type":"RUN_STARTED","threadId":"1aaa2bbb-3ccc-4ddd-8eee-fffaaa111222",)"
        R"("runId":"2c3d4e5f-6071-4829-9a3b-4c5d6e7f8091","run_id":"2c3d4e5f-6071-4829-9a3b-4c5d6e7f8091",)"
        R"("thread_id":"1aaa2bbb-3ccc-4ddd-8eee-fffaaa111222","timestamp":1767225600000})"
        "\n\n");
  CHECK_FALSE(f.finished());
}

// The log of run 2 up to its interrupt, whose value is `value`.
static std::vector<Event> InterruptedLog(const Json& value) {
  const std::string run = kRun2Id;
  const std::string step = "20000000-0000-4000-8000-000000000002";
  return {
      E(run, 1, "run.started", kT0, StartedPayload(std::nullopt)),
      E(run, 2, "step.started", kT0,
        StepStartedPayload(step, "interrupt", "confirm_address", "Confirming the address", 1)),
      E(run, 3, "run.interrupted", kT0,
        Json{{"interrupt_id", "intr_0123456789abcdef0123456789abcdef"},
             {"step_id", step},
             {"agent", "address_verification"},
             {"value", value}}),
  };
}

TEST_CASE("middesk stream: an interrupted run waits, a cancelled run finishes", "[dialects]") {
  std::vector<Event> log =
      InterruptedLog({{"agent", "address_verification"}, {"label", "Is this the registered address?"}});
  log.push_back(E(kRun2Id, 4, "run.cancelled", kT0 + 5000, Json{{"reason", "user_requested"}}));
  const OrderedJson frames = FramesOf(log);
  REQUIRE(frames.size() == 6);
  CheckGolden("middesk_stream_cancelled", frames);
}

TEST_CASE("middesk stream: a failed run ends with RUN_ERROR, a waiting one with the interrupt outcome", "[dialects]") {
  std::vector<Event> log =
      InterruptedLog({{"type", "address_confirmation"}, {"label", "Is this the registered address?"}});
  // While the run waits, its stream's ending names the interrupt; it is no
  // frame of the log (no id), so the frames stay what they were.
  RunStreamFrames waiting;
  for (const auto& e : log) REQUIRE(waiting.Next(e).ok());
  CHECK_FALSE(waiting.finished());
  const std::string ending = waiting.PauseEnding();
  REQUIRE(ending.rfind("event: RUN_FINISHED\ndata: ", 0) == 0);
  const std::string data = ending.substr(std::string("event: RUN_FINISHED\ndata: ").size());
  CheckGolden("middesk_stream_pause_ending", OrderedJson::parse(data.substr(0, data.size() - 2)));

  log.push_back(E(kRun2Id, 4, "run.failed", kT0 + 5000, Json{{"message", "The registry did not answer"}, {"reason", "timeout"}}));
  const OrderedJson frames = FramesOf(log);
  REQUIRE(frames.size() == 6);
  CheckGolden("middesk_stream_failed", frames);
  RunStreamFrames failed;
  for (const auto& e : log) REQUIRE(failed.Next(e).ok());
  CHECK(failed.finished());
  CHECK(failed.PauseEnding().empty());
}

}  // namespace dialects_middesk_render_test
