// Middesk webhook event bodies; see webhook_events.h. The event id derives
// from the run and the event's sequence number, so every endpoint, every
// retry and every replay with the same seed sees the same id and bytes.
#include "dialects/middesk/webhook_events.h"

#include <deque>
#include <mutex>
#include <sstream>
#include <unordered_map>

#include "core/json_text.h"
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

// Whether a webhook's `include` asks for the run's steps (all but
// "identifiers", which RunForInclude renders alone).
bool IncludesSteps(const std::optional<std::string>& include) {
  return !include || *include == "*" || include->empty() || Lists(*include, "steps");
}

OrderedJson RunForInclude(const RunState& s, const std::optional<std::string>& include) {
  if (include && *include == "identifiers") {
    OrderedJson scalars = OrderedJson::object();
    const OrderedJson run = RenderRun(s, false);
    for (const auto& [key, value] : run.items()) {
      if (!value.is_object() && !value.is_array()) scalars[key] = value;
    }
    return scalars;
  }
  return RenderRun(s, IncludesSteps(include));
}

// The run as it stood just after its event `seq`: the state the engine
// kept for the delivery when it has it (engine/delivery_states.h), else read
// back. When `seq` is the run's last event (a completion, or an interrupt
// still waiting), that is its stored row, read by key; the rows always equal
// a replay of the log (tests/engine: "stored rows always equal a rebuild").
// Otherwise the log up to `seq` is replayed.
Result<std::shared_ptr<const RunState>> RunAfter(engine::Engine& engine, const std::string& run_id, int64_t seq) {
  if (auto kept = engine.DeliveryState(run_id, seq)) return kept;
  // The row alone first: an ended run's steps come from decompressing and
  // replaying its log, which the replay below would do again.
  auto row = engine.store().GetRun(run_id, /*with_steps=*/false);
  if (!row.ok()) return row.status();
  if (row.value() && row.value()->run.last_seq == seq) {
    auto stored = engine.store().GetRun(run_id, /*with_steps=*/true);
    if (!stored.ok()) return stored.status();
    if (stored.value() && stored.value()->run.last_seq == seq) {
      return std::make_shared<const RunState>(std::move(*stored.value()));
    }
  }
  auto log = engine.store().Events(run_id);
  if (!log.ok()) return log.status();
  std::vector<Event> upto;
  for (const auto& e : log.value()) {
    if (e.seq <= seq) upto.push_back(e);
  }
  if (upto.empty() || upto.back().seq != seq) {
    return Status::NotFound("run " + run_id + " has no event " + std::to_string(seq));
  }
  auto rebuilt = Rebuild(upto);
  if (!rebuilt.ok()) return rebuilt.status();
  return std::make_shared<const RunState>(std::move(rebuilt).value());
}

}  // namespace

Result<std::string> RenderWebhookEvent(engine::Engine& engine, const Webhook& webhook,
                                       const WebhookDelivery& delivery) {
  auto state = RunAfter(engine, delivery.run_id, delivery.seq);
  if (!state.ok()) return state.status();
  const IdGenerator ids(engine.seed());
  const std::string event_id = ids.Uuid("webhook_event", delivery.run_id, static_cast<uint64_t>(delivery.seq));
  const std::string created_at = FormatInstant(delivery.created_at);
  if (!webhook.include || *webhook.include != "identifiers") {
    // The text written directly (AppendRunText): building the tree for
    // dump() was a third of a delivery's cost.
    try {
      std::string body = R"({"object":"event","id":)";
      AppendJsonString(body, event_id);
      body += R"(,"type":)";
      AppendJsonString(body, delivery.event_type);
      body += R"(,"data":{"object":)";
      AppendRunText(body, *state.value(), IncludesSteps(webhook.include));
      body += R"(},"created_at":)";
      AppendJsonString(body, created_at);
      body += '}';
      return body;
    } catch (const OrderedJson::exception&) {
      // Invalid UTF-8, which only a hand-edited database holds: the tree
      // below replaces it.
    }
  }
  OrderedJson event{{"object", "event"},
                    {"id", event_id},
                    {"type", delivery.event_type},
                    {"data", {{"object", RunForInclude(*state.value(), webhook.include)}}},
                    {"created_at", created_at}};
  // Replacing invalid UTF-8 rather than throwing: this runs on the
  // dispatcher's threads, where an exception would end the process.
  return event.dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
}

std::optional<std::string> WebhookNotificationFor(const std::string& event_type) {
  if (event_type == event_type::kRunStarted) return "run.created";
  if (event_type == event_type::kRunInterrupted) return "run.interrupted";
  if (event_type == event_type::kRunCompleted || event_type == event_type::kRunFailed) return "run.completed";
  return std::nullopt;
}

namespace {

// Bodies already rendered, so that the endpoints subscribed to one event
// (each a delivery of its own) render it once: rendering rebuilds the run
// and was most of a delivery's cost. A body depends on the namespace, the
// event (run and seq: committed, never changed) and the webhook's `include`;
// the namespace's generation is in the key too, because run ids repeat after
// a reset or a restore. Bounded: the oldest go first.
class RenderedBodies {
 public:
  static constexpr size_t kMaxBodies = 256;

  static std::string Key(engine::Engine& engine, const Webhook& webhook, const WebhookDelivery& delivery) {
    // Read before rendering: a reset in between leaves an entry no later
    // lookup can reach, never a stale one under the new generation.
    std::string key = engine.store().ns();
    for (const std::string& part : {std::to_string(engine.generation()), delivery.run_id,
                                    std::to_string(delivery.seq), delivery.event_type}) {
      key.push_back('\n');
      key += part;
    }
    key.push_back('\n');
    key += webhook.include ? "=" + *webhook.include : "-";
    return key;
  }

  std::optional<std::string> Find(const std::string& key) const {
    std::lock_guard<std::mutex> g(mu_);
    auto it = bodies_.find(key);
    if (it == bodies_.end()) return std::nullopt;
    return it->second;
  }

  void Keep(const std::string& key, const std::string& body) {
    std::lock_guard<std::mutex> g(mu_);
    if (!bodies_.emplace(key, body).second) return;
    order_.push_back(key);
    if (order_.size() > kMaxBodies) {
      bodies_.erase(order_.front());
      order_.pop_front();
    }
  }

 private:
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::string> bodies_;
  std::deque<std::string> order_;
};

}  // namespace

webhooks::WebhookFormat MiddeskWebhookFormat() {
  auto rendered = std::make_shared<RenderedBodies>();
  webhooks::Renderer render = [rendered](engine::Engine& engine, const Webhook& webhook,
                                         const WebhookDelivery& delivery) -> Result<std::string> {
    const std::string key = RenderedBodies::Key(engine, webhook, delivery);
    if (auto hit = rendered->Find(key)) return std::move(*hit);
    auto body = RenderWebhookEvent(engine, webhook, delivery);
    if (body.ok()) rendered->Keep(key, body.value());
    return body;
  };
  return {std::move(render), "X-Middesk-Signature-256"};
}

}  // namespace sandbox::middesk
