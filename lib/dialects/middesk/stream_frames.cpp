// Frames of the run stream; see stream_frames.h. Every event carries the
// AG-UI fields its schema requires (type, threadId, runId) and the vendor's
// snake_case run_id / thread_id beside them.
#include "dialects/middesk/stream_frames.h"

#include "core/projection.h"
#include "dialects/middesk/render.h"
#include "http/sse.h"

namespace sandbox::middesk {
namespace {

OrderedJson Base(const char* type, const Run& r, Instant at) {
  return OrderedJson{{"type", type},   {"threadId", r.thread_id},  {"runId", r.id},
                     {"run_id", r.id}, {"thread_id", r.thread_id}, {"timestamp", at}};
}

bool Ended(RunStatus s) { return IsTerminal(s); }

}  // namespace

std::string StreamFrame::Wire() const { return http::SseFrame(std::to_string(id), event, data.dump()); }

bool RunStreamFrames::finished() const { return state_.run.last_seq > 0 && Ended(state_.run.status); }

Result<std::vector<StreamFrame>> RunStreamFrames::Next(const Event& e) {
  Status st = Apply(state_, e);
  if (!st.ok()) return st;
  const Run& r = state_.run;
  std::vector<StreamFrame> frames;
  if (e.seq == 1) frames.push_back({1, "RUN_STARTED", Base("RUN_STARTED", r, e.at)});
  OrderedJson snapshot = Base("STATE_SNAPSHOT", r, e.at);
  snapshot["snapshot"] = RenderRun(state_, /*include_steps=*/true);
  frames.push_back({e.seq + 1, "STATE_SNAPSHOT", std::move(snapshot)});
  if (Ended(r.status)) {
    OrderedJson finished = Base("RUN_FINISHED", r, e.at);
    finished["status"] = RunStatusName(r.status);
    frames.push_back({e.seq + 2, "RUN_FINISHED", std::move(finished)});
  }
  return frames;
}

}  // namespace sandbox::middesk
