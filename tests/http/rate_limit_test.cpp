// The opt-in rate limit's token buckets (http/rate_limit.h), on a clock the
// test moves.
#include <catch2/catch.hpp>

#include "http/rate_limit.h"

namespace sandbox::http {

TEST_CASE("rate limit: N requests a second per key, refilled as time passes", "[http]") {
  int64_t now = 1000;
  RateLimiter limiter(2, [&now] { return now; });
  CHECK_FALSE(limiter.Admit("a").has_value());
  CHECK_FALSE(limiter.Admit("a").has_value());
  auto wait = limiter.Admit("a");
  REQUIRE(wait.has_value());
  CHECK(*wait == 501);              // one token comes back after 500 ms
  CHECK_FALSE(limiter.Admit("b").has_value());  // another key has its own bucket
  now += 499;
  CHECK(limiter.Admit("a").has_value());
  now += 2;
  CHECK_FALSE(limiter.Admit("a").has_value());
  now += 10000;  // a long pause fills the bucket, never beyond N
  CHECK_FALSE(limiter.Admit("a").has_value());
  CHECK_FALSE(limiter.Admit("a").has_value());
  CHECK(limiter.Admit("a").has_value());
}

}  // namespace sandbox::http
