// The loader against hostile fixtures (issue 10): every limit of
// script/limits.h is an error naming file, line, column and pointer; numbers
// out of range are refused before they are converted; `matches` rules run on
// RE2; nothing a file holds crashes the loader or makes it hang. Large inputs
// are generated here (tests/script/broken/ holds the small ones).
#include <catch2/catch.hpp>

#include <re2/re2.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/utf8.h"
#include "hostile_fixtures.h"  // beside this file
#include "script/loader.h"
#include "script/match_regex.h"

namespace script_limits_test {

using namespace sandbox;
using namespace sandbox::script;

namespace {

const IdGenerator kIds(0);

std::string ErrorOf(const std::string& text) {
  auto r = ParseFixtureText(text, "f.json", kIds);
  return r.ok() ? "(loaded)" : r.status().message();
}

// "f.json:1:COL" for the `nth` (0-based) occurrence of `needle` in a one-line `text`.
std::string At(const std::string& text, const std::string& needle, size_t nth = 0) {
  size_t pos = text.find(needle);
  for (size_t i = 0; i < nth && pos != std::string::npos; ++i) pos = text.find(needle, pos + 1);
  REQUIRE(pos != std::string::npos);
  return "f.json:1:" + std::to_string(pos + 1);
}

// One agent "a" with these scenarios (a JSON array's contents) and extra agent keys.
std::string AgentWith(const std::string& scenarios, const std::string& extra = "") {
  return R"({"agents":[{"type":"a","name":"A","description":"d",)" + extra + R"("scenarios":[)" + scenarios + "]}]}";
}

std::string ScenarioWith(const std::string& steps, const std::string& extra = "", const std::string& name = "s") {
  return R"({"name":")" + name + R"(",)" + extra + R"("steps":[)" + steps + "]}";
}

const std::string kStep = R"({"name":"x","label":"X"})";

// "f.json:1:COL" for the value after `key` (`"name":`) in a one-line `text`.
std::string ValueAt(const std::string& text, const std::string& key) {
  size_t pos = text.find(key);
  REQUIRE(pos != std::string::npos);
  return "f.json:1:" + std::to_string(pos + key.size() + 1);
}

std::string Joined(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + items[i];
  return out;
}

std::string Repeated(const std::string& item, size_t n, const std::string& separator = ",") {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += (i ? separator : "") + item;
  return out;
}

std::string WithDuration(const std::string& duration) {
  return AgentWith(ScenarioWith(R"({"name":"x","label":"X","duration":)" + duration + "}"));
}

const std::string kDurationHelp =
    "expected a duration such as \"250ms\", \"2s\", \"1.5m\", \"1h\" or a number of milliseconds, got ";

}  // namespace

TEST_CASE("each generated hostile fixture gives exactly its one error line", "[script]") {
  for (const auto& h : testing::AllHostileFixtures()) {
    INFO(h.name);
    CHECK(ErrorOf(h.text) == testing::ExpectedFor(h, "f.json"));
  }
}

TEST_CASE("durations out of range are refused before any conversion", "[script]") {
  struct Case {
    std::string duration;
    std::string message;  // empty: loads
  };
  const std::string kTooLong = "duration too long: at most 365 days (31536000000 ms), got ";
  const std::string digits(400, '9');
  const std::vector<Case> cases = {
      {"18446744073709551615", kTooLong + "18446744073709551615"},  // UINT64_MAX: once wrapped to -1
      {"9223372036854775808", kTooLong + "9223372036854775808"},
      {"31536000001", kTooLong + "31536000001"},
      {"31536000000", ""},
      {R"("8761h")", kTooLong + R"("8761h")"},
      {R"("8760h")", ""},
      {"\"" + digits + "s\"", kTooLong + "\"" + std::string(79, '9') + "..."},
      {"-1", kDurationHelp + "-1"},
      {"1.5", kDurationHelp + "1.5"},
      {"99999999999999999999", kDurationHelp + "1e+20"},  // beyond uint64: a float
      {R"("1e3s")", kDurationHelp + R"("1e3s")"},
      {R"("-5s")", kDurationHelp + R"("-5s")"},
      {R"("0.4ms")", ""},  // rounds to 0: a duration may be zero
  };
  for (const auto& c : cases) {
    INFO(c.duration.substr(0, 40));
    std::string text = WithDuration(c.duration);
    CHECK(ErrorOf(text) == (c.message.empty() ? "(loaded)"
                                              : ValueAt(text, "\"duration\":") +
                                                    ": /agents/0/scenarios/0/steps/0/duration: " + c.message));
  }
}

TEST_CASE("timeouts, schedules, retries and Modus ids are checked for range", "[script]") {
  const std::string ask =
      R"({"name":"ask","label":"Ask","type":"interrupt","interrupt":{"value":{},"timeout":"0.4ms"}})";
  std::string text = AgentWith(ScenarioWith(ask));
  CHECK(ErrorOf(text) == At(text, "\"0.4ms\"") +
                             ": /agents/0/scenarios/0/steps/0/interrupt/timeout: expected a "
                             "duration above zero");

  text = AgentWith(ScenarioWith(kStep, R"("retries":[{"after":"0s"},{"after":31536000001}],)"));
  CHECK(ErrorOf(text) == At(text, "31536000001") +
                             ": /agents/0/scenarios/0/retries/1/after: duration too long: at most 365 days "
                             "(31536000000 ms), got 31536000001");

  struct Modus {
    std::string modus;
    std::string needle;
    std::string message;  // empty: loads
  };
  const std::string kId = "/agents/0/modus/id: expected an integer from 1 to 9007199254740991";
  const std::vector<Modus> cases = {
      {R"({"id":0,"agent_type":"task"})", "0,", kId},
      {R"({"id":-5,"agent_type":"task"})", "-5", kId},
      {R"({"id":1.5,"agent_type":"task"})", "1.5", kId},
      {R"({"id":9007199254740992,"agent_type":"task"})", "9007", kId},
      {R"({"id":18446744073709551615,"agent_type":"task"})", "1844", kId},
      {R"({"id":99999999999999999999,"agent_type":"task"})", "9999", kId},
      {R"({"id":9007199254740991,"agent_type":"task"})", "", ""},
      {R"({"id":1,"agent_type":"task","triggers":[{"type":"schedule","every":0}]})", "0}",
       "/agents/0/modus/triggers/0/every: expected a duration above zero"},
      {R"({"id":1,"agent_type":"task","triggers":[{"type":"schedule","every":"9000h"}]})", "\"9000h\"",
       "/agents/0/modus/triggers/0/every: duration too long: at most 365 days (31536000000 ms), got \"9000h\""},
      {R"({"id":1,"agent_type":"task","triggers":[{"type":"schedule","every":"1h","start":"1969-12-31T23:59:59Z"}]})",
       "\"1969", "/agents/0/modus/triggers/0/start: expected a time from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z"},
      {R"({"id":1,"agent_type":"task","triggers":[{"type":"schedule","every":"1h","start":"1900-01-01T00:00:00Z"}]})",
       "\"1900", "/agents/0/modus/triggers/0/start: expected a time from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z"},
      {R"({"id":1,"agent_type":"task","triggers":[{"type":"schedule","every":"1h","start":"9999-12-31T23:59:59Z"}]})",
       "", ""},
  };
  for (const auto& c : cases) {
    INFO(c.modus);
    std::string t = AgentWith(ScenarioWith(kStep), R"("modus":)" + c.modus + ",");
    CHECK(ErrorOf(t) == (c.message.empty() ? "(loaded)" : At(t, c.needle) + ": " + c.message));
  }
}

TEST_CASE("counts: steps, nesting, interrupts, rules, retries, scenarios and agents", "[script]") {
  SECTION("10,001 steps") {
    std::string text = AgentWith(ScenarioWith(Repeated(kStep, 10001)));
    CHECK(ErrorOf(text) ==
          At(text, kStep, 10000) + ": /agents/0/scenarios/0/steps/10000: more than 10000 steps in one scenario");
    CHECK(ErrorOf(AgentWith(ScenarioWith(Repeated(kStep, 10000)))) == "(loaded)");
  }
  SECTION("steps nested 17 deep, children or branches") {
    std::string steps = kStep;
    std::string pointer = "/agents/0/scenarios/0/steps/0";
    for (int i = 1; i < 17; ++i) {
      steps = R"({"name":"x","label":"X","steps":[)" + steps + "]}";
      pointer += "/steps/0";
    }
    std::string text = AgentWith(ScenarioWith(steps));
    CHECK(ErrorOf(text) == At(text, kStep) + ": " + pointer + ": steps nested more than 16 levels deep");
    // 16 levels load.
    CHECK(ErrorOf(AgentWith(ScenarioWith(steps.substr(steps.find("[") + 1, steps.rfind("]") - steps.find("[") - 1)))) ==
          "(loaded)");
    // A branch step is one level below its interrupt step: an interrupt,
    // a branch step, then 15 levels of children.
    std::string inner = steps.substr(steps.find("[") + 1, steps.rfind("]") - steps.find("[") - 1);
    inner = inner.substr(inner.find("[") + 1, inner.rfind("]") - inner.find("[") - 1);  // 15 levels
    std::string branchy =
        R"({"name":"q","label":"Q","type":"interrupt","interrupt":{"value":{},"branches":{"approve":[{"name":"b","label":"B","steps":[)" +
        inner + "]}]}}}";
    text = AgentWith(ScenarioWith(branchy));
    std::string expected_pointer = "/agents/0/scenarios/0/steps/0/interrupt/branches/approve/0";
    for (int i = 0; i < 15; ++i) expected_pointer += "/steps/0";
    CHECK(ErrorOf(text) == At(text, kStep) + ": " + expected_pointer + ": steps nested more than 16 levels deep");
  }
  SECTION("101 interrupt steps") {
    const std::string ask = R"({"name":"q","label":"Q","type":"interrupt","interrupt":{"value":{}}})";
    std::string text = AgentWith(ScenarioWith(Repeated(ask, 101)));
    CHECK(ErrorOf(text) ==
          At(text, ask, 100) + ": /agents/0/scenarios/0/steps/100: more than 100 interrupt steps in one scenario");
    CHECK(ErrorOf(AgentWith(ScenarioWith(Repeated(ask, 100)))) == "(loaded)");
  }
  SECTION("a scenario whose branches multiply past the program limit") {
    // Each interrupt has three ways on (approve, reject, default), and each
    // repeats everything after it: 3^12 segments.
    const std::string ask =
        R"({"name":"q","label":"Q","type":"interrupt","interrupt":{"value":{},"branches":{"approve":[],"reject":[]}}})";
    std::string text = AgentWith(ScenarioWith(Repeated(ask, 12)));
    CHECK(ErrorOf(text) == At(text, "{\"name\":\"s\"") +
                               ": /agents/0/scenarios/0: the scenario compiles to more than 50000 instructions (each "
                               "branch of an interrupt repeats every step after it)");
  }
  SECTION("33 match rules; 257 regular expressions in all") {
    const std::string rule = R"({"field":"f","equals":1})";
    std::string text = AgentWith(ScenarioWith(kStep, R"("match":[)" + Repeated(rule, 33) + "],"));
    CHECK(ErrorOf(text) == At(text, "[{\"field\"") + ": /agents/0/scenarios/0/match: more than 32 rules");
    const std::string regex = R"({"field":"f","matches":"^x"})";
    std::vector<std::string> scenarios;
    for (int i = 0; i < 9; ++i) {
      scenarios.push_back(ScenarioWith(kStep, R"("match":[)" + Repeated(regex, 32) + "],", "s" + std::to_string(i)));
    }
    text = AgentWith(Joined(scenarios));
    CHECK(ErrorOf(text) == At(text, "\"^x\"", 256) +
                               ": /agents/0/scenarios/8/match/0/matches: more than 256 \"matches\" rules in all "
                               "fixture files");
  }
  SECTION("101 retries") {
    std::string text = AgentWith(ScenarioWith(kStep, R"("retries":[)" + Repeated(R"({"after":"1s"})", 101) + "],"));
    CHECK(ErrorOf(text) == At(text, "[{\"after\"") + ": /agents/0/scenarios/0/retries: more than 100 retries");
  }
  SECTION("1,001 scenarios in an agent; 1,001 agents") {
    std::string many;
    for (int i = 0; i < 1001; ++i) many += (i ? "," : "") + ScenarioWith(kStep, "", "s" + std::to_string(i));
    std::string text = AgentWith(many);
    CHECK(ErrorOf(text) == At(text, "[{\"name\":\"s0\"") + ": /agents/0/scenarios: more than 1000 scenarios");
    std::string agents;
    for (int i = 0; i < 1001; ++i) {
      agents += (i ? "," : "") + std::string(R"({"type":"a)") + std::to_string(i) +
                R"(","name":"A","description":"d","scenarios":[)" + ScenarioWith(kStep) + "]}";
    }
    text = R"({"agents":[)" + agents + "]}";
    CHECK(ErrorOf(text) ==
          At(text, "{\"type\":\"a1000\"") + ": /agents/1000: more than 1000 agents in all fixture files");
  }
}

