// SharedFrames and its registry; see shared_frames.h.
#include "dialects/shared_frames.h"

namespace sandbox::dialects {

bool SharedFrames::Follow(engine::Engine& engine, size_t* next, int64_t after_id, std::string& wire) {
  std::lock_guard<std::mutex> g(mu_);
  if (broken_) return false;
  const uint64_t version = engine.bus().version();
  const uint64_t generation = engine.generation();
  if (!finished_() && (!read_once_ || version != read_version_ || generation != generation_)) {
    read_once_ = true;
    read_version_ = version;
    generation_ = generation;
    auto events = engine.store().Events(run_id_, applied_seq_());
    if (!events.ok()) return false;
    for (const Event& e : events.value()) {
      if (!fold_(e, frames_)) {
        broken_ = true;
        return false;
      }
    }
  }
  for (; *next < frames_.size(); ++*next) {
    if (frames_[*next].id > after_id) wire += frames_[*next].wire;
  }
  return true;
}

bool SharedFrames::Done(size_t next) const {
  std::lock_guard<std::mutex> g(mu_);
  return finished_() && next >= frames_.size();
}

std::shared_ptr<SharedFrames> SharedFramesRegistry::Get(const std::string& key,
                                                        const std::function<std::shared_ptr<SharedFrames>()>& make) {
  std::lock_guard<std::mutex> g(mu_);
  auto it = entries_.find(key);
  if (it != entries_.end()) {
    if (auto live = it->second.lock()) return live;
  }
  // Forget runs nobody follows any more, so the map stays as small as the
  // set of followed runs.
  for (auto e = entries_.begin(); e != entries_.end();) e = e->second.expired() ? entries_.erase(e) : std::next(e);
  auto made = make();
  entries_[key] = made;
  return made;
}

}  // namespace sandbox::dialects
