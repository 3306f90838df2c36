// StreamRunLog; see follow_run.h.
#include "dialects/follow_run.h"

#include "core/thread_cache.h"
#include "dialects/stream_faults.h"
#include "dialects/wait_for_log.h"
#include "http/faults.h"
#include "http/server.h"

namespace sandbox::dialects {
namespace {

// Sends `wire` as chunks straight on this request's connection: frames that
// lie side by side in one file by one sendfile(), frames in memory (and the
// follower's own text) in one gathered write. nullopt on a thread that
// serves no connection (before anything was sent: the caller writes through
// the sink), false once the client is gone or stalled.
std::optional<bool> SendOnConnection(const WireParts& wire, std::vector<std::string_view>& parts) {
  if (wire.rest.size > 0) {
    auto sent = http::WriteChunksFromFile(wire.rest.file->fd(), wire.rest.at, wire.rest.size);
    if (!sent || !*sent) return sent;
  }
  const std::vector<FrameRef>& frames = wire.shared;
  for (size_t i = 0; i < frames.size();) {
    std::optional<bool> sent;
    if (frames[i].file) {
      const WireParts::FileRange run = NextFileRun(frames, i);
      sent = http::WriteChunksFromFile(run.file->fd(), run.at, run.size);
    } else {
      parts.clear();
      for (; i < frames.size() && !frames[i].file; ++i) parts.emplace_back(*frames[i].text);
      if (i == frames.size()) {
        parts.emplace_back(wire.own);  // the own text ends the last chunk
        return http::WriteChunk(parts);
      }
      sent = http::WriteChunk(parts);
    }
    if (!sent || !*sent) return sent;
  }
  // The frames (if any) ended in a file: the own text is a chunk of its own.
  parts.assign(1, wire.own);
  return http::WriteChunk(parts);
}

}  // namespace

void StreamRunLog(httplib::Response& res, engine::Engine* engine, int64_t heartbeat_ms,
                  std::shared_ptr<RunLogRenderer> r) {
  // A stream fault (issue 13) takes the faulted loop; without one, two atomic loads.
  http::FaultSource scenario;
  if (engine->AnyScenarioFaults(FaultPhase::kStream) && !r->run_id.empty()) {
    scenario = [engine, run_id = r->run_id](const FaultRequest& req) {
      return engine->ScenarioFault(run_id, req, FaultPhase::kStream);
    };
  }
  if (auto fault = http::StreamFaultForThisRequest(scenario)) {
    StreamRunLogWithFault(res, engine, heartbeat_ms, std::move(r), *fault);
    return;
  }
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Accel-Buffering", "no");
  res.set_chunked_content_provider("text/event-stream", [engine, heartbeat_ms, r, &res](size_t, httplib::DataSink& sink) {
    // The library never compresses an event stream; if it ever did, the
    // chunks must go through it.
    const bool plain = res.get_header_value("Content-Encoding").empty();
    std::vector<std::string_view> parts;
    return FollowRunLog(
        engine, *r, heartbeat_ms, sink,
        [plain, &parts](const WireParts& wire, httplib::DataSink& s) -> std::optional<bool> {
          if (plain) {
            if (wire.last) http::EndsWithNextWrite();
            if (auto sent = SendOnConnection(wire, parts)) return *sent ? std::nullopt : std::optional(false);
          }
          const std::optional<std::string> text = wire.Joined();
          if (text && s.write(text->data(), text->size())) return std::nullopt;
          return false;
        },
        plain ? http::ThisConnectionSocket() : -1);
  });
}

bool FollowRunLog(engine::Engine* engine, RunLogRenderer& r, int64_t heartbeat_ms, httplib::DataSink& sink,
                  const WireWriter& write, int park_socket) {
  // The thread mostly waits from here on: it keeps no allocator cache.
  GiveUpThreadAllocatorCache();
  const bool parks = park_socket >= 0 && r.park && r.unpark;
  while (true) {
    // Everything logged since the last frame, rendered and sent; then wait
    // for the next commit, with a keep-alive after heartbeat_ms of quiet.
    // Asleep, the stream is parked: another follower may send its frames.
    bool bad_log = false, send_failed = false;
    WireParts wire;
    auto end = WaitForLog(engine->bus(), *r.watch, heartbeat_ms, [&] {
      if (parks && !r.unpark(wire)) return send_failed = true;
      bad_log = !r.catch_up(wire);
      if (!bad_log && r.pause_ending) wire.own = r.pause_ending();
      const bool ready = bad_log || !wire.empty() || r.finished();
      if (parks && !ready) r.park(park_socket);
      return ready;
    });
    if (parks && !r.unpark(wire)) send_failed = true;
    if (send_failed) return false;
    if (bad_log) return false;
    const bool paused = !wire.own.empty();
    // Decided before the write, which may hold the last segment back
    // for a stream that ends (WireParts::last).
    const bool ending = r.finished() || paused || end == WaitEnd::kShutdown;
    if (!wire.empty()) {
      wire.last = ending;
      if (auto ended = write(wire, sink)) return *ended;
    }
    if (ending) {
      sink.done();
      return true;
    }
    if (end == WaitEnd::kClientGone) return false;
    if (end == WaitEnd::kTimedOut) {
      std::string beat = r.heartbeat();
      if (!sink.write(beat.data(), beat.size())) return false;
    }
  }
}

void StreamSharedFrames(httplib::Response& res, engine::Engine* engine, SharedFramesRegistry& registry,
                        const std::string& key, int64_t after_id, int64_t heartbeat_ms,
                        const std::function<std::shared_ptr<SharedFrames>()>& make,
                        std::function<std::string()> heartbeat, bool end_on_pause) {
  auto frames = registry.Get(key, make);
  std::shared_ptr<SharedFrames::Reader> reader = frames->Join(after_id);
  if (!reader) {
    // A late follower that asks for frames the others have had: it renders
    // its own from the store, as every client did before frames were shared.
    frames = make();
    frames->set_budget(registry.budget());
    reader = frames->Join(after_id);
  }
  auto r = std::make_shared<RunLogRenderer>();
  r->run_id = frames->run_id();
  r->watch = frames->watch();
  r->catch_up = [engine, frames, reader](WireParts& wire) { return frames->Follow(*engine, *reader, wire); };
  r->finished = [frames, reader] { return frames->Done(*reader); };
  r->heartbeat = std::move(heartbeat);
  if (end_on_pause) r->pause_ending = [frames, reader] { return frames->PauseEnding(*reader); };
  r->park = [frames, reader](int socket) { frames->Park(*reader, socket); };
  r->unpark = [frames, reader](WireParts& wire) { return frames->Unpark(*reader, wire); };
  StreamRunLog(res, engine, heartbeat_ms, std::move(r));
}

}  // namespace sandbox::dialects
