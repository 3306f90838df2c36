// The Middesk run stream as AG-UI events, derived from the run's log alone so
// that a live stream, a replay and a reconnect all see the same frames.
//
// Frame numbering (the SSE `id:`): frame 1 is RUN_STARTED; the STATE_SNAPSHOT
// following event n of the log is frame n + 1 (so there is one snapshot per
// event, the run as GET /v1/runs/{id}?include=steps showed it right after that
// event); when the run ends, RUN_FINISHED is frame last_seq + 2. A client that
// reconnects with Last-Event-ID: k gets every frame numbered above k.
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
  std::string event;  // RUN_STARTED | STATE_SNAPSHOT | RUN_FINISHED
  OrderedJson data;
  std::string Wire() const;  // the SSE text of this frame
};

class RunStreamFrames {
 public:
  // Folds `e` into the run and returns the frames it produces.
  Result<std::vector<StreamFrame>> Next(const Event& e);
  int64_t applied_seq() const { return state_.run.last_seq; }
  bool finished() const;

 private:
  RunState state_;
};

}  // namespace sandbox::middesk
