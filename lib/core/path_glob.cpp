// PathMatches; see path_glob.h.
#include "core/path_glob.h"

namespace sandbox {
namespace {

// Glob matching with backtracking on the last star only: linear in practice,
// and patterns are short (they come from tests).
bool Glob(const char* p, const char* s) {
  const char* star_p = nullptr;
  const char* star_s = nullptr;
  bool star_crosses = false;
  while (*s) {
    if (*p == '*') {
      star_crosses = p[1] == '*';
      p += star_crosses ? 2 : 1;
      star_p = p;
      star_s = s;
    } else if (*p == *s) {
      ++p;
      ++s;
    } else if (star_p && (star_crosses || *star_s != '/')) {
      p = star_p;
      s = ++star_s;
    } else {
      return false;
    }
  }
  while (*p == '*') ++p;
  return *p == '\0';
}

}  // namespace

bool PathMatches(const std::string& pattern, const std::string& path) { return Glob(pattern.c_str(), path.c_str()); }

}  // namespace sandbox
