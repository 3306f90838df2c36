// ClosestMatch: the "did you mean" rule (OSA distance, length-scaled limit,
// first candidate wins ties, no suggestion for an exact match).
#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

#include "script/suggest.h"

namespace script_suggest_test {

using sandbox::script::ClosestMatch;

TEST_CASE("ClosestMatch suggests near misses only", "[script]") {
  struct Row {
    std::string word;
    std::vector<std::string> candidates;
    std::optional<std::string> want;
  };
  const std::vector<Row> rows = {
      {"aprove", {"approve", "reject"}, "approve"},
      {"lable", {"name", "label"}, "label"},
      {"xyz", {"name", "label"}, std::nullopt},
      {"teh", {"then", "the"}, "the"},  // transposition counts 1
      {"recieve", {"receive"}, "receive"},
      {"name", {"name", "names"}, std::nullopt},      // exact match: nothing to suggest
      {"cat", {"bat", "hat"}, "bat"},                 // tie: first candidate
      {"ab", {"abcd"}, std::nullopt},                 // short word: limit 1
      {"dscriptin", {"description"}, "description"},  // limit 2
      {"dscrptin", {"description"}, std::nullopt},    // distance 3
      {"anything", {}, std::nullopt},
  };
  for (const Row& r : rows) {
    INFO(r.word);
    CHECK(ClosestMatch(r.word, r.candidates) == r.want);
  }
}

}  // namespace script_suggest_test
