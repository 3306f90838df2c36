// StreamRunLog; see follow_run.h.
#include "dialects/follow_run.h"

#include "core/thread_cache.h"
#include "dialects/stream_faults.h"
#include "dialects/wait_for_log.h"
#include "http/faults.h"
#include "http/server.h"

namespace sandbox::dialects {

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
    return FollowRunLog(engine, *r, heartbeat_ms, sink,
                        [plain, &parts](const WireParts& wire, httplib::DataSink& s) -> std::optional<bool> {
                          if (plain) {
                            parts.clear();
                            for (const auto& frame : wire.shared) parts.emplace_back(*frame);
                            parts.emplace_back(wire.own);
                            if (auto sent = http::WriteChunk(parts)) return *sent ? std::nullopt : std::optional(false);
                          }
                          const std::string text = wire.Joined();
                          if (s.write(text.data(), text.size())) return std::nullopt;
                          return false;
                        });
  });
}

bool FollowRunLog(engine::Engine* engine, RunLogRenderer& r, int64_t heartbeat_ms, httplib::DataSink& sink,
                  const WireWriter& write) {
  // The thread mostly waits from here on: it keeps no allocator cache.
  GiveUpThreadAllocatorCache();
  while (true) {
    // Everything logged since the last frame, rendered and sent; then wait
    // for the next commit, with a keep-alive after heartbeat_ms of quiet.
    bool bad_log = false;
    WireParts wire;
    auto end = WaitForLog(engine->bus(), *r.watch, heartbeat_ms, [&] {
      bad_log = !r.catch_up(wire);
      if (!bad_log && r.pause_ending) wire.own = r.pause_ending();
      return bad_log || !wire.empty() || r.finished();
    });
    if (bad_log) return false;
    const bool paused = !wire.own.empty();
    if (!wire.empty()) {
      if (auto ended = write(wire, sink)) return *ended;
    }
    if (r.finished() || paused || end == WaitEnd::kShutdown) {
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
  StreamRunLog(res, engine, heartbeat_ms, std::move(r));
}

}  // namespace sandbox::dialects
