// One delivery attempt; see attempt.h.
#include "webhooks/attempt.h"

#include "webhooks/signature.h"
#include "webhooks/url.h"

namespace sandbox::webhooks {
namespace {

constexpr int64_t kSecond = 1000, kMinute = 60 * kSecond, kHour = 60 * kMinute;
// Middesk: "up to 10 retries over ~3 days: first retry after 1-30 s, then
// exponential backoff". These add up to 70 h 21 min 30 s.
constexpr int64_t kRetryDelays[] = {30 * kSecond, kMinute,   5 * kMinute, 15 * kMinute, kHour,
                                    3 * kHour,    6 * kHour, 12 * kHour,  24 * kHour,   24 * kHour};

// Records an attempt that can never succeed: the delivery fails for good.
Status GiveUp(engine::Engine& engine, const WebhookDelivery& d, WebhookAttempt attempt, std::string why) {
  attempt.error = std::move(why);
  return engine.store().RecordWebhookAttempts(
      {store::AttemptRecord{&d, std::move(attempt), d.body.value_or(""), "failed", std::nullopt}});
}

}  // namespace

std::optional<int64_t> RetryDelayMs(int64_t failed_attempts) {
  constexpr int64_t n = sizeof kRetryDelays / sizeof kRetryDelays[0];
  if (failed_attempts < 1 || failed_attempts > n) return std::nullopt;
  return kRetryDelays[failed_attempts - 1];
}

Result<std::optional<PreparedAttempt>> PrepareAttempt(engine::Engine& engine, const WebhookDelivery& queued,
                                                      const WebhookFormat& format, const ScheduledEndpoint* scheduled) {
  using Nothing = std::optional<PreparedAttempt>;
  PreparedAttempt p;
  std::optional<Webhook> read;
  const Webhook* hook = nullptr;
  if (scheduled && scheduled->webhook.id == queued.webhook_id && engine.store().WebhookEdits() == scheduled->edits) {
    p.delivery = queued;
    hook = &scheduled->webhook;
  } else {
    auto fresh = engine.store().GetWebhookDelivery(queued.webhook_id, queued.run_id, queued.seq);
    if (!fresh.ok()) return fresh.status();
    if (!fresh.value() || fresh.value()->status != "pending" ||
        fresh.value()->attempts.size() != queued.attempts.size()) {
      return Nothing();
    }
    p.delivery = std::move(*fresh.value());
    auto found = engine.store().GetWebhook(p.delivery.webhook_id);
    if (!found.ok()) return found.status();
    read = std::move(found).value();
    if (read) hook = &*read;
  }
  const WebhookDelivery& d = p.delivery;
  p.attempt.attempt = static_cast<int64_t>(d.attempts.size()) + 1;
  p.attempt.at = d.next_attempt_at.value_or(d.created_at);

  if (!hook) {
    // Only a hand-edited database gets here; give up on it once, quietly.
    Status st = GiveUp(engine, d, p.attempt, "webhook " + d.webhook_id + " no longer exists");
    return st.ok() ? Result<Nothing>(Nothing()) : Result<Nothing>(st);
  }
  const Webhook& w = *hook;
  // Rows stored before URLs were checked may hold anything (issue 10): the
  // text goes nowhere near an HTTP client unless it parses.
  auto url = ParseWebhookUrl(w.url, kMaxDeliverableUrlBytes);
  if (!url.ok()) {
    Status st = GiveUp(engine, d, p.attempt, "invalid URL: " + url.status().message());
    return st.ok() ? Result<Nothing>(Nothing()) : Result<Nothing>(st);
  }
  p.url = w.url;
  if (d.body) {
    p.body = *d.body;
  } else {
    auto rendered = format.render(engine, w, d);
    if (!rendered.ok()) {
      Status st = GiveUp(engine, d, p.attempt, "could not render the event: " + rendered.status().message());
      return st.ok() ? Result<Nothing>(Nothing()) : Result<Nothing>(st);
    }
    p.body = std::move(rendered).value();
  }
  p.headers = {{format.signature_header, SignatureHex(w.secret, p.body)},
               {"X-Correlation-Id", d.run_id},
               {"User-Agent", std::string("agent-sandbox-webhooks/") + AGENT_SANDBOX_VERSION}};
  return Nothing(std::move(p));
}

store::AttemptRecord OutcomeRecord(const PreparedAttempt& p, const Outcome& out) {
  store::AttemptRecord r{&p.delivery, p.attempt, p.body, "", std::nullopt};
  r.attempt.status_code = out.status_code;
  r.attempt.error = out.error;
  if (out.delivered()) {
    r.status = "delivered";
    return r;
  }
  if (!r.attempt.error) {
    const int code = out.status_code.value_or(0);
    r.attempt.error = "HTTP " + std::to_string(code);
    if (code >= 300 && code < 400) *r.attempt.error += " (redirects are not followed)";
  }
  auto delay = RetryDelayMs(r.attempt.attempt);
  r.status = delay ? "pending" : "failed";
  if (delay) r.next_attempt_at = r.attempt.at + *delay;
  return r;
}

Status RecordOutcomes(engine::Engine& engine, const std::vector<SentAttempt>& sent) {
  std::vector<store::AttemptRecord> records;
  records.reserve(sent.size());
  for (const SentAttempt& s : sent) records.push_back(OutcomeRecord(s.prepared, s.outcome));
  return engine.store().RecordWebhookAttempts(records);
}

}  // namespace sandbox::webhooks
