// The control API over real HTTP: /_sandbox/clock (reading it, moving the
// manual clock step by step with the list of what fired, and every way an
// advance is refused) and fixture hot reload (/_sandbox/fixtures/reload, the
// watcher, bad edits that leave the previous fixtures in force, and runs that
// keep the script they started with).
//
// The reload tests serve a small fixture written here into a temporary folder
// (--fixtures DIR --watch-ms 50). Files are replaced atomically (written
// beside, then renamed over), so the 50 ms watcher never reads half a file;
// whether the watcher or the explicit reload applies an edit first, the
// outcome asserted is the same.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "support/sandbox_process.h"

namespace http_control_test {

namespace {

using sandbox::testing::HttpResponse;
using sandbox::testing::SandboxOptions;
using sandbox::testing::SandboxProcess;
using sandbox::testing::TempDir;
using Json = nlohmann::json;

constexpr const char* kBusiness = "8d1c4f0e-2b6a-4c1e-9f7d-3a5b6c7d8e9f";

std::string At(const std::string& hms) { return "2026-01-01T" + hms + "Z"; }

Json GetRun(const SandboxProcess& sb, const std::string& id) {
  HttpResponse r = sb.Get("/v1/runs/" + id + "?include=steps");
  REQUIRE_STATUS(r, 200);
  return r.json;
}

// "name status started completed" per step, depth first, indented by depth.
void AppendSteps(const Json& steps, int depth, std::vector<std::string>& out) {
  for (const auto& s : steps) {
    out.push_back(std::string(static_cast<size_t>(depth) * 2, ' ') + s.at("name").get<std::string>() + " " +
                  s.at("status").get<std::string>() + " " + s.at("started_at").get<std::string>().substr(11, 12) + " " +
                  (s.at("completed_at").is_null() ? "-" : s.at("completed_at").get<std::string>().substr(11, 12)));
    AppendSteps(s.at("steps"), depth + 1, out);
  }
}

std::vector<std::string> Steps(const Json& run) {
  std::vector<std::string> out;
  AppendSteps(run.at("steps"), 0, out);
  return out;
}

std::vector<std::string> StepNames(const Json& run) {
  std::vector<std::string> names;
  for (const auto& s : run.at("steps")) names.push_back(s.at("name"));
  return names;
}

// "seq type at" for each fired event, after checking it names `run_id`.
std::vector<std::string> Fired(const Json& advance, const std::string& run_id) {
  std::vector<std::string> out;
  for (const auto& e : advance.at("fired")) {
    CHECK(e.at("run_id") == run_id);
    CHECK(e.size() == 4);
    out.push_back(std::to_string(e.at("seq").get<int64_t>()) + " " + e.at("type").get<std::string>() + " " +
                  e.at("at").get<std::string>());
  }
  return out;
}

Json ErrorBody(const std::string& message, const std::string& parameter) {
  return Json{{"errors", Json::array({Json{{"message", message}, {"parameter", parameter}}})}};
}

// --- fixtures written by the tests -----------------------------------------

// One agent per line block, so line and column of any value are easy to find.
std::string AgentJson(const std::string& type, const std::string& approve_step) {
  return R"(    {
      "type": ")" +
         type + R"(",
      "name": "Tiny Review",
      "description": "A check, then a question.",
      "scenarios": [
        {
          "name": "default",
          "steps": [
            {"name": "check", "label": "Checking", "duration": "1s"},
            {"name": "ask", "label": "Asking", "type": "interrupt",
             "interrupt": {"value": {"label": "Go?"},
                           "branches": {"approve": [{"name": ")" +
         approve_step + R"(", "label": "Approving", "duration": "100ms"}]}}}
          ]
        }
      ]
    })";
}

std::string FixtureJson(const std::vector<std::string>& agents) {
  std::string out = "{\n  \"agents\": [\n";
  for (size_t i = 0; i < agents.size(); ++i) out += agents[i] + (i + 1 < agents.size() ? ",\n" : "\n");
  return out + "  ]\n}\n";
}

// Replaces dir/name in one rename, so a reader sees the old or the new file.
void WriteAtomically(const TempDir& dir, const std::string& name, const std::string& content) {
  const std::string tmp = dir.WriteFile("." + name + ".tmp", content);
  REQUIRE(std::rename(tmp.c_str(), dir.File(name).c_str()) == 0);
}

