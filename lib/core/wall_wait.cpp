// WaitWordWallMs and the wakes; see wall_wait.h. Linux futexes on the
// word's own address (std::atomic<uint32_t> is a plain 32-bit word here).
#include "core/wall_wait.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <ctime>

#include "core/clock.h"

namespace sandbox {
namespace {

static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t) && std::atomic<uint32_t>::is_always_lock_free);

uint32_t* Address(const std::atomic<uint32_t>& word) {
  return reinterpret_cast<uint32_t*>(const_cast<std::atomic<uint32_t>*>(&word));
}

}  // namespace

bool WaitWordWallMs(const std::atomic<uint32_t>& word, uint32_t seen, int64_t ms) {
  const int64_t deadline = MonotonicMs() + (ms < 0 ? 0 : ms);
  while (true) {
    if (word.load(std::memory_order_acquire) != seen) return true;
    const int64_t left = deadline - MonotonicMs();
    if (left <= 0) return false;
    timespec wait{static_cast<time_t>(left / 1000), static_cast<long>((left % 1000) * 1000000)};
    // Returns at once (EAGAIN) when the word moved since the load above, so a
    // wake between the load and the wait is never lost.
    syscall(SYS_futex, Address(word), FUTEX_WAIT_PRIVATE, seen, &wait, nullptr, 0);
  }
}

void WakeWordWaiters(const std::atomic<uint32_t>& word) {
  syscall(SYS_futex, Address(word), FUTEX_WAKE_PRIVATE, INT_MAX, nullptr, nullptr, 0);
}

void WakeOneWordWaiter(const std::atomic<uint32_t>& word) {
  syscall(SYS_futex, Address(word), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
}

}  // namespace sandbox
