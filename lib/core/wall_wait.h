// The one way to wait for wall time to pass (issue 11). Sandbox time comes
// from a Clock (clock.h); but some waits are about the real world, whatever
// the sandbox clock says: the HTTP edge's deadlines and idle workers, the
// fixture watcher's polling, the webhook dispatcher's polling and stop grace,
// a stream's heartbeat. They all wait here, and MonotonicMs() (clock.h) is
// the only wall-time reading outside core, so tests/clock_check.cmake can
// refuse any other OS-clock read or wait outside lib/core/.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace sandbox {

// Waits on `cv` until `done()` or `ms` of wall time pass; true when done().
template <class Done>
bool WaitWallMs(std::condition_variable& cv, std::unique_lock<std::mutex>& lock, int64_t ms, Done done) {
  return cv.wait_for(lock, std::chrono::milliseconds(ms < 0 ? 0 : ms), done);
}

// Waits on `cv` until notified (or spuriously woken) or `ms` pass.
inline void WaitWallMs(std::condition_variable& cv, std::unique_lock<std::mutex>& lock, int64_t ms) {
  cv.wait_for(lock, std::chrono::milliseconds(ms < 0 ? 0 : ms));
}

// Waits until `word` no longer holds `seen`, or `ms` of wall time pass; true
// when it changed. A futex, not a condition variable: a thread it wakes has
// no mutex to take back, so the 1,000 followers of one run that a commit
// wakes do not queue on one lock one by one (issue 12).
bool WaitWordWallMs(const std::atomic<uint32_t>& word, uint32_t seen, int64_t ms);
// Wakes every thread in WaitWordWallMs on `word` (change the word first).
void WakeWordWaiters(const std::atomic<uint32_t>& word);
// Wakes one of them (change the word first); the rest sleep on.
void WakeOneWordWaiter(const std::atomic<uint32_t>& word);

}  // namespace sandbox