std::vector<std::string> AgentTypes(const SandboxProcess& sb) {
  HttpResponse r = sb.Get("/v1/agents");
  REQUIRE_STATUS(r, 200);
  std::vector<std::string> types;
  for (const auto& a : r.json.at("data")) types.push_back(a.at("type"));
  return types;
}

// 1-based line and column of the first occurrence of `needle` in `text`.
std::pair<int, int> LineCol(const std::string& text, const std::string& needle) {
  size_t pos = text.find(needle);
  REQUIRE(pos != std::string::npos);
  int line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < pos; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return {line, static_cast<int>(pos - line_start) + 1};
}

SandboxOptions WatchedFixtures(const TempDir& dir) {
  return SandboxOptions{.args = {"--watch-ms", "50"}, .fixtures = dir.path()};
}

Json ResumeApprove(const SandboxProcess& sb, const Json& run) {
  REQUIRE(run.at("interrupts").size() == 1);
  HttpResponse r =
      sb.Post("/v1/runs/" + run.at("id").get<std::string>() + "/resume",
              Json{{"interrupt_id", run.at("interrupts")[0].at("id")}, {"input", {{"decision", "approve"}}}}.dump());
  REQUIRE_STATUS(r, 200);
  return r.json;
}

}  // namespace

// --- the clock ------------------------------------------------------------------

TEST_CASE("GET /_sandbox/clock on a fresh sandbox is the virtual clock at its start", "[http]") {
  SandboxProcess sb;
  HttpResponse r = sb.Get("/_sandbox/clock");
  REQUIRE_STATUS(r, 200);
  CHECK(r.body == R"({"mode":"virtual","now":"2026-01-01T00:00:00.000Z"})");
}

