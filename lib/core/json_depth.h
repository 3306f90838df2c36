// How deeply a JSON text nests, measured before anything parses it (issue
// 10): nlohmann's parser accepts any depth, but copying, printing and
// destroying a value recurse once per level, so 100,000 nested brackets
// overflow the stack. Every JSON text from outside (a request body, a page
// token, a fixture file) is measured against a limit first.
#pragma once

#include <string_view>

namespace sandbox {

// True when no array or object in `text` is nested more than `max_depth`
// levels deep (a top-level object is depth 1). Brackets inside strings do
// not count; the text need not be valid JSON (the parser judges that).
bool JsonDepthWithin(std::string_view text, int max_depth);

}  // namespace sandbox
