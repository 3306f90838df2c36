// Keep-alive connections to webhook receivers, idle between deliveries.
//
// A fresh TCP connection for every delivery (connect, the receiver's accept,
// a close on both sides) was a third of what a delivery cost the sandbox,
// and the receiver paid as much again (issue 12). A connection whose answer
// was complete and did not ask to close is parked here, per origin
// ("host:port" as the URL wrote them), and the next POST to that origin
// takes it.
//
// Bounds: kMaxPerOrigin idle connections an origin, kMaxTotal in all (the
// oldest goes), none kept longer than kMaxIdleMs (receivers close idle
// connections on timers of their own). A connection the receiver has closed,
// or sent anything on, while it was idle is never handed out: Take() looks
// with a zero-timeout poll first. The race that remains (a receiver closing
// just as the request goes out) is the caller's to retry (http_post.cpp).
//
// Thread safety: all methods may be called from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>

namespace sandbox::webhooks {

class IdleConnections {
 public:
  static constexpr size_t kMaxPerOrigin = 4;
  static constexpr size_t kMaxTotal = 64;
  static constexpr int64_t kMaxIdleMs = 2000;

  IdleConnections() = default;
  IdleConnections(const IdleConnections&) = delete;
  IdleConnections& operator=(const IdleConnections&) = delete;
  ~IdleConnections();  // closes every idle connection

  // An idle connection to `origin` that still looks usable, or -1. The
  // caller owns it.
  int Take(const std::string& origin);
  // Parks `fd` (owned from now on) for `origin`.
  void Put(const std::string& origin, int fd);
  // Idle connections held now (tests).
  size_t size() const;

 private:
  struct Idle {
    std::string origin;
    int fd;
    int64_t since_ms;  // MonotonicMs() when parked
  };
  mutable std::mutex mu_;
  std::deque<Idle> idle_;  // oldest first
};

}  // namespace sandbox::webhooks