TEST_CASE("what all the files compile to together is bounded", "[script]") {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / "agent-sandbox-limits-test-instructions";
  fs::remove_all(dir);
  fs::create_directories(dir);
  // A 65,536-byte message of 32,768 words: 32,771 instructions a scenario.
  std::string message;
  for (int i = 0; i < 32768; ++i) message += "a ";
  const std::string step = R"({"name":"x","label":"X","message":")" + message + "\"}";
  auto file = [&](const std::string& type, int scenarios) {
    std::string all;
    for (int i = 0; i < scenarios; ++i) all += (i ? "," : "") + ScenarioWith(step, "", "s" + std::to_string(i));
    return R"({"agents":[{"type":")" + type + R"(","name":"A","description":"d","scenarios":[)" + all + "]}]}";
  };
  std::ofstream(dir / "a.json") << file("a", 31);
  const std::string b = file("b", 31);
  std::ofstream(dir / "b.json") << b;
  auto r = LoadFixtures(dir.string(), kIds);
  REQUIRE_FALSE(r.ok());
  // 31 + 31 scenarios of 32,771: the 62nd passes 2,000,000.
  size_t offset = 0;
  for (int i = 0; i <= 30; ++i) offset = b.find("{\"name\":\"s", offset + 1);
  CHECK(r.status().message() == (dir / "b.json").string() + ":1:" + std::to_string(offset + 1) +
                                    ": /agents/0/scenarios/30: all the scenarios together compile to more than 2000000 "
                                    "instructions");
  fs::remove_all(dir);
}

