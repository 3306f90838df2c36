// Duration parsing; see duration.h. Every number is range-checked before it
// is converted: an integer above INT64_MAX, read as int64, would wrap to a
// negative duration.
#include "script/duration.h"

#include <cmath>
#include <cstdlib>
#include <limits>

namespace sandbox::script {

std::optional<double> DurationMagnitudeMs(const Json& value) {
  if (value.is_number_unsigned()) return static_cast<double>(value.get<uint64_t>());
  if (value.is_number_integer()) {
    int64_t v = value.get<int64_t>();
    if (v < 0) return std::nullopt;
    return static_cast<double>(v);
  }
  if (!value.is_string()) return std::nullopt;
  const std::string& s = value.get_ref<const std::string&>();
  size_t i = 0;
  while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) ++i;
  if (i == 0) return std::nullopt;
  std::string number = s.substr(0, i), unit = s.substr(i);
  char* end = nullptr;
  double n = std::strtod(number.c_str(), &end);
  if (end != number.c_str() + number.size()) return std::nullopt;
  double scale;
  if (unit == "ms")
    scale = 1;
  else if (unit == "s")
    scale = 1000;
  else if (unit == "m")
    scale = 60000;
  else if (unit == "h")
    scale = 3600000;
  else
    return std::nullopt;
  double ms = n * scale;
  // 400 digits overflow to infinity: still a duration, just far too long.
  return std::isfinite(ms) ? ms : std::numeric_limits<double>::max();
}

std::optional<int64_t> ParseDurationMs(const Json& value) {
  auto ms = DurationMagnitudeMs(value);
  if (!ms || *ms > 1e15) return std::nullopt;
  return static_cast<int64_t>(std::llround(*ms));
}

}  // namespace sandbox::script
