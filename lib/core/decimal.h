// Decimal integers from text: the one parser every layer uses (issue 11),
// for query parameters, headers, cursors, command-line values and what the
// store wrote itself. Only the digits 0-9, at least one, nothing else (no
// sign, space or '+'); a value past `max` (or past uint64_t) is refused, so
// no caller needs a length check of its own to stay clear of overflow.
#pragma once

#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

namespace sandbox {

inline std::optional<uint64_t> ParseDecimal(std::string_view text,
                                            uint64_t max = std::numeric_limits<uint64_t>::max()) {
  if (text.empty()) return std::nullopt;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value > max) return std::nullopt;
  return value;
}

// ParseDecimal for values that fit int64_t (at most `max`).
inline std::optional<int64_t> ParseDecimalInt(std::string_view text,
                                              int64_t max = std::numeric_limits<int64_t>::max()) {
  auto v = ParseDecimal(text, max < 0 ? 0 : static_cast<uint64_t>(max));
  if (!v) return std::nullopt;
  return static_cast<int64_t>(*v);
}

}  // namespace sandbox
