// Run states for webhook deliveries; see delivery_states.h.
#include "engine/delivery_states.h"

namespace sandbox::engine {

std::string DeliveryStates::Key(const std::string& run_id, int64_t seq) {
  return run_id + '#' + std::to_string(seq);
}

void DeliveryStates::Keep(uint64_t generation, std::vector<std::shared_ptr<const RunState>> states) {
  // Destroyed outside the lock: a run's state frees many allocations.
  std::vector<std::shared_ptr<const RunState>> dropped;
  std::lock_guard<std::mutex> g(mu_);
  if (generation != generation_) {
    for (auto& [key, state] : states_) dropped.push_back(std::move(state));
    states_.clear();
    order_.clear();
    generation_ = generation;
  }
  for (auto& state : states) {
    std::string key = Key(state->run.id, state->run.last_seq);
    auto [it, fresh] = states_.try_emplace(key, std::move(state));
    if (!fresh) continue;
    order_.push_back(std::move(key));
    if (order_.size() > kMaxStates) {
      auto old = states_.find(order_.front());
      evicted_.push_back(std::move(old->second));
      states_.erase(old);
      order_.pop_front();
    }
  }
  // Nobody has looked a state up for a while (the senders are stopped, or
  // every endpoint is disabled): the writer frees them itself rather than
  // let them pile up.
  if (evicted_.size() > kMaxStates) {
    for (auto& state : evicted_) dropped.push_back(std::move(state));
    evicted_.clear();
  }
  // `dropped` goes after the lock is released (declared before the guard).
}

std::shared_ptr<const RunState> DeliveryStates::Find(uint64_t generation, const std::string& run_id,
                                                     int64_t seq) const {
  // The states Keep evicted are freed here, on the delivery thread that
  // asks, after the lock is released (declared before the guard).
  std::vector<std::shared_ptr<const RunState>> freed;
  std::lock_guard<std::mutex> g(mu_);
  freed.swap(evicted_);
  if (generation != generation_) return nullptr;
  auto it = states_.find(Key(run_id, seq));
  return it == states_.end() ? nullptr : it->second;
}

size_t DeliveryStates::size() const {
  std::lock_guard<std::mutex> g(mu_);
  return states_.size();
}

}  // namespace sandbox::engine
