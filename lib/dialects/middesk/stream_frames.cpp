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

std::string StreamFrame::Wire() const {
  if (snapshot.empty()) return http::SseFrame(std::to_string(id), event, data.dump());
  // `data` is an object with fields (Base's), so its text ends with "}"
  // and the snapshot follows a comma.
  std::string text = data.dump();
  text.pop_back();
  text += R"(,"snapshot":)";
  text += snapshot;
  text.push_back('}');
  return http::SseFrame(std::to_string(id), event, text);
}

OrderedJson StreamFrame::Data() const {
  OrderedJson all = data;
  if (!snapshot.empty()) all["snapshot"] = OrderedJson::parse(snapshot);
  return all;
}

bool RunStreamFrames::finished() const { return state_.run.last_seq > 0 && Ended(state_.run.status); }

Result<std::vector<StreamFrame>> RunStreamFrames::Next(const Event& e) {
  Status st = Apply(state_, e);
  if (!st.ok()) return st;
  const Run& r = state_.run;
  std::vector<StreamFrame> frames;
  if (e.seq == 1) frames.push_back({1, "RUN_STARTED", Base("RUN_STARTED", r, e.at), ""});
  StreamFrame snapshot{e.seq + 1, "STATE_SNAPSHOT", Base("STATE_SNAPSHOT", r, e.at), ""};
  AppendRunText(snapshot.snapshot, state_, /*include_steps=*/true);
  frames.push_back(std::move(snapshot));
  if (r.status == RunStatus::kError) {
    // AG-UI's way to end a failed run: RUN_FINISHED would read as a success
    // to every client but one that inspects the last snapshot.
    OrderedJson failed = Base("RUN_ERROR", r, e.at);
    failed["message"] = r.error_message.value_or("run failed");  // as the Run's `error` says
    if (r.failure_reason) failed["code"] = *r.failure_reason;
    failed["status"] = RunStatusName(r.status);
    frames.push_back({e.seq + 2, "RUN_ERROR", std::move(failed), ""});
  } else if (Ended(r.status)) {
    OrderedJson finished = Base("RUN_FINISHED", r, e.at);
    finished["status"] = RunStatusName(r.status);
    // Absent, the outcome is success; a cancellation must say so.
    if (r.status == RunStatus::kCancelled) finished["outcome"] = OrderedJson{{"type", "cancelled"}};
    frames.push_back({e.seq + 2, "RUN_FINISHED", std::move(finished), ""});
  }
  return frames;
}

std::string RunStreamFrames::PauseEnding() const {
  const Run& r = state_.run;
  if (r.last_seq == 0 || r.status != RunStatus::kInterrupted) return "";
  // AG-UI's interrupt: an id to answer, a reason, a prompt; the Middesk
  // interrupt as the run shows it rides along in metadata.
  OrderedJson interrupts = OrderedJson::array();
  for (const auto& i : state_.interrupts) {
    if (!i.pending) continue;
    OrderedJson entry{{"id", i.id}};
    const Json& v = i.value;
    entry["reason"] = v.is_object() && v.contains("type") && v["type"].is_string() ? v["type"].get<std::string>()
                                                                                   : std::string("input_required");
    if (v.is_object() && v.contains("label") && v["label"].is_string()) entry["message"] = v["label"];
    entry["metadata"] = OrderedJson{{"middesk_interrupt", RenderInterrupt(i)}};
    interrupts.push_back(std::move(entry));
  }
  if (interrupts.empty()) return "";  // AG-UI: an interrupt outcome names at least one
  OrderedJson finished = Base("RUN_FINISHED", r, r.updated_at);
  finished["status"] = RunStatusName(r.status);
  finished["outcome"] = OrderedJson{{"type", "interrupt"}, {"interrupts", std::move(interrupts)}};
  return http::SseFrame("", "RUN_FINISHED", finished.dump());
}

}  // namespace sandbox::middesk
