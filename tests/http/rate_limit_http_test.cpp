// --rate-limit over real HTTP: a vendor route past the limit answers 429 with
// Retry-After in its dialect's shape; each key has its own allowance and the
// control API none.
#include <catch2/catch.hpp>

#include "support/sandbox_process.h"

namespace http_rate_limit_http_test {

namespace {

using sandbox::testing::AuthHeaders;
using sandbox::testing::SandboxOptions;
using sandbox::testing::SandboxProcess;

}  // namespace

TEST_CASE("rate limit api: --rate-limit 1 answers the second quick request with 429 and Retry-After", "[http]") {
  SandboxProcess sb(SandboxOptions{.args = {"--rate-limit", "1"}});
  httplib::Client c = sb.client();
  // One token a second: of three requests in a row, at most one more than
  // the first can find a token (if a whole second passed in between).
  int refused = 0;
  std::string retry_after;
  std::string body;
  for (int i = 0; i < 3; ++i) {
    auto r = c.Get("/v1/agents", AuthHeaders("mk_test_rate_a"));
    REQUIRE(r);
    if (r->status == 429) {
      ++refused;
      retry_after = r->get_header_value("Retry-After");
      body = r->body;
    } else {
      CHECK(r->status == 200);
    }
  }
  REQUIRE(refused >= 1);
  CHECK(retry_after == "1");
  CHECK(nlohmann::json::parse(body).at("errors")[0].at("message").get<std::string>().rfind("Rate limit exceeded", 0) == 0);
  // Another key is another customer; the control API is never limited.
  CHECK(c.Get("/v1/agents", AuthHeaders("mk_test_rate_b"))->status == 200);
  for (int i = 0; i < 3; ++i) CHECK(c.Get("/_sandbox/health")->status == 200);
}

}  // namespace http_rate_limit_http_test
