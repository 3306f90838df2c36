// StreamRunLogWithFault; see stream_faults.h.
#include "dialects/stream_faults.h"

#include <string_view>

#include "dialects/wait_for_log.h"

namespace sandbox::dialects {
namespace {

// How long a stalled stream waits between looks at the client and the
// server's stop (WaitForLog also looks every kClientCheckMs).
constexpr int64_t kStallWaitMs = 1000;

// The frames of `wire`, each ending with its blank line (sse.h: data never
// holds a newline, so "\n\n" ends a frame).
std::vector<std::string_view> SplitFrames(const std::string& wire) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start < wire.size()) {
    size_t end = wire.find("\n\n", start);
    end = end == std::string::npos ? wire.size() : end + 2;
    out.emplace_back(wire.data() + start, end - start);
    start = end;
  }
  return out;
}

}  // namespace

void StreamRunLogWithFault(httplib::Response& res, engine::Engine* engine, int64_t heartbeat_ms,
                           std::shared_ptr<RunLogRenderer> r, const Fault& fault) {
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Accel-Buffering", "no");
  const int64_t beat_ms = fault.kind == FaultKind::kHeartbeatDelay ? heartbeat_ms + fault.ms : heartbeat_ms;
  auto sent = std::make_shared<int64_t>(0);  // frames written on this connection
  res.set_chunked_content_provider("text/event-stream", [engine, beat_ms, r, fault, sent](size_t,
                                                                                          httplib::DataSink& sink) {
    const int64_t n = fault.frames;
    // stall_after: silence (no frame, no heartbeat) until the client leaves
    // or the server stops; then the connection ends without a last chunk.
    auto stall = [&] {
      while (true) {
        WaitEnd end = WaitForLog(engine->bus(), *r->watch, kStallWaitMs, [] { return false; });
        if (end == WaitEnd::kShutdown || end == WaitEnd::kClientGone) return false;
      }
    };
    if (fault.kind == FaultKind::kStallAfter && *sent >= n) return stall();
    if (fault.kind == FaultKind::kDropAfter && *sent >= n) return false;
    // The plain loop (follow_run.h), writing frame by frame to count them.
    return FollowRunLog(engine, *r, beat_ms, sink, [&](const WireParts& parts, httplib::DataSink& s) -> std::optional<bool> {
      const std::optional<std::string> wire = parts.Joined();
      if (!wire) return false;
      for (std::string_view frame : SplitFrames(*wire)) {
        if (fault.kind == FaultKind::kStallAfter && *sent >= n) return stall();
        if (!s.write(frame.data(), frame.size())) return false;
        ++*sent;
        if (fault.kind == FaultKind::kDuplicateFrame && *sent == n && !s.write(frame.data(), frame.size())) {
          return false;
        }
        // drop_after: close right after frame N, with no last chunk.
        if (fault.kind == FaultKind::kDropAfter && *sent >= n) return false;
      }
      if (fault.kind == FaultKind::kStallAfter && *sent >= n && !r->finished()) return stall();
      return std::nullopt;
    });
  });
}

}  // namespace sandbox::dialects
