// What a fixture text must satisfy before nlohmann parses it (issue 10).
// nlohmann's parser accepts 100,000 levels of nesting, but the value it
// builds is copied, printed and compared recursively, so a deep file kills the
// process later; it throws out_of_range (not parse_error) for 1e400; and its
// ordered_json is quadratic in the members of one object. This scan measures
// those things first, in one pass, without recursion, in time linear in the
// text, and names the first breach with the JSON pointer of the value it is
// in, so the message reads like every other fixture error.
//
// It is not a parser: it follows strings, brackets, commas and colons only
// far enough to know where it is. Malformed text is the parser's to report;
// on it the scan may name an odd pointer, but never reads out of bounds.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace sandbox::script {

struct PrescanProblem {
  size_t offset = 0;    // the byte where the problem is
  std::string pointer;  // RFC 6901, "" for the root; valid UTF-8
  std::string message;  // valid UTF-8, what was expected
};

// The first of these, in text order, or nullopt when there is none:
// - a byte that is not well-formed UTF-8 (anywhere, strings or not);
// - arrays and objects nested deeper than limits::kMaxJsonDepth;
// - a string longer than limits::kMaxStringBytes, a key longer than
//   limits::kMaxKeyBytes (decoded bytes);
// - an object with more than limits::kMaxObjectMembers members;
// - a number that is not a finite double (1e400, a 400-digit integer).
std::optional<PrescanProblem> PrescanJson(std::string_view text);

}  // namespace sandbox::script
