// ReadCache: a stamped map of rendered bodies (read_cache.h).
#include "engine/read_cache.h"

namespace sandbox::engine {

std::shared_ptr<const std::string> ReadCache::Find(const std::string& key, const ReadStamp& stamp) const {
  std::lock_guard<std::mutex> g(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end() || !(it->second.stamp == stamp)) return nullptr;
  return it->second.body;
}

std::shared_ptr<const std::string> ReadCache::Revalidate(const std::string& key, const ReadStamp& stamp,
                                                         int64_t version) {
  std::lock_guard<std::mutex> g(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return nullptr;
  Entry& e = it->second;
  if (e.version != version || e.stamp.generation != stamp.generation || e.stamp.fixtures != stamp.fixtures) {
    return nullptr;
  }
  e.stamp = stamp;
  return e.body;
}

void ReadCache::Store(const std::string& key, const ReadStamp& stamp, std::string body,
                      std::optional<int64_t> version) {
  const size_t size = key.size() + body.size();
  if (size > max_bytes_ / 4) return;  // one huge answer must not flush everything else
  auto shared = std::make_shared<const std::string>(std::move(body));
  std::lock_guard<std::mutex> g(mu_);
  auto it = entries_.find(key);
  if (it != entries_.end()) {
    bytes_ -= it->first.size() + it->second.body->size();
    entries_.erase(it);
  }
  if (bytes_ + size > max_bytes_) {
    entries_.clear();
    bytes_ = 0;
  }
  entries_.emplace(key, Entry{stamp, std::move(shared), version});
  bytes_ += size;
}

size_t ReadCache::bytes() const {
  std::lock_guard<std::mutex> g(mu_);
  return bytes_;
}

}  // namespace sandbox::engine