TEST_CASE("file limits: size of one, of all, how many, names that are not UTF-8", "[script]") {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / "agent-sandbox-limits-test-files";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string good = AgentWith(ScenarioWith(kStep));

  SECTION("a file over 4 MiB, in memory or on disk") {
    std::string big = good + std::string(4u << 20, ' ');
    CHECK(ErrorOf(big) == "f.json:1:1: /: a fixture file larger than 4194304 bytes (4 MiB)");
    std::ofstream(dir / "big.json") << big;
    auto r = LoadFixtures(dir.string(), kIds);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message() ==
          (dir / "big.json").string() + ":1:1: /: a fixture file larger than 4194304 bytes (4 MiB)");
  }
  SECTION("more than 16 MiB in all") {
    for (int i = 0; i < 5; ++i) {
      std::ofstream(dir / ("f" + std::to_string(i) + ".json")) << good << std::string(3600000, ' ');
    }
    auto r = LoadFixtures(dir.string(), kIds);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message() == dir.string() + ": the fixture files hold more than 16777216 bytes together");
  }
  SECTION("257 files") {
    for (int i = 0; i < 257; ++i) std::ofstream(dir / ("f" + std::to_string(i) + ".json")) << "{}";
    auto r = LoadFixtures(dir.string(), kIds);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message() == dir.string() + ": more than 256 .json fixture files in this folder");
  }
  SECTION("a file name that is not UTF-8 is shown with U+FFFD") {
    std::ofstream(dir / "bad\xFF.json") << "";
    auto r = LoadFixtures(dir.string(), kIds);
    REQUIRE_FALSE(r.ok());
    CHECK(IsValidUtf8(r.status().message()));
    CHECK(r.status().message() == dir.string() +
                                      "/bad\xEF\xBF\xBD.json:1:1: syntax error while parsing value - "
                                      "unexpected end of input; expected '[', '{', or a literal");
  }
  fs::remove_all(dir);
}