TEST_CASE("with the manual clock a run moves only when the clock is advanced, firing each event at its instant",
          "[http]") {
  SandboxProcess sb(SandboxOptions{.args = {"--clock", "manual"}});
  CHECK(sb.Get("/_sandbox/clock").body == R"({"mode":"manual","now":"2026-01-01T00:00:00.000Z"})");

  HttpResponse created = sb.Post("/v1/runs", Json{{"type", "cip_orchestrator"}, {"business_id", kBusiness}}.dump());
  REQUIRE_STATUS(created, 201);
  const std::string run_id = created.json.at("id");
  CHECK(created.json.at("status") == "running");

  // Time does not pass by itself: the run is at its first step, however often
  // (and however late in wall time) it is read.
  Json started = GetRun(sb, run_id);
  CHECK(started.at("status") == "running");
  CHECK(started.at("updated_at") == At("00:00:00.000"));
  CHECK(Steps(started) == std::vector<std::string>{"plan_verification running 00:00:00.000 -"});
  CHECK(GetRun(sb, run_id) == started);
  CHECK(sb.Get("/_sandbox/clock").json.at("now") == At("00:00:00.000"));

  HttpResponse five = sb.Post("/_sandbox/clock/advance", R"({"by":"5s"})");
  REQUIRE_STATUS(five, 200);
  CHECK(five.json.at("from") == At("00:00:00.000"));
  CHECK(five.json.at("now") == At("00:00:05.000"));
  CHECK(Fired(five.json, run_id) == std::vector<std::string>{
                                        "3 artifact.added " + At("00:00:01.500"),
                                        "4 step.completed " + At("00:00:01.500"),
                                        "5 step.started " + At("00:00:01.500"),
                                        "6 step.started " + At("00:00:01.500"),
                                        "7 artifact.added " + At("00:00:04.500"),
                                        "8 step.completed " + At("00:00:04.500"),
                                        "9 step.started " + At("00:00:04.500"),
                                    });
  Json at_five = GetRun(sb, run_id);
  CHECK(at_five.at("status") == "running");
  CHECK(at_five.at("updated_at") == At("00:00:04.500"));
  CHECK(Steps(at_five) == std::vector<std::string>{
                              "plan_verification completed 00:00:00.000 00:00:01.500",
                              "run_checks running 00:00:01.500 -",
                              "  verify_sos_registration completed 00:00:01.500 00:00:04.500",
                              "  verify_tin running 00:00:04.500 -",
                          });
  CHECK(sb.Get("/_sandbox/clock").body == R"({"mode":"manual","now":"2026-01-01T00:00:05.000Z"})");

  HttpResponse hour = sb.Post("/_sandbox/clock/advance", R"({"to":"2026-01-01T01:00:00Z"})");
  REQUIRE_STATUS(hour, 200);
  CHECK(hour.json.at("from") == At("00:00:05.000"));
  CHECK(hour.json.at("now") == At("01:00:00.000"));
  CHECK(Fired(hour.json, run_id) ==
        std::vector<std::string>{
            "10 artifact.added " + At("00:00:07.000"), "11 step.completed " + At("00:00:07.000"),
            "12 step.started " + At("00:00:07.000"),   "13 step.started " + At("00:00:07.000"),
            "14 step.completed " + At("00:00:09.000"), "15 step.started " + At("00:00:09.000"),
            "16 artifact.added " + At("00:00:10.500"), "17 step.completed " + At("00:00:10.500"),
            "18 step.completed " + At("00:00:10.500"), "19 step.started " + At("00:00:10.500"),
            "20 step.started " + At("00:00:10.500"),   "21 artifact.added " + At("00:00:11.700"),
            "22 step.completed " + At("00:00:11.700"), "23 step.started " + At("00:00:11.700"),
            "24 artifact.added " + At("00:00:13.500"), "25 step.completed " + At("00:00:13.500"),
            "26 step.completed " + At("00:00:13.500"), "27 step.completed " + At("00:00:13.500"),
            "28 step.started " + At("00:00:13.500"),   "29 run.interrupted " + At("00:00:13.500"),
        });
  Json paused = GetRun(sb, run_id);
  CHECK(paused.at("status") == "interrupted");
  CHECK(paused.at("updated_at") == At("00:00:13.500"));
  CHECK(StepNames(paused) == std::vector<std::string>{"plan_verification", "run_checks", "review_proposals"});

  // After the answer the branch starts at the current instant and again waits
  // for the clock: 1.8 s of proposals, then 1 s of summary.
  ResumeApprove(sb, paused);
  CHECK(GetRun(sb, run_id).at("status") == "running");
  HttpResponse one = sb.Post("/_sandbox/clock/advance", R"({"by":"1s"})");
  REQUIRE_STATUS(one, 200);
  CHECK(Fired(one.json, run_id) == std::vector<std::string>{
                                       "34 artifact.added " + At("01:00:01.000"),
                                       "35 step.completed " + At("01:00:01.000"),
                                       "36 step.started " + At("01:00:01.000"),
                                   });
  CHECK(GetRun(sb, run_id).at("status") == "running");
  HttpResponse rest = sb.Post("/_sandbox/clock/advance", R"({"by":"1800ms"})");
  REQUIRE_STATUS(rest, 200);
  CHECK(rest.json.at("now") == At("01:00:02.800"));
  REQUIRE_FALSE(rest.json.at("fired").empty());
  CHECK(rest.json.at("fired").back().at("type") == "run.completed");
  CHECK(rest.json.at("fired").back().at("at") == At("01:00:02.800"));
  Json done = GetRun(sb, run_id);
  CHECK(done.at("status") == "completed");
  CHECK(done.at("ended_at") == At("01:00:02.800"));

  // Nothing left to fire.
  HttpResponse idle = sb.Post("/_sandbox/clock/advance", R"({"by":"1h"})");
  REQUIRE_STATUS(idle, 200);
  CHECK(idle.json.at("fired") == Json::array());
  CHECK(idle.json.at("now") == At("02:00:02.800"));
}

