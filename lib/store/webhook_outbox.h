// WebhookOutbox: webhook endpoints, the deliveries a run's commit queues for
// them (written in that same transaction) and the attempts the dispatcher
// records. One of the store's small interfaces (store.h).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/types.h"
#include "store/run_log.h"

namespace sandbox::store {

// Which run events webhooks hear of, and the name they hear each by; nullopt
// for an event no webhook is told of. The dialect that owns webhooks knows
// (the app wires it in with Store::SetWebhookNotifications); until then no
// delivery is queued.
using WebhookNotifications = std::function<std::optional<std::string>(const std::string& event_type)>;

// Where a page of webhook deliveries starts: the sort key of the last one
// the previous page held (the event's instant, the run's ordinal, the
// event's seq, the webhook's ordinal).
struct WebhookDeliveryCursor {
  Instant created_at = 0;
  int64_t run_ordinal = 0;
  int64_t seq = 0;
  int64_t webhook_ordinal = 0;
};

// A page of webhook deliveries, oldest event first or newest first.
struct WebhookDeliveryQuery {
  std::optional<std::string> webhook_id;  // only this webhook's
  int64_t limit = 50;
  std::optional<WebhookDeliveryCursor> after;  // rows past this key, in the page's order
  bool newest_first = false;
};

// What came of one delivery attempt, to record (RecordWebhookAttempts).
struct AttemptRecord {
  const WebhookDelivery* delivery = nullptr;  // as it was read before the attempt
  WebhookAttempt attempt;
  std::string body;    // kept with the delivery: a retry sends the same bytes
  std::string status;  // the delivery's from now on: pending, delivered or failed
  std::optional<Instant> next_attempt_at;
};

struct WebhookDeliveryPage {
  std::vector<WebhookDelivery> items;
  int64_t total = 0;                          // matching the filter, across all pages
  std::optional<WebhookDeliveryCursor> next;  // the last item's key when more follow
};

class WebhookOutbox {
 public:
  virtual ~WebhookOutbox() = default;

  // For every namespace of the database; call before any engine starts.
  virtual void SetWebhookNotifications(WebhookNotifications notifications) = 0;
  // Endpoints. Updating one that becomes disabled or deleted cancels its
  // pending deliveries in the same transaction. Writer thread only.
  virtual Status InsertWebhook(const Webhook& webhook) = 0;
  virtual Status UpdateWebhook(const Webhook& webhook) = 0;
  // The outcomes of delivery attempts, in one transaction (the webhook
  // dispatcher's sender threads, under the same writer lock, record an
  // endpoint's attempts together). Each record's `body` is kept with its
  // delivery, which becomes `status` with `next_attempt_at`. Nothing is
  // written for a delivery no longer pending (its webhook went, or a reset
  // came first).
  virtual Status RecordWebhookAttempts(const std::vector<AttemptRecord>& records) = 0;
  // Webhooks of this namespace, deleted ones included when asked.
  virtual Result<std::optional<Webhook>> GetWebhook(const std::string& id) = 0;
  // Not deleted, newest first.
  virtual Result<ListPage<Webhook>> ListWebhooks(int64_t limit, int64_t offset) = 0;
  // Every webhook ever created here (deleted ones too): the next ordinal.
  virtual Result<int64_t> CountWebhooks() = 0;
  // Pending deliveries due at or before `now`, in the order they fall due
  // (then by event, then by webhook), with their attempts so far; only
  // `webhook_id`'s when given.
  virtual Result<std::vector<WebhookDelivery>> DueWebhookDeliveries(
      Instant now, int64_t limit, const std::optional<std::string>& webhook_id = {}) = 0;
  // The webhooks with a pending delivery due at or before `now`, the one
  // due longest first.
  virtual Result<std::vector<std::string>> DueWebhookEndpoints(Instant now) = 0;
  // A count of the committed changes to this database's webhooks and to its
  // deliveries' status that a sender did not make itself: every webhook
  // inserted or updated (an update may disable, delete, re-sign or re-point
  // one, and cancels its pending deliveries), every reset and restore. It
  // moves after the change commits. So webhook and delivery rows read after
  // reading it are still what the store holds while it has not moved, save
  // for the attempts RecordWebhookAttempts has recorded since: the
  // dispatcher sends on what it scheduled without reading each delivery and
  // its webhook again (issue 12).
  virtual uint64_t WebhookEdits() const = 0;
  // One delivery with its attempts, if it exists.
  virtual Result<std::optional<WebhookDelivery>> GetWebhookDelivery(const std::string& webhook_id,
                                                                    const std::string& run_id, int64_t seq) = 0;
  // Every delivery, oldest event first; only `webhook_id`'s when given.
  virtual Result<std::vector<WebhookDelivery>> WebhookDeliveries(const std::optional<std::string>& webhook_id) = 0;
  // One page of them (GET /_sandbox/webhooks/deliveries).
  virtual Result<WebhookDeliveryPage> ListWebhookDeliveries(const WebhookDeliveryQuery& query) = 0;
};

}  // namespace sandbox::store
