// Middesk webhook event bodies; see webhook_events.h. The event id derives
// from the run and the event's sequence number, so every endpoint, every
// retry and every replay with the same seed sees the same id and bytes.
#include "dialects/middesk/webhook_events.h"

#include <sstream>

#include "core/projection.h"
#include "core/time_format.h"
#include "dialects/middesk/render.h"

namespace sandbox::middesk {
namespace {

bool Lists(const std::string& include, const std::string& what) {
  std::stringstream in(include);
  for (std::string item; std::getline(in, item, ',');) {
    auto b = item.find_first_not_of(' '), e = item.find_last_not_of(' ');
    if (b != std::string::npos && item.substr(b, e - b + 1) == what) return true;
  }
  return false;
}

OrderedJson RunForInclude(const RunState& s, const std::optional<std::string>& include) {
  if (!include || *include == "*" || include->empty()) return RenderRun(s, /*include_steps=*/true);
  if (*include == "identifiers") {
    OrderedJson scalars = OrderedJson::object();
    const OrderedJson run = RenderRun(s, false);
    for (const auto& [key, value] : run.items()) {
      if (!value.is_object() && !value.is_array()) scalars[key] = value;
    }
    return scalars;
  }
  return RenderRun(s, Lists(*include, "steps"));
}

// The run as it stood just after its event `seq`. When that is the run's
// last event (a completion, or an interrupt still waiting), that is its
// stored row, read by key; the rows always equal a replay of the log
// (tests/engine: "stored rows always equal a rebuild"), and replaying a
// 40-event log for every delivery was most of a delivery's cost.
Result<RunState> RunAfter(engine::Engine& engine, const std::string& run_id, int64_t seq) {
  auto stored = engine.store().GetRun(run_id, /*with_steps=*/true);
  if (!stored.ok()) return stored.status();
  if (stored.value() && stored.value()->run.last_seq == seq) return std::move(*stored.value());
  auto log = engine.store().Events(run_id);
  if (!log.ok()) return log.status();
  std::vector<Event> upto;
  for (const auto& e : log.value()) {
    if (e.seq <= seq) upto.push_back(e);
  }
  if (upto.empty() || upto.back().seq != seq) {
    return Status::NotFound("run " + run_id + " has no event " + std::to_string(seq));
  }
  return Rebuild(upto);
}

}  // namespace

Result<std::string> RenderWebhookEvent(engine::Engine& engine, const Webhook& webhook,
                                       const WebhookDelivery& delivery) {
  auto state = RunAfter(engine, delivery.run_id, delivery.seq);
  if (!state.ok()) return state.status();
  const IdGenerator ids(engine.seed());
  OrderedJson event{{"object", "event"},
                    {"id", ids.Uuid("webhook_event", delivery.run_id, static_cast<uint64_t>(delivery.seq))},
                    {"type", delivery.event_type},
                    {"data", {{"object", RunForInclude(state.value(), webhook.include)}}},
                    {"created_at", FormatInstant(delivery.created_at)}};
  // Replacing invalid UTF-8 (only a hand-edited database holds any) rather
  // than throwing: this runs on the dispatcher's threads, where an exception
  // would end the process.
  return event.dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
}

std::optional<std::string> WebhookNotificationFor(const std::string& event_type) {
  if (event_type == event_type::kRunStarted) return "run.created";
  if (event_type == event_type::kRunInterrupted) return "run.interrupted";
  if (event_type == event_type::kRunCompleted || event_type == event_type::kRunFailed) return "run.completed";
  return std::nullopt;
}

webhooks::WebhookFormat MiddeskWebhookFormat() { return {RenderWebhookEvent, "X-Middesk-Signature-256"}; }

}  // namespace sandbox::middesk