TEST_CASE("messages stay one line of valid UTF-8 and bounded, whatever they echo", "[script]") {
  // A key with a newline and a control character: escaped in pointer and message.
  std::string text = AgentWith(ScenarioWith(R"({"name":"x","label":"X","a\nb\u0001":1})"));
  CHECK(ErrorOf(text) == At(text, "\"a\\nb") +
                             ": /agents/0/scenarios/0/steps/0: unknown key \"a\\nb\\u0001\" (expected one of: name, "
                             "label, type, agent, duration, artifacts, result, steps, parallel, message, tool, notice, "
                             "interrupt, error)");
  // A 60,000-character enum value is echoed in 80 bytes.
  std::string long_type(60000, 'z');
  text = AgentWith(ScenarioWith(R"({"name":"x","label":"X","type":")" + long_type + "\"}"));
  CHECK(ErrorOf(text) == At(text, "\"zzz") +
                             ": /agents/0/scenarios/0/steps/0/type: expected one of activity, output, "
                             "interrupt, error, got \"" +
                             std::string(80, 'z') + "...\"");
  // 150 problems: the first 100 with their positions, then a count.
  std::string keys;
  for (int i = 0; i < 150; ++i) keys += R"(,"k)" + std::to_string(i) + R"(":1)";
  std::string many = ErrorOf(AgentWith(ScenarioWith(R"({"name":"x","label":"X")" + keys + "}")));
  CHECK(std::count(many.begin(), many.end(), '\n') == 100);
  CHECK(many.substr(many.rfind('\n') + 1) == "f.json:1:1: /: 50 more problems not shown (the first 100 are above)");
}

