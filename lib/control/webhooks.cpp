// GET /_sandbox/webhooks/deliveries[?webhook_id=]: what the webhook
// dispatcher sent, or will send, in the request's namespace: each delivery
// with its status, the exact body and every attempt. Tests and demos read
// it to see a notification go out (or be retried) without running a
// receiver of their own.
#include "control/respond.h"
#include "control/routes.h"
#include "core/time_format.h"

namespace sandbox::control {
namespace {

OrderedJson OptTime(const std::optional<Instant>& t) { return t ? OrderedJson(FormatInstant(*t)) : OrderedJson(); }

OrderedJson RenderDelivery(const WebhookDelivery& d) {
  OrderedJson attempts = OrderedJson::array();
  for (const auto& a : d.attempts) {
    attempts.push_back(OrderedJson{{"attempt", a.attempt},
                                   {"at", FormatInstant(a.at)},
                                   {"status_code", a.status_code ? OrderedJson(*a.status_code) : OrderedJson()},
                                   {"error", a.error ? OrderedJson(*a.error) : OrderedJson()}});
  }
  return OrderedJson{{"webhook_id", d.webhook_id},
                     {"event_type", d.event_type},
                     {"run_id", d.run_id},
                     {"event_created_at", FormatInstant(d.created_at)},
                     {"status", d.status},
                     {"next_attempt_at", OptTime(d.next_attempt_at)},
                     {"body", d.body ? OrderedJson(*d.body) : OrderedJson()},
                     {"attempts", std::move(attempts)}};
}

}  // namespace

void ListWebhookDeliveries(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  engine::Engine* engine = NamespaceOrRespond(d, req, res);
  if (!engine) return;
  std::optional<std::string> webhook;
  if (req.has_param("webhook_id")) webhook = req.get_param_value("webhook_id");
  auto deliveries = engine->store().WebhookDeliveries(webhook);
  if (!deliveries.ok()) return RespondStatus(res, deliveries.status());
  OrderedJson data = OrderedJson::array();
  for (const auto& del : deliveries.value()) data.push_back(RenderDelivery(del));
  RespondJson(res, 200, OrderedJson{{"deliveries", std::move(data)}});
}

}  // namespace sandbox::control
