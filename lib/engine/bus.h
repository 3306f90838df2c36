// The in-process event bus: the writer announces each commit, and stream
// handlers blocked in Wait() wake to read what was committed from the store.
// It carries no events itself (the log is in the store), only "something
// changed", so a slow reader can never lose anything.
//
// Thread safety: all methods may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace sandbox::engine {

class EventBus {
 public:
  enum class Wake { kChanged, kTimeout, kShutdown };

  // Called by the writer after every write it commits (run events, threads,
  // feedback, actions, webhooks): streams wake on it, and cached reads
  // (engine/read_cache.h) are stamped with its version.
  void Publish();
  // The current version, to pass to Wait.
  uint64_t version() const;
  // Blocks until a commit after `seen`, or `timeout` of wall time (for
  // connection keep-alives, not sandbox time), or Shutdown().
  Wake Wait(uint64_t seen, std::chrono::milliseconds timeout) const;
  // Wakes every waiter for good; used when the server stops.
  void Shutdown();

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  uint64_t version_ = 0;
  bool shutdown_ = false;
};

}  // namespace sandbox::engine
