// The lock on the database's one writer connection: recursive, because a
// group commit (RunLog::BeginGroup) holds it across the writes it groups,
// which take it too; and first come, first served. std::recursive_mutex
// makes no promise of order, and a namespace's writer that commits group
// after group re-took it before a waiting webhook sender or another
// namespace's writer woke: under a steady write load, deliveries stalled
// (issue 12). Here each waiter takes a ticket and is served in turn.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

namespace sandbox::store {

class WriterLock {
 public:
  void lock() {
    const std::thread::id me = std::this_thread::get_id();
    std::unique_lock<std::mutex> g(mu_);
    if (depth_ > 0 && owner_ == me) {
      ++depth_;
      return;
    }
    const uint64_t ticket = next_ticket_++;
    turn_.wait(g, [&] { return serving_ == ticket; });
    owner_ = me;
    depth_ = 1;
  }

  void unlock() {
    std::unique_lock<std::mutex> g(mu_);
    if (--depth_ > 0) return;
    owner_ = std::thread::id();
    ++serving_;
    g.unlock();
    turn_.notify_all();
  }

  // Threads waiting for their turn (tests use it to line waiters up).
  uint64_t waiters() const {
    std::lock_guard<std::mutex> g(mu_);
    return next_ticket_ - serving_ - (depth_ > 0 ? 1 : 0);
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable turn_;
  uint64_t next_ticket_ = 0;  // the ticket the next waiter takes
  uint64_t serving_ = 0;      // the ticket whose turn it is
  std::thread::id owner_;
  int depth_ = 0;
};

}  // namespace sandbox::store
