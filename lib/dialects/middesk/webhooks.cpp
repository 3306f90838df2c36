// /v1/webhooks: registering the endpoints that receive run.created,
// run.interrupted and run.completed (../shared/spec/openapi/middesk-webhooks.yml;
// the object's shape is not documented, ours is in docs/middesk.md).
// Delivery itself is lib/webhooks; the bodies are webhook_events.cpp.
#include <regex>

#include "core/time_format.h"
#include "dialects/middesk/errors.h"
#include "dialects/middesk/handlers.h"
#include "dialects/middesk/render.h"
#include "dialects/middesk/request.h"
#include "http/pagination.h"

namespace sandbox::middesk {
namespace {

const char* kOidcStrings[] = {"oidc_client_id", "oidc_client_secret", "oidc_token_endpoint", "oidc_resource_uri",
                              "oidc_scope"};

OrderedJson RenderWebhook(const Webhook& w) {
  OrderedJson j{{"object", "webhook"},
                {"id", w.id},
                {"url", w.url},
                {"secret", w.secret},
                {"enabled_events", w.enabled_events},
                {"include", w.include ? OrderedJson(*w.include) : OrderedJson()},
                {"disabled_at", w.disabled_at ? OrderedJson(FormatInstant(*w.disabled_at)) : OrderedJson()},
                {"created_at", FormatInstant(w.created_at)},
                {"updated_at", FormatInstant(w.updated_at)}};
  if (w.oidc.is_object()) {
    // The client secret is write-only.
    for (const auto& [key, value] : w.oidc.items()) {
      if (key != "oidc_client_secret") j[key] = value;
    }
  }
  return j;
}

Status Invalid(const std::string& what, const std::string& parameter) {
  return Status::InvalidArgument(what, parameter);
}

Status CheckUrl(const Json& v) {
  static const std::regex kUrl(R"(^https?://[^/\s?#:]+(:[0-9]{1,5})?([/?#][^\s]*)?$)", std::regex::icase);
  if (!v.is_string() || !std::regex_match(v.get<std::string>(), kUrl)) {
    return Invalid("Parameter `url` must be an http or https URL", "url");
  }
  return Status::Ok();
}

Status CheckEvents(const Json& v) {
  static const std::regex kType(R"(^[a-z_]+(\.[a-z_]+)+$)");
  if (!v.is_array() || v.empty()) return Invalid("Parameter `enabled_events` must be a non-empty array", "enabled_events");
  for (size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_string() || (v[i] != "*" && !std::regex_match(v[i].get<std::string>(), kType))) {
      return Invalid("Parameter `enabled_events[" + std::to_string(i) + "]` must be an event type such as "
                     "run.completed, or \"*\"",
                     "enabled_events");
    }
  }
  return Status::Ok();
}

Status CheckOptionalString(const Json& body, const char* key) {
  if (body.contains(key) && !body[key].is_null() &&
      (!body[key].is_string() || body[key].get<std::string>().empty())) {
    return Invalid(std::string("Parameter `") + key + "` must be a non-empty string", key);
  }
  return Status::Ok();
}

// The oidc_* settings, checked and merged over `current` (null when none).
Result<Json> OidcSettings(const Json& body, const Json& current) {
  Json oidc = current.is_object() ? current : Json::object();
  bool any = false;
  for (const char* key : kOidcStrings) {
    Status st = CheckOptionalString(body, key);
    if (!st.ok()) return st;
    if (body.contains(key) && !body[key].is_null()) {
      oidc[key] = body[key];
      any = true;
    }
  }
  if (body.contains("oidc_auth_method") && !body["oidc_auth_method"].is_null()) {
    const Json& m = body["oidc_auth_method"];
    if (m != "private_key_jwt" && m != "client_secret") {
      return Invalid("Parameter `oidc_auth_method` must be private_key_jwt or client_secret", "oidc_auth_method");
    }
    oidc["oidc_auth_method"] = m;
    any = true;
  }
  if (body.contains("oidc_access_token_ttl_seconds") && !body["oidc_access_token_ttl_seconds"].is_null()) {
    const Json& t = body["oidc_access_token_ttl_seconds"];
    if (!t.is_number_integer() || t.get<int64_t>() < 1) {
      return Invalid("Parameter `oidc_access_token_ttl_seconds` must be a positive integer",
                     "oidc_access_token_ttl_seconds");
    }
    oidc["oidc_access_token_ttl_seconds"] = t;
    any = true;
  }
  if (!any && !current.is_object()) return Json();
  if (!oidc.contains("oidc_auth_method")) {
    return Invalid("Parameter `oidc_auth_method` is required with the other oidc_ settings", "oidc_auth_method");
  }
  std::vector<const char*> needed = {"oidc_client_id", "oidc_token_endpoint", "oidc_access_token_ttl_seconds"};
  if (oidc["oidc_auth_method"] == "client_secret") needed.push_back("oidc_client_secret");
  for (const char* key : needed) {
    if (!oidc.contains(key)) {
      return Invalid(std::string("Parameter `") + key + "` is required with oidc_auth_method " +
                         oidc["oidc_auth_method"].get<std::string>(),
                     key);
    }
  }
  return oidc;
}

}  // namespace

