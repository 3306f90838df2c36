// LocatePointer: exact line:column for found values, keys, and the nearest
// existing ancestor when the pointer goes past the document; malformed text
// never crashes.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "script/json_locator.h"

namespace script_json_locator_test {

using namespace sandbox::script;

namespace {

struct Case {
  std::string pointer;
  bool key = false;
  std::string want;  // "LINE:COL"
};

std::string Where(const std::string& text, const std::string& pointer, bool key = false) {
  TextPosition p = LocatePointer(text, pointer, key);
  return std::to_string(p.line) + ":" + std::to_string(p.column);
}

void CheckAll(const std::string& text, const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    INFO("pointer " << c.pointer << (c.key ? " (key)" : ""));
    CHECK(Where(text, c.pointer, c.key) == c.want);
  }
}

const std::string kDoc = R"({
  "agents": [
    {"type": "a", "name": "A"},
    {"type": "b", "steps": [1, 2, {"x": true}]}
  ],
  "a/b": {"m~n": null},
  "esc\"q": "v",
  "\u0041bc": -1.5e3,
  "s": "{[\"]}",
  "after": false
}
)";

}  // namespace

TEST_CASE("locator finds values in a nested document", "[script]") {
  CheckAll(kDoc, {
                     {"", false, "1:1"},
                     {"/", false, "1:1"},
                     {"/agents", false, "2:13"},
                     {"/agents/0", false, "3:5"},
                     {"/agents/0/name", false, "3:27"},
                     {"/agents/1/steps/1", false, "4:32"},
                     {"/agents/1/steps/2/x", false, "4:41"},
                     {"/a~1b/m~0n", false, "6:18"},  // ~1 is '/', ~0 is '~'
                     {"/esc\"q", false, "7:13"},     // key written with \"
                     {"/Abc", false, "8:15"},        // key written with \u0041
                     {"/s", false, "9:8"},
                     {"/after", false, "10:12"},  // braces and quotes inside "s" are skipped
                 });
}

TEST_CASE("locator falls back to the deepest existing value", "[script]") {
  CheckAll(kDoc, {
                     {"/agents/0/label", false, "3:5"},  // missing key -> its object
                     {"/agents/5", false, "2:13"},       // index out of range -> the array
                     {"/agents/1/steps/9/x", false, "4:28"},
                     {"/agents/-", false, "2:13"},
                     {"/agents/01", false, "2:13"},  // leading zero is not an index
                     {"/agents/x", false, "2:13"},
                     {"/agents/0/name/x", false, "3:27"},  // a scalar in the way
                     {"/nope/deeper", false, "1:1"},
                 });
}

TEST_CASE("locator returns the key for key_position", "[script]") {
  CheckAll(kDoc, {
                     {"/agents/0/name", true, "3:19"},
                     {"/after", true, "10:3"},
                     {"/esc\"q", true, "7:3"},
                     {"/agents/1", true, "4:5"},        // array element: no key, the value
                     {"/agents/0/label", true, "3:5"},  // missing: the parent object
                     {"", true, "1:1"},
                 });
}

TEST_CASE("locator counts CRLF and lone CR as one line break", "[script]") {
  const std::string crlf = "{\r\n  \"a\": 1,\r\n\r\n  \"b\": [\r\n    true\r\n  ]\r\n}\r\n";
  CheckAll(crlf, {
                     {"/a", false, "2:8"},
                     {"/b", false, "4:8"},
                     {"/b", true, "4:3"},
                     {"/b/0", false, "5:5"},
                 });
  CHECK(Where("{\r\"a\": 1}", "/a") == "2:6");
}

TEST_CASE("locator columns count code points, tabs as one", "[script]") {
  struct Row {
    std::string text, pointer, want;
  };
  const std::vector<Row> rows = {
      {"{\"名前\": \"é\", \"x\": 1}", "/名前", "1:8"},
      {"{\"名前\": \"é\", \"x\": 1}", "/x", "1:18"},
      {"{\"k\": \"😀😀\", \"y\": 2}", "/y", "1:18"},
      {"{\"\\u00e9t\\u00e9\": 3}", "/été", "1:19"},  // escaped key matches UTF-8 token
      {"{\"\\ud83d\\ude00\": 4}", "/😀", "1:18"},     // surrogate pair
      {"{\t\"t\":\t5}", "/t", "1:8"},
      {"\xEF\xBB\xBF{\"a\": 1}", "/a", "1:7"},  // a BOM takes no column
      {"\xEF\xBB\xBF{\"a\": 1}", "", "1:1"},
  };
  for (const Row& r : rows) {
    INFO(r.text << " @ " << r.pointer);
    CHECK(Where(r.text, r.pointer) == r.want);
  }
}

TEST_CASE("locator survives malformed and truncated text", "[script]") {
  struct Row {
    std::string text, pointer, want;
  };
  const std::vector<Row> rows = {
      {"{\"a\": {\"b\": 1", "/a/b", "1:13"},
      {"{\"a\": {\"b\": 1", "/a/c", "1:7"},
      {"{\"a\": \"unterminated", "/a", "1:7"},
      {"{\"a\": \"unterminated", "/b", "1:1"},
      {"{\"a\" 1}", "/a", "1:1"},
      {"{\"a\": }", "/a", "1:1"},
      {"[1, 2,", "/1", "1:5"},
      {"[1, 2,", "/2", "1:1"},
      {"{\"a\\", "/a", "1:1"},
      {"{\"a\": \"\\u12", "/a", "1:7"},
      {"", "/a", "1:1"},
      {"   ", "", "1:4"},
      {"}}]]::,,\"\"\\\\", "/0/a", "1:1"},
  };
  for (const Row& r : rows) {
    INFO(r.text << " @ " << r.pointer);
    CHECK(Where(r.text, r.pointer) == r.want);
  }

  // Every prefix of a real document, with every pointer: no crash, sane output.
  const std::vector<std::string> pointers = {"", "/agents/1/steps/2/x", "/a~1b/m~0n", "/after", "/s", "/agents/9"};
  for (std::size_t n = 0; n <= kDoc.size(); ++n) {
    for (const std::string& p : pointers) {
      TextPosition pos = LocatePointer(kDoc.substr(0, n), p, n % 2 == 0);
      CHECK((pos.line >= 1 && pos.column >= 1));
    }
  }
}

TEST_CASE("locator handles very deep nesting without recursion", "[script]") {
  const int depth = 100000;
  std::string text = "{\"deep\": " + std::string(depth, '[') + std::string(depth, ']') + ", \"k\": 1}";
  CHECK(Where(text, "/k") == "1:" + std::to_string(17 + 2 * depth));
  std::string pointer = "/deep";
  for (int i = 0; i < 1000; ++i) pointer += "/0";
  CHECK(Where(text, pointer) == "1:" + std::to_string(10 + 1000));
  CHECK(Where(std::string(depth, '['), pointer) == "1:1");  // unclosed
}

TEST_CASE("FormatPosition renders file:line:col", "[script]") {
  CHECK(FormatPosition("fixtures/cip.json", {3, 5}) == "fixtures/cip.json:3:5");
  CHECK(FormatPosition("f.json", TextPosition{}) == "f.json:1:1");
}

}  // namespace script_json_locator_test
