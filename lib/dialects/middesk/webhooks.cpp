// /v1/webhooks: registering the endpoints that receive run.created,
// run.interrupted and run.completed (../shared/spec/openapi/middesk-webhooks.yml;
// the object's shape is not documented, ours is in docs/middesk.md).
// Delivery itself is lib/webhooks; the bodies are webhook_events.cpp.
//
// Everything stored is checked here first (issue 10): a URL goes through
// webhooks::ParseWebhookUrl (at most --max-url-bytes, http/limits.h), every
// other string has the length bound below (under the --max-string-bytes
// that http/body.cpp applies to every string of a body), and no check uses
// a regular expression (the old std::regex checks recursed per character
// and crashed on long input).
// Every refusal of a body is 422 naming the field: the contract declares
// 201 and 422 for POST ("invalid request") and no 400 for either POST or
// PUT, so a malformed body and a missing required field are 422 here too
// (issue 14). The `secret` is returned once, in the 201 of POST (see
// RenderWebhook).
#include <cctype>

#include "core/time_format.h"
#include "dialects/middesk/errors.h"
#include "dialects/middesk/handlers.h"
#include "dialects/middesk/render.h"
#include "dialects/middesk/request.h"
#include "http/body.h"
#include "http/pagination.h"
#include "webhooks/url.h"

namespace sandbox::middesk {
namespace {

// Limits of what one webhook stores (docs/middesk.md, "Webhooks").
constexpr size_t kMaxEnabledEvents = 16;
constexpr size_t kMaxSecretBytes = 256;
constexpr size_t kMaxIncludeBytes = 256;
constexpr size_t kMaxOidcStringBytes = 2048;
constexpr int64_t kMaxOidcTtlSeconds = 366 * 24 * 3600;  // 366 days
constexpr size_t kMaxTimeBytes = 64;                     // disabled_at, before it is parsed

// The events a webhook may subscribe to: the ones the sandbox sends.
const char* kEventTypes[] = {"run.created", "run.interrupted", "run.completed"};

const char* kOidcStrings[] = {"oidc_client_id", "oidc_client_secret", "oidc_token_endpoint", "oidc_resource_uri",
                              "oidc_scope"};

// `with_secret` only for the 201 of POST: the secret signs every delivery,
// so it is shown once, when it is set or generated, and never read back.
// The contract documents no response body, and says of oidc_client_secret
// only that it is "never returned in responses" (docs/middesk.md).
OrderedJson RenderWebhook(const Webhook& w, bool with_secret) {
  OrderedJson j{{"object", "webhook"}, {"id", w.id}, {"url", w.url}};
  if (with_secret) j["secret"] = w.secret;
  j["enabled_events"] = w.enabled_events;
  j["include"] = w.include ? OrderedJson(*w.include) : OrderedJson();
  j["disabled_at"] = InstantOrNull(w.disabled_at);
  j["created_at"] = FormatInstant(w.created_at);
  j["updated_at"] = FormatInstant(w.updated_at);
  if (w.oidc.is_object()) {
    // The client secret is write-only.
    for (const auto& [key, value] : w.oidc.items()) {
      if (key != "oidc_client_secret") j[key] = value;
    }
  }
  return j;
}

// The request's JSON object body; nullopt after answering 422 for one that
// is not (see the top of this file).
std::optional<Json> WebhookBodyOrRespond(const httplib::Request& req, httplib::Response& res,
                                         const http::RequestLimits& limits) {
  auto body = http::ParseJsonObjectBody(req.body, limits);
  if (body.ok()) return std::move(body).value();
  const Status& st = body.status();
  RespondError(res, st.code() == Code::kBadRequest ? Status::InvalidArgument(st.message(), st.parameter()) : st);
  return std::nullopt;
}

bool Present(const Json& body, const char* key) { return body.contains(key) && !body[key].is_null(); }

bool HasControlBytes(const std::string& s) {
  for (char c : s) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b == 0x7F) return true;
  }
  return false;
}