void ListWebhooks(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  auto call = CallOrRespond(req, res, d.keys, d.spaces);
  if (!call) return;
  engine::Engine* engine = call->engine;
  auto page = http::ParsePageRequest(req);
  if (!page.ok()) return RespondError(res, page.status());
  auto hooks = engine->store().ListWebhooks(page->per_page, page->offset());
  if (!hooks.ok()) return RespondError(res, hooks.status());
  OrderedJson data = OrderedJson::array();
  for (const auto& w : hooks->items) data.push_back(RenderWebhook(w));
  bool has_more = page->offset() + static_cast<int64_t>(hooks->items.size()) < hooks->total;
  RespondJson(res, 200, RenderList(std::move(data), has_more, hooks->total));
}

void CreateWebhook(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  auto call = CallOrRespond(req, res, d.keys, d.spaces);
  if (!call) return;
  engine::Engine* engine = call->engine;
  auto body = JsonObjectBodyOrRespond(req, res);
  if (!body) return;
  for (const char* key : {"url", "enabled_events"}) {
    if (!body->contains(key) || (*body)[key].is_null()) {
      return RespondError(res, Status::BadRequest(std::string("Parameter `") + key + "` is missing", key));
    }
  }
  Status st = CheckUrl((*body)["url"]);
  if (st.ok()) st = CheckEvents((*body)["enabled_events"]);
  if (st.ok()) st = CheckOptionalString(*body, "secret");
  if (st.ok()) st = CheckOptionalString(*body, "include");
  if (!st.ok()) return RespondError(res, st);
  auto oidc = OidcSettings(*body, Json());
  if (!oidc.ok()) return RespondError(res, oidc.status());
  engine::WebhookSpec spec;
  spec.url = (*body)["url"];
  spec.enabled_events = (*body)["enabled_events"];
  if (body->contains("secret") && !(*body)["secret"].is_null()) spec.secret = (*body)["secret"];
  if (body->contains("include") && !(*body)["include"].is_null()) spec.include = (*body)["include"];
  spec.oidc = std::move(oidc).value();
  auto created = engine->CreateWebhook(std::move(spec));
  if (!created.ok()) return RespondError(res, created.status());
  RespondJson(res, 201, RenderWebhook(created.value()));
}

void GetWebhook(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  auto call = CallOrRespond(req, res, d.keys, d.spaces);
  if (!call) return;
  engine::Engine* engine = call->engine;
  auto w = engine->store().GetWebhook(req.matches[1]);
  if (!w.ok()) return RespondError(res, w.status());
  if (!w.value() || w.value()->deleted_at) return RespondError(res, Status::NotFound("webhook not found", "id"));
  RespondJson(res, 200, RenderWebhook(*w.value()));
}

void UpdateWebhook(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  auto call = CallOrRespond(req, res, d.keys, d.spaces);
  if (!call) return;
  engine::Engine* engine = call->engine;
  auto body = JsonObjectBodyOrRespond(req, res);
  if (!body) return;
  auto current = engine->store().GetWebhook(req.matches[1]);
  if (!current.ok()) return RespondError(res, current.status());
  if (!current.value() || current.value()->deleted_at) {
    return RespondError(res, Status::NotFound("webhook not found", "id"));
  }
  engine::WebhookPatch patch;
  Status st;
  if (body->contains("url") && !(*body)["url"].is_null()) {
    st = CheckUrl((*body)["url"]);
    if (st.ok()) patch.url = (*body)["url"];
  }
  if (st.ok() && body->contains("enabled_events") && !(*body)["enabled_events"].is_null()) {
    st = CheckEvents((*body)["enabled_events"]);
    if (st.ok()) patch.enabled_events = (*body)["enabled_events"];
  }
  if (st.ok()) st = CheckOptionalString(*body, "secret");
  if (st.ok() && body->contains("secret") && !(*body)["secret"].is_null()) patch.secret = (*body)["secret"];
  if (st.ok() && body->contains("include")) {
    st = CheckOptionalString(*body, "include");
    if (st.ok()) {
      patch.include = (*body)["include"].is_null() ? std::optional<std::string>()
                                                   : std::optional<std::string>((*body)["include"]);
    }
  }
  if (st.ok() && body->contains("disabled_at")) {
    const Json& v = (*body)["disabled_at"];
    std::optional<Instant> at;
    if (!v.is_null()) at = v.is_string() ? ParseInstant(v.get<std::string>()) : std::nullopt;
    if (!v.is_null() && !at) {
      st = Invalid("Parameter `disabled_at` must be an ISO 8601 time or null", "disabled_at");
    } else {
      patch.disabled_at = at;
    }
  }
  if (!st.ok()) return RespondError(res, st);
  auto oidc = OidcSettings(*body, current.value()->oidc);
  if (!oidc.ok()) return RespondError(res, oidc.status());
  if (oidc.value() != current.value()->oidc) patch.oidc = std::move(oidc).value();
  auto updated = engine->UpdateWebhook(req.matches[1], std::move(patch));
  if (!updated.ok()) return RespondError(res, updated.status());
  RespondJson(res, 200, RenderWebhook(updated.value()));
}

void DeleteWebhook(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  auto call = CallOrRespond(req, res, d.keys, d.spaces);
  if (!call) return;
  engine::Engine* engine = call->engine;
  auto deleted = engine->DeleteWebhook(req.matches[1]);
  if (!deleted.ok()) return RespondError(res, deleted.status());
  // The contract declares 200 with no body.
  res.status = 200;
}

void GetOidcKeys(const Deps&, const httplib::Request&, httplib::Response& res) {
  // The sandbox signs with HMAC only; it has no OIDC keys to publish.
  RespondJson(res, 200, OrderedJson{{"keys", OrderedJson::array()}});
}

}  // namespace sandbox::middesk
