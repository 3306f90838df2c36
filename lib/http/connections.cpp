// ConnectionRegistry; see connections.h.
#include "http/connections.h"

#include <algorithm>
#include <chrono>
#include <vector>

#include "core/clock.h"
#include "http/connection_stream.h"
#include "core/wall_wait.h"

namespace sandbox::http {

std::optional<uint64_t> ConnectionRegistry::Add(int fd) {
  std::lock_guard<std::mutex> g(mu_);
  if (stopping_) return std::nullopt;
  uint64_t id = next_id_++;
  entries_[id] = Entry{fd, State::kIdle, next_tick_++};
  return id;
}

void ConnectionRegistry::Set(uint64_t id, State state) {
  std::lock_guard<std::mutex> g(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  it->second.state = state;
  if (state == State::kIdle) {
    it->second.idle_since = next_tick_++;
    // A connection that goes idle after the stop began is closed at once.
    if (stopping_) ConnectionStream::ShutdownSocket(it->second.fd);
  }
}

void ConnectionRegistry::Remove(uint64_t id) {
  std::lock_guard<std::mutex> g(mu_);
  entries_.erase(id);
  if (entries_.empty()) empty_cv_.notify_all();
}

size_t ConnectionRegistry::CloseIdle(size_t n) {
  std::lock_guard<std::mutex> g(mu_);
  std::vector<std::pair<uint64_t, int>> idle;  // (idle_since, fd)
  for (const auto& [id, e] : entries_) {
    if (e.state == State::kIdle) idle.emplace_back(e.idle_since, e.fd);
  }
  std::sort(idle.begin(), idle.end());
  size_t closed = std::min(n, idle.size());
  for (size_t i = 0; i < closed; ++i) ConnectionStream::ShutdownSocket(idle[i].second);
  return closed;
}

void ConnectionRegistry::BeginStop() {
  std::lock_guard<std::mutex> g(mu_);
  stopping_ = true;
  for (const auto& [id, e] : entries_) {
    if (e.state == State::kIdle) ConnectionStream::ShutdownSocket(e.fd);
  }
}

void ConnectionRegistry::ShutdownAll() {
  std::lock_guard<std::mutex> g(mu_);
  stopping_ = true;
  for (const auto& [id, e] : entries_) ConnectionStream::ShutdownSocket(e.fd);
}

bool ConnectionRegistry::stopping() const {
  std::lock_guard<std::mutex> g(mu_);
  return stopping_;
}

bool ConnectionRegistry::WaitUntilEmpty(int64_t deadline_ms) const {
  std::unique_lock<std::mutex> lock(mu_);
  while (!entries_.empty()) {
    int64_t left = deadline_ms - MonotonicMs();
    if (left <= 0) return false;
    WaitWallMs(empty_cv_, lock, left);
  }
  return true;
}

ConnectionRegistry::Counts ConnectionRegistry::counts() const {
  std::lock_guard<std::mutex> g(mu_);
  Counts c;
  for (const auto& [id, e] : entries_) (e.state == State::kIdle ? c.idle : c.busy)++;
  return c;
}

}  // namespace sandbox::http
