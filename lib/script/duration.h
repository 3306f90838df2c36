// Durations as scenario authors write them: "250ms", "2s", "1.5m", "1h", or a
// plain integer number of milliseconds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/types.h"

namespace sandbox::script {

// The length `value` names in milliseconds, before any range check, or
// nullopt when it is not written as a duration (a negative number, a float,
// "soon"). A double, so that "1e300h" is a duration too long rather than no
// duration at all; never NaN or infinite.
std::optional<double> DurationMagnitudeMs(const Json& value);

// The duration in whole milliseconds (fractions rounded), or nullopt when
// `value` is not a duration or names more than 10^15 ms (about 31,700 years).
// Fixtures have a tighter limit (limits::kMaxDurationMs), which the loader
// checks with its own message.
std::optional<int64_t> ParseDurationMs(const Json& value);

}  // namespace sandbox::script
