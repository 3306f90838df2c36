// Durations as scenario authors write them: "250ms", "2s", "1.5m", "1h", or a
// plain integer number of milliseconds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/types.h"

namespace sandbox::script {

std::optional<int64_t> ParseDurationMs(const Json& value);

}  // namespace sandbox::script
