// The regular expressions of `matches` rules (issue 10). std::regex
// backtracks: `^(a+)+$` took a second per request on 25 characters and
// doubled with each one more. RE2 runs in time linear in the input for any
// pattern, without backreferences or lookaround, which it refuses. A pattern
// is compiled once, when its fixture is loaded, within the limits of
// limits.h (pattern length, program size, memory); a request field longer
// than limits::kMaxMatchInputBytes never matches, so the cost of one match
// has a fixed ceiling. RE2 objects are safe to share between threads.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

namespace re2 {
class RE2;
}

namespace sandbox::script {

// The compiled pattern, or InvalidArgument with a message for the user
// ("invalid regular expression (RE2 syntax): missing ): (unclosed").
Result<std::shared_ptr<const re2::RE2>> CompileMatchPattern(const std::string& pattern);

// True when `re` matches somewhere in `text` (a search, not a full match:
// anchor the pattern with ^...$ for that), as the ECMAScript regex_search
// that came before did. False when `text` is longer than
// limits::kMaxMatchInputBytes.
bool SearchMatch(const re2::RE2& re, std::string_view text);

}  // namespace sandbox::script
