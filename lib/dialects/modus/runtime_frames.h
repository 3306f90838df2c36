// The Modus runtime's SSE frames (spec section 5, docs/modus.md "Runtime"),
// derived from a run's event log alone, so a live stream, a replay, a
// reconnect and the long-poll all see the same frames with the same ids.
//
// A frame is `id: <cursor>` + `data: <RunEvent JSON>` (no `event:` line). The
// cursor of the frame an event produces is "<event instant ms>-<event seq>"
// (Redis-stream-like); it is strictly increasing along a run, and only its
// seq matters when a client resumes after it. Heartbeats carry no id: they
// are not part of the log and cannot be replayed.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/event.h"
#include "dialects/modus/errors.h"

namespace sandbox::modus {

struct RuntimeFrame {
  std::string id;   // the cursor; empty for frames that are not replayable
  int64_t seq = 0;  // the log event it came from (0: none)
  OrderedJson data;
  std::string Wire() const;  // the SSE text of this frame
};

// "<at>-<seq>".
std::string RuntimeCursor(Instant at, int64_t seq);
// The seq after which a client wants frames: "" and "0" mean from the start
// (0); "<ms>-<seq>" gives seq; anything else is nullopt (malformed).
std::optional<int64_t> ParseRuntimeCursor(const std::string& text);

// {"type":"heartbeat","timestamp":<now>} without an id.
RuntimeFrame HeartbeatFrame(Instant now);
// A single error frame without an id, e.g. for an Idempotency-Key conflict.
RuntimeFrame ErrorFrame(const std::string& message);

class RuntimeFrames {
 public:
  // Folds `e` (the next event of the run's log) and returns its frame, if it
  // makes one.
  std::optional<RuntimeFrame> Next(const Event& e);
  int64_t applied_seq() const { return applied_seq_; }
  // True once a terminal frame (done, error, cancelled) was produced.
  bool finished() const { return finished_; }

 private:
  int64_t applied_seq_ = 0;
  bool finished_ = false;
  std::string session_id_;  // the create request's sessionId (run.started)
  std::map<std::string, std::string> step_labels_;
};

}  // namespace sandbox::modus
