// Following a run's log as a Server-Sent Events stream, shared by the
// dialects: replay what is stored, then wait on the engine's bus for each new
// commit, send a keep-alive while idle, and end after the run's last frame.
// What the frames look like is the dialect's; how a stream keeps up with the
// log (and never misses a commit) is written once, here.
#pragma once

#include <httplib.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/event.h"
#include "engine/engine.h"

namespace sandbox::dialects {

struct RunLogRenderer {
  // The last log sequence folded so far (new events are read after it).
  std::function<int64_t()> applied_seq;
  // Folds `events` and appends the wire text to send; false on a bad log.
  std::function<bool(const std::vector<Event>& events, std::string& wire)> render;
  // True once the run's last frame has been rendered.
  std::function<bool()> finished;
  // The wire text of a keep-alive, sent after `heartbeat_ms` without news.
  std::function<std::string()> heartbeat;
};

// Sets `res` up as a text/event-stream that follows `run_id` of `engine`.
// `renderer` lives as long as the stream.
void StreamRunLog(httplib::Response& res, engine::Engine* engine, const std::string& run_id, int64_t heartbeat_ms,
                  std::shared_ptr<RunLogRenderer> renderer);

}  // namespace sandbox::dialects