TEST_CASE("a clock advance needs exactly one of by and to, both well formed, and never goes back", "[http]") {
  SandboxProcess sb(SandboxOptions{.args = {"--clock", "manual"}});
  const Json exactly_one = ErrorBody("Give exactly one of `by` (a duration) or `to` (an ISO 8601 time)", "by");
  const Json bad_by = ErrorBody("Parameter `by` must be a duration such as \"90s\", \"15m\" or \"2h\"", "by");
  const Json bad_to = ErrorBody("Parameter `to` must be an ISO 8601 UTC time like 2026-01-01T01:00:00Z", "to");

  HttpResponse both = sb.Post("/_sandbox/clock/advance", R"({"by":"1s","to":"2026-01-01T02:00:00Z"})");
  CHECK_STATUS(both, 400);
  CHECK(both.json == exactly_one);
  HttpResponse neither = sb.Post("/_sandbox/clock/advance", "{}");
  CHECK_STATUS(neither, 400);
  CHECK(neither.json == exactly_one);
  HttpResponse not_object = sb.Post("/_sandbox/clock/advance", "[1]");
  CHECK_STATUS(not_object, 400);
  CHECK(not_object.json.at("errors")[0].at("parameter") == "body");

  for (const char* body :
       {R"({"by":"soon"})", R"({"by":"-5s"})", R"({"by":-5})", R"({"by":"5 s"})", R"({"by":null})", R"({"by":true})"}) {
    INFO(body);
    HttpResponse r = sb.Post("/_sandbox/clock/advance", body);
    CHECK_STATUS(r, 422);
    CHECK(r.json == bad_by);
  }
  for (const char* body :
       {R"({"to":"yesterday"})", R"({"to":"2026-13-01T00:00:00Z"})", R"({"to":5})", R"({"to":"2026-01-01 01:00"})"}) {
    INFO(body);
    HttpResponse r = sb.Post("/_sandbox/clock/advance", body);
    CHECK_STATUS(r, 422);
    CHECK(r.json == bad_to);
  }

  HttpResponse forward = sb.Post("/_sandbox/clock/advance", R"({"to":"2026-01-01T01:00:00Z"})");
  REQUIRE_STATUS(forward, 200);
  HttpResponse back = sb.Post("/_sandbox/clock/advance", R"({"to":"2026-01-01T00:30:00Z"})");
  CHECK_STATUS(back, 422);
  CHECK(back.json == ErrorBody("the clock never moves back", "to"));
  // Refused advances move nothing; advancing to the current instant is a no-op.
  CHECK(sb.Get("/_sandbox/clock").body == R"({"mode":"manual","now":"2026-01-01T01:00:00.000Z"})");
  HttpResponse same = sb.Post("/_sandbox/clock/advance", R"({"to":"2026-01-01T01:00:00Z"})");
  CHECK_STATUS(same, 200);
  CHECK(same.json == Json{{"from", At("01:00:00.000")}, {"now", At("01:00:00.000")}, {"fired", Json::array()}});
}

TEST_CASE("the virtual clock can be advanced too", "[http]") {
  SandboxProcess sb;
  HttpResponse r = sb.Post("/_sandbox/clock/advance", R"({"by":"90s"})");
  REQUIRE_STATUS(r, 200);
  CHECK(r.json == Json{{"from", At("00:00:00.000")}, {"now", At("00:01:30.000")}, {"fired", Json::array()}});
  CHECK(sb.Get("/_sandbox/clock").body == R"({"mode":"virtual","now":"2026-01-01T00:01:30.000Z"})");
  // A run created now starts at the new instant.
  HttpResponse created = sb.Post("/v1/runs", Json{{"type", "address_verification"}, {"business_id", kBusiness}}.dump());
  REQUIRE_STATUS(created, 201);
  CHECK(created.json.at("created_at") == At("00:01:30.000"));
  CHECK(GetRun(sb, created.json.at("id")).at("ended_at") == At("00:01:34.300"));
}

TEST_CASE("the realtime clock cannot be advanced: 409", "[http]") {
  SandboxProcess sb(SandboxOptions{.args = {"--clock", "realtime"}});
  HttpResponse clock = sb.Get("/_sandbox/clock");
  REQUIRE_STATUS(clock, 200);
  CHECK(clock.json.at("mode") == "realtime");
  const Json conflict = ErrorBody("the realtime clock cannot be moved; start with --clock manual or virtual", "clock");
  for (const char* body : {R"({"by":"5s"})", R"({"to":"2099-01-01T00:00:00Z"})"}) {
    INFO(body);
    HttpResponse r = sb.Post("/_sandbox/clock/advance", body);
    CHECK_STATUS(r, 409);
    CHECK(r.json == conflict);
  }
}

// --- fixture hot reload -------------------------------------------------------------

