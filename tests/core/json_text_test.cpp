// JsonText: the same bytes as nlohmann's dump(), for every kind of value; and
// JsonObject, members in the order given.
#include <catch2/catch.hpp>

#include <random>

#include "core/json_object.h"
#include "core/json_text.h"

namespace core_json_text_test {

using namespace sandbox;

namespace {

// A random value of every JSON kind, with strings that need escapes or hold
// UTF-8 as often as plain ones.
Json RandomValue(std::mt19937_64& rng, int depth) {
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); };
  static const std::vector<std::string> kStrings = {
      "",          "plain text", "quote \" inside", "back\\slash", "new\nline\ttab\r\b\f", "\x01\x1f control",
      "caf\xc3\xa9", "\xe2\x82\xac 10", "\xf0\x9f\x98\x80", "del \x7f", "/slash/",        "{\"looks\":\"json\"}"};
  switch (depth > 3 ? pick(7) : pick(9)) {
    case 0: return nullptr;
    case 1: return pick(2) == 0;
    case 2: return static_cast<int64_t>(rng()) >> pick(64);
    case 3: return static_cast<uint64_t>(rng());
    case 4: {
      static const std::vector<double> kFloats = {0.0, -0.0, 1.0, 0.1, 1e300, -2.5e-8, 123456.789, 3.0};
      return kFloats[pick(static_cast<int>(kFloats.size()))];
    }
    case 5:
    case 6: return kStrings[pick(static_cast<int>(kStrings.size()))];
    case 7: {
      Json a = Json::array();
      for (int i = pick(4); i > 0; --i) a.push_back(RandomValue(rng, depth + 1));
      return a;
    }
    default: {
      Json o = Json::object();
      for (int i = pick(4); i > 0; --i) o[kStrings[pick(static_cast<int>(kStrings.size()))]] = RandomValue(rng, depth + 1);
      return o;
    }
  }
}

}  // namespace

TEST_CASE("JSON text is byte for byte what dump() writes", "[core]") {
  CHECK(JsonText(Json{{"b", 1}, {"a", {true, nullptr, "x"}}}) == R"({"b":1,"a":[true,null,"x"]})");
  CHECK(JsonText(Json::object()) == "{}");
  CHECK(JsonText(Json::array()) == "[]");
  CHECK(JsonText(Json(-9223372036854775807LL - 1)) == "-9223372036854775808");
  CHECK(JsonText(Json(18446744073709551615ULL)) == "18446744073709551615");
  CHECK(JsonText(Json("tab\there")) == "\"tab\\there\"");
  CHECK(JsonText(Json("\x01")) == "\"\\u0001\"");
  CHECK(JsonText(Json(1.0)) == "1.0");

  std::mt19937_64 rng(20261201);
  for (int i = 0; i < 2000; ++i) {
    Json v = RandomValue(rng, 0);
    INFO(v.dump());
    REQUIRE(JsonText(v) == v.dump());
  }
}

TEST_CASE("JSON strings: every byte at every place of a string is written as dump() writes it", "[core]") {
  // Plain strings are copied as they are: a byte that needs an escape, or
  // is not ASCII, must be seen wherever it stands.
  int checked = 0;
  int mismatched = 0;
  for (size_t length = 1; length <= 20; ++length) {
    for (size_t at = 0; at < length; ++at) {
      for (int byte = 0; byte < 256; ++byte) {
        std::string s(length, 'a');
        s[at] = static_cast<char>(byte);
        std::string expected;
        try {
          expected = Json(s).dump();
        } catch (const nlohmann::ordered_json::type_error&) {
          expected = "(refused)";  // a lone byte of 0x80 or above is not UTF-8
        }
        std::string got;
        try {
          AppendJsonString(got, s);
        } catch (const nlohmann::ordered_json::type_error&) {
          got = "(refused)";
        }
        ++checked;
        if (got != expected) {
          ++mismatched;
          UNSCOPED_INFO("length " << length << ", byte " << byte << " at " << at << ": " << got);
        }
      }
    }
  }
  CHECK(checked == 210 * 256);
  CHECK(mismatched == 0);
}

TEST_CASE("JSON text refuses invalid UTF-8 as dump() does", "[core]") {
  Json bad = Json{{"k", std::string("\xc3(")}};
  CHECK_THROWS_AS(bad.dump(), nlohmann::ordered_json::type_error);
  CHECK_THROWS_AS(JsonText(bad), nlohmann::ordered_json::type_error);
}

TEST_CASE("JSON text appends after what is there", "[core]") {
  std::string out = "7\t";
  AppendJsonText(out, Json{{"k", "v"}});
  CHECK(out == "7\t{\"k\":\"v\"}");
}

TEST_CASE("JsonObject holds its members in the order given, as the initializer-list object does", "[core]") {
  const std::string id = "step_1";
  Json parent = nullptr;
  const Json built = JsonObject("step_id", id, "parent_step_id", std::move(parent), "ordinal", size_t{3}, "status",
                                "completed", "nested", JsonObject("b", 1, "a", 2.5), "list", Json::array({1, "x"}));
  const Json listed = {{"step_id", id}, {"parent_step_id", nullptr}, {"ordinal", size_t{3}},
                       {"status", "completed"}, {"nested", {{"b", 1}, {"a", 2.5}}}, {"list", {1, "x"}}};
  CHECK(built == listed);
  CHECK(built.dump() ==
        R"({"step_id":"step_1","parent_step_id":null,"ordinal":3,"status":"completed","nested":{"b":1,"a":2.5},)"
        R"("list":[1,"x"]})");
  CHECK(JsonObject() == Json::object());
  CHECK(JsonObject("k", 1, "k", 2).dump() == R"({"k":1})");  // a repeated key keeps its first value
}

}  // namespace core_json_text_test
