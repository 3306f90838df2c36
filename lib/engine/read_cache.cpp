// ReadCache: a stamped map of rendered bodies (read_cache.h).
#include "engine/read_cache.h"

namespace sandbox::engine {

std::shared_ptr<const std::string> ReadCache::Find(const std::string& key, const ReadStamp& stamp) const {
  std::lock_guard<std::mutex> g(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end() || !(it->second.stamp == stamp)) return nullptr;
  return it->second.body;
}

void ReadCache::Store(const std::string& key, const ReadStamp& stamp, std::string body) {
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
  entries_.emplace(key, Entry{stamp, std::move(shared)});
  bytes_ += size;
}

size_t ReadCache::bytes() const {
  std::lock_guard<std::mutex> g(mu_);
  return bytes_;
}

}  // namespace sandbox::engine
