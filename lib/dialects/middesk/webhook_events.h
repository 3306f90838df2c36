// The body of a Middesk webhook delivery: the event envelope with the run as
// it stood right after the event it announces ({"object":"event","id",
// "type","data":{"object":<Run>},"created_at"}).
#pragma once

#include <string>

#include "core/status.h"
#include "core/types.h"
#include "engine/engine.h"
#include "webhooks/attempt.h"

namespace sandbox::middesk {

// The run inside follows the webhook's `include`: absent or "*" -> the Run
// with its steps; "identifiers" -> its top-level scalar fields only; a
// comma-separated list -> the Run, with steps when "steps" is listed.
Result<std::string> RenderWebhookEvent(engine::Engine& engine, const Webhook& webhook, const WebhookDelivery& delivery);

// The notification a run event announces to Middesk webhooks:
// run.started -> "run.created", run.interrupted -> "run.interrupted",
// run.completed and run.failed -> "run.completed" (the run ended, either
// way); nullopt for every other event (a cancellation included). The store
// queues deliveries by it (store::WebhookNotifications).
std::optional<std::string> WebhookNotificationFor(const std::string& event_type);

// Middesk deliveries for the dispatcher: RenderWebhookEvent's body, signed
// in X-Middesk-Signature-256 (docs/middesk.md, "Webhooks"). Bodies are kept
// (a few hundred, per format) so that every endpoint of one event shares
// one rendering.
webhooks::WebhookFormat MiddeskWebhookFormat();

}  // namespace sandbox::middesk
