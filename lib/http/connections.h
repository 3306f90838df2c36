// The registry of live client connections (issue 10), so that the server can
// act on connections it is not serving at that moment: close the oldest idle
// keep-alive ones when every worker is busy, and end them all at shutdown.
// A connection is registered by the thread serving it and removed by that
// thread before it closes the socket; ShutdownSocket is only ever called on a
// registered (so still open) descriptor, under the registry's lock.
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>

namespace sandbox::http {

class ConnectionRegistry {
 public:
  enum class State { kIdle, kBusy };

  // Registers `fd` as idle; nullopt once Stop() has begun.
  std::optional<uint64_t> Add(int fd);
  void Set(uint64_t id, State state);
  void Remove(uint64_t id);
  // Shuts down up to `n` idle connections, the longest idle first.
  size_t CloseIdle(size_t n);
  // From now on no connection is added and idle ones are shut; busy ones
  // finish their response first (their loop sees stopping()).
  void BeginStop();
  // Shuts every connection still open, busy ones included.
  void ShutdownAll();
  bool stopping() const;
  // Waits until no connection is left or `deadline_ms` (monotonic) passes.
  bool WaitUntilEmpty(int64_t deadline_ms) const;

  struct Counts {
    size_t idle = 0;
    size_t busy = 0;
  };
  Counts counts() const;

 private:
  struct Entry {
    int fd;
    State state;
    uint64_t idle_since;  // a sequence number: smaller = idle for longer
  };
  mutable std::mutex mu_;
  mutable std::condition_variable empty_cv_;
  std::map<uint64_t, Entry> entries_;
  uint64_t next_id_ = 1;
  uint64_t next_tick_ = 1;
  bool stopping_ = false;
};

}  // namespace sandbox::http
