// GET /v1/runs/{id}/stream: the run's AG-UI event stream over SSE. Replays
// the log from the start (or after Last-Event-ID), then follows new commits
// through the engine's bus until RUN_FINISHED or RUN_ERROR, sending a comment
// heartbeat while nothing happens. A run waiting for an answer ends the
// stream with RUN_FINISHED and the interrupt outcome (the contract notes'
// recommendation; reconnect after the resume), unless the client asked to
// follow it ?through_interrupts=true.
#include <memory>

#include "dialects/follow_run.h"
#include "dialects/middesk/errors.h"
#include "dialects/middesk/handlers.h"
#include "dialects/middesk/request.h"
#include "dialects/middesk/stream_frames.h"
#include "http/sse.h"
#include "core/decimal.h"

namespace sandbox::middesk {
namespace {

// Last-Event-ID (header, or ?last_event_id= for clients that cannot set it).
bool LastEventIdOrRespond(const httplib::Request& req, int64_t& out, httplib::Response& res) {
  out = 0;
  std::string v;
  if (req.has_header("Last-Event-ID"))
    v = req.get_header_value("Last-Event-ID");
  else if (req.has_param("last_event_id"))
    v = req.get_param_value("last_event_id");
  if (v.empty()) return true;
  // Frame ids are sequence numbers: 15 digits are more than any run has.
  auto seq = ParseDecimalInt(v, 999'999'999'999'999);
  if (!seq) {
    RespondError(res, Status::BadRequest("Last-Event-ID must be the id of a frame of this stream", "Last-Event-ID"));
    return false;
  }
  out = *seq;
  return true;
}

// ?through_interrupts=true (a sandbox extension, for demo UIs): one
// connection follows the run through its interrupts and resumes, instead of
// ending with RUN_FINISHED (interrupt outcome) while the run waits.
bool ThroughInterruptsOrRespond(const httplib::Request& req, bool& out, httplib::Response& res) {
  out = false;
  if (!req.has_param("through_interrupts")) return true;
  const std::string v = req.get_param_value("through_interrupts");
  if (v != "true" && v != "false") {
    RespondError(res, Status::InvalidArgument("Parameter `through_interrupts` must be true or false",
                                              "through_interrupts"));
    return false;
  }
  out = v == "true";
  return true;
}

}  // namespace

void StreamRun(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  auto call = CallOrRespond(req, res, d.keys, d.spaces);
  if (!call) return;
  engine::Engine* engine = call->engine;
  int64_t last_event_id = 0;
  if (!LastEventIdOrRespond(req, last_event_id, res)) return;
  bool through_interrupts = false;
  if (!ThroughInterruptsOrRespond(req, through_interrupts, res)) return;
  auto run = engine->store().GetRun(req.matches[1], /*with_steps=*/false);
  if (!run.ok()) return RespondError(res, run.status());
  if (!run.value()) return RespondError(res, Status::NotFound("agent run not found", "id"));

  const std::string run_id = run.value()->run.id;
  // One rendering of this run's frames for every client that follows it.
  dialects::StreamSharedFrames(
      res, engine, *d.frames, "middesk\n" + engine->store().ns() + "\n" + run_id + "\n" + std::to_string(engine->generation()),
      last_event_id, d.heartbeat_ms,
      [&] {
        auto folded = std::make_shared<RunStreamFrames>();
        return std::make_shared<dialects::SharedFrames>(
            run_id, engine->bus().Watch(run_id),
            [folded](const Event& e, std::vector<dialects::WireFrame>& out) {
              auto next = folded->Next(e);
              if (!next.ok()) return false;
              for (const StreamFrame& f : next.value()) out.push_back({f.id, f.Wire()});
              return true;
            },
            [folded] { return folded->applied_seq(); }, [folded] { return folded->finished(); },
            [folded] { return folded->PauseEnding(); });
      },
      [] { return http::SseComment("keep-alive"); }, /*end_on_pause=*/!through_interrupts);
}

}  // namespace sandbox::middesk
