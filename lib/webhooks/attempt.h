// One delivery attempt, in two halves around the network: PrepareAttempt
// reads the delivery afresh and builds the bytes to send (or records at once
// why nothing can ever be sent), RecordOutcomes writes what came of sends
// and when the next attempt is due. Both touch the store; the send between
// them touches only the network, so a dispatcher can give up on a send that
// hangs without leaving the store half-written.
//
// Retries follow the namespace's clock: attempt n+1 is due RetryDelayMs(n)
// after attempt n was due, whatever the wall clock did meanwhile, so the
// recorded attempts are the same on every run with the same requests.
#pragma once

#include <httplib.h>

#include <functional>
#include <optional>
#include <string>

#include "core/status.h"
#include "core/types.h"
#include "engine/engine.h"
#include "webhooks/sender.h"

namespace sandbox::webhooks {

// The body of a delivery: the dialect's rendering of the event it announces.
using Renderer =
    std::function<Result<std::string>(engine::Engine& engine, const Webhook& webhook, const WebhookDelivery& delivery)>;

// What the dialect that owns webhooks decides about a delivery: its body,
// and the header that carries the body's HMAC-SHA256 (signature.h) under
// the webhook's secret. Vendor knowledge, so it comes from dialects/.
struct WebhookFormat {
  Renderer render;
  std::string signature_header;
};

// How long after failed attempt n (from 1) attempt n+1 is due; nullopt
// after the last attempt (11 in all: the first and 10 retries, ~3 days).
std::optional<int64_t> RetryDelayMs(int64_t failed_attempts);

struct PreparedAttempt {
  WebhookDelivery delivery;  // as the store has it now
  WebhookAttempt attempt;    // its number and the instant it was due
  std::string url;           // checked by ParseWebhookUrl
  std::string body;          // the first attempt's rendering, or the stored bytes
  httplib::Headers headers;  // signature, correlation id, user agent
};

// What a scheduler read of an endpoint along with its due deliveries: the
// store's WebhookEdits() from before those reads, and the webhook's row.
struct ScheduledEndpoint {
  uint64_t edits = 0;
  Webhook webhook;
};

// What to send for `queued` now. nullopt when there is nothing to send: the
// delivery is gone, no longer pending, or no longer at the attempt it was
// queued for (another thread recorded it), or it has just been recorded as
// failed for good because its webhook is gone, its event cannot be rendered
// or its URL is invalid (a row written before URLs were checked).
//
// The delivery and its webhook are read afresh, so that a disable, a
// delete, a new secret or URL, a reset or a restore applies to the very
// next send. With `scheduled` (read with `queued`) and nothing of the kind
// committed since (WebhookEdits() has not moved), those reads would return
// what the scheduler read, and are skipped: they were a fifth of a sender's
// CPU at 1,000 deliveries/s (issue 12). The caller must not have recorded
// an attempt of `queued` since it was read.
Result<std::optional<PreparedAttempt>> PrepareAttempt(engine::Engine& engine, const WebhookDelivery& queued,
                                                      const WebhookFormat& format,
                                                      const ScheduledEndpoint* scheduled = nullptr);

// What to record of `outcome`: any 2xx delivers; anything else (3xx
// included: redirects are never followed) is a failed attempt, retried after
// RetryDelayMs. Refers to `prepared`, which must outlive it.
store::AttemptRecord OutcomeRecord(const PreparedAttempt& prepared, const Outcome& outcome);

// Records the outcomes of attempts of one namespace in one transaction.
struct SentAttempt {
  PreparedAttempt prepared;
  Outcome outcome;
};
Status RecordOutcomes(engine::Engine& engine, const std::vector<SentAttempt>& sent);

}  // namespace sandbox::webhooks
