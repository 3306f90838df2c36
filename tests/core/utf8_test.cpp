// UTF-8 validity (issue 10): the byte sequences RFC 3629 forbids, by name.
#include <catch2/catch.hpp>

#include "core/json_depth.h"
#include "core/utf8.h"

namespace core_utf8_test {

using namespace sandbox;

TEST_CASE("well-formed UTF-8 is valid, from ASCII to four-byte sequences", "[core]") {
  for (const char* ok :
       {"", "plain ascii", "caf\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\xEF\xBF\xBF", "\xF4\x8F\xBF\xBF"}) {
    INFO(ok);
    CHECK(IsValidUtf8(ok));
  }
  CHECK(IsValidUtf8(std::string("a\0b", 3)));  // NUL is a character; headers refuse it elsewhere
}

TEST_CASE("ill-formed UTF-8 is found at its first bad byte", "[core]") {
  struct Case {
    std::string text;
    size_t offset;
  };
  const Case cases[] = {
      {"\xFF", 0},                      // never a UTF-8 byte
      {"ab\x80", 2},                    // a lone continuation byte
      {"\xC3", 0},                      // truncated two-byte sequence
      {"\xC0\xAF", 0},                  // overlong "/"
      {"\xE0\x80\xAF", 0},              // overlong three-byte
      {"\xED\xA0\x80", 0},              // a UTF-16 surrogate
      {"\xF4\x90\x80\x80", 0},          // past U+10FFFF
      {"\xF0\x9F\x98", 0},              // truncated four-byte sequence
      {"ok \xE2\x82\xAC \xC3\x28", 7},  // a bad second byte after good text
  };
  for (const auto& c : cases) {
    INFO(c.text);
    CHECK(FirstInvalidUtf8(c.text) == c.offset);
  }
}

TEST_CASE("scrubbing replaces each bad byte with U+FFFD and keeps the rest", "[core]") {
  CHECK(ScrubUtf8("a\xFF"
                  "b") ==
        "a\xEF\xBF\xBD"
        "b");
  CHECK(ScrubUtf8("caf\xC3\xA9") == "caf\xC3\xA9");
  CHECK(IsValidUtf8(ScrubUtf8("\xC0\xAF\xED\xA0\x80")));
}

TEST_CASE("JSON depth is measured outside strings only", "[core]") {
  CHECK(JsonDepthWithin("{}", 1));
  CHECK_FALSE(JsonDepthWithin("{\"a\":[]}", 1));
  CHECK(JsonDepthWithin("{\"a\":[]}", 2));
  CHECK(JsonDepthWithin("{\"a\":\"[[[[[[\"}", 1));    // brackets in a string
  CHECK(JsonDepthWithin("{\"a\":\"\\\"[[[[\"}", 1));  // after an escaped quote, still in the string
  CHECK_FALSE(JsonDepthWithin(std::string(100000, '['), 64));
  CHECK(JsonDepthWithin(std::string(64, '[') + std::string(64, ']'), 64));
  CHECK_FALSE(JsonDepthWithin(std::string(65, '[') + std::string(65, ']'), 64));
}

}  // namespace core_utf8_test
