// The request journal over HTTP (docs/toolkit.md): GET and DELETE
// /_sandbox/requests, POST /_sandbox/requests/verify, and a run's
// interactions (GET /_sandbox/runs/{id}/interactions and .../verify), which
// are the journal's entries that touched the run, named by what they did.
#include <algorithm>
#include <cctype>

#include "control/respond.h"
#include "control/routes.h"
#include "core/decimal.h"
#include "core/time_format.h"
#include "http/body.h"

namespace sandbox::control {
namespace {

constexpr size_t kDefaultListLimit = 100;
constexpr size_t kMaxListLimit = 1000;
constexpr size_t kNearMisses = 3;

// A body the journal kept whole and that is JSON is shown as JSON; anything
// else as the text it was.
OrderedJson BodyJson(const std::string& kept, size_t bytes) {
  if (kept.empty()) return nullptr;
  if (kept.size() == bytes) {
    OrderedJson j = OrderedJson::parse(kept, nullptr, false);
    if (!j.is_discarded()) return j;
  }
  return kept;
}

OrderedJson EntryJson(const http::JournalEntry& e) {
  OrderedJson headers = OrderedJson::object();
  for (const auto& [name, value] : e.headers) {
    if (headers.contains(name)) {
      headers[name] = headers[name].get<std::string>() + ", " + value;
    } else {
      headers[name] = value;
    }
  }
  OrderedJson j = {{"id", e.id},
                   {"at", FormatInstant(e.at_ms)},
                   {"method", e.method},
                   {"path", e.path},
                   {"query", e.query},
                   {"headers", headers},
                   {"body", BodyJson(e.body, e.body_bytes)},
                   {"body_bytes", e.body_bytes},
                   {"body_truncated", e.body.size() < e.body_bytes},
                   {"status", e.status},
                   {"latency_ms", e.latency_ms < 0 ? OrderedJson(nullptr) : OrderedJson(e.latency_ms)},
                   {"namespace", e.ns},
                   {"account", e.account.empty() ? OrderedJson(nullptr) : OrderedJson(e.account)},
                   {"route", e.route.empty() ? OrderedJson(nullptr) : OrderedJson(e.route)},
                   {"interaction", e.interaction.empty() ? OrderedJson(nullptr) : OrderedJson(e.interaction)},
                   {"run_id", e.run_id.empty() ? OrderedJson(nullptr) : OrderedJson(e.run_id)},
                   {"fault", e.fault.empty() ? OrderedJson(nullptr) : OrderedJson(e.fault)}};
  j["response"] = {{"streamed", e.streamed},
                   {"body", e.streamed ? OrderedJson(nullptr) : BodyJson(e.response_body, e.response_bytes)},
                   {"bytes", e.response_bytes},
                   {"truncated", e.response_body.size() < e.response_bytes}};
  return j;
}

// "404" or "4xx".
bool ParseStatus(const std::string& text, http::JournalFilter& f) {
  if (text.size() == 3 && std::isdigit(static_cast<unsigned char>(text[0])) && text[0] >= '1' && text[0] <= '5' &&
      (text.substr(1) == "xx" || text.substr(1) == "XX")) {
    f.status_class = text[0] - '0';
    return true;
  }
  auto n = ParseDecimalInt(text);
  if (!n || *n < 100 || *n > 599) return false;
  f.status = static_cast<int>(*n);
  return true;
}

// The filters GET /_sandbox/requests takes as query parameters; the
// interaction routes add their run. False after a 400 was written.
bool FilterFromQuery(const httplib::Request& req, http::JournalFilter& f, httplib::Response& res) {
  static const char* kKnown[] = {"method", "path", "status", "since", "after", "namespace",
                                 "run_id", "interaction", "limit", "order"};
  for (const auto& [name, value] : req.params) {
    if (std::find(std::begin(kKnown), std::end(kKnown), name) == std::end(kKnown)) {
      RespondError(res, 400,
                   "Unknown query parameter `" + name +
                       "`; the filters are method, path, status, since, after, namespace, run_id, interaction, "
                       "limit and order",
                   name);
      return false;
    }
  }
  f.method = req.get_param_value("method");
  f.path = req.get_param_value("path");
  f.ns = req.get_param_value("namespace");
  f.run_id = req.get_param_value("run_id");
  f.interaction = req.get_param_value("interaction");
  if (req.has_param("status") && !ParseStatus(req.get_param_value("status"), f)) {
    RespondError(res, 400, "`status` must be a status code like 404, or a class like 4xx", "status");
    return false;
  }
  if (req.has_param("since")) {
    auto t = ParseInstant(req.get_param_value("since"));
    if (!t) {
      RespondError(res, 400, "`since` must be an ISO 8601 UTC time like 2026-01-01T00:00:00Z", "since");
      return false;
    }
    f.since_ms = *t;
  }
  if (req.has_param("after")) {
    auto n = ParseDecimalInt(req.get_param_value("after"));
    if (!n || *n < 0) {
      RespondError(res, 400, "`after` must be a request id (a number)", "after");
      return false;
    }
    f.after_id = static_cast<uint64_t>(*n);
  }
  return true;
}

// The criteria of a verification body; false after a 400 or 422 was written.
bool FilterFromBody(const OrderedJson& body, http::JournalFilter& f, http::CountExpectation& count,
                    bool run_scoped, httplib::Response& res) {
  static const char* kKnown[] = {"method",  "path",      "status", "namespace", "run_id", "interaction",
                                 "query",   "headers",   "body",   "since",     "after",  "count"};
  for (auto it = body.begin(); it != body.end(); ++it) {
    if (std::find(std::begin(kKnown), std::end(kKnown), it.key()) == std::end(kKnown) ||
        (run_scoped && it.key() == "run_id")) {
      RespondError(res, 400, "Unknown field `" + it.key() + "` (docs/toolkit.md lists the criteria)", it.key());
      return false;
    }
  }
  auto text = [&](const char* key, std::string& out) {
    if (!body.contains(key)) return true;
    if (!body[key].is_string()) {
      RespondError(res, 422, std::string("`") + key + "` must be a string", key);
      return false;
    }
    out = body[key].get<std::string>();
    return true;
  };
  auto map = [&](const char* key, std::map<std::string, std::string>& out) {
    if (!body.contains(key)) return true;
    if (!body[key].is_object()) {
      RespondError(res, 422, std::string("`") + key + "` must be an object of strings", key);
      return false;
    }
    for (auto it = body[key].begin(); it != body[key].end(); ++it) {
      if (!it.value().is_string()) {
        RespondError(res, 422, std::string("`") + key + "." + it.key() + "` must be a string", key);
        return false;
      }
      out[it.key()] = it.value().get<std::string>();
    }
    return true;
  };
  if (!text("method", f.method) || !text("path", f.path) || !text("namespace", f.ns) ||
      !text("run_id", f.run_id) || !text("interaction", f.interaction) || !map("query", f.query) ||
      !map("headers", f.headers)) {
    return false;
  }
  if (body.contains("status")) {
    const auto& s = body["status"];
    bool ok = s.is_number_integer() ? ParseStatus(std::to_string(s.get<int64_t>()), f)
                                    : s.is_string() && ParseStatus(s.get<std::string>(), f);
    if (!ok) {
      RespondError(res, 422, "`status` must be a status code like 404, or a class like \"4xx\"", "status");
      return false;
    }
  }
  if (body.contains("body")) f.body = Json(body["body"]);
  if (body.contains("since")) {
    std::optional<Instant> t;
    if (body["since"].is_string()) t = ParseInstant(body["since"].get<std::string>());
    if (!t) {
      RespondError(res, 422, "`since` must be an ISO 8601 UTC time like 2026-01-01T00:00:00Z", "since");
      return false;
    }
    f.since_ms = *t;
  }
  if (body.contains("after")) {
    if (!body["after"].is_number_unsigned()) {
      RespondError(res, 422, "`after` must be a request id (a number)", "after");
      return false;
    }
    f.after_id = body["after"].get<uint64_t>();
  }
  if (body.contains("count")) {
    const auto& c = body["count"];
    if (c.is_number_unsigned()) {
      count.eq = c.get<uint64_t>();
    } else if (c.is_object() && !c.empty()) {
      for (auto it = c.begin(); it != c.end(); ++it) {
        std::optional<uint64_t>* bound = it.key() == "eq"    ? &count.eq
                                         : it.key() == "gte" ? &count.gte
                                         : it.key() == "lte" ? &count.lte
                                                             : nullptr;
        if (!bound || !it.value().is_number_unsigned()) {
          RespondError(res, 422, "`count` must be a number, or an object of eq, gte and lte with numbers", "count");
          return false;
        }
        *bound = it.value().get<uint64_t>();
      }
    } else {
      RespondError(res, 422, "`count` must be a number, or an object of eq, gte and lte with numbers", "count");
      return false;
    }
  }
  return true;
}

void Verify(const Deps& d, const httplib::Request& req, httplib::Response& res, const std::string& run_id) {
  auto body = http::ParseJsonObjectBody(req.body, d.limits);
  if (!body.ok()) {
    RespondStatus(res, body.status());
    return;
  }
  http::JournalFilter f;
  http::CountExpectation count;
  if (!FilterFromBody(body.value(), f, count, !run_id.empty(), res)) return;
  if (!run_id.empty()) f.run_id = run_id;
  http::VerifyResult r = d.journal.Verify(f, count, kNearMisses);
  OrderedJson misses = OrderedJson::array();
  for (const auto& [entry, diffs] : r.near_misses) {
    misses.push_back({{"request", EntryJson(entry)}, {"differences", diffs}});
  }
  OrderedJson out = {{"pass", r.pass},
                     {"count", r.count},
                     {"expected", count.Describe()},
                     {"matched", r.matched},
                     {"near_misses", misses}};
  if (!d.journal.enabled()) out["warning"] = "the request journal is off (--journal 0)";
  RespondJson(res, 200, out);
}

}  // namespace

void ListRequests(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  http::JournalFilter f;
  if (!FilterFromQuery(req, f, res)) return;
  size_t limit = kDefaultListLimit;
  if (req.has_param("limit")) {
    auto n = ParseDecimalInt(req.get_param_value("limit"));
    if (!n || *n < 1 || *n > static_cast<int64_t>(kMaxListLimit)) {
      RespondError(res, 400, "`limit` must be a number from 1 to " + std::to_string(kMaxListLimit), "limit");
      return;
    }
    limit = static_cast<size_t>(*n);
  }
  std::string order = req.has_param("order") ? req.get_param_value("order") : "asc";
  if (order != "asc" && order != "desc") {
    RespondError(res, 400, "`order` must be asc (oldest first) or desc (newest first)", "order");
    return;
  }
  auto page = d.journal.List(f, limit, order == "desc");
  OrderedJson data = OrderedJson::array();
  for (const auto& e : page.entries) data.push_back(EntryJson(e));
  OrderedJson out = {{"data", data},
                     {"total", page.total},
                     {"has_more", page.has_more},
                     {"capacity", d.journal.capacity()}};
  // The cursor for the next page of an oldest-first listing.
  if (page.has_more && order == "asc") out["next_after"] = page.entries.back().id;
  RespondJson(res, 200, out);
}

void ClearRequests(const Deps& d, const httplib::Request&, httplib::Response& res) {
  d.journal.Clear();
  res.status = 204;
}

void VerifyRequests(const Deps& d, const httplib::Request& req, httplib::Response& res) { Verify(d, req, res, ""); }

void ListInteractions(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  http::JournalFilter f;
  for (const auto& [name, value] : req.params) {
    if (name != "namespace") {
      RespondError(res, 400, "Unknown query parameter `" + name + "`; the only one is namespace", name);
      return;
    }
  }
  f.run_id = req.matches[1];
  f.ns = req.get_param_value("namespace");
  auto page = d.journal.List(f, d.journal.capacity(), false);
  OrderedJson data = OrderedJson::array();
  OrderedJson summary = OrderedJson::object();
  for (const auto& e : page.entries) {
    std::string what = e.interaction.empty() ? "other" : e.interaction;
    summary[what] = summary.value(what, 0) + 1;
    OrderedJson item = {{"request_id", e.id},
                        {"at", FormatInstant(e.at_ms)},
                        {"interaction", what},
                        {"method", e.method},
                        {"path", e.path},
                        {"query", e.query},
                        {"status", e.status},
                        {"body", BodyJson(e.body, e.body_bytes)}};
    for (const auto& [name, value] : e.headers) {
      if (name == "Last-Event-ID" || name == "last-event-id") item["last_event_id"] = value;
    }
    if (!e.fault.empty()) item["fault"] = e.fault;
    data.push_back(std::move(item));
  }
  RespondJson(res, 200, OrderedJson{{"run_id", f.run_id}, {"summary", summary}, {"data", data}});
}

void VerifyInteractions(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  Verify(d, req, res, req.matches[1]);
}

}  // namespace sandbox::control