Status CheckUrl(const Json& v, const http::RequestLimits& limits) {
  if (!v.is_string()) return Invalid("Parameter `url` must be a string", "url");
  auto parsed = webhooks::ParseWebhookUrl(v.get_ref<const std::string&>(), limits.max_url_bytes);
  if (!parsed.ok()) return Invalid("Parameter `url` is not a valid webhook URL: " + parsed.status().message(), "url");
  return Status::Ok();
}

Status CheckEvents(const Json& v) {
  if (!v.is_array() || v.empty()) {
    return Invalid("Parameter `enabled_events` must be a non-empty array", "enabled_events");
  }
  if (v.size() > kMaxEnabledEvents) {
    return Invalid("Parameter `enabled_events` must have at most " + std::to_string(kMaxEnabledEvents) + " entries",
                   "enabled_events");
  }
  for (size_t i = 0; i < v.size(); ++i) {
    bool known = v[i] == "*";
    for (const char* type : kEventTypes) known = known || v[i] == type;
    if (!known) {
      return Invalid("Parameter `enabled_events[" + std::to_string(i) +
                         "]` must be run.created, run.interrupted, run.completed or \"*\"",
                     "enabled_events");
    }
  }
  return Status::Ok();
}

// An optional string of 1 to `max` bytes without control characters.
Status CheckOptionalString(const Json& body, const char* key, size_t max) {
  if (!Present(body, key)) return Status::Ok();
  const Json& v = body[key];
  if (!v.is_string() || v.get_ref<const std::string&>().empty()) {
    return Invalid(std::string("Parameter `") + key + "` must be a non-empty string", key);
  }
  const std::string& s = v.get_ref<const std::string&>();
  if (s.size() > max) {
    return Invalid(std::string("Parameter `") + key + "` must be at most " + std::to_string(max) + " bytes", key);
  }
  if (HasControlBytes(s)) {
    return Invalid(std::string("Parameter `") + key + "` must not contain control characters", key);
  }
  return Status::Ok();
}

// "*", "identifiers", or a comma-separated list of association names
// (letters, digits, '_' and '.'), as webhook_events.cpp reads it.
Status CheckInclude(const Json& body) {
  Status st = CheckOptionalString(body, "include", kMaxIncludeBytes);
  if (!st.ok() || !Present(body, "include")) return st;
  const std::string& s = body["include"].get_ref<const std::string&>();
  if (s == "*") return Status::Ok();
  size_t item = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == ',') {
      if (item == 0) break;
      item = 0;
      if (i == s.size()) return Status::Ok();
      continue;
    }
    const char c = s[i];
    if (c == ' ') continue;
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.') break;
    ++item;
  }
  return Invalid("Parameter `include` must be \"*\" or a comma-separated list of names such as steps or identifiers",
                 "include");
}

