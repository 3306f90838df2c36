// Path patterns, as tests write them to pick requests (the request journal's
// filters, fault rules): `*` matches within one path segment, `**` across
// segments, anything else itself. /v1/runs/*/resume, /v1/runs/**.
#pragma once

#include <string>

namespace sandbox {

// True when `pattern` matches the whole of `path`.
bool PathMatches(const std::string& pattern, const std::string& path);

}  // namespace sandbox
