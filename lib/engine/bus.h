// The in-process event bus: the writer announces each commit, and handlers
// blocked in Wait() wake to read what was committed from the store. It
// carries no events itself (the log is in the store), only "something
// changed", so a slow reader can never lose anything.
//
// A commit is announced to the runs whose logs it touched. A waiter that
// follows one run (a stream, a long-poll) watches that run, so a commit to
// one run wakes that run's followers only: with 1,000 streams on 1,000 runs,
// waking all of them on every commit made each read the store for nothing,
// and resumes slowed tenfold (issue 12). Changes to the whole namespace
// (reset, reload, a failing store) wake every watch.
//
// Thread safety: all methods may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace sandbox::engine {

class EventBus;

// One run's announcements. Held by whoever follows the run; the bus forgets
// a run once nobody holds its watch.
//
// A commit wakes one follower of the run, which passes the wake on to the
// others (EventBus::PassOn) once it has looked at the log: the 1,000
// followers of one run all need the frames that one of them renders, and
// waking them all at the commit made each wake, find the rendering taken,
// and sleep again, on two cores that the renderer needed (issue 12).
class RunWatch {
 private:
  friend class EventBus;
  // Moved under the bus's mutex, read without it; followers wait on the
  // word itself (WaitWordWallMs), so a commit that wakes 1,000 of them
  // leaves no lock for them to queue on (issue 12). Only equality is ever
  // asked of it, so wrapping after 2^32 commits to one run is harmless.
  std::atomic<uint32_t> version_{0};
  // Set by a commit that woke one follower; whoever clears it wakes the rest
  // (a follower holds the watch const).
  mutable std::atomic<bool> pass_on_{false};
};

class EventBus {
 public:
  enum class Wake { kChanged, kTimeout, kShutdown };

  // Called by the writer after every write it commits. Publish() is for a
  // write that touched no run's log (a thread, feedback, an action, a
  // webhook): cached reads (engine/read_cache.h) are stamped with version().
  void Publish();
  // A commit that touched the logs of `runs`: their watches wake too.
  void Publish(const std::vector<std::string>& runs);
  // The namespace changed as a whole (reset, reload, failure): every watch
  // wakes.
  void PublishEverything();

  // Every commit's version, to pass to Wait.
  uint64_t version() const;
  // Blocks until a commit after `seen`, or `timeout` of wall time (for
  // connection keep-alives, not sandbox time), or Shutdown().
  Wake Wait(uint64_t seen, std::chrono::milliseconds timeout) const;

  // The watch of run `run_id`, shared by everyone who follows it.
  std::shared_ptr<RunWatch> Watch(const std::string& run_id);
  // The version of `watch`'s run: moves on every commit to the run and on
  // every PublishEverything().
  uint64_t version(const RunWatch& watch) const;
  // Wait(), for commits to `watch`'s run. A commit to the run wakes one
  // waiter: after looking at the log, whoever returns kChanged (or anyone
  // that has looked since the commit) must call PassOn. The others also
  // wake at `timeout`, so a wake never passed on costs a delay, not a hang.
  Wake Wait(const RunWatch& watch, uint64_t seen, std::chrono::milliseconds timeout) const;
  // Wakes every other waiter of `watch` when a commit woke only one; true
  // when it did. Cheap when there is nothing to pass on.
  bool PassOn(const RunWatch& watch) const;

  // Wakes every waiter for good; used when the server stops.
  void Shutdown();

 private:
  // `everyone`: wake every waiter at once (a reset, a failure, the stop),
  // not one to pass it on.
  void NotifyLocked(RunWatch& watch, bool everyone);

  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  uint64_t version_ = 0;
  std::atomic<bool> shutdown_{false};
  std::unordered_map<std::string, std::weak_ptr<RunWatch>> watches_;
  size_t sweep_at_ = 64;  // forget unheld watches when the map reaches this size
};

}  // namespace sandbox::engine
