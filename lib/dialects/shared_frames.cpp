// SharedFrames and its registry; see shared_frames.h.
#include "dialects/shared_frames.h"

#include <algorithm>
#include <exception>
#include <string_view>

#include "core/thread_cache.h"
#include "core/wall_wait.h"

namespace sandbox::dialects {

SharedFrames::Reader::~Reader() {
  // A claimer may be sending on the connection with this reader in hand.
  TakeBack();
  // Not under the frames' lock: 1,000 followers of one run end their
  // streams while others still send, and each leave taken exclusively
  // stopped every follower's shared Follow in turn (issue 12).
  std::lock_guard<std::mutex> g(frames_->readers_mu_);
  std::vector<Reader*>& readers = frames_->readers_;
  // The last follower takes this one's slot: 1,000 leaving one by one
  // would otherwise scan half a thousand slots each.
  readers[slot_] = readers.back();
  readers[slot_]->slot_ = slot_;
  readers.pop_back();
  frames_->reader_count_.store(readers.size(), std::memory_order_relaxed);
}

std::unique_ptr<SharedFrames::Reader> SharedFrames::Join(int64_t after_id) {
  std::unique_lock<std::shared_mutex> g(mu_);
  // Every dropped frame must be one this follower would skip anyway.
  if (dropped_max_id_ && after_id < *dropped_max_id_) return nullptr;
  std::unique_ptr<Reader> reader(new Reader(shared_from_this(), dropped_, after_id));
  std::lock_guard<std::mutex> r(readers_mu_);
  reader->slot_ = readers_.size();
  readers_.push_back(reader.get());
  reader_count_.store(readers_.size(), std::memory_order_relaxed);
  return reader;
}

WireParts::FileRange NextFileRun(const std::vector<FrameRef>& frames, size_t& i) {
  const FrameRef& first = frames[i];
  int64_t end = first.chunk_at + static_cast<int64_t>(first.chunk_size());
  for (++i; i < frames.size() && frames[i].file == first.file && frames[i].chunk_at == end; ++i) {
    end += static_cast<int64_t>(frames[i].chunk_size());
  }
  return {first.file, first.chunk_at, static_cast<size_t>(end - first.chunk_at)};
}

std::optional<std::string> WireParts::Joined() const {
  size_t size = own.size();
  if (rest.size > 0) return std::nullopt;
  for (const FrameRef& frame : shared) size += frame.size;
  std::string text;
  text.reserve(size);
  for (const FrameRef& frame : shared) {
    if (!frame.file) {
      text += *frame.text;
    } else if (!frame.file->Read(frame.chunk_at + frame.head, frame.size, text)) {
      return std::nullopt;
    }
  }
  return text + own;
}

bool SharedFrames::NeedsReadLocked(engine::Engine& engine, uint64_t& version, uint64_t& generation) const {
  version = engine.bus().version(*watch_);
  generation = engine.generation();
  return !finished_() && (!read_once_ || version != read_version_ || generation != generation_);
}

bool SharedFrames::ReadLocked(engine::Engine& engine, uint64_t version, uint64_t generation) {
  read_once_ = true;
  read_version_ = version;
  generation_ = generation;
  // Reading and rendering allocate a block for every JSON value.
  AllocatorCacheForBurst busy;
  auto events = engine.store().Events(run_id_, applied_seq_());
  if (!events.ok()) return false;
  if (OverBudget()) DropDeliveredLocked();
  folded_.clear();
  try {
    for (const Event& e : events.value()) {
      if (!fold_(e, folded_)) {
        broken_ = true;
        return false;
      }
    }
  } catch (const std::exception&) {
    // A string that is not UTF-8 (only a hand-edited database holds one)
    // throws from the JSON writer: the log cannot be rendered, as a bad
    // event cannot, and the waiting followers must hear it.
    broken_ = true;
    return false;
  }
  // With several followers, the read's frames go into one file that each
  // of them sends from (frame_file.h); with one (most runs: 1,000 streams on
  // 1,000 runs), a file costs more than the one copy it saves, and the
  // frames stay in memory, as they do when no file can be made. An empty
  // frame stays in memory: as a chunk it would end the body.
  std::shared_ptr<const FrameFile> file;
  if (make_file_ && reader_count_.load(std::memory_order_relaxed) >= kFileReaders) {
    std::vector<std::string_view> texts;
    texts.reserve(folded_.size());
    for (const WireFrame& f : folded_) {
      if (!f.wire.empty()) texts.emplace_back(f.wire);
    }
    if (!texts.empty()) file = make_file_(texts);
  }
  int64_t added = 0, at = 0;
  for (WireFrame& f : folded_) {
    FrameRef ref;
    ref.size = f.wire.size();
    if (file && !f.wire.empty()) {
      ref.file = file;
      ref.chunk_at = at;
      ref.head = FrameFile::ChunkHeadSize(ref.size);
      at += static_cast<int64_t>(ref.chunk_size());
    } else {
      ref.text = std::make_shared<const std::string>(std::move(f.wire));
    }
    added += static_cast<int64_t>(ref.size);
    frames_.push_back({f.id, std::move(ref)});
  }
  // The text is in the file now: 1,000 streams on 1,000 runs each kept
  // their last read's here until the next (150 MiB more RSS).
  folded_.clear();
  held_bytes_ += added;
  if (budget_) budget_->held += added;
  return true;
}

void SharedFrames::CopyUnsentLocked(Reader& reader, std::vector<FrameRef>& out) const {
  // One allocation: 1,000 followers of one run copy 15 references each at a
  // resume, with no allocator cache (core/thread_cache.h).
  out.reserve(out.size() + (dropped_ + frames_.size() - std::min(reader.next_, dropped_ + frames_.size())));
  for (; reader.next_ < dropped_ + frames_.size(); ++reader.next_) {
    const HeldFrame& frame = frames_[reader.next_ - dropped_];
    if (frame.id > reader.after_id_) out.push_back(frame.frame);
  }
}

bool SharedFrames::Follow(engine::Engine& engine, Reader& reader, WireParts& out) {
  // With few followers (most runs have one), frames go as soon as they are
  // sent; with many, at the next read of the store.
  const auto drop_on_send = [&] {
    return reader_count_.load(std::memory_order_relaxed) <= kDropOnSendReaders && OverBudget();
  };
  // Bounds one wait for another follower's rendering (which always wakes the
  // waiters when it ends).
  constexpr int64_t kRenderWaitMs = 1000;
  while (true) {
    const uint32_t renders_seen = renders_.load();
    enum class Next { kExclusive, kRender, kWait } next;
    uint64_t version = 0, generation = 0;
    {
      std::shared_lock<std::shared_mutex> g(mu_);
      if (broken_) return false;
      if (rendering_.load()) {
        // Another follower renders, then sends to the followers asleep
        // (SendToParked): this one waits for it, and passes the wake on
        // only after, or the sleepers would wake to send their own.
        next = Next::kWait;
      } else if (!NeedsReadLocked(engine, version, generation)) {
        if (!drop_on_send()) {
          CopyUnsentLocked(reader, out.shared);
          return true;
        }
        next = Next::kExclusive;
      } else {
        next = rendering_.exchange(true) ? Next::kWait : Next::kRender;
      }
    }
    if (next == Next::kWait) {
      // Asleep again: the renderer may send this follower's frames as well.
      const bool park = reader.socket_ >= 0 && out.empty();
      if (park) Park(reader, reader.socket_);
      WaitWordWallMs(renders_, renders_seen, kRenderWaitMs);
      if (park && !Unpark(reader, out)) return false;
      continue;
    }
    std::unique_lock<std::shared_mutex> g(mu_);
    bool ok = true, rendered = false;
    // Read what the store holds now (more may have come since the check).
    if (next == Next::kRender && !broken_ && NeedsReadLocked(engine, version, generation)) {
      const size_t had = dropped_ + frames_.size();  // a read may drop frames before it adds
      ok = ReadLocked(engine, version, generation);
      rendered = ok && dropped_ + frames_.size() > had;
    }
    ok = ok && !broken_;
    if (ok) {
      CopyUnsentLocked(reader, out.shared);
      if (drop_on_send()) DropDeliveredLocked();
    }
    g.unlock();
    if (next == Next::kRender) {
      // The followers asleep get the new frames before any follower passes
      // the wake on (dialects::WaitForLog does so after its look), so the
      // ones waiting for this rendering wake only once they are sent.
      if (ok && rendered && reader_count_.load(std::memory_order_relaxed) >= kFileReaders) {
        ok = SendToParked(reader, out);
      }
      rendering_.store(false);
      renders_.fetch_add(1);
      WakeWordWaiters(renders_);
    }
    return ok;
  }
}

void SharedFrames::DropDeliveredLocked() {
  // Once per read of the store, not per follower's call: with 1,000
  // followers of one run, a scan of all of them on every call would cost
  // a million steps per commit.
  size_t upto = dropped_ + frames_.size();
  {
    // A follower moves its own cursor only under mu_ (held here
    // exclusively); this lock keeps a leaving one alive while it is read.
    std::lock_guard<std::mutex> g(readers_mu_);
    for (const Reader* r : readers_) upto = std::min(upto, r->next_);
  }
  if (upto == dropped_) return;
  auto end = frames_.begin() + static_cast<std::ptrdiff_t>(upto - dropped_);
  int64_t freed = 0;
  for (auto it = frames_.begin(); it != end; ++it) {
    dropped_max_id_ = dropped_max_id_ ? std::max(*dropped_max_id_, it->id) : it->id;
    freed += static_cast<int64_t>(it->frame.size);
  }
  held_bytes_ -= freed;
  if (budget_) budget_->held -= freed;
  frames_.erase(frames_.begin(), end);
  dropped_ = upto;
}

SharedFrames::~SharedFrames() {
  if (budget_) budget_->held -= held_bytes_;
}

void SharedFrames::set_budget(std::shared_ptr<FrameBudget> budget) {
  std::unique_lock<std::shared_mutex> g(mu_);
  if (budget_) budget_->held -= held_bytes_;
  budget_ = std::move(budget);
  if (budget_) budget_->held += held_bytes_;
}

bool SharedFrames::Done(const Reader& reader) const {
  std::shared_lock<std::shared_mutex> g(mu_);
  return finished_() && reader.next_ >= dropped_ + frames_.size();
}

std::string SharedFrames::PauseEnding(const Reader& reader) const {
  std::shared_lock<std::shared_mutex> g(mu_);
  if (!pause_ending_ || broken_ || reader.next_ < dropped_ + frames_.size()) return "";
  return pause_ending_();
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
  made->set_budget(budget_);
  entries_[key] = made;
  return made;
}

}  // namespace sandbox::dialects
