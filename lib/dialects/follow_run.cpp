// StreamRunLog; see follow_run.h.
#include "dialects/follow_run.h"

namespace sandbox::dialects {

void StreamRunLog(httplib::Response& res, engine::Engine* engine, const std::string& run_id, int64_t heartbeat_ms,
                  std::shared_ptr<RunLogRenderer> r) {
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Accel-Buffering", "no");
  res.set_chunked_content_provider("text/event-stream", [engine, run_id, heartbeat_ms, r](size_t,
                                                                                          httplib::DataSink& sink) {
    engine::EventBus& bus = engine->bus();
    while (true) {
      // Read the bus version before the store, so a commit landing in
      // between still wakes the wait below.
      uint64_t seen = bus.version();
      auto events = engine->store().Events(run_id, r->applied_seq());
      if (!events.ok()) return false;
      std::string wire;
      if (!r->render(events.value(), wire)) return false;
      if (!wire.empty() && !sink.write(wire.data(), wire.size())) return false;
      if (r->finished()) {
        sink.done();
        return true;
      }
      auto wake = bus.Wait(seen, std::chrono::milliseconds(heartbeat_ms));
      if (wake == engine::EventBus::Wake::kShutdown) {
        sink.done();
        return true;
      }
      if (wake == engine::EventBus::Wake::kTimeout) {
        std::string beat = r->heartbeat();
        if (!sink.write(beat.data(), beat.size())) return false;
      }
    }
  });
}

}  // namespace sandbox::dialects
