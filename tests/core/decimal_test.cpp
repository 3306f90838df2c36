// The one decimal parser (core/decimal.h).
#include <catch2/catch.hpp>

#include "core/decimal.h"

namespace core_decimal_test {

using sandbox::ParseDecimal;
using sandbox::ParseDecimalInt;

TEST_CASE("decimal: digits only, at least one, within the maximum", "[core]") {
  CHECK(ParseDecimal("0") == 0u);
  CHECK(ParseDecimal("007") == 7u);
  CHECK(ParseDecimal("18446744073709551615") == UINT64_MAX);
  CHECK_FALSE(ParseDecimal("18446744073709551616"));  // past uint64_t
  CHECK_FALSE(ParseDecimal(std::string(400, '9')));
  for (const char* bad : {"", "-1", "+1", " 1", "1 ", "1.0", "1e3", "0x10", "１"}) {
    INFO(bad);
    CHECK_FALSE(ParseDecimal(bad));
  }
  CHECK(ParseDecimal("200", 200) == 200u);
  CHECK_FALSE(ParseDecimal("201", 200));
  CHECK(ParseDecimalInt("9223372036854775807") == INT64_MAX);
  CHECK_FALSE(ParseDecimalInt("9223372036854775808"));
  CHECK_FALSE(ParseDecimalInt("25001", 25000));
}

}  // namespace core_decimal_test
