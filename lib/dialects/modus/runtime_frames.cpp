// Frames of the Modus runtime stream; see runtime_frames.h.
#include "dialects/modus/runtime_frames.h"

#include "http/sse.h"
#include "core/decimal.h"

namespace sandbox::modus {
namespace {

std::string StringOr(const Json& obj, const char* key, const std::string& fallback = "") {
  if (obj.is_object() && obj.contains(key) && obj[key].is_string()) return obj[key].get<std::string>();
  return fallback;
}

OrderedJson ValueOr(const Json& obj, const char* key) {
  if (obj.is_object() && obj.contains(key)) return obj[key];
  return nullptr;
}

}  // namespace

std::string RuntimeFrame::Wire() const { return http::SseFrame(id, "", data.dump()); }

std::string RuntimeCursor(Instant at, int64_t seq) { return std::to_string(at) + "-" + std::to_string(seq); }

std::optional<int64_t> ParseRuntimeCursor(const std::string& text) {
  if (text.empty() || text == "0") return int64_t{0};
  auto dash = text.find('-');
  if (dash == std::string::npos || dash == 0 || dash + 1 == text.size()) return std::nullopt;
  std::string ms = text.substr(0, dash);
  std::string seq = text.substr(dash + 1);
  // Each part at most 15 digits: milliseconds until the year 9999 and any sequence number.
  constexpr int64_t kMaxPart = 999'999'999'999'999;
  if (!ParseDecimalInt(ms, kMaxPart)) return std::nullopt;
  return ParseDecimalInt(seq, kMaxPart);
}

RuntimeFrame HeartbeatFrame(Instant now) { return {"", 0, OrderedJson{{"type", "heartbeat"}, {"timestamp", now}}}; }

RuntimeFrame ErrorFrame(const std::string& message) {
  return {"", 0, OrderedJson{{"type", "error"}, {"error", message}}};
}

std::optional<RuntimeFrame> RuntimeFrames::Next(const Event& e) {
  applied_seq_ = e.seq;
  const Json& p = e.payload;
  namespace t = event_type;
  OrderedJson data;
  bool terminal = false;
  if (e.type == t::kRunStarted) {
    session_id_ = StringOr(ValueOr(p, "request"), "sessionId");
  } else if (e.type == t::kStepStarted) {
    step_labels_[StringOr(p, "step_id")] = StringOr(p, "label");
  } else if (e.type == t::kTextDelta) {
    data = {{"type", "token"}, {"content", StringOr(p, "text")}};
  } else if (e.type == t::kToolStarted) {
    data = {{"type", "tool_start"}, {"name", StringOr(p, "name")}, {"input", ValueOr(p, "input")}};
  } else if (e.type == t::kToolCompleted) {
    data = {{"type", "tool_end"}, {"name", StringOr(p, "name")}, {"output", ValueOr(p, "output")}};
  } else if (e.type == t::kNotice) {
    data = {{"type", "notice"}, {"message", StringOr(p, "text")}, {"severity", "info"}};
  } else if (e.type == t::kRunInterrupted) {
    Json value = ValueOr(p, "value");
    auto label = step_labels_.find(StringOr(p, "step_id"));
    std::string step_label = label == step_labels_.end() ? "" : label->second;
    std::string message = StringOr(value, "label", StringOr(value, "title", step_label));
    data = {{"type", "notice"}, {"message", message}, {"severity", "warning"}, {"awaitingHuman", true}};
  } else if (e.type == t::kRunCompleted) {
    data = {{"type", "done"}, {"runId", e.run_id}, {"threadId", session_id_}};
    terminal = true;
  } else if (e.type == t::kRunFailed) {
    data = {{"type", "error"}, {"error", StringOr(p, "message")}};
    terminal = true;
  } else if (e.type == t::kRunCancelled) {
    data = {{"type", "cancelled"}, {"runIds", OrderedJson::array({e.run_id})}, {"timestamp", e.at}};
    terminal = true;
  }
  if (terminal) finished_ = true;
  if (data.is_null()) return std::nullopt;
  return RuntimeFrame{RuntimeCursor(e.at, e.seq), e.seq, std::move(data)};
}

}  // namespace sandbox::modus
