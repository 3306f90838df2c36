// The frames of one run's stream, rendered once and shared by every client
// that follows the run (issue 12). Without it, each of 1,000 clients on one
// run read the new events and rendered every frame itself: memory and CPU grew
// with clients times frames, and the slowest clients fell seconds behind.
// Now the first client to find the log ahead of the frames reads the new
// events and renders them, holding the frames' lock exclusively; the others
// wait for it to finish (all woken at once), then take references to the
// text side by side under a shared lock. Mostly they do not even wake: a
// commit wakes one follower, which renders, sends the new frames to every
// follower asleep on its connection (Park), and only then passes the wake
// on (EventBus::PassOn); the others wake to end their responses, their
// frames already sent. A client keeps only a cursor into the shared
// frames, and frames every client has had are dropped.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/event.h"
#include "dialects/frame_file.h"
#include "engine/engine.h"

namespace sandbox::dialects {

// The bytes of frames every SharedFrames of a registry holds, and how many
// they may hold before frames that all their followers have had are
// dropped. Below the limit frames are kept, so clients that join late (a
// thousand connecting to one run over a second, a reconnect from the start)
// share them; above it, 1,000 streams on 1,000 runs hold about the limit
// plus what is still to be sent.
struct FrameBudget {
  explicit FrameBudget(int64_t limit_bytes) : limit(limit_bytes) {}
  const int64_t limit;
  std::atomic<int64_t> held{0};
  bool over() const { return held.load(std::memory_order_relaxed) > limit; }
};

// The default budget of a registry (one per dialect). 64 MiB held 1,000
// streams on 1,000 runs at 238-243 MiB of RSS, over the 256 MiB target
// with the noise of a shared machine; 16 at 196-200, with the same delays
// (issue 12). One run's frames (45 for cip_orchestrator, ~150 KB) stay far
// below it, so 1,000 clients on one run still share them all.
inline constexpr int64_t kFrameBudgetBytes = 16 << 20;

struct WireFrame {
  int64_t id = 0;    // what Last-Event-ID compares with
  std::string wire;  // the SSE text, as sent
};

// One rendered frame, shared by reference: its text in memory, or its chunk
// in a FrameFile (the text after the chunk's size line).
struct FrameRef {
  std::shared_ptr<const std::string> text;  // null when the frame is in `file`
  std::shared_ptr<const FrameFile> file;
  int64_t chunk_at = 0;  // where the frame's chunk starts in `file`
  uint32_t head = 0;     // the length of the chunk's size line, "<hex>\r\n"
  size_t size = 0;       // the frame's text
  size_t chunk_size() const { return head + size + 2; }
};

// What one follower is to send next: frames shared with the run's other
// followers, by reference (1,000 clients on one run each got ~145 KB at a
// resume: a copy per client cost more than the sending), then text of its
// own (the frame that ends a paused stream).
struct WireParts {
  // What is left of a send another follower began for this one while it
  // slept (SharedFrames::Unpark): `size` bytes of chunks from `at` in
  // `file`, sent before `shared`.
  struct FileRange {
    std::shared_ptr<const FrameFile> file;
    int64_t at = 0;
    size_t size = 0;
  } rest;
  std::vector<FrameRef> shared;
  std::string own;
  // The stream ends after these: a writer may hold the connection's last
  // segment back until the end of the body joins it (http::EndsWithNextWrite).
  bool last = false;
  bool empty() const { return rest.size == 0 && shared.empty() && own.empty(); }
  // The whole text, copied once (for writers that cut it frame by frame);
  // nullopt when a frame's file cannot be read, or with a `rest` (chunks,
  // which only a stream's own connection takes).
  std::optional<std::string> Joined() const;
};

// The frames from `i` on that lie side by side in one file, as one range of
// chunks (one sendfile() sends it); moves `i` past them. `frames[i]` must be
// in a file.
WireParts::FileRange NextFileRun(const std::vector<FrameRef>& frames, size_t& i);

class SharedFrames : public std::enable_shared_from_this<SharedFrames> {
 public:
  // The dialect's rendering: folds `e` into its state and appends the frames
  // it produces; false on a log it cannot fold.
  using Fold = std::function<bool(const Event& e, std::vector<WireFrame>& out)>;
  // `watch` is the engine bus's watch of the run (EventBus::Watch).
  // `pause_ending`, when given, is the dialect's frame that ends a
  // follower's stream while the run waits for an answer ("" when it does
  // not wait); it reads the folded state, so it is called under the frames'
  // lock (PauseEnding).
  SharedFrames(std::string run_id, std::shared_ptr<engine::RunWatch> watch, Fold fold,
               std::function<int64_t()> applied_seq, std::function<bool()> finished,
               std::function<std::string()> pause_ending = {})
      : run_id_(std::move(run_id)),
        watch_(std::move(watch)),
        fold_(std::move(fold)),
        applied_seq_(std::move(applied_seq)),
        finished_(std::move(finished)),
        pause_ending_(std::move(pause_ending)) {}

