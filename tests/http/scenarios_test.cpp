// Every shipped scenario end to end over real HTTP: POST /v1/runs (scenario
// chosen by the default, a match rule or X-Sandbox-Scenario), GET
// ?include=steps, resume, Middesk actions and /_sandbox/clock/advance.
//
// Each test case starts a fresh process, so its first run starts at the
// virtual clock's origin, 2026-01-01T00:00:00.000Z, and every instant below
// follows from the fixture durations (docs/scenarios.md "Timing"). The step
// trees are compared as "timelines": one line per step, depth first, indented
// two spaces per level:
//   name type agent status started completed [artifact types]
// with instants shortened to HH:MM:SS.mmm on 2026-01-01 ("-" when not yet
// completed) and kept whole, without the Z, on any other day.
#include <catch2/catch.hpp>

#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "support/sandbox_process.h"

namespace http_scenarios_test {

namespace {

using sandbox::testing::AuthHeaders;
using sandbox::testing::HttpResponse;
using sandbox::testing::SandboxOptions;
using sandbox::testing::SandboxProcess;
using Json = nlohmann::json;
using Lines = std::vector<std::string>;

constexpr const char* kBusiness = "8d1c4f0e-2b6a-4c1e-9f7d-3a5b6c7d8e9f";
constexpr const char* kDeadBusiness = "00000000-0000-4000-8000-00000000dead";   // cip_orchestrator sub_agent_failure
constexpr const char* kCleanBusiness = "00000000-0000-4000-8000-00000000c1ea";  // watchlist_resolution no_hits

// --- requests ----------------------------------------------------------------

httplib::Headers ScenarioHeader(const std::string& name) {
  auto h = AuthHeaders();
  h.emplace("X-Sandbox-Scenario", name);
  return h;
}

Json CreateRun(const SandboxProcess& sb, const Json& body, const httplib::Headers& headers = AuthHeaders()) {
  HttpResponse r = sb.Post("/v1/runs", body.dump(), headers);
  REQUIRE_STATUS(r, 201);
  // The answer is the run at the instant it started.
  CHECK(r.json.at("status") == "running");
  CHECK(r.json.at("interrupts") == Json::array());
  CHECK(r.json.at("output").is_null());
  return r.json;
}

Json GetRun(const SandboxProcess& sb, const std::string& id, bool steps = true) {
  HttpResponse r = sb.Get("/v1/runs/" + id + (steps ? "?include=steps" : ""));
  REQUIRE_STATUS(r, 200);
  return r.json;
}

Json Resume(const SandboxProcess& sb, const Json& run, const Json& input) {
  REQUIRE(run.at("interrupts").size() == 1);
  HttpResponse r = sb.Post("/v1/runs/" + run.at("id").get<std::string>() + "/resume",
                           Json{{"interrupt_id", run.at("interrupts")[0].at("id")}, {"input", input}}.dump());
  REQUIRE_STATUS(r, 200);
  CHECK(r.json.at("status") == "running");
  CHECK(r.json.at("interrupts") == Json::array());
  return r.json;
}

Json Advance(const SandboxProcess& sb, const Json& body) {
  HttpResponse r = sb.Post("/_sandbox/clock/advance", body.dump());
  REQUIRE_STATUS(r, 200);
  return r.json;
}

// "2026-01-01T00:00:01.500Z" from "00:00:01.500".
std::string At(const std::string& hms) { return "2026-01-01T" + hms + "Z"; }

// --- step trees --------------------------------------------------------------

std::string ShortInstant(const Json& t) {
  if (t.is_null()) return "-";
  std::string s = t.get<std::string>();
  if (!s.empty() && s.back() == 'Z') s.pop_back();
  if (s.rfind("2026-01-01T", 0) == 0) s = s.substr(11);
  return s;
}

void AppendTimeline(const Json& steps, int depth, Lines& out) {
  for (const auto& s : steps) {
    std::string types;
    for (const auto& a : s.at("artifacts")) types += (types.empty() ? "" : ",") + a.at("type").get<std::string>();
    out.push_back(std::string(static_cast<size_t>(depth) * 2, ' ') + s.at("name").get<std::string>() + " " +
                  s.at("type").get<std::string>() + " " + s.at("agent").get<std::string>() + " " +
                  s.at("status").get<std::string>() + " " + ShortInstant(s.at("started_at")) + " " +
                  ShortInstant(s.at("completed_at")) + " [" + types + "]");
    AppendTimeline(s.at("steps"), depth + 1, out);
  }
}

Lines Timeline(const Json& steps) {
  Lines out;
  AppendTimeline(steps, 0, out);
  return out;
}

void Flatten(const Json& steps, std::vector<Json>& out) {
  for (const auto& s : steps) {
    out.push_back(s);
    Flatten(s.at("steps"), out);
  }
}

// The step of that name anywhere in the tree (names are unique per scenario).
Json FindStep(const Json& steps, const std::string& name) {
  std::vector<Json> all;
  Flatten(steps, all);
  for (const auto& s : all) {
    if (s.at("name") == name) return s;
  }
  FAIL("no step named " << name);
  return Json();
}

// Every step names its run and its parent; ids and artifact ids are unique.
void CheckLinkage(const Json& run) {
  std::set<std::string> ids;
  std::function<void(const Json&, const Json&)> walk = [&](const Json& steps, const Json& parent) {
    for (const auto& s : steps) {
      INFO("step " << s.at("name"));
      CHECK(s.at("run_id") == run.at("id"));
      CHECK(s.at("parent_step_id") == parent);
      CHECK(ids.insert(s.at("id").get<std::string>()).second);
      for (const auto& a : s.at("artifacts")) CHECK(ids.insert(a.at("id").get<std::string>()).second);
      walk(s.at("steps"), s.at("id"));
    }
  };
  walk(run.at("steps"), Json(nullptr));
}

// --- the fixtures as written -------------------------------------------------

Json FixtureScenario(const std::string& file, const std::string& agent, const std::string& scenario) {
  std::ifstream in(std::string(FIXTURES_DIR) + "/" + file);
  REQUIRE(in);
  Json fixture = Json::parse(in);
  for (const auto& a : fixture.at("agents")) {
    if (a.at("type") != agent) continue;
    for (const auto& s : a.at("scenarios")) {
      if (s.at("name") == scenario) return s;
    }
  }
  FAIL("no scenario " << agent << "/" << scenario << " in " << file);
  return Json();
}

// Every step of a fixture scenario by name, branches and on_timeout included.
void CollectFixtureSteps(const Json& steps, std::map<std::string, Json>& out) {
  for (const auto& s : steps) {
    out[s.at("name").get<std::string>()] = s;
    if (s.contains("steps")) CollectFixtureSteps(s.at("steps"), out);
    if (s.contains("interrupt")) {
      const Json& i = s.at("interrupt");
      if (i.contains("branches")) {
        for (const auto& [key, branch] : i.at("branches").items()) CollectFixtureSteps(branch, out);
      }
      if (i.contains("on_timeout")) CollectFixtureSteps(i.at("on_timeout"), out);
    }
  }
}

// Labels and artifacts in the response are the fixture's, as written, for
// every text that has no template; artifacts appear once their step completed.
void CheckMatchesFixture(const Json& steps, const Json& scenario) {
  std::map<std::string, Json> spec;
  CollectFixtureSteps(scenario.at("steps"), spec);
  std::vector<Json> all;
  Flatten(steps, all);
  for (const auto& s : all) {
    const std::string name = s.at("name");
    INFO("step " << name);
    REQUIRE(spec.count(name) == 1);
    const Json& f = spec.at(name);
    CHECK(s.at("label") == f.at("label"));
    CHECK(s.at("type") == f.value("type", "activity"));
    if (s.at("status") == "running" || s.at("type") == "interrupt") continue;
    const Json expected = f.value("artifacts", Json::array());
    REQUIRE(s.at("artifacts").size() == expected.size());
    for (size_t i = 0; i < expected.size(); ++i) {
      Json got = s.at("artifacts")[i];
      CHECK(got.at("id").is_string());
      got.erase("id");
      Json want = expected[i];
      if (!want.contains("sources")) want["sources"] = Json::array();
      if (want.dump().find("{{") != std::string::npos) {
        // Templated: the fixed parts only; the tests check the rendered text.
        CHECK(got.at("title") == want.at("title"));
        CHECK(got.at("type") == want.at("type"));
        CHECK(got.at("sources") == want.at("sources"));
        continue;
      }
      CHECK(got == want);
    }
  }
}

Json FixtureInterruptValue(const Json& scenario, const std::string& step) {
  std::map<std::string, Json> spec;
  CollectFixtureSteps(scenario.at("steps"), spec);
  REQUIRE(spec.count(step) == 1);
  return spec.at(step).at("interrupt").at("value");
}

std::vector<std::string> OutputTypes(const Json& run) {
  std::vector<std::string> types;
  for (const auto& a : run.at("output").at("artifacts")) types.push_back(a.at("type"));
  return types;
}

// --- expected timelines ------------------------------------------------------

// cip_orchestrator/default from 00:00:00 to its pause (docs/scenarios.md).
const Lines kCipChecks = {
    "plan_verification activity cip_orchestrator completed 00:00:00.000 00:00:01.500 [plan]",
    "run_checks activity cip_orchestrator completed 00:00:01.500 00:00:13.500 []",
    "  verify_sos_registration activity sos_filings completed 00:00:01.500 00:00:04.500 [sos_registration]",
    "  verify_tin activity tin_verification completed 00:00:04.500 00:00:07.000 [tin_verification]",
    "  screen_watchlists activity watchlist_resolution completed 00:00:07.000 00:00:10.500 []",
    "    search_watchlists activity watchlist_resolution completed 00:00:07.000 00:00:09.000 []",
    "    analyze_watchlist_hits activity watchlist_resolution completed 00:00:09.000 00:00:10.500 [watchlist_review]",
    "  verify_address activity address_verification completed 00:00:10.500 00:00:13.500 []",
    "    standardize_address activity address_verification completed 00:00:10.500 00:00:11.700 "
    "[address_standardization]",
    "    check_registered_agent activity address_verification completed 00:00:11.700 00:00:13.500 "
    "[registered_agent_check]",
};

Lines Concat(Lines a, const Lines& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

const std::string kCipDefaultSummaryPrefix =
    "Acme Lending LLC is an active Delaware LLC in good standing, qualified to do business in Texas. Its EIN matches "
    "IRS records and its principal office in Austin, TX is USPS deliverable. Two name-similarity watchlist hits (OFAC "
    "SDN, EU) and an address update were put to the reviewer; see the review step for the decision. Business ";

const Lines kWatchlistScreening = {
    "prepare_subject activity watchlist_resolution completed 00:00:00.000 00:00:00.400 []",
    "screen_lists activity watchlist_resolution completed 00:00:00.400 00:00:04.100 []",
    "  screen_ofac activity watchlist_resolution completed 00:00:00.400 00:00:01.900 []",
    "  screen_un activity watchlist_resolution completed 00:00:01.900 00:00:02.900 []",
    "  screen_eu activity watchlist_resolution completed 00:00:02.900 00:00:04.100 []",
};

const Lines kWatchlistPaused = Concat(
    kWatchlistScreening,
    {
        "analyze_hits activity watchlist_resolution completed 00:00:04.100 00:00:06.100 [watchlist_hit,watchlist_hit]",
        "review_hits interrupt watchlist_resolution running 00:00:06.100 - []",
    });

const Lines kOnboardingPaused = {
    "fetch_business_data activity onboarding_review_workflow completed 00:00:00.000 00:00:02.000 []",
    "score_risk activity onboarding_review_workflow completed 00:00:02.000 00:00:03.500 []",
    "compliance_approval interrupt onboarding_review_workflow running 00:00:03.500 - []",
};

// A fresh cip_orchestrator run of the default scenario, as GET shows it.
Json PausedCipRun(const SandboxProcess& sb, const std::string& business = kBusiness) {
  Json created = CreateRun(sb, {{"type", "cip_orchestrator"}, {"business_id", business}});
  Json run = GetRun(sb, created.at("id"));
  REQUIRE(run.at("status") == "interrupted");
  return run;
}

}  // namespace

// --- cip_orchestrator ----------------------------------------------------------

TEST_CASE("cip_orchestrator default runs the checks one after another and pauses at the combined proposal at 13.5 s",
          "[http]") {
  SandboxProcess sb;
  const Json scenario = FixtureScenario("cip_orchestrator.json", "cip_orchestrator", "default");
  Json created = CreateRun(sb, {{"type", "cip_orchestrator"}, {"business_id", kBusiness}});
  CHECK(created.at("created_at") == At("00:00:00.000"));
  CHECK(created.at("started_at") == At("00:00:00.000"));
  CHECK(created.at("agent") == "cip_orchestrator");

  Json run = GetRun(sb, created.at("id"));
  CHECK(run.at("status") == "interrupted");
  CHECK(run.at("updated_at") == At("00:00:13.500"));
  CHECK(run.at("ended_at").is_null());
  CHECK(run.at("output").is_null());
  CHECK(Timeline(run.at("steps")) ==
        Concat(kCipChecks, {"review_proposals interrupt cip_orchestrator running 00:00:13.500 - []"}));
  CheckLinkage(run);
  CheckMatchesFixture(run.at("steps"), scenario);

  REQUIRE(run.at("interrupts").size() == 1);
  const Json& interrupt = run.at("interrupts")[0];
  CHECK(interrupt.at("id").get<std::string>().rfind("intr_", 0) == 0);
  CHECK(interrupt.at("agent") == "cip_orchestrator");
  CHECK(interrupt.at("value") == FixtureInterruptValue(scenario, "review_proposals"));
  CHECK(interrupt.at("value").at("type") == "combined_proposal");

  // Step results, rendered: the business id comes from the request.
  CHECK(FindStep(run.at("steps"), "plan_verification").at("result") ==
        Json{{"business_id", kBusiness},
             {"business_name", "Acme Lending LLC"},
             {"formation_state", "DE"},
             {"checks", {"sos_registration", "tin_match", "watchlist_screening", "address_verification"}}});
  CHECK(FindStep(run.at("steps"), "search_watchlists").at("result") ==
        Json{{"lists_screened", {"ofac_sdn", "ofac_non_sdn", "un_consolidated", "eu_consolidated"}},
             {"potential_hits", 2}});
  CHECK_FALSE(FindStep(run.at("steps"), "verify_tin").contains("result"));

  // Waiting is not scripted time: the clock stays at the pause.
  HttpResponse clock = sb.Get("/_sandbox/clock");
  REQUIRE_STATUS(clock, 200);
  CHECK(clock.body == R"({"mode":"virtual","now":"2026-01-01T00:00:13.500Z"})");
  CHECK(GetRun(sb, created.at("id")) == run);

  HttpResponse thread = sb.Get("/v1/threads/" + created.at("thread_id").get<std::string>());
  REQUIRE_STATUS(thread, 200);
  CHECK(thread.json.at("status") == "interrupted");
}

TEST_CASE("cip_orchestrator default approved applies the proposals and completes at 16.3 s with the CIP summary",
          "[http]") {
  SandboxProcess sb;
  const Json scenario = FixtureScenario("cip_orchestrator.json", "cip_orchestrator", "default");
  Json paused = PausedCipRun(sb);
  const std::string run_id = paused.at("id");
  Resume(sb, paused, {{"decision", "approve"}});

  Json run = GetRun(sb, run_id);
  CHECK(run.at("status") == "completed");
  CHECK(run.at("updated_at") == At("00:00:16.300"));
  CHECK(run.at("ended_at") == At("00:00:16.300"));
  CHECK(run.at("interrupts") == Json::array());
  CHECK(Timeline(run.at("steps")) ==
        Concat(kCipChecks,
               {
                   "review_proposals interrupt cip_orchestrator completed 00:00:13.500 00:00:13.500 []",
                   "apply_proposals activity cip_orchestrator completed 00:00:13.500 00:00:15.300 []",
                   "  dismiss_watchlist_hits activity watchlist_resolution completed 00:00:13.500 00:00:14.500 "
                   "[watchlist_dismissal]",
                   "  update_addresses activity address_verification completed 00:00:14.500 00:00:15.300 "
                   "[address_update]",
                   "cip_summary output cip_orchestrator completed 00:00:15.300 00:00:16.300 [cip_summary]",
               }));
  CheckLinkage(run);
  CheckMatchesFixture(run.at("steps"), scenario);
  // A manually answered interrupt step carries no result.
  CHECK_FALSE(FindStep(run.at("steps"), "review_proposals").contains("result"));

  REQUIRE(OutputTypes(run) == std::vector<std::string>{"cip_summary"});
  const Json& summary = run.at("output").at("artifacts")[0];
  CHECK(summary == FindStep(run.at("steps"), "cip_summary").at("artifacts")[0]);
  CHECK(summary.at("title") == "CIP summary");
  CHECK(summary.at("confidence") == "high");
  CHECK(summary.at("summary") == kCipDefaultSummaryPrefix + kBusiness + ", run " + run_id + ".");
  CHECK(summary.at("sources").size() == 4);

  HttpResponse thread = sb.Get("/v1/threads/" + run.at("thread_id").get<std::string>());
  CHECK(thread.json.at("status") == "completed");
}

TEST_CASE("cip_orchestrator default rejected records the rejection and completes at 14.8 s", "[http]") {
  SandboxProcess sb;
  const Json scenario = FixtureScenario("cip_orchestrator.json", "cip_orchestrator", "default");
  Json paused = PausedCipRun(sb);
  Resume(sb, paused, {{"decision", "reject"}, {"note", "hits need an analyst"}});

  Json run = GetRun(sb, paused.at("id"));
  CHECK(run.at("status") == "completed");
  CHECK(run.at("ended_at") == At("00:00:14.800"));
  CHECK(Timeline(run.at("steps")) ==
        Concat(kCipChecks,
               {
                   "review_proposals interrupt cip_orchestrator completed 00:00:13.500 00:00:13.500 []",
                   "record_rejection activity cip_orchestrator completed 00:00:13.500 00:00:13.800 [review_note]",
                   "cip_summary output cip_orchestrator completed 00:00:13.800 00:00:14.800 [cip_summary]",
               }));
  CheckLinkage(run);
  CheckMatchesFixture(run.at("steps"), scenario);
  CHECK(FindStep(run.at("steps"), "record_rejection").at("result") == Json{{"manual_review_required", true}});
  // Only output steps feed the output: the review note is not in it.
  CHECK(OutputTypes(run) == std::vector<std::string>{"cip_summary"});
}

TEST_CASE("cip_orchestrator sub_agent_failure is chosen by business_id and fails at 7 s with the TIN error", "[http]") {
  SandboxProcess sb;
  const Json scenario = FixtureScenario("cip_orchestrator.json", "cip_orchestrator", "sub_agent_failure");
  Json created = CreateRun(sb, {{"type", "cip_orchestrator"}, {"business_id", kDeadBusiness}});
  Json run = GetRun(sb, created.at("id"));

  CHECK(run.at("status") == "error");
  CHECK(run.at("error") == Json{{"message", "IRS TIN matching service unavailable"}});
  CHECK(run.at("output").is_null());
  CHECK(run.at("interrupts") == Json::array());
  CHECK(run.at("updated_at") == At("00:00:07.000"));
  CHECK(run.at("ended_at") == At("00:00:07.000"));
  // The error step works for its 2.5 s, then fails the run; the parent still
  // open ends in error too; nothing after it starts.
  CHECK(Timeline(run.at("steps")) ==
        Lines{
            "plan_verification activity cip_orchestrator completed 00:00:00.000 00:00:01.500 [plan]",
            "run_checks activity cip_orchestrator error 00:00:01.500 00:00:07.000 []",
            "  verify_sos_registration activity sos_filings completed 00:00:01.500 00:00:04.500 [sos_registration]",
            "  verify_tin error tin_verification error 00:00:04.500 00:00:07.000 []",
        });
  CheckLinkage(run);
  CheckMatchesFixture(run.at("steps"), scenario);
  CHECK(FindStep(run.at("steps"), "plan_verification").at("result").at("business_id") == kDeadBusiness);

  HttpResponse thread = sb.Get("/v1/threads/" + run.at("thread_id").get<std::string>());
  REQUIRE_STATUS(thread, 200);
  CHECK(thread.json.at("status") == "error");

  // A failed run takes no answer.
  HttpResponse resume = sb.Post("/v1/runs/" + run.at("id").get<std::string>() + "/resume",
                                R"({"interrupt_id":"intr_00000000000000000000000000000000","input":"approve"})");
  CHECK_STATUS(resume, 409);
}

TEST_CASE("X-Sandbox-Scenario wins over a matching rule", "[http]") {
  SandboxProcess sb;
  Json created =
      CreateRun(sb, {{"type", "cip_orchestrator"}, {"business_id", kDeadBusiness}}, ScenarioHeader("default"));
  Json run = GetRun(sb, created.at("id"));
  CHECK(run.at("status") == "interrupted");
  CHECK(Timeline(run.at("steps")) ==
        Concat(kCipChecks, {"review_proposals interrupt cip_orchestrator running 00:00:13.500 - []"}));
}

TEST_CASE("cip_orchestrator parallel_checks is chosen by context_type and overlaps the four checks", "[http]") {
  SandboxProcess sb;
  const Json scenario = FixtureScenario("cip_orchestrator.json", "cip_orchestrator", "parallel_checks");
  Json created =
      CreateRun(sb, {{"type", "cip_orchestrator"}, {"context_type", "parallel_demo"}, {"context_id", kBusiness}});
  const std::string run_id = created.at("id");
  Json run = GetRun(sb, run_id);

  CHECK(run.at("status") == "interrupted");
  CHECK(run.at("updated_at") == At("00:00:05.000"));
  const Lines checks = {
      "plan_verification activity cip_orchestrator completed 00:00:00.000 00:00:01.500 [plan]",
      "run_checks activity cip_orchestrator completed 00:00:01.500 00:00:05.000 []",
      "  verify_sos_registration activity sos_filings completed 00:00:01.500 00:00:04.500 [sos_registration]",
      "  verify_tin activity tin_verification completed 00:00:01.500 00:00:04.000 [tin_verification]",
      "  screen_watchlists activity watchlist_resolution completed 00:00:01.500 00:00:05.000 []",
      "    search_watchlists activity watchlist_resolution completed 00:00:01.500 00:00:03.500 []",
      "    analyze_watchlist_hits activity watchlist_resolution completed 00:00:03.500 00:00:05.000 [watchlist_review]",
      "  verify_address activity address_verification completed 00:00:01.500 00:00:04.500 []",
      "    standardize_address activity address_verification completed 00:00:01.500 00:00:02.700 "
      "[address_standardization]",
      "    check_registered_agent activity address_verification completed 00:00:02.700 00:00:04.500 "
      "[registered_agent_check]",
  };
  CHECK(Timeline(run.at("steps")) ==
        Concat(checks, {"review_proposals interrupt cip_orchestrator running 00:00:05.000 - []"}));
  CheckLinkage(run);
  CheckMatchesFixture(run.at("steps"), scenario);

  // The children of the parallel step overlap: each starts before any ends.
  const Json run_checks = FindStep(run.at("steps"), "run_checks");
  const Json& children = run_checks.at("steps");
  REQUIRE(children.size() == 4);
  for (const auto& a : children) {
    for (const auto& b : children) {
      INFO(a.at("name") << " / " << b.at("name"));
      CHECK(a.at("started_at").get<std::string>() < b.at("completed_at").get<std::string>());
    }
  }
  // No business_id in the request: the template renders empty.
  CHECK(FindStep(run.at("steps"), "plan_verification").at("result").at("business_id") == "");
  CHECK(run.at("interrupts")[0].at("value") == FixtureInterruptValue(scenario, "review_proposals"));

  // The approve branch is parallel too: both updates start at 5.0 s.
  Resume(sb, run, {{"decision", "approve"}});
  Json done = GetRun(sb, run_id);
  CHECK(done.at("status") == "completed");
  CHECK(done.at("ended_at") == At("00:00:07.000"));
  CHECK(Timeline(done.at("steps")) ==
        Concat(checks, {
                           "review_proposals interrupt cip_orchestrator completed 00:00:05.000 00:00:05.000 []",
                           "apply_proposals activity cip_orchestrator completed 00:00:05.000 00:00:06.000 []",
                           "  dismiss_watchlist_hits activity watchlist_resolution completed 00:00:05.000 "
                           "00:00:06.000 []",
                           "  update_addresses activity address_verification completed 00:00:05.000 00:00:05.800 []",
                           "cip_summary output cip_orchestrator completed 00:00:06.000 00:00:07.000 [cip_summary]",
                       }));
  REQUIRE(OutputTypes(done) == std::vector<std::string>{"cip_summary"});
  CHECK(done.at("output").at("artifacts")[0].at("summary") ==
        "Acme Lending LLC is an active Delaware LLC whose EIN matches IRS records; the reviewer answered approve to "
        "the watchlist and address proposals. Context parallel_demo " +
            std::string(kBusiness) + ", run " + run_id + ".");
}

TEST_CASE("cip_orchestrator auto_approved completes without an interrupt and resolves the review by policy", "[http]") {
  SandboxProcess sb;
  const Json scenario = FixtureScenario("cip_orchestrator.json", "cip_orchestrator", "auto_approved");
  Json created =
      CreateRun(sb, {{"type", "cip_orchestrator"}, {"business_id", kBusiness}}, ScenarioHeader("auto_approved"));
  Json run = GetRun(sb, created.at("id"));

  CHECK(run.at("status") == "completed");
  CHECK(run.at("interrupts") == Json::array());
  CHECK(run.at("ended_at") == At("00:00:16.300"));
  CHECK(Timeline(run.at("steps")) ==
        Concat(kCipChecks,
               {
                   "review_proposals interrupt cip_orchestrator completed 00:00:13.500 00:00:13.500 []",
                   "apply_proposals activity cip_orchestrator completed 00:00:13.500 00:00:15.300 []",
                   "  dismiss_watchlist_hits activity watchlist_resolution completed 00:00:13.500 00:00:14.500 []",
                   "  update_addresses activity address_verification completed 00:00:14.500 00:00:15.300 []",
                   "cip_summary output cip_orchestrator completed 00:00:15.300 00:00:16.300 [cip_summary]",
               }));
  CheckLinkage(run);
  CheckMatchesFixture(run.at("steps"), scenario);
  CHECK(FindStep(run.at("steps"), "review_proposals").at("result") == Json{{"resolution", "auto_approve"}});
  REQUIRE(OutputTypes(run) == std::vector<std::string>{"cip_summary"});
  CHECK(run.at("output").at("artifacts")[0].at("summary") ==
        "Acme Lending LLC is an active Delaware LLC whose EIN matches IRS records. The watchlist dismissals and "
        "address updates were applied by the auto_approve interrupt policy.");

  HttpResponse thread = sb.Get("/v1/threads/" + run.at("thread_id").get<std::string>());
  CHECK(thread.json.at("status") == "completed");
}

TEST_CASE("cip_orchestrator review_timeout waits in virtual time until the clock passes 24 h, then fails", "[http]") {
  SandboxProcess sb;
  const Json scenario = FixtureScenario("cip_orchestrator.json", "cip_orchestrator", "review_timeout");
  Json created =
      CreateRun(sb, {{"type", "cip_orchestrator"}, {"business_id", kBusiness}}, ScenarioHeader("review_timeout"));
  const std::string run_id = created.at("id");
  Json paused = GetRun(sb, run_id);
  CHECK(paused.at("status") == "interrupted");
  CHECK(paused.at("updated_at") == At("00:00:13.500"));
  const Lines checks = Concat(kCipChecks, {});
  CHECK(Timeline(paused.at("steps")) ==
        Concat(checks, {"review_proposals interrupt cip_orchestrator running 00:00:13.500 - []"}));
  CheckMatchesFixture(paused.at("steps"), scenario);
  // Nothing moves on its own: another request later sees the same run.
  CHECK(sb.Get("/_sandbox/clock").json.at("now") == At("00:00:13.500"));
  CHECK(GetRun(sb, run_id) == paused);

  Json advanced = Advance(sb, {{"by", "24h"}});
  CHECK(advanced.at("from") == At("00:00:13.500"));
  CHECK(advanced.at("now") == "2026-01-02T00:00:13.500Z");
  // The expiry fires at its own instant: 24 h after the pause.
  REQUIRE(advanced.at("fired").size() == 3);
  const std::vector<std::string> types = {"interrupt.expired", "step.completed", "run.failed"};
  for (size_t i = 0; i < 3; ++i) {
    const Json& e = advanced.at("fired")[i];
    INFO("fired " << i << ": " << e.dump());
    CHECK(e.at("run_id") == run_id);
    CHECK(e.at("type") == types[i]);
    CHECK(e.at("at") == "2026-01-02T00:00:13.500Z");
    if (i > 0) CHECK(e.at("seq") == advanced.at("fired")[i - 1].at("seq").get<int64_t>() + 1);
  }

  Json run = GetRun(sb, run_id);
  CHECK(run.at("status") == "error");
  CHECK(run.at("error") == Json{{"message", "approval_timeout"}});
  CHECK(run.at("output").is_null());
  CHECK(run.at("interrupts") == Json::array());
  CHECK(run.at("ended_at") == "2026-01-02T00:00:13.500Z");
  CHECK(Timeline(run.at("steps")) ==
        Concat(checks, {"review_proposals interrupt cip_orchestrator error 00:00:13.500 2026-01-02T00:00:13.500 []"}));
  CheckLinkage(run);

  HttpResponse late =
      sb.Post("/v1/runs/" + run_id + "/resume",
              Json{{"interrupt_id", paused.at("interrupts")[0].at("id")}, {"input", {{"decision", "approve"}}}}.dump());
  CHECK_STATUS(late, 409);
  CHECK(late.json.at("errors")[0].at("parameter") == "id");
  CHECK(GetRun(sb, run_id) == run);
}

TEST_CASE("cip_orchestrator review_timeout answered before the 24 h are up follows the branch", "[http]") {
  SandboxProcess sb;
  Json created =
      CreateRun(sb, {{"type", "cip_orchestrator"}, {"business_id", kBusiness}}, ScenarioHeader("review_timeout"));
  const std::string run_id = created.at("id");
  Json advanced = Advance(sb, {{"by", "23h"}});
  CHECK(advanced.at("fired") == Json::array());
  CHECK(advanced.at("now") == At("23:00:13.500"));
  Json paused = GetRun(sb, run_id);
  REQUIRE(paused.at("status") == "interrupted");

  Resume(sb, paused, {{"decision", "reject"}});
  Json run = GetRun(sb, run_id);
  CHECK(run.at("status") == "completed");
  CHECK(run.at("ended_at") == At("23:00:14.800"));
  CHECK(Timeline(run.at("steps")) ==
        Concat(kCipChecks, {
                               "review_proposals interrupt cip_orchestrator completed 00:00:13.500 23:00:13.500 []",
                               "record_rejection activity cip_orchestrator completed 23:00:13.500 23:00:13.800 []",
                               "cip_summary output cip_orchestrator completed 23:00:13.800 23:00:14.800 [cip_summary]",
                           }));
  CHECK(run.at("output").at("artifacts")[0].at("summary") ==
        "Acme Lending LLC is an active Delaware LLC whose EIN matches IRS records; the reviewer answered reject to the "
        "watchlist and address proposals.");
  // The answered interrupt no longer expires.
  CHECK(Advance(sb, {{"by", "2h"}}).at("fired") == Json::array());
  CHECK(GetRun(sb, run_id) == run);
}

// --- watchlist_resolution ------------------------------------------------------

TEST_CASE("watchlist_resolution default pauses on 2 hits and approve dismisses them", "[http]") {
  SandboxProcess sb;
  const Json scenario = FixtureScenario("watchlist_resolution.json", "watchlist_resolution", "default");
  Json created = CreateRun(sb, {{"type", "watchlist_resolution"}, {"business_id", kBusiness}});
  Json paused = GetRun(sb, created.at("id"));
  CHECK(paused.at("status") == "interrupted");
  CHECK(paused.at("updated_at") == At("00:00:06.100"));
  CHECK(Timeline(paused.at("steps")) == kWatchlistPaused);
  CheckMatchesFixture(paused.at("steps"), scenario);
  REQUIRE(paused.at("interrupts").size() == 1);
  CHECK(paused.at("interrupts")[0].at("agent") == "watchlist_resolution");
  CHECK(paused.at("interrupts")[0].at("value") == FixtureInterruptValue(scenario, "review_hits"));
  CHECK(FindStep(paused.at("steps"), "prepare_subject").at("result").at("business_id") == kBusiness);
  CHECK(FindStep(paused.at("steps"), "screen_ofac").at("result") == Json{{"list", "ofac"}, {"potential_hits", 1}});

  Resume(sb, paused, {{"decision", "approve"}});
  Json run = GetRun(sb, created.at("id"));
  CHECK(run.at("status") == "completed");
  CHECK(run.at("ended_at") == At("00:00:07.900"));
  CHECK(Timeline(run.at("steps")) ==
        Concat(kWatchlistScreening,
               {
                   "analyze_hits activity watchlist_resolution completed 00:00:04.100 00:00:06.100 "
                   "[watchlist_hit,watchlist_hit]",
                   "review_hits interrupt watchlist_resolution completed 00:00:06.100 00:00:06.100 []",
                   "dismiss_hits activity watchlist_resolution completed 00:00:06.100 00:00:07.100 "
                   "[watchlist_dismissal]",
                   "watchlist_review output watchlist_resolution completed 00:00:07.100 00:00:07.900 "
                   "[watchlist_review]",
               }));
  CheckLinkage(run);
  CheckMatchesFixture(run.at("steps"), scenario);
  CHECK(OutputTypes(run) == std::vector<std::string>{"watchlist_review"});
}

TEST_CASE("watchlist_resolution default rejected escalates the hits", "[http]") {
  SandboxProcess sb;
  const Json scenario = FixtureScenario("watchlist_resolution.json", "watchlist_resolution", "default");
  Json created = CreateRun(sb, {{"type", "watchlist_resolution"}, {"business_id", kBusiness}});
  Resume(sb, GetRun(sb, created.at("id")), {{"decision", "reject"}});
  Json run = GetRun(sb, created.at("id"));
  CHECK(run.at("status") == "completed");
  CHECK(run.at("ended_at") == At("00:00:07.200"));
  CHECK(Timeline(run.at("steps")) ==
        Concat(kWatchlistScreening,
               {
                   "analyze_hits activity watchlist_resolution completed 00:00:04.100 00:00:06.100 "
                   "[watchlist_hit,watchlist_hit]",
                   "review_hits interrupt watchlist_resolution completed 00:00:06.100 00:00:06.100 []",
                   "escalate_hits activity watchlist_resolution completed 00:00:06.100 00:00:06.400 [review_note]",
                   "watchlist_review output watchlist_resolution completed 00:00:06.400 00:00:07.200 "
                   "[watchlist_review]",
               }));
  CheckMatchesFixture(run.at("steps"), scenario);
  CHECK(FindStep(run.at("steps"), "escalate_hits").at("result") == Json{{"manual_review_required", true}});
  CHECK(OutputTypes(run) == std::vector<std::string>{"watchlist_review"});
}

TEST_CASE("Middesk actions answer the watchlist interrupt: a dismissal approves, a rejecting decision escalates",
          "[http]") {
  SandboxProcess sb;
  // First run: dismiss one of its hits.
  Json first = CreateRun(sb, {{"type", "watchlist_resolution"}, {"business_id", kBusiness}});
  Json paused = GetRun(sb, first.at("id"));
  REQUIRE(paused.at("status") == "interrupted");
  const std::string hit = FindStep(paused.at("steps"), "analyze_hits").at("artifacts")[0].at("id");
  HttpResponse dismissal = sb.Post("/v1/actions", Json{{"object_type", "watchlist_result"},
                                                       {"object_id", hit},
                                                       {"type", "dismissal"},
                                                       {"run_id", first.at("id")},
                                                       {"payload", {{"reason", "false_positive"}}},
                                                       {"note", "name similarity only"}}
                                                      .dump());
  REQUIRE_STATUS(dismissal, 201);
  CHECK(dismissal.json.at("created_at") == At("00:00:06.100"));
  Json approved = GetRun(sb, first.at("id"));
  CHECK(approved.at("status") == "completed");
  CHECK(approved.at("ended_at") == At("00:00:07.900"));
  CHECK(FindStep(approved.at("steps"), "dismiss_hits").at("completed_at") == At("00:00:07.100"));
  for (const auto& s : approved.at("steps")) CHECK(s.at("name") != "escalate_hits");

  // Second run, on the same virtual clock (it starts at 7.9 s): reject.
  Json second = CreateRun(sb, {{"type", "watchlist_resolution"}, {"business_id", kBusiness}});
  CHECK(second.at("created_at") == At("00:00:07.900"));
  REQUIRE(GetRun(sb, second.at("id")).at("status") == "interrupted");
  HttpResponse decision = sb.Post("/v1/actions", Json{{"object_type", "businesses"},
                                                      {"object_id", kBusiness},
                                                      {"type", "decision"},
                                                      {"run_id", second.at("id")},
                                                      {"payload", {{"status", "rejected"}}}}
                                                     .dump());
  REQUIRE_STATUS(decision, 201);
  Json rejected = GetRun(sb, second.at("id"));
  CHECK(rejected.at("status") == "completed");
  CHECK(rejected.at("ended_at") == At("00:00:15.100"));
  CHECK(FindStep(rejected.at("steps"), "escalate_hits").at("started_at") == At("00:00:14.000"));
  for (const auto& s : rejected.at("steps")) CHECK(s.at("name") != "dismiss_hits");
}

TEST_CASE("watchlist_resolution no_hits is chosen by business_id and completes without asking", "[http]") {
  SandboxProcess sb;
  const Json scenario = FixtureScenario("watchlist_resolution.json", "watchlist_resolution", "no_hits");
  Json created = CreateRun(sb, {{"type", "watchlist_resolution"}, {"business_id", kCleanBusiness}});
  Json run = GetRun(sb, created.at("id"));
  CHECK(run.at("status") == "completed");
  CHECK(run.at("interrupts") == Json::array());
  CHECK(run.at("ended_at") == At("00:00:04.900"));
  CHECK(
      Timeline(run.at("steps")) ==
      Concat(kWatchlistScreening,
             {"watchlist_review output watchlist_resolution completed 00:00:04.100 00:00:04.900 [watchlist_review]"}));
  CheckLinkage(run);
  CheckMatchesFixture(run.at("steps"), scenario);
  CHECK(FindStep(run.at("steps"), "prepare_subject").at("result") ==
        Json{{"business_id", kCleanBusiness},
             {"business_name", "Harbor Point Logistics LLC"},
             {"people", {"Elena Voss"}},
             {"jurisdiction", "US-OR"}});
  CHECK(FindStep(run.at("steps"), "screen_eu").at("result") ==
        Json{{"list", "eu_consolidated"}, {"potential_hits", 0}});
  REQUIRE(OutputTypes(run) == std::vector<std::string>{"watchlist_review"});
  // {{now}} is the instant the artifact was attached: the step's completion.
  CHECK(run.at("output").at("artifacts")[0].at("summary") ==
        "Harbor Point Logistics LLC and its 1 officer were screened against the OFAC, UN and EU lists on "
        "2026-01-01T00:00:04.900Z. No potential hits.");
}

// --- address_verification --------------------------------------------------------

TEST_CASE("address_verification default runs four steps and completes at 4.3 s with the address report", "[http]") {
  SandboxProcess sb;
  const Json scenario = FixtureScenario("address_verification.json", "address_verification", "default");
  Json created = CreateRun(sb, {{"type", "address_verification"}, {"business_id", kBusiness}});
  Json run = GetRun(sb, created.at("id"));
  CHECK(run.at("status") == "completed");
  CHECK(run.at("interrupts") == Json::array());
  CHECK(run.at("ended_at") == At("00:00:04.300"));
  CHECK(Timeline(run.at("steps")) ==
        Lines{
            "collect_addresses activity address_verification completed 00:00:00.000 00:00:00.600 []",
            "standardize_address activity address_verification completed 00:00:00.600 00:00:01.800 "
            "[address_standardization]",
            "check_registered_agent activity address_verification completed 00:00:01.800 00:00:03.600 "
            "[registered_agent_check]",
            "address_report output address_verification completed 00:00:03.600 00:00:04.300 [address_report]",
        });
  CheckLinkage(run);
  CheckMatchesFixture(run.at("steps"), scenario);
  CHECK(
      FindStep(run.at("steps"), "collect_addresses").at("result") ==
      Json{{"addresses",
            {"450 Commerce Way, Suite 300, Austin, TX 78701", "1500 Market Court, Suite 210, Wilmington, DE 19801"}}});
  REQUIRE(OutputTypes(run) == std::vector<std::string>{"address_report"});
  CHECK(run.at("output").at("artifacts")[0] == FindStep(run.at("steps"), "address_report").at("artifacts")[0]);
  CHECK(run.at("output").at("artifacts")[0].at("sources").size() == 3);
}

// --- kyb_research_assistant (Modus task agent, run through Middesk) ----------------
//
// Its message, tool and notice texts (where {{request.message}} is rendered)
// are not part of the Middesk Step object; through Middesk only the scenario
// choice and the steps show.

TEST_CASE("kyb_research_assistant default answers a registration question and completes at 3.7 s", "[http]") {
  SandboxProcess sb;
  const Json scenario = FixtureScenario("kyb_research_assistant.json", "kyb_research_assistant", "default");
  Json created = CreateRun(sb, {{"type", "kyb_research_assistant"},
                                {"business_id", kBusiness},
                                {"message", "Is Acme Lending LLC in good standing in Delaware?"}});
  Json run = GetRun(sb, created.at("id"));
  CHECK(run.at("status") == "completed");
  CHECK(run.at("ended_at") == At("00:00:03.700"));
  CHECK(Timeline(run.at("steps")) ==
        Lines{
            "plan_research activity kyb_research_assistant completed 00:00:00.000 00:00:00.300 []",
            "search_registry activity kyb_research_assistant completed 00:00:00.300 00:00:01.500 []",
            "compose_answer activity kyb_research_assistant completed 00:00:01.500 00:00:03.500 []",
            "registry_answer output kyb_research_assistant completed 00:00:03.500 00:00:03.700 [registry_answer]",
        });
  CheckLinkage(run);
  CheckMatchesFixture(run.at("steps"), scenario);
  CHECK(FindStep(run.at("steps"), "plan_research").at("result") ==
        Json{{"intent", "registration_status"}, {"entity", "Acme Lending LLC"}, {"jurisdictions", {"DE", "TX"}}});
  CHECK(OutputTypes(run) == std::vector<std::string>{"registry_answer"});
}

TEST_CASE("kyb_research_assistant tool_failure is chosen by a message naming Nevada or NV and fails after 30 s",
          "[http]") {
  const Json scenario = FixtureScenario("kyb_research_assistant.json", "kyb_research_assistant", "tool_failure");
  for (const char* message : {"Is Acme Lending LLC registered in Nevada?", "Any filings in NV for Acme?"}) {
    INFO(message);
    SandboxProcess sb;
    Json created =
        CreateRun(sb, {{"type", "kyb_research_assistant"}, {"business_id", kBusiness}, {"message", message}});
    Json run = GetRun(sb, created.at("id"));
    CHECK(run.at("status") == "error");
    CHECK(run.at("error") ==
          Json{{"message", "search_registry failed: the Nevada business registry did not answer within 30 s"}});
    CHECK(run.at("output").is_null());
    CHECK(run.at("ended_at") == At("00:00:30.300"));
    CHECK(Timeline(run.at("steps")) ==
          Lines{
              "plan_research activity kyb_research_assistant completed 00:00:00.000 00:00:00.300 []",
              "search_registry activity kyb_research_assistant completed 00:00:00.300 00:00:30.300 []",
              "registry_unavailable error kyb_research_assistant error 00:00:30.300 00:00:30.300 []",
          });
    CheckMatchesFixture(run.at("steps"), scenario);
    CHECK(FindStep(run.at("steps"), "plan_research").at("result") ==
          Json{{"intent", "registration_status"}, {"jurisdictions", {"NV"}}});
  }
}

TEST_CASE("kyb_research_assistant tool_failure's rule is case-sensitive and matches whole words only", "[http]") {
  // \b(Nevada|NV)\b: neither "nevada" nor "NVIDIA" matches; no message at all
  // makes the rule fail too.
  for (const Json& body : {Json{{"type", "kyb_research_assistant"}, {"business_id", kBusiness}, {"message", "nevada?"}},
                           Json{{"type", "kyb_research_assistant"}, {"business_id", kBusiness}, {"message", "NVIDIA"}},
                           Json{{"type", "kyb_research_assistant"}, {"business_id", kBusiness}}}) {
    INFO(body.dump());
    SandboxProcess sb;
    Json created = CreateRun(sb, body);
    Json run = GetRun(sb, created.at("id"));
    CHECK(run.at("status") == "completed");
    CHECK(run.at("ended_at") == At("00:00:03.700"));
  }
}

// --- onboarding_review_workflow (Modus workflow agent, run through Middesk) --------

TEST_CASE("onboarding_review_workflow default pauses at the compliance approval at 3.5 s", "[http]") {
  SandboxProcess sb;
  const Json scenario = FixtureScenario("onboarding_review_workflow.json", "onboarding_review_workflow", "default");
  Json created = CreateRun(sb, {{"type", "onboarding_review_workflow"}, {"business_id", kBusiness}});
  Json run = GetRun(sb, created.at("id"));
  CHECK(run.at("status") == "interrupted");
  CHECK(run.at("updated_at") == At("00:00:03.500"));
  CHECK(Timeline(run.at("steps")) == kOnboardingPaused);
  CheckLinkage(run);
  CheckMatchesFixture(run.at("steps"), scenario);
  REQUIRE(run.at("interrupts").size() == 1);
  // The value has no "agent": the interrupt has none either.
  CHECK_FALSE(run.at("interrupts")[0].contains("agent"));
  CHECK(run.at("interrupts")[0].at("value") == FixtureInterruptValue(scenario, "compliance_approval"));
  CHECK(FindStep(run.at("steps"), "score_risk").at("result") ==
        Json{{"risk_score", 62},
             {"risk_level", "medium"},
             {"factors", {"2 name-similarity watchlist hits", "registered-agent address in Delaware"}}});
  CHECK_FALSE(FindStep(run.at("steps"), "fetch_business_data").contains("result"));
}

TEST_CASE("onboarding_review_workflow approved records the decision and the note, then notifies", "[http]") {
  SandboxProcess sb;
  Json created = CreateRun(sb, {{"type", "onboarding_review_workflow"}, {"business_id", kBusiness}});
  Resume(sb, GetRun(sb, created.at("id")), {{"decision", "approve"}, {"note", "documents on file"}});
  Json run = GetRun(sb, created.at("id"));
  CHECK(run.at("status") == "completed");
  CHECK(run.at("ended_at") == At("00:00:04.000"));
  CHECK(run.at("output") == Json{{"artifacts", Json::array()}});
  CHECK(Timeline(run.at("steps")) ==
        Lines{
            "fetch_business_data activity onboarding_review_workflow completed 00:00:00.000 00:00:02.000 []",
            "score_risk activity onboarding_review_workflow completed 00:00:02.000 00:00:03.500 []",
            "compliance_approval interrupt onboarding_review_workflow completed 00:00:03.500 00:00:03.500 []",
            "record_approval activity onboarding_review_workflow completed 00:00:03.500 00:00:03.700 []",
            "notify_team activity onboarding_review_workflow completed 00:00:03.700 00:00:04.000 []",
        });
  CHECK(FindStep(run.at("steps"), "record_approval").at("result") ==
        Json{{"decision", "approve"}, {"note", "documents on file"}});
}

TEST_CASE("onboarding_review_workflow rejected records the rejection, a missing note rendering empty", "[http]") {
  SandboxProcess sb;
  Json created = CreateRun(sb, {{"type", "onboarding_review_workflow"}, {"business_id", kBusiness}});
  Resume(sb, GetRun(sb, created.at("id")), {{"decision", "reject"}});
  Json run = GetRun(sb, created.at("id"));
  CHECK(run.at("status") == "completed");
  CHECK(run.at("ended_at") == At("00:00:04.000"));
  CHECK(Timeline(run.at("steps")) ==
        Lines{
            "fetch_business_data activity onboarding_review_workflow completed 00:00:00.000 00:00:02.000 []",
            "score_risk activity onboarding_review_workflow completed 00:00:02.000 00:00:03.500 []",
            "compliance_approval interrupt onboarding_review_workflow completed 00:00:03.500 00:00:03.500 []",
            "record_rejection activity onboarding_review_workflow completed 00:00:03.500 00:00:03.700 []",
            "notify_team activity onboarding_review_workflow completed 00:00:03.700 00:00:04.000 []",
        });
  CHECK(FindStep(run.at("steps"), "record_rejection").at("result") == Json{{"decision", "reject"}, {"note", ""}});
}

TEST_CASE("onboarding_review_workflow unanswered for 2 h escalates to a senior officer and completes", "[http]") {
  SandboxProcess sb;
  const Json scenario = FixtureScenario("onboarding_review_workflow.json", "onboarding_review_workflow", "default");
  Json created = CreateRun(sb, {{"type", "onboarding_review_workflow"}, {"business_id", kBusiness}});
  const std::string run_id = created.at("id");
  Json paused = GetRun(sb, run_id);
  REQUIRE(paused.at("status") == "interrupted");

  // Just short of the timeout nothing happens.
  Json early = Advance(sb, {{"by", "7199999ms"}});
  CHECK(early.at("fired") == Json::array());
  CHECK(early.at("now") == At("02:00:03.499"));
  CHECK(GetRun(sb, run_id) == paused);

  Json advanced = Advance(sb, {{"by", "1ms"}});
  CHECK(advanced.at("from") == At("02:00:03.499"));
  REQUIRE_FALSE(advanced.at("fired").empty());
  const Json& expiry = advanced.at("fired")[0];
  CHECK(expiry.at("run_id") == run_id);
  CHECK(expiry.at("type") == "interrupt.expired");
  CHECK(expiry.at("at") == At("02:00:03.500"));

  Json run = GetRun(sb, run_id);
  CHECK(run.at("status") == "completed");
  CHECK(run.at("interrupts") == Json::array());
  CHECK(run.at("ended_at") == At("02:00:04.300"));
  CHECK(run.at("output") == Json{{"artifacts", Json::array()}});
  CHECK(Timeline(run.at("steps")) ==
        Lines{
            "fetch_business_data activity onboarding_review_workflow completed 00:00:00.000 00:00:02.000 []",
            "score_risk activity onboarding_review_workflow completed 00:00:02.000 00:00:03.500 []",
            "compliance_approval interrupt onboarding_review_workflow error 00:00:03.500 02:00:03.500 []",
            "escalate_to_senior activity onboarding_review_workflow completed 02:00:03.500 02:00:04.000 []",
            "notify_team activity onboarding_review_workflow completed 02:00:04.000 02:00:04.300 []",
        });
  CheckLinkage(run);
  CheckMatchesFixture(run.at("steps"), scenario);
  CHECK(FindStep(run.at("steps"), "escalate_to_senior").at("result") ==
        Json{{"escalated_to", "senior-compliance"}, {"reason", "approval_timeout"}});

  HttpResponse late =
      sb.Post("/v1/runs/" + run_id + "/resume",
              Json{{"interrupt_id", paused.at("interrupts")[0].at("id")}, {"input", {{"decision", "approve"}}}}.dump());
  CHECK_STATUS(late, 409);
}

TEST_CASE("onboarding_review_workflow advanced by 2h in one step expires the approval and runs the escalation",
          "[http]") {
  SandboxProcess sb;
  Json created = CreateRun(sb, {{"type", "onboarding_review_workflow"}, {"business_id", kBusiness}});
  REQUIRE(GetRun(sb, created.at("id")).at("status") == "interrupted");
  Json advanced = Advance(sb, {{"by", "2h"}});
  CHECK(advanced.at("from") == At("00:00:03.500"));
  REQUIRE_FALSE(advanced.at("fired").empty());
  CHECK(advanced.at("fired")[0].at("type") == "interrupt.expired");
  CHECK(advanced.at("fired")[0].at("at") == At("02:00:03.500"));
  Json run = GetRun(sb, created.at("id"));
  CHECK(run.at("status") == "completed");
  CHECK(run.at("ended_at") == At("02:00:04.300"));
  CHECK(FindStep(run.at("steps"), "compliance_approval").at("status") == "error");
  CHECK(FindStep(run.at("steps"), "escalate_to_senior").at("status") == "completed");
}

// --- templates and determinism -------------------------------------------------------

TEST_CASE("templates render the request's business_id and the run id into results and the CIP summary", "[http]") {
  // A business other than the one the fixture prose names, so the rendered
  // text cannot come from the fixture.
  const std::string business = "3f2a9b7c-1d4e-4a5b-8c6d-7e8f9a0b1c2d";
  SandboxProcess sb;
  Json paused = PausedCipRun(sb, business);
  const std::string run_id = paused.at("id");
  CHECK(FindStep(paused.at("steps"), "plan_verification").at("result").at("business_id") == business);
  Resume(sb, paused, {{"decision", "approve"}});
  Json run = GetRun(sb, run_id);
  REQUIRE(OutputTypes(run) == std::vector<std::string>{"cip_summary"});
  CHECK(run.at("output").at("artifacts")[0].at("summary") ==
        kCipDefaultSummaryPrefix + business + ", run " + run_id + ".");
  // A second run renders its own id.
  Json second = PausedCipRun(sb, business);
  Resume(sb, second, {{"decision", "reject"}});
  Json done = GetRun(sb, second.at("id"));
  CHECK(second.at("id") != run_id);
  CHECK(done.at("output").at("artifacts")[0].at("summary") ==
        kCipDefaultSummaryPrefix + business + ", run " + second.at("id").get<std::string>() + ".");
}

namespace {

// One fixed request sequence on a fresh process: the raw bodies of every answer.
std::vector<std::string> ParallelChecksBodies() {
  SandboxProcess sb;
  std::vector<std::string> bodies;
  auto keep = [&bodies](const HttpResponse& r, int status) {
    REQUIRE_STATUS(r, status);
    bodies.push_back(r.body);
    return r.json;
  };
  Json created = keep(
      sb.Post("/v1/runs",
              Json{{"type", "cip_orchestrator"}, {"context_type", "parallel_demo"}, {"context_id", kBusiness}}.dump()),
      201);
  const std::string path = "/v1/runs/" + created.at("id").get<std::string>();
  Json paused = keep(sb.Get(path + "?include=steps"), 200);
  keep(
      sb.Post(path + "/resume?include=steps",
              Json{{"interrupt_id", paused.at("interrupts")[0].at("id")}, {"input", {{"decision", "approve"}}}}.dump()),
      200);
  keep(sb.Get(path + "?include=steps"), 200);
  Json failed =
      keep(sb.Post("/v1/runs", Json{{"type", "cip_orchestrator"}, {"business_id", kDeadBusiness}}.dump()), 201);
  keep(sb.Get("/v1/runs/" + failed.at("id").get<std::string>() + "?include=steps"), 200);
  return bodies;
}

}  // namespace

TEST_CASE("a scenario run in two fresh processes gives byte-identical step trees", "[http]") {
  std::vector<std::string> first = ParallelChecksBodies();
  std::vector<std::string> second = ParallelChecksBodies();
  REQUIRE(first.size() == 6);
  REQUIRE(second.size() == 6);
  for (size_t i = 0; i < first.size(); ++i) {
    INFO("response " << i);
    CHECK(first[i] == second[i]);
  }
  // The bodies are the full trees, not something trivially equal.
  CHECK(Json::parse(first[3]).at("status") == "completed");
  CHECK(Json::parse(first[5]).at("status") == "error");
}

}  // namespace http_scenarios_test