// The oidc_* settings, checked and merged over `current` (null when none).
Result<Json> OidcSettings(const Json& body, const Json& current) {
  Json oidc = current.is_object() ? current : Json::object();
  bool any = false;
  for (const char* key : kOidcStrings) {
    Status st = CheckOptionalString(body, key, kMaxOidcStringBytes);
    if (!st.ok()) return st;
    if (Present(body, key)) {
      oidc[key] = body[key];
      any = true;
    }
  }
  if (Present(body, "oidc_auth_method")) {
    const Json& m = body["oidc_auth_method"];
    if (m != "private_key_jwt" && m != "client_secret") {
      return Invalid("Parameter `oidc_auth_method` must be private_key_jwt or client_secret", "oidc_auth_method");
    }
    oidc["oidc_auth_method"] = m;
    any = true;
  }
  if (Present(body, "oidc_access_token_ttl_seconds")) {
    const Json& t = body["oidc_access_token_ttl_seconds"];
    if (!t.is_number_integer() || t.get<int64_t>() < 1 || t.get<int64_t>() > kMaxOidcTtlSeconds ||
        (t.is_number_unsigned() && t.get<uint64_t>() > static_cast<uint64_t>(kMaxOidcTtlSeconds))) {
      return Invalid("Parameter `oidc_access_token_ttl_seconds` must be an integer from 1 to " +
                         std::to_string(kMaxOidcTtlSeconds),
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
  for (const auto& w : hooks->items) data.push_back(RenderWebhook(w, /*with_secret=*/false));
  bool has_more = page->offset() + static_cast<int64_t>(hooks->items.size()) < hooks->total;
  RespondJson(res, 200, RenderList(std::move(data), has_more, hooks->total));
}

void CreateWebhook(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  auto call = CallOrRespond(req, res, d.keys, d.spaces);
  if (!call) return;
  engine::Engine* engine = call->engine;
  auto body = WebhookBodyOrRespond(req, res, d.limits);
  if (!body) return;
  for (const char* key : {"url", "enabled_events"}) {
    if (!body->contains(key) || (*body)[key].is_null()) {
      return RespondError(res, Status::InvalidArgument(std::string("Parameter `") + key + "` is missing", key));
    }
  }
  Status st = CheckUrl((*body)["url"], d.limits);
  if (st.ok()) st = CheckEvents((*body)["enabled_events"]);
  if (st.ok()) st = CheckOptionalString(*body, "secret", kMaxSecretBytes);
  if (st.ok()) st = CheckInclude(*body);
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
  RespondJson(res, 201, RenderWebhook(created.value(), /*with_secret=*/true));
}

void GetWebhook(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  auto call = CallOrRespond(req, res, d.keys, d.spaces);
  if (!call) return;
  engine::Engine* engine = call->engine;
  auto w = engine->store().GetWebhook(req.matches[1]);
  if (!w.ok()) return RespondError(res, w.status());
  if (!w.value() || w.value()->deleted_at) return RespondError(res, Status::NotFound("webhook not found", "id"));
  RespondJson(res, 200, RenderWebhook(*w.value(), /*with_secret=*/false));
}

void UpdateWebhook(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  auto call = CallOrRespond(req, res, d.keys, d.spaces);
  if (!call) return;
  engine::Engine* engine = call->engine;
  auto body = WebhookBodyOrRespond(req, res, d.limits);
  if (!body) return;
  auto current = engine->store().GetWebhook(req.matches[1]);
  if (!current.ok()) return RespondError(res, current.status());
  if (!current.value() || current.value()->deleted_at) {
    return RespondError(res, Status::NotFound("webhook not found", "id"));
  }
  engine::WebhookPatch patch;
  Status st;
  if (Present(*body, "url")) {
    st = CheckUrl((*body)["url"], d.limits);
    if (st.ok()) patch.url = (*body)["url"];
  }
  if (st.ok() && Present(*body, "enabled_events")) {
    st = CheckEvents((*body)["enabled_events"]);
    if (st.ok()) patch.enabled_events = (*body)["enabled_events"];
  }
  if (st.ok()) st = CheckOptionalString(*body, "secret", kMaxSecretBytes);
  if (st.ok() && Present(*body, "secret")) patch.secret = (*body)["secret"];
  if (st.ok() && body->contains("include")) {
    st = CheckInclude(*body);
    if (st.ok()) {
      patch.include =
          (*body)["include"].is_null() ? std::optional<std::string>() : std::optional<std::string>((*body)["include"]);
    }
  }
  if (st.ok() && body->contains("disabled_at")) {
    const Json& v = (*body)["disabled_at"];
    std::optional<Instant> at;
    if (v.is_string() && v.get_ref<const std::string&>().size() <= kMaxTimeBytes) {
      at = ParseInstant(v.get<std::string>());
    }
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
  RespondJson(res, 200, RenderWebhook(updated.value(), /*with_secret=*/false));
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
