// The opt-in rate limit (issue 13, --rate-limit): a token bucket per API
// credential, refilled at `per_second` tokens a second and holding as many,
// as a vendor's "N requests per second per customer" is usually enforced. A
// request past it is a 429 with Retry-After in the error shape of the
// dialect owning the path. Only the vendor routes count (the route's tag is
// not "Sandbox"); the control API never does. Time is the monotonic clock,
// injected so that tests drive it.
#pragma once

#include <httplib.h>

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "http/error_shapes.h"
#include "http/route_table.h"

namespace sandbox::http {

class RateLimiter {
 public:
  using Clock = std::function<int64_t()>;  // milliseconds, monotonic
  RateLimiter(uint64_t per_second, Clock now_ms);

  // Takes a token from `key`'s bucket. nullopt when there was one; else how
  // many milliseconds until there is.
  std::optional<int64_t> Admit(const std::string& key);

 private:
  struct Bucket {
    double tokens = 0;
    int64_t at_ms = 0;
  };
  // Buckets idle this long are full again, so forgetting them changes nothing.
  void ForgetFullBuckets(int64_t now);

  double per_second_;
  Clock now_ms_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

// Wraps `inner` (another gate, or none) with the rate limit: the key is the
// request's Authorization header (or its absence: one shared bucket). With
// `only_tag`, only routes of that API count (a vendor's own documented limit
// is not another vendor's).
RouteGate RateLimitGate(std::shared_ptr<RateLimiter> limiter, ErrorShapes shapes, RouteGate inner,
                        std::string only_tag = {});

}  // namespace sandbox::http
