// The sends to parked followers (issue 12): while a stream's thread sleeps
// between frames its reader is parked, and the follower that renders the
// run's next frames sends them on the sleeper's connection itself, so that
// 1,000 followers of one run need not wake to send each its own. Who may
// write on a follower's connection is one atomic word per reader; see
// docs/architecture.md, "Reads and streams under load".
#include <algorithm>
#include <utility>

#include "core/wall_wait.h"
#include "dialects/shared_frames.h"
#include "http/server.h"

namespace sandbox::dialects {

void SharedFrames::Reader::TakeBack() {
  while (true) {
    uint32_t state = park_.load();
    if (state == kActive) return;
    if (state == kParked) {
      if (park_.compare_exchange_weak(state, kActive)) return;
      continue;
    }
    // Another follower is sending for this one: one send that never waits
    // for room, then it lets go and wakes us (kAwaited says someone waits).
    if (state == kClaimed && !park_.compare_exchange_weak(state, kAwaited)) continue;
    (void)WaitWordWallMs(park_, kAwaited, 1000);
  }
}

bool SharedFrames::UnsentInFilesLocked(const Reader& reader) const {
  for (size_t i = reader.next_; i < dropped_ + frames_.size(); ++i) {
    const HeldFrame& frame = frames_[i - dropped_];
    if (frame.id > reader.after_id_ && !frame.frame.file) return false;
  }
  return true;
}

void SharedFrames::Park(Reader& reader, int socket) {
  reader.socket_ = socket;
  reader.park_.store(socket >= 0 ? Reader::kParked : Reader::kActive);
}

bool SharedFrames::Unpark(Reader& reader, WireParts& out) {
  reader.TakeBack();
  if (reader.send_failed_) return false;
  if (reader.rest_.size > 0) out.rest = std::exchange(reader.rest_, {});
  if (!reader.rest_frames_.empty()) {
    out.shared.insert(out.shared.begin(), reader.rest_frames_.begin(), reader.rest_frames_.end());
    reader.rest_frames_.clear();
  }
  return true;
}

bool SharedFrames::SendToParked(Reader& self, WireParts& out) {
  // This follower's own frames first, the same way: its client waits as
  // the others do, and its thread has the others' to send before its own.
  const bool in_files = std::all_of(out.shared.begin(), out.shared.end(), [](const FrameRef& f) { return f.file; });
  if (self.socket_ >= 0 && out.rest.size == 0 && out.own.empty() && !out.shared.empty() && in_files) {
    const std::vector<FrameRef> mine = std::exchange(out.shared, {});
    SendNow(self, mine);
    if (self.send_failed_) return false;
    out.rest = std::exchange(self.rest_, {});
    out.shared = std::exchange(self.rest_frames_, {});
  }
  // Claimed under readers_mu_, so that none of them can leave meanwhile
  // (~Reader waits out a claim), then sent to one by one without it.
  std::vector<Reader*> claimed;
  {
    std::lock_guard<std::mutex> g(readers_mu_);
    claimed.reserve(readers_.size());
    for (Reader* r : readers_) {
      uint32_t parked = Reader::kParked;
      if (r != &self && r->park_.load(std::memory_order_relaxed) == parked &&
          r->park_.compare_exchange_strong(parked, Reader::kClaimed)) {
        claimed.push_back(r);
      }
    }
  }
  std::vector<FrameRef> frames;
  for (Reader* r : claimed) {
    frames.clear();
    // A follower with the rest of an earlier send pending sends it and
    // what follows itself: its chunks must stay in order.
    if (!r->send_failed_ && r->rest_.size == 0 && r->rest_frames_.empty()) {
      std::shared_lock<std::shared_mutex> g(mu_);
      if (!broken_ && UnsentInFilesLocked(*r)) CopyUnsentLocked(*r, frames);
    }
    if (!frames.empty()) SendNow(*r, frames);
    if (r->park_.exchange(Reader::kParked) == Reader::kAwaited) WakeWordWaiters(r->park_);
  }
  return true;
}

void SharedFrames::SendNow(Reader& reader, const std::vector<FrameRef>& frames) {
  for (size_t i = 0; i < frames.size();) {
    const WireParts::FileRange run = NextFileRun(frames, i);
    const int64_t sent = http::SendFileNow(reader.socket_, run.file->fd(), run.at, run.size);
    if (sent < 0) {
      reader.send_failed_ = true;
      return;
    }
    if (static_cast<size_t>(sent) < run.size) {
      reader.rest_ = {run.file, run.at + sent, run.size - static_cast<size_t>(sent)};
      reader.rest_frames_.assign(frames.begin() + static_cast<std::ptrdiff_t>(i), frames.end());
      return;
    }
  }
}

}  // namespace sandbox::dialects
