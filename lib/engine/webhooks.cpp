// Engine: registering, changing and deleting webhook endpoints, on the
// writer thread like every other mutation, so their ids follow the request
// order. Deliveries are queued by the store with the events they announce
// and sent by lib/webhooks.
#include "engine/engine.h"

namespace sandbox::engine {
namespace {

// "whsec_" and 32 hex digits, derived from the webhook's id.
std::string GeneratedSecret(const IdGenerator& ids, const std::string& webhook_id) {
  std::string hex;
  for (char c : ids.Uuid("webhook_secret", webhook_id, 0)) {
    if (c != '-') hex += c;
  }
  return "whsec_" + hex;
}

Result<Webhook> Existing(store::Store& store, const std::string& id) {
  auto w = store.GetWebhook(id);
  if (!w.ok()) return w.status();
  if (!w.value() || w.value()->deleted_at) return Status::NotFound("webhook not found", "id");
  return *w.value();
}

}  // namespace

Result<Webhook> Engine::CreateWebhook(WebhookSpec spec) {
  return Submit<Webhook>([this, spec = std::move(spec)](Instant now) -> Result<Webhook> {
    auto count = store_.CountWebhooks();
    if (!count.ok()) return count.status();
    Webhook w;
    w.ordinal = count.value() + 1;
    w.id = ids_.Uuid("webhook", store_.ns(), static_cast<uint64_t>(w.ordinal));
    w.url = spec.url;
    w.secret = spec.secret.value_or(GeneratedSecret(ids_, w.id));
    w.enabled_events = spec.enabled_events;
    w.include = spec.include;
    w.oidc = spec.oidc;
    w.created_at = w.updated_at = now;
    Status st = store_.InsertWebhook(w);
    if (!st.ok()) return st;
    Announce();
    return w;
  });
}

Result<Webhook> Engine::UpdateWebhook(const std::string& id, WebhookPatch patch) {
  return Submit<Webhook>([this, id, patch = std::move(patch)](Instant now) -> Result<Webhook> {
    auto existing = Existing(store_, id);
    if (!existing.ok()) return existing.status();
    Webhook w = std::move(existing).value();
    if (patch.url) w.url = *patch.url;
    if (patch.secret) w.secret = *patch.secret;
    if (patch.enabled_events) w.enabled_events = *patch.enabled_events;
    if (patch.include) w.include = *patch.include;
    if (patch.oidc) w.oidc = *patch.oidc;
    if (patch.disabled_at) w.disabled_at = *patch.disabled_at;
    w.updated_at = now;
    Status st = store_.UpdateWebhook(w);
    if (!st.ok()) return st;
    Announce();
    return w;
  });
}

Result<Webhook> Engine::DeleteWebhook(const std::string& id) {
  return Submit<Webhook>([this, id](Instant now) -> Result<Webhook> {
    auto existing = Existing(store_, id);
    if (!existing.ok()) return existing.status();
    Webhook w = std::move(existing).value();
    w.deleted_at = w.updated_at = now;
    Status st = store_.UpdateWebhook(w);
    if (!st.ok()) return st;
    Announce();
    return w;
  });
}

}  // namespace sandbox::engine
