// GET /_sandbox/webhooks/deliveries: what the webhook dispatcher sent, or
// will send, in the request's namespace: each delivery with its status, the
// exact body, the signature header it went with, and every attempt. Tests and demos read it to see a
// notification go out (or be retried) without running a receiver of their
// own; the dashboard reads its newest page.
//
// Paged (issue 10: one answer held every delivery, 74 MB in one case):
//   ?limit=     1 to kMaxLimit, default kDefaultLimit
//   ?order=     asc (oldest event first, the default) or desc
//   ?cursor=    the previous page's next_cursor: the page after it
//   ?webhook_id= only that webhook's deliveries
// The cursor is the sort key of the page's last delivery (store.h,
// WebhookDeliveryCursor) written as four integers joined by '.', so a page
// never repeats or skips a delivery that already existed, however many are
// added meanwhile. Clients treat it as opaque.
#include <charconv>
#include <map>

#include "control/respond.h"
#include "control/routes.h"
#include "core/decimal.h"
#include "core/time_format.h"

namespace sandbox::control {
namespace {

constexpr int64_t kDefaultLimit = 50;
constexpr int64_t kMaxLimit = 200;
constexpr size_t kMaxCursorBytes = 100;

OrderedJson RenderDelivery(const WebhookDelivery& d, const std::optional<DeliverySignature>& signature) {
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
                     {"next_attempt_at", InstantOrNull(d.next_attempt_at)},
                     {"body", d.body ? OrderedJson(*d.body) : OrderedJson()},
                     {"signature", signature ? OrderedJson{{"header", signature->header}, {"value", signature->value}}
                                             : OrderedJson()},
                     {"attempts", std::move(attempts)}};
}

std::string FormatCursor(const store::WebhookDeliveryCursor& c) {
  return std::to_string(c.created_at) + "." + std::to_string(c.run_ordinal) + "." + std::to_string(c.seq) + "." +
         std::to_string(c.webhook_ordinal);
}

// Four integers joined by '.', each optionally negative; nothing else.
std::optional<store::WebhookDeliveryCursor> ParseCursor(const std::string& text) {
  if (text.size() > kMaxCursorBytes) return std::nullopt;
  int64_t parts[4];
  const char* p = text.data();
  const char* end = text.data() + text.size();
  for (int i = 0; i < 4; ++i) {
    if (i > 0) {
      if (p == end || *p != '.') return std::nullopt;
      ++p;
    }
    auto [next, ec] = std::from_chars(p, end, parts[i]);
    if (ec != std::errc() || next == p) return std::nullopt;
    p = next;
  }
  if (p != end) return std::nullopt;
  return store::WebhookDeliveryCursor{parts[0], parts[1], parts[2], parts[3]};
}

}  // namespace

void ListWebhookDeliveries(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  engine::Engine* engine = NamespaceOrRespond(d, req, res);
  if (!engine) return;
  store::WebhookDeliveryQuery query;
  query.limit = kDefaultLimit;
  if (req.has_param("webhook_id")) query.webhook_id = req.get_param_value("webhook_id");
  if (req.has_param("limit")) {
    const std::string v = req.get_param_value("limit");
    auto n = ParseDecimalInt(v, kMaxLimit);
    if (!n || *n < 1) {
      return RespondError(res, 422, "Parameter `limit` must be a number from 1 to " + std::to_string(kMaxLimit),
                          "limit");
    }
    query.limit = *n;
  }
  if (req.has_param("order")) {
    const std::string v = req.get_param_value("order");
    if (v != "asc" && v != "desc") return RespondError(res, 422, "Parameter `order` must be asc or desc", "order");
    query.newest_first = v == "desc";
  }
  if (req.has_param("cursor")) {
    query.after = ParseCursor(req.get_param_value("cursor"));
    if (!query.after) {
      return RespondError(res, 422, "Parameter `cursor` must be a next_cursor this endpoint returned", "cursor");
    }
  }
  auto page = engine->store().ListWebhookDeliveries(query);
  if (!page.ok()) return RespondStatus(res, page.status());
  OrderedJson data = OrderedJson::array();
  std::map<std::string, std::optional<Webhook>> webhooks;  // each endpoint read once per page
  for (const auto& del : page->items) {
    std::optional<DeliverySignature> signature;
    if (del.body && d.sign_delivery) {
      auto [it, fresh] = webhooks.try_emplace(del.webhook_id);
      if (fresh) {
        auto hook = engine->store().GetWebhook(del.webhook_id);
        if (!hook.ok()) return RespondStatus(res, hook.status());
        it->second = std::move(hook).value();
      }
      if (it->second) signature = d.sign_delivery(*it->second, *del.body);
    }
    data.push_back(RenderDelivery(del, signature));
  }
  RespondJson(res, 200,
              OrderedJson{{"deliveries", std::move(data)},
                          {"total", page->total},
                          {"has_more", page->next.has_value()},
                          {"next_cursor", page->next ? OrderedJson(FormatCursor(*page->next)) : OrderedJson()}});
}

}  // namespace sandbox::control