  const std::string& run_id() const { return run_id_; }

  // One follower's place in the frames; it leaves when destroyed.
  class Reader {
   public:
    ~Reader();
    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;

   private:
    friend class SharedFrames;
    Reader(std::shared_ptr<SharedFrames> frames, size_t next, int64_t after_id)
        : frames_(std::move(frames)), next_(next), after_id_(after_id) {}
    // Who holds the follower's connection and cursor: its own thread
    // (kActive), nobody while it sleeps (kParked: another follower may
    // claim them), or another follower sending its frames (kClaimed).
    enum : uint32_t { kActive, kParked, kClaimed, kAwaited };  // kAwaited: claimed, and its thread waits
    // Waits out a claim and takes the connection back (Unpark).
    void TakeBack();
    std::shared_ptr<SharedFrames> frames_;
    size_t next_;  // the next frame to send, counted from the run's first
    int64_t after_id_;
    size_t slot_ = 0;  // where it is in readers_ (under readers_mu_)
    std::atomic<uint32_t> park_{kActive};
    int socket_ = -1;  // its connection while parked
    // What a send by another follower left: written by the claimer, read
    // by the follower once it has the connection back.
    WireParts::FileRange rest_;
    std::vector<FrameRef> rest_frames_;
    bool send_failed_ = false;
  };

  // A follower that wants the frames whose id is above `after_id`; null when
  // some of those were already dropped (the follower then renders its own:
  // a fresh SharedFrames).
  std::unique_ptr<Reader> Join(int64_t after_id);

  // Renders what the engine's store logged past the frames so far, then
  // adds to `out.shared` the frames `reader` has not had whose id is above
  // its `after_id`. The store is read only when the engine's bus has announced a
  // commit to the run since the last read (the version is taken before
  // reading, so a commit during the read is read next time): when a commit
  // wakes 1,000 clients, one reads. While the budget is spent, frames every
  // follower has had are dropped (after each send while a run has few
  // followers, else at the next read).
  // The follower that renders sends the new frames itself, before it
  // returns, to the followers parked on their connections (Park), and its
  // own frames on its own connection when it has parked before; what does
  // not go stays in `out`. Followers that find another rendering wait for
  // it, parked, so that they are sent to as well.
  // False on a log that cannot be read or folded, or when a send begun for
  // `reader` failed (its client is gone).
  bool Follow(engine::Engine& engine, Reader& reader, WireParts& out);
  // While `reader`'s thread sleeps, the follower that renders the next
  // frames may send them to `socket`, its connection, as far as it takes
  // them without waiting (http::SendFileNow): 1,000 followers of one run
  // woke each to send its own ~145 KB at a resume, and the sandbox's
  // threads held both cores while the clients read nothing (issue 12).
  // Only frames in files are sent so, whole chunks, in order. Call Unpark
  // before anything else is sent on the connection.
  void Park(Reader& reader, int socket);
  // Takes `reader`'s connection back: waits while another follower sends
  // on it, then adds to `out` (empty so far) what that send left. False
  // when such a send failed: the client is gone, and the stream must end.
  [[nodiscard]] bool Unpark(Reader& reader, WireParts& out);
  // True once the run's last frame has been rendered and `reader` has had
  // every frame.
  bool Done(const Reader& reader) const;
  // The frame that ends `reader`'s stream because the run waits for an
  // answer, once `reader` has had every frame rendered so far; "" otherwise.
  std::string PauseEnding(const Reader& reader) const;
  // Counts this run's frames against `budget` (before any Follow); without
  // one, frames are dropped as soon as every follower has had them.
  void set_budget(std::shared_ptr<FrameBudget> budget);
  // Where each read's frames are kept (before any Follow): FrameFile::Write
  // unless told otherwise; with no maker, or when it makes no file, in
  // memory.
  void set_frame_files(FrameFileMaker make) { make_file_ = std::move(make); }
  // What the run's followers wait on between frames.
  const std::shared_ptr<engine::RunWatch>& watch() const { return watch_; }

