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
#include "dialects/shared_frames.h"
#include "engine/engine.h"

namespace sandbox::dialects {

struct RunLogRenderer {
  // The run's watch on the engine's bus (SharedFrames::watch).
  std::shared_ptr<engine::RunWatch> watch;
  // Appends the wire text of every frame this client has not had yet
  // (through SharedFrames::Follow: read and rendered once for all clients);
  // false on a bad log.
  std::function<bool(std::string& wire)> catch_up;
  // True once this client has had the run's last frame.
  std::function<bool()> finished;
  // The wire text of a keep-alive, sent after `heartbeat_ms` without news.
  std::function<std::string()> heartbeat;
};

// Sets `res` up as a text/event-stream that follows a run of `engine`
// through `renderer`, waking on commits to the run. `renderer` lives as long
// as the stream.
void StreamRunLog(httplib::Response& res, engine::Engine* engine, int64_t heartbeat_ms,
                  std::shared_ptr<RunLogRenderer> renderer);

// StreamRunLog over a run's shared frames: the registry's entry under `key`
// (made by `make` when there is none), or frames of this client's own when
// the shared ones have dropped some it needs (SharedFrames::Join; they drop
// frames only while the registry's FrameBudget is spent). Sends the
// frames whose id is above `after_id`, and `heartbeat()` while idle.
void StreamSharedFrames(httplib::Response& res, engine::Engine* engine, SharedFramesRegistry& registry,
                        const std::string& key, int64_t after_id, int64_t heartbeat_ms,
                        const std::function<std::shared_ptr<SharedFrames>()>& make,
                        std::function<std::string()> heartbeat);

}  // namespace sandbox::dialects
