// Optimal string alignment distance (insert, delete, substitute, swap two
// adjacent characters; no substring edited twice) and the closest-match rule
// built on it.
#include "script/suggest.h"

#include <algorithm>
#include <cstddef>

namespace sandbox::script {
namespace {

std::size_t OsaDistance(const std::string& a, const std::string& b) {
  const std::size_t n = a.size(), m = b.size();
  // Three rolling rows: i-2, i-1, i.
  std::vector<std::size_t> prev2(m + 1), prev(m + 1), cur(m + 1);
  for (std::size_t j = 0; j <= m; ++j) prev[j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= m; ++j) {
      std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) cur[j] = std::min(cur[j], prev2[j - 2] + 1);
    }
    std::swap(prev2, prev);
    std::swap(prev, cur);
  }
  return prev[m];
}

}  // namespace

std::optional<std::string> ClosestMatch(const std::string& word, const std::vector<std::string>& candidates) {
  if (word.size() > kMaxSuggestedWordBytes) return std::nullopt;
  if (std::find(candidates.begin(), candidates.end(), word) != candidates.end()) return std::nullopt;
  const std::size_t limit = std::min<std::size_t>(2, std::max<std::size_t>(1, word.size() / 3));
  const std::string* best = nullptr;
  std::size_t best_distance = limit + 1;
  for (const std::string& candidate : candidates) {
    // Length difference is a lower bound on the distance: skip hopeless ones.
    std::size_t gap = candidate.size() > word.size() ? candidate.size() - word.size() : word.size() - candidate.size();
    if (gap > limit) continue;
    std::size_t d = OsaDistance(word, candidate);
    if (d < best_distance) {
      best = &candidate;
      best_distance = d;
    }
  }
  if (!best) return std::nullopt;
  return *best;
}

}  // namespace sandbox::script
