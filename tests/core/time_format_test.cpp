// ISO 8601 formatting and parsing of sandbox instants.
#include <catch2/catch.hpp>

#include <cstdio>

#include "core/time_format.h"

namespace core_time_format_test {

using namespace sandbox;

TEST_CASE("instants format as UTC with milliseconds", "[core]") {
  CHECK(FormatInstant(0) == "1970-01-01T00:00:00.000Z");
  CHECK(FormatInstant(1767225600000) == "2026-01-01T00:00:00.000Z");
  CHECK(FormatInstant(1767225600000 + 13500) == "2026-01-01T00:00:13.500Z");
  CHECK(FormatInstant(951782400000) == "2000-02-29T00:00:00.000Z");  // leap day
  CHECK(FormatInstant(-1) == "1969-12-31T23:59:59.999Z");
}

TEST_CASE("ISO 8601 text parses back to the same instant", "[core]") {
  for (Instant t : {Instant{0}, Instant{1767225600000}, Instant{1767225613500}, Instant{951782400123}}) {
    CHECK(ParseInstant(FormatInstant(t)) == t);
  }
  CHECK(ParseInstant("2026-01-01T00:00:00Z") == 1767225600000);
  CHECK(ParseInstant("2026-01-01T00:00:00+00:00") == 1767225600000);
  CHECK(ParseInstant("2026-01-01T00:00:00.5Z") == 1767225600500);
}

TEST_CASE("malformed times are rejected", "[core]") {
  for (const char* bad :
       {"", "2026-01-01", "2026-13-01T00:00:00Z", "2026-01-01T25:00:00Z", "2026-01-01T00:00:00",
        "2026-01-01T00:00:00+02:00", "2026-01-01T00:00:00.Z", "tomorrow",
        // Issue 10: dates that do not exist, and fields sscanf used to bend.
        "2026-02-30T00:00:00Z", "2026-02-29T00:00:00Z", "2100-02-29T00:00:00Z", "2026-04-31T00:00:00Z",
        "2026-01-01T00:00:60Z", "+026-01-01T00:00:00Z", " 2026-01-01T00:00:00Z", "2026-1-01T00:00:00Z",
        "2026-01-01T00:00:00.1234567890Z", "2026-00-01T00:00:00Z", "2026-01-00T00:00:00Z"}) {
    INFO(bad);
    CHECK_FALSE(ParseInstant(bad).has_value());
  }
}

TEST_CASE("leap days exist only in leap years", "[core]") {
  CHECK(ParseInstant("2024-02-29T00:00:00Z").has_value());
  CHECK(ParseInstant("2000-02-29T00:00:00Z").has_value());
  CHECK_FALSE(ParseInstant("1900-02-29T00:00:00Z").has_value());
}

TEST_CASE("the last instant a four-digit year shows is the sandbox's end of time", "[core]") {
  CHECK(FormatInstant(kMaxInstant) == "9999-12-31T23:59:59.999Z");
  CHECK(ParseInstant("9999-12-31T23:59:59.999Z") == kMaxInstant);
}

TEST_CASE("instants format as printf's fixed widths would, inside and outside four-digit years", "[core]") {
  // The reference: the format FormatInstant used before it wrote digits by hand.
  auto printf_text = [](long long y, unsigned m, unsigned d, long long ms_of_day) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ", y, m, d, ms_of_day / 3600000,
                  ms_of_day / 60000 % 60, ms_of_day / 1000 % 60, ms_of_day % 1000);
    return std::string(buf);
  };
  CHECK(FormatInstant(-62167219200000) == printf_text(0, 1, 1, 0));            // the first instant of year 0
  CHECK(FormatInstant(-62167219200001) == printf_text(-1, 12, 31, 86399999));  // the last of year -1
  CHECK(FormatInstant(kMaxInstant + 1) == printf_text(10000, 1, 1, 0));
  CHECK(FormatInstant(kMaxInstant + 1) == "10000-01-01T00:00:00.000Z");
  CHECK(FormatInstant(-62167219200001) == "-001-12-31T23:59:59.999Z");
  // Every field's every digit, over times spread through the four-digit years.
  for (Instant t = -62167219200000; t <= kMaxInstant; t += 7919LL * 86400000 + 3723456) {
    auto parsed = ParseInstant(FormatInstant(t));
    INFO(t);
    REQUIRE(parsed.has_value());
    CHECK(*parsed == t);
  }
  CHECK(FormatInstant(253402297199999) == "9999-12-31T22:59:59.999Z");
  CHECK(FormatInstant(1767312000000 + 45296789) == "2026-01-02T12:34:56.789Z");
}

}  // namespace core_time_format_test
