// Converting Instants to and from the ISO 8601 text every wire format uses
// (UTC, millisecond precision, "2026-01-01T00:00:00.000Z").
#pragma once

#include <optional>
#include <string>

#include "core/clock.h"

namespace sandbox {

std::string FormatInstant(Instant t);
// Accepts "YYYY-MM-DDTHH:MM:SS[.fff]Z" and "+00:00"; nullopt for anything else.
std::optional<Instant> ParseInstant(const std::string& text);

}  // namespace sandbox
