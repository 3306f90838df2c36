// "Did you mean ...?" for misspelt fixture keys and names: the closest
// candidate by optimal-string-alignment (Damerau-Levenshtein) distance.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace sandbox::script {

// The candidate nearest to `word` when its distance is at most
// min(2, max(1, word.size() / 3)); ties go to the earlier candidate. Returns
// nullopt when nothing is that close, or when `word` is itself a candidate.
// Distances are over bytes (fixture keys are ASCII). A word longer than
// kMaxSuggestedWordBytes gets no suggestion: the distance costs the product
// of the lengths, and a 64 KiB name is no typo of a short one anyway.
inline constexpr size_t kMaxSuggestedWordBytes = 64;
std::optional<std::string> ClosestMatch(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace sandbox::script