TEST_CASE("POST /_sandbox/fixtures/reload applies an added agent at once", "[http]") {
  TempDir dir;
  WriteAtomically(dir, "tiny.json", FixtureJson({AgentJson("tiny_review", "record_approval")}));
  SandboxProcess sb(WatchedFixtures(dir));
  CHECK(AgentTypes(sb) == std::vector<std::string>{"tiny_review"});
  HttpResponse status = sb.Get("/_sandbox/fixtures");
  REQUIRE_STATUS(status, 200);
  CHECK(status.json.at("path") == dir.path());
  CHECK(status.json.at("ok") == true);
  CHECK(status.json.at("agents") == 1);
  CHECK(status.json.at("scenarios") == 1);

  WriteAtomically(dir, "tiny.json",
                  FixtureJson({AgentJson("tiny_review", "record_approval"), AgentJson("tiny_followup", "follow_up")}));
  HttpResponse reload = sb.Post("/_sandbox/fixtures/reload", "");
  REQUIRE_STATUS(reload, 200);
  CHECK(reload.json.at("ok") == true);
  CHECK(reload.json.at("path") == dir.path());
  CHECK(reload.json.at("agents") == 2);
  CHECK(reload.json.at("scenarios") == 2);
  CHECK(reload.json.at("generation").get<int64_t>() >= 1);
  CHECK_FALSE(reload.json.contains("errors"));
  CHECK(AgentTypes(sb) == std::vector<std::string>{"tiny_review", "tiny_followup"});
  CHECK_STATUS(sb.Get("/v1/agents/tiny_followup"), 200);

  // The new agent runs.
  HttpResponse created = sb.Post("/v1/runs", Json{{"type", "tiny_followup"}, {"business_id", kBusiness}}.dump());
  REQUIRE_STATUS(created, 201);
  Json run = GetRun(sb, created.json.at("id"));
  CHECK(run.at("status") == "interrupted");
  CHECK(StepNames(run) == std::vector<std::string>{"check", "ask"});
}