  ~SharedFrames();

 private:
  void DropDeliveredLocked();
  bool OverBudget() const { return !budget_ || budget_->over(); }
  // Whether the store has news the frames lack (under mu_, shared or not).
  bool NeedsReadLocked(engine::Engine& engine, uint64_t& version, uint64_t& generation) const;
  // Reads and renders the news (under mu_, exclusively); false on a bad log.
  bool ReadLocked(engine::Engine& engine, uint64_t version, uint64_t generation);
  // Adds the frames `reader` lacks to `out`: its own cursor moves, so only
  // its own thread calls it (under mu_, shared or not).
  void CopyUnsentLocked(Reader& reader, std::vector<FrameRef>& out) const;
  // Whether every frame `reader` lacks is in a file (under mu_).
  bool UnsentInFilesLocked(const Reader& reader) const;
  // Sends `self`'s new frames (`out`, from its read) on its connection, then
  // their new frames to the parked followers (Park), each as far as its
  // connection takes them; what did not go stays in `out` and in each
  // reader. False when the send to `self` failed.
  [[nodiscard]] bool SendToParked(Reader& self, WireParts& out);
  // Sends `frames` (in files) on `reader`'s connection; keeps what does not
  // go in the reader.
  static void SendNow(Reader& reader, const std::vector<FrameRef>& frames);
  static constexpr size_t kDropOnSendReaders = 8;
  // Followers at a read from which its frames go into a file: 1,000 streams
  // on 1,000 runs went 5-40 % slower with a file per read (alternated
  // twice), 1,000 streams on one run 20 % faster.
  static constexpr size_t kFileReaders = 2;

  const std::string run_id_;
  const std::shared_ptr<engine::RunWatch> watch_;
  // Shared by followers that copy what is rendered, exclusive to the one
  // that renders and to joins. A commit wakes every follower of
  // the run at once: with a plain mutex, 1,000 of them took it one after
  // another, each handing it on through the kernel (issue 12).
  mutable std::shared_mutex mu_;
  // One follower renders; the others wait for `renders_` to move, all woken
  // at once, instead of queueing for the exclusive lock.
  std::atomic<bool> rendering_{false};
  std::atomic<uint32_t> renders_{0};
  Fold fold_;
  std::function<int64_t()> applied_seq_;
  std::function<bool()> finished_;
  std::function<std::string()> pause_ending_;
  FrameFileMaker make_file_ = FrameFile::Write;
  struct HeldFrame {
    int64_t id;
    FrameRef frame;  // immutable: followers send it outside the lock
  };
  std::vector<HeldFrame> frames_;     // from frame number dropped_ on
  std::vector<WireFrame> folded_;     // the fold's output, reused
  size_t dropped_ = 0;                // frames every follower had, no longer kept
  std::optional<int64_t> dropped_max_id_;  // the highest id among them
  // The followers, joined under mu_ (held exclusively) and readers_mu_, and
  // left under readers_mu_ alone; read under both.
  std::mutex readers_mu_;
  std::vector<Reader*> readers_;
  std::atomic<size_t> reader_count_{0};  // readers_.size(), for reads under mu_ shared
  std::shared_ptr<FrameBudget> budget_;
  int64_t held_bytes_ = 0;  // of frames_, counted in budget_
  bool read_once_ = false;
  uint64_t read_version_ = 0;  // the watch's version before the last read
  uint64_t generation_ = 0;    // the engine's, at the last read
  bool broken_ = false;
};

// The SharedFrames of every followed run, by a key the dialect makes (its
// name, the namespace, the run, the engine's generation: a reset starts new
// frames). An entry lives as long as some client holds it.
class SharedFramesRegistry {
 public:
  explicit SharedFramesRegistry(int64_t budget_bytes = kFrameBudgetBytes)
      : budget_(std::make_shared<FrameBudget>(budget_bytes)) {}
  // The entry under `key`, or `make()`'s, counted against the budget.
  std::shared_ptr<SharedFrames> Get(const std::string& key, const std::function<std::shared_ptr<SharedFrames>()>& make);
  const std::shared_ptr<FrameBudget>& budget() const { return budget_; }

 private:
  std::mutex mu_;
  std::unordered_map<std::string, std::weak_ptr<SharedFrames>> entries_;
  std::shared_ptr<FrameBudget> budget_;
};

}  // namespace sandbox::dialects
