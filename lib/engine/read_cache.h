// ReadCache: rendered answers to reads (a run as JSON, a Modus run detail),
// kept until their namespace changes. A read's answer depends only on what
// the namespace has committed and on its fixtures, and a namespace's engine
// counts both (Engine::ReadStamp), so an entry is good exactly while the
// stamp it was rendered under is still the engine's: no invalidation lists,
// no chance of serving a body older than the last commit. Why it exists: a
// GET of a run spent most of its time in SQLite, JSON parsing and
// serialising, and malloc; a hit costs a map lookup and a copy.
//
// Bounded: past `max_bytes` the cache is emptied and fills again (the
// working set of a test suite or a demo is far smaller).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace sandbox::engine {

// What a read's answer depends on: the namespace's commits (EventBus
// version), its resets and reloads (generation), and its fixtures.
struct ReadStamp {
  uint64_t commits = 0;
  uint64_t generation = 0;
  uint64_t fixtures = 0;
  bool operator==(const ReadStamp&) const = default;
};

class ReadCache {
 public:
  explicit ReadCache(size_t max_bytes = 32u << 20) : max_bytes_(max_bytes) {}
  // The body stored under `key` with exactly this stamp, or null.
  std::shared_ptr<const std::string> Find(const std::string& key, const ReadStamp& stamp) const;
  // For an answer about one object whose version the caller can read cheaply
  // (a run's last event): the body stored under `key` when it was rendered
  // at `version` in the same generation and fixtures, stamped `stamp` from
  // now on; null otherwise. So commits to other runs of the namespace do not
  // make a run's answer render again. Read `version` after taking `stamp`.
  std::shared_ptr<const std::string> Revalidate(const std::string& key, const ReadStamp& stamp, int64_t version);
  // Take the stamp *before* reading what `body` renders: a commit in between
  // then makes the entry stale at once, never the other way round. `version`
  // (read after the stamp, before rendering) is what Revalidate compares.
  void Store(const std::string& key, const ReadStamp& stamp, std::string body,
             std::optional<int64_t> version = std::nullopt);
  size_t bytes() const;

 private:
  struct Entry {
    ReadStamp stamp;
    std::shared_ptr<const std::string> body;
    std::optional<int64_t> version;
  };
  const size_t max_bytes_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
  size_t bytes_ = 0;
};

}  // namespace sandbox::engine