TEST_CASE("a reload of an invalid edit is a 422 with FILE:LINE:COL errors and changes nothing", "[http]") {
  TempDir dir;
  const std::string good = FixtureJson({AgentJson("tiny_review", "record_approval")});
  WriteAtomically(dir, "tiny.json", good);
  SandboxProcess sb(WatchedFixtures(dir));
  const std::string file = dir.File("tiny.json");

  // A bad duration and an unknown key: both are reported.
  std::string bad = FixtureJson({AgentJson("tiny_other", "record_approval")});
  bad.replace(bad.find("\"1s\""), 4, "\"soon\"");
  bad.replace(bad.find("\"name\": \"Tiny Review\","), 22, "\"name\": \"Tiny Review\", \"colour\": 1,");
  auto [dur_line, dur_col] = LineCol(bad, "\"soon\"");
  auto [key_line, key_col] = LineCol(bad, "\"colour\"");
  WriteAtomically(dir, "tiny.json", bad);

  HttpResponse reload = sb.Post("/_sandbox/fixtures/reload", "");
  REQUIRE_STATUS(reload, 422);
  CHECK(reload.json.at("ok") == false);
  CHECK(reload.json.at("path") == dir.path());
  // The counts are those of the fixtures still in force.
  CHECK(reload.json.at("agents") == 1);
  CHECK(reload.json.at("scenarios") == 1);
  REQUIRE(reload.json.at("errors").is_array());
  REQUIRE(reload.json.at("errors").size() == 2);
  const std::regex shape(R"(^(.+):([0-9]+):([0-9]+): (/[^ ]*): (.+)$)");
  std::vector<std::string> messages;
  for (const auto& e : reload.json.at("errors")) {
    const std::string m = e.at("message");
    INFO(m);
    CHECK(std::regex_match(m, shape));
    CHECK(m.rfind(file + ":", 0) == 0);
    messages.push_back(m);
  }
  const std::string dur_prefix = file + ":" + std::to_string(dur_line) + ":" + std::to_string(dur_col) +
                                 ": /agents/0/scenarios/0/steps/0/duration: ";
  const std::string key_prefix =
      file + ":" + std::to_string(key_line) + ":" + std::to_string(key_col) + ": /agents/0: unknown key \"colour\"";
  bool saw_duration = false, saw_key = false;
  for (const auto& m : messages) {
    if (m.rfind(dur_prefix, 0) == 0) {
      saw_duration = true;
      CHECK(m.find("\"soon\"") != std::string::npos);
    }
    if (m.rfind(key_prefix, 0) == 0) saw_key = true;
  }
  INFO(reload.body);
  CHECK(saw_duration);
  CHECK(saw_key);

  // The previous fixtures stay in force, and the status says the last reload failed.
  CHECK(AgentTypes(sb) == std::vector<std::string>{"tiny_review"});
  CHECK_STATUS(sb.Get("/v1/agents/tiny_other"), 404);
  HttpResponse created = sb.Post("/v1/runs", Json{{"type", "tiny_review"}, {"business_id", kBusiness}}.dump());
  REQUIRE_STATUS(created, 201);
  CHECK(GetRun(sb, created.json.at("id")).at("status") == "interrupted");
  HttpResponse status = sb.Get("/_sandbox/fixtures");
  REQUIRE_STATUS(status, 200);
  CHECK(status.json.at("ok") == false);
  CHECK(status.json.at("agents") == 1);
  CHECK(status.json.at("errors") == reload.json.at("errors"));
  CHECK(sb.Stderr().find(dur_prefix) != std::string::npos);

  // A JSON syntax error is reported with its position and no pointer.
  WriteAtomically(dir, "tiny.json", good.substr(0, good.size() - 6));
  HttpResponse syntax = sb.Post("/_sandbox/fixtures/reload", "");
  CHECK_STATUS(syntax, 422);
  REQUIRE(syntax.json.at("errors").size() == 1);
  const std::string syntax_message = syntax.json.at("errors")[0].at("message");
  CHECK(syntax_message.rfind(file + ":", 0) == 0);
  CHECK(std::regex_match(syntax_message.substr(file.size()), std::regex(R"(^:[0-9]+:[0-9]+: syntax error.*$)")));
  CHECK(AgentTypes(sb) == std::vector<std::string>{"tiny_review"});

  // Fixed: applied again.
  WriteAtomically(dir, "tiny.json", FixtureJson({AgentJson("tiny_other", "record_approval")}));
  HttpResponse fixed = sb.Post("/_sandbox/fixtures/reload", "");
  CHECK_STATUS(fixed, 200);
  CHECK(fixed.json.at("ok") == true);
  CHECK(AgentTypes(sb) == std::vector<std::string>{"tiny_other"});
  CHECK(sb.Get("/_sandbox/fixtures").json.at("ok") == true);
}

TEST_CASE("the fixture watcher applies a valid change without a reload request", "[http]") {
  TempDir dir;
  WriteAtomically(dir, "tiny.json", FixtureJson({AgentJson("tiny_review", "record_approval")}));
  SandboxProcess sb(WatchedFixtures(dir));
  REQUIRE(AgentTypes(sb) == std::vector<std::string>{"tiny_review"});

  WriteAtomically(dir, "tiny.json",
                  FixtureJson({AgentJson("tiny_review", "record_approval"), AgentJson("tiny_watched", "watched")}));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::vector<std::string> types = AgentTypes(sb);
  while (types.size() < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    types = AgentTypes(sb);
  }
  CHECK(types == std::vector<std::string>{"tiny_review", "tiny_watched"});
  HttpResponse status = sb.Get("/_sandbox/fixtures");
  CHECK(status.json.at("ok") == true);
  CHECK(status.json.at("agents") == 2);
  CHECK(status.json.at("generation").get<int64_t>() >= 1);
}

