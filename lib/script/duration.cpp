// Duration parsing; see duration.h.
#include "script/duration.h"

#include <cmath>
#include <cstdlib>

namespace sandbox::script {

std::optional<int64_t> ParseDurationMs(const Json& value) {
  if (value.is_number_unsigned() || (value.is_number_integer() && value.get<int64_t>() >= 0)) {
    return value.get<int64_t>();
  }
  if (!value.is_string()) return std::nullopt;
  const std::string s = value.get<std::string>();
  size_t i = 0;
  while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) ++i;
  if (i == 0) return std::nullopt;
  std::string number = s.substr(0, i), unit = s.substr(i);
  char* end = nullptr;
  double n = std::strtod(number.c_str(), &end);
  if (end != number.c_str() + number.size() || !std::isfinite(n)) return std::nullopt;
  double scale;
  if (unit == "ms") scale = 1;
  else if (unit == "s") scale = 1000;
  else if (unit == "m") scale = 60000;
  else if (unit == "h") scale = 3600000;
  else return std::nullopt;
  double ms = n * scale;
  if (ms > 1e15) return std::nullopt;
  return static_cast<int64_t>(std::llround(ms));
}

}  // namespace sandbox::script
