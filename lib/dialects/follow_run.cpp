// StreamRunLog; see follow_run.h.
#include "dialects/follow_run.h"

#include "dialects/wait_for_log.h"

namespace sandbox::dialects {

void StreamRunLog(httplib::Response& res, engine::Engine* engine, int64_t heartbeat_ms,
                  std::shared_ptr<RunLogRenderer> r) {
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Accel-Buffering", "no");
  res.set_chunked_content_provider("text/event-stream", [engine, heartbeat_ms, r](size_t, httplib::DataSink& sink) {
    while (true) {
      // Everything logged since the last frame, rendered and sent; then wait
      // for the next commit, with a keep-alive after heartbeat_ms of quiet.
      bool bad_log = false;
      std::string wire;
      auto end = WaitForLog(engine->bus(), heartbeat_ms, [&] {
        bad_log = !r->catch_up(wire);
        return bad_log || !wire.empty() || r->finished();
      });
      if (bad_log) return false;
      if (!wire.empty() && !sink.write(wire.data(), wire.size())) return false;
      if (r->finished() || end == WaitEnd::kShutdown) {
        sink.done();
        return true;
      }
      if (end == WaitEnd::kClientGone) return false;
      if (end == WaitEnd::kTimedOut) {
        std::string beat = r->heartbeat();
        if (!sink.write(beat.data(), beat.size())) return false;
      }
    }
  });
}

}  // namespace sandbox::dialects
