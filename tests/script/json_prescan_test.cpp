// The measurements taken before a fixture text is parsed (issue 10): each
// kind of breach is found at the right byte with the right pointer, and
// malformed text (the parser's to report) never trips the scan.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "script/json_prescan.h"

namespace script_json_prescan_test {

using namespace sandbox::script;

namespace {

// "OFFSET POINTER: MESSAGE", or "ok".
std::string Describe(const std::string& text) {
  auto p = PrescanJson(text);
  if (!p) return "ok";
  return std::to_string(p->offset) + " " + (p->pointer.empty() ? "/" : p->pointer) + ": " + p->message;
}

std::string Zeros(int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += "/0";
  return out;
}

std::string Nested(int levels) {
  return std::string(static_cast<size_t>(levels), '[') + std::string(static_cast<size_t>(levels), ']');
}

}  // namespace

TEST_CASE("texts within the limits pass the prescan, malformed or not", "[script]") {
  const std::vector<std::string> fine = {
      "",
      "{}",
      "\xEF\xBB\xBF{\"a\": [1, -2.5e3, 1e308, -1e308, 0.0000000001e-400]}",
      Nested(64),
      "{\"caf\xC3\xA9\": \"\xF0\x9F\x98\x80\"}",
      "{\"a\": \"\\ud83d\\ude00 \\\" \\\\ ]]]]\"}",  // brackets in strings do not count
      "{\"a\": ",                                    // truncated
      "]]]]}}}{[",                                   // unbalanced
      "{\"a\": -}",                                  // a lone minus is the parser's problem
      "\"unterminated",
      "{\"a\": 1 \"b\": [1 2]}",
  };
  for (const auto& text : fine) {
    INFO(text);
    CHECK(Describe(text) == "ok");
  }
}

TEST_CASE("each limit of the prescan is reported at its byte with its pointer", "[script]") {
  struct Case {
    std::string text;
    std::string expected;
  };
  const std::string long_key(257, 'k');
  std::string members = "{";
  for (int i = 0; i < 257; ++i) members += (i ? ",\"m" : "\"m") + std::to_string(i) + "\":0";
  members += "}";
  const std::vector<Case> cases = {
      {Nested(65), "64 " + Zeros(64) + ": arrays and objects nested more than 64 levels deep"},
      {"{\"a\": [1, {\"b~/\": 1e400}]}", "18 /a/1/b~0~1: number out of range: 1e400"},
      {"[-1e400]", "1 /0: number out of range: -1e400"},
      {"[" + std::string(400, '9') + "]", "1 /0: number out of range: " + std::string(80, '9') + "..."},
      {"{\"a\": \"x\xFFy\"}", "8 /a: invalid UTF-8 (byte 0xFF); fixture files must be UTF-8"},
      {"{\"x\xC0\": 1}", "3 /: invalid UTF-8 (byte 0xC0); fixture files must be UTF-8"},
      {"[1, \xED\xA0\x80]", "4 /1: invalid UTF-8 (byte 0xED); fixture files must be UTF-8"},  // a surrogate
      {"{\"a\": \"" + std::string(65537, 's') + "\"}", "6 /a: a string longer than 65536 bytes"},
      {"{\"a\": \"" + std::string(65536, 's') + "\"}", "ok"},
      // Escapes count as the bytes they stand for: 32769 x "\u00e9" is 65538 bytes.
      {"[\"" +
           [] {
             std::string s;
             for (int i = 0; i < 32769; ++i) s += "\\u00e9";
             return s;
           }() +
           "\"]",
       "1 /0: a string longer than 65536 bytes"},
      {"{\"" + long_key + "\": 1}", "1 /: a key longer than 256 bytes"},
      {"{\"" + long_key.substr(1) + "\": 1}", "ok"},
      {members, std::to_string(members.find("\"m256\"")) + " /: an object with more than 256 members"},
      // Keys decode escapes; a lone surrogate shows as U+FFFD.
      {"{\"\\u00e9\\ud800\": [1e999]}", "18 /\xC3\xA9\xEF\xBF\xBD/0: number out of range: 1e999"},
  };
  for (const auto& c : cases) {
    INFO(c.text.substr(0, 120));
    CHECK(Describe(c.text) == c.expected);
  }
}

TEST_CASE("the prescan reports the first breach in text order", "[script]") {
  // A deep array before an invalid byte: the depth comes first ...
  CHECK(Describe(Nested(70) + "\xFF").rfind("64 /0/0", 0) == 0);
  // ... and an invalid byte before anything else wins.
  CHECK(Describe("[\"\xFF\", 1e400]") == "2 /0: invalid UTF-8 (byte 0xFF); fixture files must be UTF-8");
}

TEST_CASE("the prescan is linear and flat: 10 MB of brackets or quotes", "[script]") {
  // Correctness only; the point is that it returns (no recursion, no blow-up).
  std::string deep(10'000'000, '[');
  CHECK(PrescanJson(deep).has_value());
  std::string quotes(10'000'000, '"');
  CHECK_FALSE(PrescanJson(quotes).has_value());
  std::string escapes = "[\"" + std::string(10'000'000, '\\');
  CHECK(PrescanJson(escapes).has_value());  // longer than a string may be
}

}  // namespace script_json_prescan_test