TEST_CASE("matches rules run on RE2: compiled at load, linear, refused when RE2 cannot run them", "[script]") {
  auto selected = [](const std::string& pattern, const std::string& input) -> std::string {
    auto r = ParseFixtureText(
        AgentWith(
            ScenarioWith(kStep, R"("match":[{"field":"input","matches":)" + Json(pattern).dump() + "}],", "rule") +
            "," + ScenarioWith(kStep, "", "fallback")),
        "f.json", kIds);
    if (!r.ok()) return r.status().message();
    return r.value().agents[0].SelectScenario(Json{{"input", input}}).name;
  };
  // The pattern that took std::regex a second at 25 characters: RE2 matches
  // 10,000 at once (no assertion on time: it simply returns).
  const std::string as(10000, 'a');
  CHECK(selected("^(a+)+$", as) == "rule");
  CHECK(selected("^(a+)+$", as + "b") == "fallback");
  CHECK(selected("^(a|aa)*$", as) == "rule");
  // A search, as before: anchors say where.
  CHECK(selected("^urgent", "urgent: please") == "rule");
  CHECK(selected("please$", "urgent: please") == "rule");
  CHECK(selected("\\b(Nevada|NV)\\b", "an NV filing") == "rule");
  CHECK(selected("\\b(Nevada|NV)\\b", "ENVELOPE") == "fallback");
  CHECK(selected("(?i)nevada", "NEVADA") == "rule");
  // A field longer than 16 KiB never matches.
  CHECK(selected("a", std::string(16384, 'a')) == "rule");
  CHECK(selected("a", std::string(16385, 'a')) == "fallback");

  struct Refused {
    std::string pattern;
    std::string message;
  };
  const std::vector<Refused> refused = {
      {"(unclosed", "invalid regular expression (RE2 syntax): missing ): (unclosed"},
      {"(a)\\1", "invalid regular expression (RE2 syntax): invalid escape sequence: \\1 (RE2 has no backreferences)"},
      {"x(?=y)",
       "invalid regular expression (RE2 syntax): invalid perl operator: (?= (RE2 has no lookahead or "
       "lookbehind)"},
      {"x(?!y)",
       "invalid regular expression (RE2 syntax): invalid perl operator: (?! (RE2 has no lookahead or "
       "lookbehind)"},
      {"x(?<!y)",
       "invalid regular expression (RE2 syntax): invalid perl operator: (?< (RE2 has no lookahead or "
       "lookbehind)"},
      {"(?<n>x)",
       "invalid regular expression (RE2 syntax): invalid perl operator: (?< (write a named group as "
       "(?P<name>...))"},
      {"a{1001}", "invalid regular expression (RE2 syntax): invalid repetition size: {1001}"},
      {"[\\p{L}\\p{N}]{1,50}",
       "regular expression too complex: it compiles to 67003 instructions, more than 2000 "
       "(large counted repetitions such as {1,500} cost the most)"},
      {std::string(1025, 'a'), "a regular expression longer than 1024 bytes"},
  };
  for (const auto& c : refused) {
    INFO(c.pattern.substr(0, 40));
    std::string text =
        AgentWith(ScenarioWith(kStep, R"("match":[{"field":"input","matches":)" + Json(c.pattern).dump() + "}],"));
    CHECK(ErrorOf(text) == ValueAt(text, "\"matches\":") + ": /agents/0/scenarios/0/match/0/matches: " + c.message);
  }
  // The same compile the loader uses, directly.
  CHECK(CompileMatchPattern("^(a+)+$").ok());
  auto re = CompileMatchPattern("^(a+)+$");
  CHECK(SearchMatch(*re.value(), std::string(10000, 'a')));
}

TEST_CASE("a scenario stored with a run keeps its compiled match rules when parsed again", "[script]") {
  auto r = ParseFixtureText(AgentWith(ScenarioWith(kStep, R"("match":[{"field":"input","matches":"^urgent"}],)")),
                            "f.json", kIds);
  REQUIRE(r.ok());
  auto again = ParseScenario(r.value().agents[0].scenarios[0].source, "a");
  REQUIRE(again.ok());
  REQUIRE(again.value().match.size() == 1);
  CHECK(again.value().match[0].regex != nullptr);
  CHECK(again.value().Matches(Json{{"input", "urgent: now"}}));
  CHECK_FALSE(again.value().Matches(Json{{"input", "not urgent"}}));
  // A run stored by an older version may hold a pattern RE2 refuses: the run
  // is still recovered, and the rule (never evaluated again) never matches.
  Json old = r.value().agents[0].scenarios[0].source;
  old["match"][0]["matches"] = "^urgent(?=:)";
  auto stored = ParseScenario(old, "a");
  REQUIRE(stored.ok());
  CHECK(stored.value().match[0].regex == nullptr);
  CHECK_FALSE(stored.value().Matches(Json{{"input", "urgent: now"}}));
}

}  // namespace script_limits_test
