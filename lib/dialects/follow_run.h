// Following a run's log as a Server-Sent Events stream, shared by the
// dialects: replay what is stored, then wait on the engine's bus for each new
// commit, send a keep-alive while idle, and end after the run's last frame.
// What the frames look like is the dialect's; how a stream keeps up with the
// log (and never misses a commit) is written once, here.
#pragma once

#include <httplib.h>

#include <functional>
#include <optional>
#include <memory>
#include <string>
#include <vector>

#include "core/event.h"
#include "dialects/shared_frames.h"
#include "engine/engine.h"

namespace sandbox::dialects {

struct RunLogRenderer {
  // The run followed (a scenario's stream faults are the run's).
  std::string run_id;
  // The run's watch on the engine's bus (SharedFrames::watch).
  std::shared_ptr<engine::RunWatch> watch;
  // Adds every frame this client has not had yet (through
  // SharedFrames::Follow: read and rendered once for all clients, and
  // shared, not copied); false on a bad log.
  std::function<bool(WireParts& wire)> catch_up;
  // True once this client has had the run's last frame.
  std::function<bool()> finished;
  // The wire text of a keep-alive, sent after `heartbeat_ms` without news.
  std::function<std::string()> heartbeat;
  // When set: the frame that ends the stream because the run waits for an
  // answer, once this client is caught up ("" while it is not; SharedFrames::
  // PauseEnding). Unset: the stream stays open through the wait.
  std::function<std::string()> pause_ending;
  // When set: lets the follower that renders the next frames send them
  // to this client's connection, `socket`, while this one sleeps (park;
  // SharedFrames::Park), and takes the connection back (unpark: adds what
  // such a send left to the wire; false when it failed).
  std::function<void(int socket)> park;
  std::function<bool(WireParts& wire)> unpark;
};

// Sets `res` up as a text/event-stream that follows a run of `engine`
// through `renderer`, waking on commits to the run. `renderer` lives as long
// as the stream.
void StreamRunLog(httplib::Response& res, engine::Engine* engine, int64_t heartbeat_ms,
                  std::shared_ptr<RunLogRenderer> renderer);

// The loop every run stream runs inside its content provider: render what
// the log has added, hand it to `write`, wait for the next commit (a
// keep-alive after `heartbeat_ms` of quiet), until the run's last frame, the
// server's stop or the client's departure (or, with a pause_ending, until the
// run waits for an answer). `write` returns nullopt to go on,
// or the provider's answer to end the stream at once (a stream fault's
// drop or stall). With `park_socket` (this request's connection, for a
// stream the library writes as given) and the renderer's park, other
// followers may send on it while this one sleeps; -1: never. Returns the
// provider's answer.
using WireWriter = std::function<std::optional<bool>(const WireParts& wire, httplib::DataSink& sink)>;
bool FollowRunLog(engine::Engine* engine, RunLogRenderer& r, int64_t heartbeat_ms, httplib::DataSink& sink,
                  const WireWriter& write, int park_socket = -1);

// StreamRunLog over a run's shared frames: the registry's entry under `key`
// (made by `make` when there is none), or frames of this client's own when
// the shared ones have dropped some it needs (SharedFrames::Join; they drop
// frames only while the registry's FrameBudget is spent). Sends the
// frames whose id is above `after_id`, and `heartbeat()` while idle.
// `end_on_pause`: the stream ends with the frames' PauseEnding while the run
// waits for an answer, instead of staying open through the wait.
void StreamSharedFrames(httplib::Response& res, engine::Engine* engine, SharedFramesRegistry& registry,
                        const std::string& key, int64_t after_id, int64_t heartbeat_ms,
                        const std::function<std::shared_ptr<SharedFrames>()>& make,
                        std::function<std::string()> heartbeat, bool end_on_pause = false);

}  // namespace sandbox::dialects
