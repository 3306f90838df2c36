// Converting Instants to and from the ISO 8601 text every wire format uses
// (UTC, millisecond precision, "2026-01-01T00:00:00.000Z").
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/clock.h"

namespace sandbox {

// The latest instant the four-digit year of the wire formats can show,
// 9999-12-31T23:59:59.999Z: sandbox time never moves past it.
inline constexpr Instant kMaxInstant = 253402300799999;

std::string FormatInstant(Instant t);
// Accepts "YYYY-MM-DDTHH:MM:SS[.fff]Z" and "+00:00", a real calendar date
// (no 2026-02-30) and no leap second; nullopt for anything else.
std::optional<Instant> ParseInstant(const std::string& text);

// An optional instant as JSON: its text, or null (the wire formats' nullable
// times: ended_at, completed_at, next_attempt_at, ...).
inline nlohmann::ordered_json InstantOrNull(const std::optional<Instant>& t) {
  return t ? nlohmann::ordered_json(FormatInstant(*t)) : nlohmann::ordered_json();
}

}  // namespace sandbox
