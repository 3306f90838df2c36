// The Middesk run stream as AG-UI events, derived from the run's log alone so
// that a live stream, a replay and a reconnect all see the same frames.
//
// Frame numbering (the SSE `id:`): frame 1 is RUN_STARTED; the STATE_SNAPSHOT
// following event n of the log is frame n + 1 (so there is one snapshot per
// event, the run as GET /v1/runs/{id}?include=steps showed it right after that
// event); when the run ends, its last frame is last_seq + 2: RUN_FINISHED
// (outcome cancelled for a cancelled run), or RUN_ERROR for a failed one, so
// that an AG-UI client sees the failure (issue 14; docs/middesk.md "The run
// stream"). A client that reconnects with Last-Event-ID: k gets every frame
// numbered above k.
//
// A run that waits for an answer ends its stream too, unless the client asked
// to follow it through resumes: PauseEnding() is the RUN_FINISHED with the
// interrupt outcome that closes it. It has no `id:`, because it is not part of
// the log's frames: a reconnect after the resume replays them all, and the
// ending shows only while the run still waits.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/event.h"
#include "core/status.h"
#include "dialects/middesk/errors.h"

namespace sandbox::middesk {

struct StreamFrame {
  int64_t id = 0;
  std::string event;  // RUN_STARTED | STATE_SNAPSHOT | RUN_FINISHED | RUN_ERROR
  // The frame's fields, but for a STATE_SNAPSHOT's last one, `snapshot`:
  // the whole run, kept as the text AppendRunText writes. It is most of
  // every frame's bytes, and building it as a tree cost more than all the
  // rest of the frame (issue 12).
  OrderedJson data;
  std::string snapshot;      // "" for every other frame
  std::string Wire() const;  // the SSE text of this frame
  OrderedJson Data() const;  // all the fields, `snapshot` parsed back (tests)
};

class RunStreamFrames {
 public:
  // Folds `e` into the run and returns the frames it produces.
  Result<std::vector<StreamFrame>> Next(const Event& e);
  int64_t applied_seq() const { return state_.run.last_seq; }
  bool finished() const;
  // The wire of RUN_FINISHED with `outcome: {type: "interrupt", interrupts}`
  // while the run, as folded so far, waits for an answer; "" otherwise.
  std::string PauseEnding() const;

 private:
  RunState state_;
};

}  // namespace sandbox::middesk
