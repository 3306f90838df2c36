// Idle keep-alive connections; see idle_connections.h.
#include "webhooks/idle_connections.h"

#include <poll.h>
#include <unistd.h>

#include <vector>

#include "core/clock.h"

namespace sandbox::webhooks {
namespace {

// An idle connection must have nothing to read: data would be a stray
// answer, and EOF, a hang-up or an error mean the receiver is gone.
bool StillQuiet(int fd) {
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, 0) == 0;
}

}  // namespace

IdleConnections::~IdleConnections() {
  for (const Idle& i : idle_) close(i.fd);
}

int IdleConnections::Take(const std::string& origin) {
  while (true) {
    int fd = -1;
    std::vector<int> stale;
    {
      std::lock_guard<std::mutex> g(mu_);
      const int64_t now = MonotonicMs();
      while (!idle_.empty() && now - idle_.front().since_ms > kMaxIdleMs) {
        stale.push_back(idle_.front().fd);
        idle_.pop_front();
      }
      // The newest first: the one least likely to have been closed.
      for (auto it = idle_.rbegin(); it != idle_.rend(); ++it) {
        if (it->origin != origin) continue;
        fd = it->fd;
        idle_.erase(std::next(it).base());
        break;
      }
    }
    for (int s : stale) close(s);
    if (fd < 0) return -1;
    if (StillQuiet(fd)) return fd;
    close(fd);
  }
}

void IdleConnections::Put(const std::string& origin, int fd) {
  std::vector<int> evicted;
  {
    std::lock_guard<std::mutex> g(mu_);
    size_t same = 0;
    for (const Idle& i : idle_) same += i.origin == origin;
    if (same >= kMaxPerOrigin) {
      for (auto it = idle_.begin(); it != idle_.end(); ++it) {
        if (it->origin != origin) continue;
        evicted.push_back(it->fd);
        idle_.erase(it);
        break;
      }
    }
    if (idle_.size() >= kMaxTotal) {
      evicted.push_back(idle_.front().fd);
      idle_.pop_front();
    }
    idle_.push_back(Idle{origin, fd, MonotonicMs()});
  }
  for (int e : evicted) close(e);
}

size_t IdleConnections::size() const {
  std::lock_guard<std::mutex> g(mu_);
  return idle_.size();
}

}  // namespace sandbox::webhooks
