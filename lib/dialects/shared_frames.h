// The frames of one run's stream, rendered once and shared by every client
// that follows the run (issue 12). Without it, each of 1,000 clients on one
// run read the new events and rendered every frame itself: memory and CPU grew
// with clients times frames, and the slowest clients fell seconds behind.
// Now the first client to find the log ahead of the frames reads the new
// events and renders them, under the run's lock; the others copy the text.
// A client keeps only a cursor into the shared frames.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/event.h"
#include "engine/engine.h"

namespace sandbox::dialects {

struct WireFrame {
  int64_t id = 0;    // what Last-Event-ID compares with
  std::string wire;  // the SSE text, as sent
};

class SharedFrames {
 public:
  // The dialect's rendering: folds `e` into its state and appends the frames
  // it produces; false on a log it cannot fold.
  using Fold = std::function<bool(const Event& e, std::vector<WireFrame>& out)>;
  SharedFrames(std::string run_id, Fold fold, std::function<int64_t()> applied_seq, std::function<bool()> finished)
      : run_id_(std::move(run_id)),
        fold_(std::move(fold)),
        applied_seq_(std::move(applied_seq)),
        finished_(std::move(finished)) {}

  // Renders what the engine's store logged past the frames so far, then
  // appends to `wire` the frames from `*next` on whose id is above
  // `after_id`, and moves `*next` past them. The store is read only when the
  // engine's bus has announced a commit since the last read (the version is
  // taken before reading, so a commit during the read is read next time):
  // when a commit wakes 1,000 clients, one reads. False on a log that cannot
  // be read or folded.
  bool Follow(engine::Engine& engine, size_t* next, int64_t after_id, std::string& wire);
  // True once the run's last frame has been rendered and a client whose
  // cursor is `next` has had every frame.
  bool Done(size_t next) const;

 private:
  const std::string run_id_;
  mutable std::mutex mu_;
  Fold fold_;
  std::function<int64_t()> applied_seq_;
  std::function<bool()> finished_;
  std::vector<WireFrame> frames_;
  bool read_once_ = false;
  uint64_t read_version_ = 0;  // the bus version before the last read
  uint64_t generation_ = 0;    // the engine's, at the last read
  bool broken_ = false;
};

// The SharedFrames of every followed run, by a key the dialect makes (its
// name, the namespace, the run, the engine's generation: a reset starts new
// frames). An entry lives as long as some client holds it.
class SharedFramesRegistry {
 public:
  std::shared_ptr<SharedFrames> Get(const std::string& key, const std::function<std::shared_ptr<SharedFrames>()>& make);

 private:
  std::mutex mu_;
  std::unordered_map<std::string, std::weak_ptr<SharedFrames>> entries_;
};

}  // namespace sandbox::dialects
