// The opt-in rate limit's token buckets (http/rate_limit.h), on a clock the
// test moves.
#include <catch2/catch.hpp>

#include "http/rate_limit.h"

namespace sandbox::http::http_rate_limit_test {

TEST_CASE("rate limit: N requests a second per key, refilled as time passes", "[http]") {
  int64_t now = 1000;
  RateLimiter limiter(2, [&now] { return now; });
  CHECK_FALSE(limiter.Admit("a").has_value());
  CHECK_FALSE(limiter.Admit("a").has_value());
  auto wait = limiter.Admit("a");
  REQUIRE(wait.has_value());
  CHECK(*wait == 500);  // one token comes back after 500 ms
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

}  // namespace sandbox::http::http_rate_limit_test

namespace sandbox::http::http_rate_limit_test {

TEST_CASE("rate limit: the gate answers 429 with Retry-After, only on the routes it limits", "[http]") {
  int64_t now = 0;
  auto limiter = std::make_shared<RateLimiter>(1, [&now] { return now; });
  ErrorShapes shapes({}, [](httplib::Response& res, int status, const std::string& message, const std::string&) {
    res.status = status;
    res.body = message;
  });
  RouteGate gate = RateLimitGate(limiter, shapes, nullptr, "Middesk");
  Route middesk{.method = "GET", .path = "/v1/agents", .tag = "Middesk"};
  Route modus{.method = "GET", .path = "/api/v1/agents", .tag = "Modus"};
  Route control{.method = "GET", .path = "/_sandbox/health", .tag = "Sandbox"};
  httplib::Request req;
  req.headers.emplace("Authorization", "Bearer mk_test_a");
  httplib::Response first, second, other, ctl;
  CHECK(gate(middesk, req, first));
  CHECK_FALSE(gate(middesk, req, second));
  CHECK(second.status == 429);
  CHECK(second.get_header_value("Retry-After") == "1");
  CHECK(second.body == "Rate limit exceeded: try again in 1000 ms");
  for (int i = 0; i < 3; ++i) CHECK(gate(modus, req, other));  // Modus documents no limit
  CHECK(gate(control, req, ctl));
  now += 999;
  httplib::Response third;
  CHECK_FALSE(gate(middesk, req, third));
  CHECK(third.get_header_value("Retry-After") == "1");  // about 1 ms left: never 0
  now += 1;
  CHECK(gate(middesk, req, first));
}

}  // namespace sandbox::http::http_rate_limit_test
