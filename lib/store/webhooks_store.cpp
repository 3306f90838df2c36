// Store: webhook endpoints, the outbox of deliveries written with the run
// events they announce, and the attempts the dispatcher records.
#include <algorithm>
#include <map>
#include <string_view>
#include <tuple>
#include <utility>

#include "store/run_archive.h"
#include "store/store.h"
#include "store/store_internal.h"

namespace sandbox::store {
namespace {

const char* kWebhookColumns =
    "id, ordinal, url, secret, enabled_events, include, oidc, disabled_at, deleted_at, created_at, updated_at";

Webhook WebhookFromRow(Statement& q) {
  Webhook w;
  w.id = q.Text(0);
  w.ordinal = q.Int(1);
  w.url = q.Text(2);
  w.secret = q.Text(3);
  w.enabled_events = ParseJsonColumn(q.Text(4));
  w.include = q.OptText(5);
  w.oidc = ParseJsonColumn(q.OptText(6));
  w.disabled_at = q.OptInt(7);
  w.deleted_at = q.OptInt(8);
  w.created_at = q.Int(9);
  w.updated_at = q.Int(10);
  return w;
}

// A stored delivery body: a zstd frame (a BLOB) since 2026-12-01, plain text
// before; SQLite keeps a type per value, so both read without a migration.
// A body that no longer expands (a damaged file) reads as none, so a retry
// renders it afresh.
std::optional<std::string> BodyFromColumn(Statement& q, int col) {
  if (!q.IsBlob(col)) return q.OptText(col);
  auto body = ExpandLog(q.Blob(col), "");
  if (!body.ok()) return std::nullopt;
  return std::move(body).value();
}

// Selected from webhook_deliveries as d; the run's key (8) is for LoadAttempts.
const char* kDeliveryColumns =
    "d.webhook_id, d.run_id, d.seq, d.event_type, d.created_at, d.status, d.next_attempt_at, "
    "(SELECT body FROM webhook_bodies WHERE id = d.body_id), d.run_key";

WebhookDelivery DeliveryFromRow(Statement& q) {
  WebhookDelivery d;
  d.webhook_id = q.Text(0);
  d.run_id = q.Text(1);
  d.seq = q.Int(2);
  d.event_type = q.Text(3);
  d.created_at = q.Int(4);
  d.status = q.Text(5);
  d.next_attempt_at = q.OptInt(6);
  d.body = BodyFromColumn(q, 7);
  return d;
}

// The attempts of `deliveries` (`run_keys[i]` the key of the run of the
// i-th), with one query for them all, not one a delivery.
Status LoadAttempts(Connection& c, std::vector<WebhookDelivery>& deliveries, const std::vector<int64_t>& run_keys) {
  if (deliveries.empty()) return Status::Ok();
  std::map<std::tuple<std::string_view, int64_t, int64_t>, WebhookDelivery*> by_key;
  Json keys = Json::array();
  for (size_t i = 0; i < deliveries.size(); ++i) {
    WebhookDelivery& d = deliveries[i];
    by_key[{d.webhook_id, run_keys[i], d.seq}] = &d;
    keys.push_back(Json::array({d.webhook_id, run_keys[i], d.seq}));
  }
  // The keys drive the loop (CROSS JOIN), each a seek on the primary key:
  // as `(webhook_id, run_key, seq) IN (SELECT ...)` SQLite used only the
  // key's first column and read every attempt of the webhook.
  Statement q(c,
              "SELECT a.webhook_id, a.run_key, a.seq, a.attempt, a.at, a.status_code, a.error FROM json_each(?1) k "
              "CROSS JOIN webhook_attempts a ON a.webhook_id = json_extract(k.value, '$[0]') "
              "AND a.run_key = json_extract(k.value, '$[1]') AND a.seq = json_extract(k.value, '$[2]') "
              "ORDER BY a.webhook_id, a.run_key, a.seq, a.attempt");
  q.Bind(1, keys.dump());
  while (true) {
    auto row = q.Step();
    if (!row.ok()) return row.status();
    if (!row.value()) return Status::Ok();
    const std::string webhook_id = q.Text(0);
    auto it = by_key.find({webhook_id, q.Int(1), q.Int(2)});
    if (it == by_key.end()) continue;
    it->second->attempts.push_back(WebhookAttempt{q.Int(3), q.Int(4), q.OptInt(5), q.OptText(6)});
  }
}

// `life`: the outbox's life, read before the query (a wipe between the two
// then at worst refuses outcomes of deliveries it did not touch, which go
// out again; the other order could let a stale outcome through).
Result<std::vector<WebhookDelivery>> Deliveries(Connection& c, Statement& q, uint64_t life) {
  std::vector<WebhookDelivery> out;
  std::vector<int64_t> run_keys;
  while (true) {
    auto row = q.Step();
    if (!row.ok()) return row.status();
    if (!row.value()) break;
    out.push_back(DeliveryFromRow(q));
    out.back().outbox_life = life;
    run_keys.push_back(q.Int(8));
  }
  Status st = LoadAttempts(c, out, run_keys);
  if (!st.ok()) return st;
  return out;
}

}  // namespace

void SqliteStore::SetWebhookNotifications(WebhookNotifications notifications) {
  db_->notifications = std::move(notifications);
}

Status SqliteStore::WriteWebhookOutbox(const std::vector<Event>& events, bool* last_queued) {
  if (last_queued) *last_queued = false;
  if (!db_->notifications) return Status::Ok();
  std::vector<std::pair<const Event*, std::string>> announced;
  for (const Event& e : events) {
    if (auto name = db_->notifications(e.type)) announced.emplace_back(&e, std::move(*name));
  }
  if (announced.empty()) return Status::Ok();
  std::vector<Webhook> hooks;
  {
    Statement q(*db_->writer, std::string("SELECT ") + kWebhookColumns +
                                  " FROM webhooks WHERE ns = ?1 AND deleted_at IS NULL AND disabled_at IS NULL "
                                  "ORDER BY ordinal");
    q.Bind(1, ns_);
    while (true) {
      auto row = q.Step();
      if (!row.ok()) return row.status();
      if (!row.value()) break;
      hooks.push_back(WebhookFromRow(q));
    }
  }
  for (const auto& [e, type] : announced) {
    for (const auto& w : hooks) {
      if (!w.Subscribes(type)) continue;
      Statement q(*db_->writer,
                  "INSERT INTO webhook_deliveries (ns, webhook_id, run_key, run_id, seq, event_type, created_at, "
                  "status, next_attempt_at) VALUES (?1, ?2, (SELECT run_key FROM runs WHERE id = ?3), ?3, ?4, ?5, ?6, "
                  "'pending', ?6)");
      q.Bind(1, ns_).Bind(2, w.id).Bind(3, e->run_id).Bind(4, e->seq).Bind(5, type).Bind(6, e->at);
      Status st = q.Run();
      if (!st.ok()) return st;
      if (last_queued && e == &events.back()) *last_queued = true;
    }
  }
  return Status::Ok();
}

Status SqliteStore::InsertWebhook(const Webhook& w) {
  std::lock_guard<WriterLock> g(db_->writer_mu);
  WebhookEditCount edit(*db_);
  Statement q(*db_->writer,
              "INSERT INTO webhooks (id, ns, ordinal, url, secret, enabled_events, include, oidc, disabled_at, "
              "deleted_at, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
  q.Bind(1, w.id).Bind(2, ns_).Bind(3, w.ordinal).Bind(4, w.url).Bind(5, w.secret).Bind(6, w.enabled_events.dump());
  q.Bind(7, w.include).Bind(8, JsonColumn(w.oidc)).Bind(9, w.disabled_at).Bind(10, w.deleted_at);
  q.Bind(11, w.created_at).Bind(12, w.updated_at);
  return q.Run();
}

Status SqliteStore::UpdateWebhook(const Webhook& w) {
  std::lock_guard<WriterLock> g(db_->writer_mu);
  WebhookEditCount edit(*db_);
  Transaction tx(*db_->writer);
  if (!tx.begin_status().ok()) return tx.begin_status();
  Statement q(*db_->writer,
              "UPDATE webhooks SET url = ?2, secret = ?3, enabled_events = ?4, include = ?5, oidc = ?6, "
              "disabled_at = ?7, deleted_at = ?8, updated_at = ?9 WHERE id = ?1 AND ns = ?10");
  q.Bind(1, w.id).Bind(2, w.url).Bind(3, w.secret).Bind(4, w.enabled_events.dump()).Bind(5, w.include);
  q.Bind(6, JsonColumn(w.oidc)).Bind(7, w.disabled_at).Bind(8, w.deleted_at).Bind(9, w.updated_at).Bind(10, ns_);
  Status st = q.Run();
  if (st.ok() && (w.disabled_at || w.deleted_at)) {
    Statement cancel(*db_->writer,
                     "UPDATE webhook_deliveries SET status = 'cancelled', next_attempt_at = NULL "
                     "WHERE webhook_id = ?1 AND status = 'pending'");
    st = cancel.Bind(1, w.id).Run();
  }
  if (st.ok()) st = tx.Commit();
  return st;
}

Result<int64_t> SqliteStore::WebhookBodyId(const std::string& run_id, int64_t seq, const std::string& packed,
                                           bool* added) {
  *added = false;
  // The same body compresses to the same bytes, so equal bodies share a row.
  Statement find(*db_->writer,
                 "SELECT id FROM webhook_bodies WHERE run_key = (SELECT run_key FROM runs WHERE id = ?1) AND seq = ?2 "
                 "AND body = ?3");
  find.Bind(1, run_id).Bind(2, seq).BindBlob(3, packed);
  auto row = find.Step();
  if (!row.ok()) return row.status();
  if (row.value()) return find.Int(0);
  Statement insert(*db_->writer,
                   "INSERT INTO webhook_bodies (run_key, seq, body) VALUES ((SELECT run_key FROM runs WHERE id = ?1), "
                   "?2, ?3)");
  Status st = insert.Bind(1, run_id).Bind(2, seq).BindBlob(3, packed).Run();
  if (!st.ok()) return st;
  *added = true;
  return static_cast<int64_t>(sqlite3_last_insert_rowid(db_->writer->raw()));
}

uint64_t SqliteStore::OutboxLife() const {
  std::lock_guard<std::mutex> g(db_->wipes_mu);
  auto it = db_->wipes_by_ns.find(ns_);
  return db_->wipes_of_all + (it == db_->wipes_by_ns.end() ? 0 : it->second);
}

SqliteStore::OutboxWipe::~OutboxWipe() {
  Database& db = *store_.db_;
  if (every_) {
    db.wipe_of_all_pending = true;
  } else {
    db.wipes_pending.insert(store_.ns_);
  }
  if (!store_.InGroupOnThisThread()) store_.BeginPendingOutboxLives();
}

void SqliteStore::BeginPendingOutboxLives() const {
  std::lock_guard<std::mutex> g(db_->wipes_mu);
  if (std::exchange(db_->wipe_of_all_pending, false)) ++db_->wipes_of_all;
  for (const std::string& ns : db_->wipes_pending) ++db_->wipes_by_ns[ns];
  db_->wipes_pending.clear();
}

Status SqliteStore::RecordWebhookAttempts(const std::vector<AttemptRecord>& records) {
  // Each body is stored compressed on its own (no dictionary: a 10 KB run
  // body takes about a fifth), compressed before the writer's lock is taken:
  // compressing was a third of the time a sender held the lock, and a run's
  // group commit waits for it.
  std::vector<std::string> packed;
  packed.reserve(records.size());
  for (const AttemptRecord& r : records) {
    auto p = CompressLog(r.body, "");
    if (!p.ok()) return p.status();
    packed.push_back(std::move(p).value());
  }
  std::lock_guard<WriterLock> g(db_->writer_mu);
  // Under the writer's lock, as every wipe is: an outcome read before the
  // last wipe belongs to rows that are gone, whatever ids the new ones have.
  // Its delivery, if written again since, stays due and goes out.
  const uint64_t life = OutboxLife();
  Transaction tx(*db_->writer);
  if (!tx.begin_status().ok()) return tx.begin_status();
  for (size_t i = 0; i < records.size(); ++i) {
    const AttemptRecord& r = records[i];
    const WebhookDelivery& d = *r.delivery;
    if (d.outbox_life != life) continue;
    // The body first, so that the delivery's row is written once.
    bool added = false;
    auto body_id = WebhookBodyId(d.run_id, d.seq, packed[i], &added);
    if (!body_id.ok()) return body_id.status();
    Statement q(*db_->writer,
                "UPDATE webhook_deliveries SET status = ?4, next_attempt_at = ?5, body_id = ?6 WHERE webhook_id = ?1 "
                "AND run_key = (SELECT run_key FROM runs WHERE id = ?2) AND seq = ?3 AND status = 'pending'");
    q.Bind(1, d.webhook_id).Bind(2, d.run_id).Bind(3, d.seq).Bind(4, r.status).Bind(5, r.next_attempt_at);
    Status st = q.Bind(6, body_id.value()).Run();
    if (!st.ok()) return st;
    if (sqlite3_changes(db_->writer->raw()) == 0) {
      // No longer pending (cancelled, or wiped and written again): nothing
      // to record, and a body added for it would belong to no delivery.
      if (!added) continue;
      Statement drop(*db_->writer, "DELETE FROM webhook_bodies WHERE id = ?1");
      st = drop.Bind(1, body_id.value()).Run();
      if (!st.ok()) return st;
      continue;
    }
    Statement ins(*db_->writer,
                  "INSERT INTO webhook_attempts (webhook_id, run_key, seq, attempt, at, status_code, error) "
                  "VALUES (?1, (SELECT run_key FROM runs WHERE id = ?2), ?3, ?4, ?5, ?6, ?7)");
    ins.Bind(1, d.webhook_id).Bind(2, d.run_id).Bind(3, d.seq).Bind(4, r.attempt.attempt).Bind(5, r.attempt.at);
    ins.Bind(6, r.attempt.status_code).Bind(7, r.attempt.error);
    st = ins.Run();
    if (!st.ok()) return st;
  }
  return tx.Commit();
}

Result<std::optional<Webhook>> SqliteStore::GetWebhook(const std::string& id) {
  return WithReader([&](Connection& c) -> Result<std::optional<Webhook>> {
    Statement q(c, std::string("SELECT ") + kWebhookColumns + " FROM webhooks WHERE id = ?1 AND ns = ?2");
    q.Bind(1, id).Bind(2, ns_);
    auto row = q.Step();
    if (!row.ok()) return row.status();
    if (!row.value()) return std::optional<Webhook>();
    return std::optional<Webhook>(WebhookFromRow(q));
  });
}

Result<ListPage<Webhook>> SqliteStore::ListWebhooks(int64_t limit, int64_t offset) {
  return WithReader([&](Connection& c) -> Result<ListPage<Webhook>> {
    ListPage<Webhook> page;
    Statement n(c, "SELECT count(*) FROM webhooks WHERE ns = ?1 AND deleted_at IS NULL");
    n.Bind(1, ns_);
    auto counted = n.Step();
    if (!counted.ok()) return counted.status();
    page.total = n.Int(0);
    Statement q(c, std::string("SELECT ") + kWebhookColumns +
                       " FROM webhooks WHERE ns = ?1 AND deleted_at IS NULL ORDER BY ordinal DESC LIMIT ?2 OFFSET ?3");
    q.Bind(1, ns_).Bind(2, limit).Bind(3, offset);
    while (true) {
      auto row = q.Step();
      if (!row.ok()) return row.status();
      if (!row.value()) break;
      page.items.push_back(WebhookFromRow(q));
    }
    return page;
  });
}

Result<int64_t> SqliteStore::CountWebhooks() {
  return WithReader([&](Connection& c) -> Result<int64_t> {
    Statement q(c, "SELECT count(*) FROM webhooks WHERE ns = ?1");
    q.Bind(1, ns_);
    auto row = q.Step();
    if (!row.ok()) return row.status();
    return q.Int(0);
  });
}

Result<std::vector<WebhookDelivery>> SqliteStore::DueWebhookDeliveries(Instant now, int64_t limit,
                                                                       const std::optional<std::string>& webhook_id) {
  const uint64_t life = OutboxLife();
  return WithReader([&](Connection& c) -> Result<std::vector<WebhookDelivery>> {
    Statement q(c, std::string("SELECT ") + kDeliveryColumns +
                       " FROM webhook_deliveries d WHERE ns = ?1 AND status = 'pending' AND next_attempt_at <= ?2 "
                       "AND (?4 IS NULL OR webhook_id = ?4) "
                       "ORDER BY next_attempt_at, created_at, (SELECT ordinal FROM runs WHERE id = d.run_id), seq, "
                       "(SELECT ordinal FROM webhooks WHERE id = d.webhook_id) LIMIT ?3");
    q.Bind(1, ns_).Bind(2, now).Bind(3, limit).Bind(4, webhook_id);
    return Deliveries(c, q, life);
  });
}

Result<std::vector<std::string>> SqliteStore::DueWebhookEndpoints(Instant now) {
  return WithReader([&](Connection& c) -> Result<std::vector<std::string>> {
    Statement q(c,
                "SELECT webhook_id FROM webhook_deliveries WHERE ns = ?1 AND status = 'pending' "
                "AND next_attempt_at <= ?2 GROUP BY webhook_id ORDER BY min(next_attempt_at), webhook_id");
    q.Bind(1, ns_).Bind(2, now);
    std::vector<std::string> out;
    while (true) {
      auto row = q.Step();
      if (!row.ok()) return row.status();
      if (!row.value()) return out;
      out.push_back(q.Text(0));
    }
  });
}

Result<std::optional<WebhookDelivery>> SqliteStore::GetWebhookDelivery(const std::string& webhook_id,
                                                                       const std::string& run_id, int64_t seq) {
  const uint64_t life = OutboxLife();
  return WithReader([&](Connection& c) -> Result<std::optional<WebhookDelivery>> {
    Statement q(c, std::string("SELECT ") + kDeliveryColumns +
                       " FROM webhook_deliveries d WHERE ns = ?1 AND webhook_id = ?2 "
                       "AND run_key = (SELECT run_key FROM runs WHERE id = ?3) AND run_id = ?3 AND seq = ?4");
    q.Bind(1, ns_).Bind(2, webhook_id).Bind(3, run_id).Bind(4, seq);
    auto found = Deliveries(c, q, life);
    if (!found.ok()) return found.status();
    if (found->empty()) return std::optional<WebhookDelivery>();
    return std::optional<WebhookDelivery>(std::move(found.value()[0]));
  });
}

Result<std::vector<WebhookDelivery>> SqliteStore::WebhookDeliveries(const std::optional<std::string>& webhook_id) {
  const uint64_t life = OutboxLife();
  return WithReader([&](Connection& c) -> Result<std::vector<WebhookDelivery>> {
    Statement q(c, std::string("SELECT ") + kDeliveryColumns +
                       " FROM webhook_deliveries d WHERE ns = ?1 AND (?2 IS NULL OR webhook_id = ?2) "
                       "ORDER BY created_at, (SELECT ordinal FROM runs WHERE id = d.run_id), seq, "
                       "(SELECT ordinal FROM webhooks WHERE id = d.webhook_id)");
    q.Bind(1, ns_).Bind(2, webhook_id);
    return Deliveries(c, q, life);
  });
}

Result<WebhookDeliveryPage> SqliteStore::ListWebhookDeliveries(const WebhookDeliveryQuery& query) {
  return WithReader([&](Connection& c) -> Result<WebhookDeliveryPage> {
    WebhookDeliveryPage page;
    Statement n(c, "SELECT count(*) FROM webhook_deliveries WHERE ns = ?1 AND (?2 IS NULL OR webhook_id = ?2)");
    n.Bind(1, ns_).Bind(2, query.webhook_id);
    auto counted = n.Step();
    if (!counted.ok()) return counted.status();
    page.total = n.Int(0);
    // The sort key, as a row value so that a cursor compares in one step. A
    // delivery whose run or webhook row is missing (a hand-edited database)
    // sorts with ordinal 0.
    const std::string key = "(d.created_at, coalesce(r.ordinal, 0), d.seq, coalesce(w.ordinal, 0))";
    const char* dir = query.newest_first ? " DESC" : "";
    Statement q(
        c, std::string(
               "SELECT d.webhook_id, d.run_id, d.seq, d.event_type, d.created_at, d.status, "
               "d.next_attempt_at, (SELECT body FROM webhook_bodies WHERE id = d.body_id), coalesce(r.ordinal, 0), "
               "coalesce(w.ordinal, 0), d.run_key "
               "FROM webhook_deliveries d LEFT JOIN runs r ON r.id = d.run_id "
               "LEFT JOIN webhooks w ON w.id = d.webhook_id "
               "WHERE d.ns = ?1 AND (?2 IS NULL OR d.webhook_id = ?2) AND (?3 IS NULL OR ") +
               key + (query.newest_first ? " < " : " > ") + "(?3, ?4, ?5, ?6)) ORDER BY d.created_at" + dir + ", 9" +
               dir + ", d.seq" + dir + ", 10" + dir + " LIMIT ?7");
    q.Bind(1, ns_).Bind(2, query.webhook_id);
    if (query.after) {
      q.Bind(3, query.after->created_at).Bind(4, query.after->run_ordinal).Bind(5, query.after->seq);
      q.Bind(6, query.after->webhook_ordinal);
    } else {
      q.Bind(3, std::optional<int64_t>()).Bind(4, int64_t{0}).Bind(5, int64_t{0}).Bind(6, int64_t{0});
    }
    q.Bind(7, query.limit + 1);  // one more tells whether another page follows
    std::vector<WebhookDeliveryCursor> keys;
    std::vector<int64_t> run_keys;
    while (true) {
      auto row = q.Step();
      if (!row.ok()) return row.status();
      if (!row.value()) break;
      page.items.push_back(DeliveryFromRow(q));
      keys.push_back(WebhookDeliveryCursor{q.Int(4), q.Int(8), q.Int(2), q.Int(9)});
      run_keys.push_back(q.Int(10));
    }
    if (static_cast<int64_t>(page.items.size()) > query.limit) {
      page.items.pop_back();
      run_keys.pop_back();
      page.next = keys[page.items.size() - 1];
    }
    Status st = LoadAttempts(c, page.items, run_keys);
    if (!st.ok()) return st;
    return page;
  });
}

}  // namespace sandbox::store