TEST_CASE("a run started before a reload keeps its script, a new run follows the new one", "[http]") {
  TempDir dir;
  WriteAtomically(dir, "tiny.json", FixtureJson({AgentJson("tiny_review", "old_approval")}));
  SandboxProcess sb(WatchedFixtures(dir));

  HttpResponse old_created = sb.Post("/v1/runs", Json{{"type", "tiny_review"}, {"business_id", kBusiness}}.dump());
  REQUIRE_STATUS(old_created, 201);
  Json old_run = GetRun(sb, old_created.json.at("id"));
  REQUIRE(old_run.at("status") == "interrupted");

  // The approve branch now runs another step.
  WriteAtomically(dir, "tiny.json", FixtureJson({AgentJson("tiny_review", "new_approval")}));
  HttpResponse reload = sb.Post("/_sandbox/fixtures/reload", "");
  REQUIRE_STATUS(reload, 200);

  ResumeApprove(sb, old_run);
  Json old_done = GetRun(sb, old_run.at("id"));
  CHECK(old_done.at("status") == "completed");
  CHECK(StepNames(old_done) == std::vector<std::string>{"check", "ask", "old_approval"});

  HttpResponse new_created = sb.Post("/v1/runs", Json{{"type", "tiny_review"}, {"business_id", kBusiness}}.dump());
  REQUIRE_STATUS(new_created, 201);
  Json new_run = GetRun(sb, new_created.json.at("id"));
  REQUIRE(new_run.at("status") == "interrupted");
  ResumeApprove(sb, new_run);
  Json new_done = GetRun(sb, new_run.at("id"));
  CHECK(new_done.at("status") == "completed");
  CHECK(StepNames(new_done) == std::vector<std::string>{"check", "ask", "new_approval"});

  // The old run reads back the same after yet another reload.
  WriteAtomically(dir, "tiny.json", FixtureJson({AgentJson("tiny_review", "third_approval")}));
  REQUIRE_STATUS(sb.Post("/_sandbox/fixtures/reload", ""), 200);
  CHECK(GetRun(sb, old_run.at("id")) == old_done);
}

namespace {

// An agent whose approve branch renders {{agent.name}}.
std::string NamedAgentFixture(const std::string& name) {
  return R"({
  "agents": [
    {
      "type": "tiny_named",
      "name": ")" +
         name + R"(",
      "description": "Says who approved.",
      "scenarios": [
        {
          "name": "default",
          "steps": [
            {"name": "ask", "label": "Asking", "type": "interrupt",
             "interrupt": {"value": {"label": "Go?"},
                           "branches": {"approve": [{"name": "signed", "label": "Approved by {{agent.name}}",
                                                     "duration": "100ms", "result": {"by": "{{agent.name}}"}}]}}}
          ]
        }
      ]
    }
  ]
}
)";
}

}  // namespace

// Known server bug (left failing on purpose): templates of a run under way read
// {{agent.name}} from the fixtures in force when the event is written, not from
// the script the run started with (Engine::TemplateContext looks the agent up
// in the current fixtures), so a reload that renames the agent changes what an
// older run records after it.
TEST_CASE("a run started before a reload renders agent.name from the script it started with", "[http]") {
  TempDir dir;
  WriteAtomically(dir, "named.json", NamedAgentFixture("Original Reviewer"));
  SandboxProcess sb(WatchedFixtures(dir));
  HttpResponse created = sb.Post("/v1/runs", Json{{"type", "tiny_named"}, {"business_id", kBusiness}}.dump());
  REQUIRE_STATUS(created, 201);
  Json paused = GetRun(sb, created.json.at("id"));
  REQUIRE(paused.at("status") == "interrupted");

  WriteAtomically(dir, "named.json", NamedAgentFixture("Renamed Reviewer"));
  REQUIRE_STATUS(sb.Post("/_sandbox/fixtures/reload", ""), 200);
  REQUIRE(sb.Get("/v1/agents/tiny_named").json.at("name") == "Renamed Reviewer");

  ResumeApprove(sb, paused);
  Json done = GetRun(sb, created.json.at("id"));
  REQUIRE(done.at("status") == "completed");
  REQUIRE(StepNames(done) == std::vector<std::string>{"ask", "signed"});
  const Json& signed_step = done.at("steps")[1];
  CHECK(signed_step.at("label") == "Approved by Original Reviewer");
  CHECK(signed_step.at("result") == Json{{"by", "Original Reviewer"}});

  // A new run renders the new name.
  HttpResponse fresh = sb.Post("/v1/runs", Json{{"type", "tiny_named"}, {"business_id", kBusiness}}.dump());
  REQUIRE_STATUS(fresh, 201);
  ResumeApprove(sb, GetRun(sb, fresh.json.at("id")));
  Json fresh_done = GetRun(sb, fresh.json.at("id"));
  REQUIRE(StepNames(fresh_done) == std::vector<std::string>{"ask", "signed"});
  CHECK(fresh_done.at("steps")[1].at("label") == "Approved by Renamed Reviewer");
}

}  // namespace http_control_test
