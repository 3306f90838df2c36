// Hostile fixture texts (issue 10), shared by the loader's unit tests, the
// `agent-sandbox validate` tests and the hot-reload tests, so that all three
// check the same files against the same expected line. The big ones (100,000
// levels of nesting, a 100,000-character regex, steps nested 20,000 deep) are
// generated here rather than committed; tests/script/broken/ holds the small
// ones.
//
// Each case is one line of ASCII (except the invalid byte), so a column is
// an offset plus one. `expected` is the one line the loader reports, with
// "FILE" where the file's path goes.
#pragma once

#include <string>
#include <vector>

namespace sandbox::testing {

struct HostileFixture {
  std::string name;  // also a file name: NAME.json
  std::string text;
  std::string expected;  // "FILE:1:COL: /pointer: message"
};

inline std::string Column(size_t offset) { return std::to_string(offset + 1); }

// An agent "hostile" whose one scenario's steps are `steps` (a JSON array).
inline std::string HostileAgent(const std::string& steps, const std::string& scenario_extra = "") {
  return R"({"agents": [{"type": "hostile", "name": "Hostile", "description": "d", "scenarios": [{"name": "default", )" +
         scenario_extra + R"("steps": )" + steps + "}]}]}";
}

inline HostileFixture NumberOutOfRange() {
  std::string text = HostileAgent(R"([{"name": "s", "label": "S", "duration": 1e400}])");
  return {
      "number_1e400", text,
      "FILE:1:" + Column(text.find("1e400")) + ": /agents/0/scenarios/0/steps/0/duration: number out of range: 1e400"};
}

inline HostileFixture DeepNesting(int levels = 100000) {
  const std::string head = R"({"agents": )";
  std::string text =
      head + std::string(static_cast<size_t>(levels), '[') + std::string(static_cast<size_t>(levels), ']') + "}";
  // The root object is level 1, so the 64th '[' is level 65.
  std::string pointer = "/agents";
  for (int i = 0; i < 63; ++i) pointer += "/0";
  return {
      "deep_nesting", text,
      "FILE:1:" + Column(head.size() + 63) + ": " + pointer + ": arrays and objects nested more than 64 levels deep"};
}

inline HostileFixture HugeRegex(size_t length = 100000) {
  std::string text = HostileAgent(R"([{"name": "s", "label": "S"}])", R"("match": [{"field": "input", "matches": ")" +
                                                                          std::string(length, 'a') + R"("}], )");
  return {"huge_regex", text,
          "FILE:1:" + Column(text.find("\"aaaa")) +
              ": /agents/0/scenarios/0/match/0/matches: a string longer than 65536 bytes"};
}

inline HostileFixture DeepSteps(int levels = 20000) {
  const std::string open = R"([{"name": "s", "label": "S", "steps": )";
  std::string steps;
  size_t offending = 0;
  // Levels: root 1, agents 2, agent 3, scenarios 4, scenario 5, then each
  // steps array and step object one more: the 30th step object is level 65.
  const std::string head = HostileAgent("");
  const size_t steps_at = head.size() - std::string("}]}]}").size();
  std::string pointer = "/agents/0/scenarios/0";
  for (int i = 0; i < levels; ++i) {
    if (i == 29) offending = steps_at + steps.size() + 1;
    if (i < 30) pointer += "/steps/0";
    steps += open;
  }
  steps += "[]";
  for (int i = 0; i < levels; ++i) steps += "}]";
  std::string text = HostileAgent(steps);
  return {"deep_steps", text,
          "FILE:1:" + Column(offending) + ": " + pointer + ": arrays and objects nested more than 64 levels deep"};
}

inline HostileFixture InvalidUtf8() {
  std::string text = HostileAgent(R"([{"name": "s", "label": "caf)"
                                  "\xC3\x28"
                                  R"("}])");
  return {"invalid_utf8", text,
          "FILE:1:" + Column(text.find('\xC3')) +
              ": /agents/0/scenarios/0/steps/0/label: invalid UTF-8 (byte 0xC3); fixture files must be UTF-8"};
}

inline HostileFixture Truncated() {
  std::string whole = HostileAgent(R"([{"name": "s", "label": "S"}])");
  std::string text = whole.substr(0, whole.find("\"description\"") + 5);  // ... "desc
  return {"truncated", text,
          "FILE:1:" + Column(text.size()) +
              ": syntax error while parsing object key - invalid string: missing closing quote; last read: "
              "'\"desc'; expected string literal"};
}

inline HostileFixture Empty() {
  return {"empty", "",
          "FILE:1:1: syntax error while parsing value - unexpected end of input; expected '[', '{', or a literal"};
}

inline std::vector<HostileFixture> AllHostileFixtures() {
  return {NumberOutOfRange(), DeepNesting(), HugeRegex(), DeepSteps(), InvalidUtf8(), Truncated(), Empty()};
}

// `expected` with FILE replaced by `file`.
inline std::string ExpectedFor(const HostileFixture& h, const std::string& file) {
  std::string out = h.expected;
  out.replace(0, 4, file);
  return out;
}

}  // namespace sandbox::testing
