// RateLimiter and its gate; see rate_limit.h.
#include "http/rate_limit.h"

#include <algorithm>
#include <cmath>

namespace sandbox::http {
namespace {

constexpr size_t kForgetAbove = 10000;  // buckets kept before full ones are dropped

}  // namespace

RateLimiter::RateLimiter(uint64_t per_second, Clock now_ms)
    : per_second_(static_cast<double>(std::max<uint64_t>(per_second, 1))), now_ms_(std::move(now_ms)) {}

void RateLimiter::ForgetFullBuckets(int64_t now) {
  const double refill_ms = 1000.0;  // a bucket refills entirely within a second
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    if (now - it->second.at_ms >= refill_ms) {
      it = buckets_.erase(it);
    } else {
      ++it;
    }
  }
}

std::optional<int64_t> RateLimiter::Admit(const std::string& key) {
  const int64_t now = now_ms_();
  std::lock_guard<std::mutex> g(mu_);
  if (buckets_.size() > kForgetAbove) ForgetFullBuckets(now);
  auto [it, fresh] = buckets_.try_emplace(key, Bucket{per_second_, now});
  Bucket& b = it->second;
  if (!fresh) {
    b.tokens = std::min(per_second_, b.tokens + static_cast<double>(now - b.at_ms) * per_second_ / 1000.0);
    b.at_ms = now;
  }
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return std::nullopt;
  }
  // Whole milliseconds until the bucket holds one token again.
  return static_cast<int64_t>(std::ceil((1.0 - b.tokens) * 1000.0 / per_second_));
}

RouteGate RateLimitGate(std::shared_ptr<RateLimiter> limiter, ErrorShapes shapes, RouteGate inner,
                        std::string only_tag) {
  return [limiter = std::move(limiter), shapes = std::move(shapes), inner = std::move(inner),
          only_tag = std::move(only_tag)](const Route& route, const httplib::Request& req, httplib::Response& res) {
    if (route.tag != "Sandbox" && (only_tag.empty() || route.tag == only_tag)) {
      if (auto wait_ms = limiter->Admit(req.get_header_value("Authorization"))) {
        shapes.For(req.path)(res, 429, "Rate limit exceeded: try again in " + std::to_string(*wait_ms) + " ms", "");
        // Retry-After counts whole seconds; never 0, which would invite a retry at once.
        res.set_header("Retry-After", std::to_string((*wait_ms + 999) / 1000));
        return false;
      }
    }
    return inner ? inner(route, req, res) : true;
  };
}

}  // namespace sandbox::http
