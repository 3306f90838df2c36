// Run states that queued webhook deliveries will render, kept in memory.
//
// A delivery's body is the run as it stood just after the delivery's event
// (dialects/middesk/webhook_events.cpp). Read back from the store, that is
// an ended run's whole log decompressed, parsed and replayed, and it was
// half of what a delivery cost (issue 12). The writer has that very state
// in hand when it commits the event, so when the store reports that the
// event was queued for a webhook (store::RunWrite::last_event_queued), the
// engine keeps a shared, immutable copy here once the commit is durable: a
// run that ends hands its state over without a copy.
//
// Only a fast path: a state that is gone (evicted, a restart, a reset) is
// rebuilt from the store as before. Entries carry the engine's generation,
// since run ids repeat after a reset or a restore. Bounded by kMaxStates,
// the oldest going first; nothing is kept when no webhook is subscribed.
//
// An evicted state is freed by the next Find, on a delivery thread, not by
// the writer that evicted it: freeing a run's state (its JSON trees and
// strings) was 1-2 % of the writer's time while deliveries flowed (issue
// 12). So up to kMaxStates more wait to be freed; past that the writer
// frees them itself.
//
// Thread safety: all methods may be called from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/types.h"

namespace sandbox::engine {

class DeliveryStates {
 public:
  static constexpr size_t kMaxStates = 1024;

  // States made durable together, under the engine's `generation`.
  void Keep(uint64_t generation, std::vector<std::shared_ptr<const RunState>> states);
  // Run `run_id` just after its event `seq`, when kept under `generation`.
  std::shared_ptr<const RunState> Find(uint64_t generation, const std::string& run_id, int64_t seq) const;
  size_t size() const;

 private:
  static std::string Key(const std::string& run_id, int64_t seq);

  mutable std::mutex mu_;
  uint64_t generation_ = 0;
  std::unordered_map<std::string, std::shared_ptr<const RunState>> states_;
  std::deque<std::string> order_;  // keys, oldest first
  // Evicted by Keep, freed by the next Find (or by Keep past kMaxStates).
  mutable std::vector<std::shared_ptr<const RunState>> evicted_;
};

}  // namespace sandbox::engine
