// Request reading for the Middesk dialect; see request.h.
#include "dialects/middesk/request.h"

#include <sstream>

#include "dialects/middesk/errors.h"
#include "dialects/run_faults.h"
#include "http/body.h"
#include "http/sandbox_headers.h"
#include "http/request_notes.h"

namespace sandbox::middesk {

namespace {

constexpr const char* kLiveKeyPrefix = "mk_live_";

// Principals are pure functions of the key (or e-mail), so the same caller
// is the same requester across restarts and independent of --seed.
const IdGenerator& PrincipalIds() {
  static const IdGenerator kIds(0);
  return kIds;
}

// The key behind the request, if it is one the policy accepts.
std::optional<std::string> AcceptedKeyOf(const httplib::Request& req, const http::KeyPolicy& keys) {
  auto key = http::ApiKeyOf(req);
  if (!key || !keys.Accepts(*key)) return std::nullopt;
  return key;
}

}  // namespace

std::string AccountTenant(const std::string& key, const http::KeyPolicy& keys) {
  const std::string account_key = keys.AccountKey(key);
  // Live and test are two environments of one account, as production and
  // the vendor's sandbox host are: a key of the other environment than the
  // account's first key (test when every key is one account) gets data of
  // its own. An account whose keys are of one environment keeps the
  // namespace it always had.
  const bool live = key.rfind(kLiveKeyPrefix, 0) == 0;
  const bool account_live = account_key.rfind(kLiveKeyPrefix, 0) == 0;
  if (live != account_live) return "acct-" + PrincipalIds().Uuid("account", account_key + "\nother environment", 0);
  if (account_key.empty()) return "";
  return "acct-" + PrincipalIds().Uuid("account", account_key, 0);
}

std::optional<std::string> TenantOf(const httplib::Request& req, const http::KeyPolicy& keys) {
  auto key = AcceptedKeyOf(req, keys);
  if (!key) return std::nullopt;
  return AccountTenant(*key, keys);
}

std::optional<Principal> AuthenticateOrRespond(const httplib::Request& req, httplib::Response& res,
                                               const http::KeyPolicy& keys) {
  auto key = http::ApiKeyOf(req);
  if (!key) {
    RespondError(res,
                 Status::Unauthenticated(
                     "Missing API key: send Authorization: Bearer <key> (or HTTP Basic with the key as user name)"));
    return std::nullopt;
  }
  if (!keys.Accepts(*key)) {
    RespondError(res, Status::Unauthenticated("An invalid API key was provided"));
    return std::nullopt;
  }
  if (req.has_header("X-Sandbox-User")) {
    // Sandbox extension: act as a dashboard User instead of the key's Account.
    std::string email = req.get_header_value("X-Sandbox-User");
    auto at = email.find('@');
    if (email.size() > 254 || at == std::string::npos || at == 0 || at + 1 >= email.size() ||
        email.find(' ') != std::string::npos) {
      RespondError(res, Status::BadRequest("Header `X-Sandbox-User` must be an e-mail address", "X-Sandbox-User"));
      return std::nullopt;
    }
    return Principal{"User", PrincipalIds().Uuid("user", email, 0), email.substr(0, at), email};
  }
  // Keys joined into one account (--same-account) are that account.
  std::string account_key = keys.AccountKey(*key);
  if (account_key.empty()) account_key = *key;  // --shared-account: each key keeps its own requester id
  return Principal{"Account", PrincipalIds().Uuid("account", account_key, 0), "Sandbox Account", std::nullopt};
}

engine::Engine* EngineOrRespond(const httplib::Request& req, httplib::Response& res, engine::Namespaces& spaces,
                                const std::string& tenant) {
  auto choice = http::NamespaceChoiceOf(req);
  if (!choice.ok()) {
    RespondError(res, choice.status());
    return nullptr;
  }
  const std::string ns = http::TenantNamespace(tenant, choice->name);
  http::NoteNamespace(ns, tenant);
  auto engine = spaces.For(ns, choice->seed);
  if (!engine.ok()) {
    RespondError(res, engine.status());
    return nullptr;
  }
  return engine.value();
}

std::optional<Call> CallOrRespond(const httplib::Request& req, httplib::Response& res, const http::KeyPolicy& keys,
                                  engine::Namespaces& spaces) {
  auto caller = AuthenticateOrRespond(req, res, keys);
  if (!caller) return std::nullopt;
  auto key = http::ApiKeyOf(req);  // accepted: AuthenticateOrRespond checked it
  engine::Engine* engine = EngineOrRespond(req, res, spaces, AccountTenant(*key, keys));
  if (!engine) return std::nullopt;
  // A fault the scenario of the run in the path declares (issue 13).
  if (!dialects::RunFaultOrContinue(*engine, http::RunOfThisRequest(), req, res)) return std::nullopt;
  return Call{std::move(*caller), engine};
}

std::optional<Json> JsonObjectBodyOrRespond(const httplib::Request& req, httplib::Response& res,
                                            const http::RequestLimits& limits) {
  auto body = http::ParseJsonObjectBody(req.body, limits);
  if (!body.ok()) {
    RespondError(res, body.status());
    return std::nullopt;
  }
  return std::move(body).value();
}

bool StringFieldOrRespond(const Json& body, const char* key, Presence presence, bool uuid,
                          std::optional<std::string>& out, httplib::Response& res) {
  out.reset();
  if (!body.contains(key) || body[key].is_null()) {
    if (presence == Presence::kRequired) {
      RespondError(res, Status::BadRequest(std::string("Parameter `") + key + "` is missing", key));
      return false;
    }
    return true;
  }
  if (!body[key].is_string()) {
    RespondError(res, Status::InvalidArgument(std::string("Parameter `") + key + "` must be a string", key));
    return false;
  }
  std::string v = body[key];
  if (v.empty() && presence == Presence::kRequired) {
    RespondError(res, Status::BadRequest(std::string("Parameter `") + key + "` is missing", key));
    return false;
  }
  if (uuid && !IsUuid(v)) {
    RespondError(res, Status::InvalidArgument(std::string("Parameter `") + key + "` must be a UUID", key));
    return false;
  }
  out = v;
  return true;
}

bool IncludesOrRespond(const httplib::Request& req, const char* what, bool& out, httplib::Response& res) {
  out = false;
  if (!req.has_param("include")) return true;
  std::stringstream list(req.get_param_value("include"));
  std::string item;
  while (std::getline(list, item, ',')) {
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    if (item.empty()) continue;
    if (item == what) {
      out = true;
    } else {
      RespondError(res, Status::InvalidArgument("Unknown include `" + item + "` (supported: " + what + ")", "include"));
      return false;
    }
  }
  return true;
}

}  // namespace sandbox::middesk

namespace sandbox::middesk {

std::optional<Context> ContextOrRespond(const Json& body, bool required, script::Agent::ContextRule rule,
                                        httplib::Response& res) {
  using Rule = script::Agent::ContextRule;
  std::optional<std::string> business_id, context_type, context_id;
  if (!StringFieldOrRespond(body, "business_id", Presence::kOptional, /*uuid=*/true, business_id, res) ||
      !StringFieldOrRespond(body, "context_type", Presence::kOptional, /*uuid=*/false, context_type, res) ||
      !StringFieldOrRespond(body, "context_id", Presence::kOptional, /*uuid=*/rule == Rule::kBusiness, context_id,
                            res)) {
    return std::nullopt;
  }
  if (context_type.has_value() != context_id.has_value()) {
    const char* missing = context_type ? "context_id" : "context_type";
    RespondError(res,
                 Status::BadRequest("Parameter `context_id` must be provided together with `context_type`", missing));
    return std::nullopt;
  }
  Context c;
  if (business_id) {
    if (context_type && (*context_type != "business" || *context_id != *business_id)) {
      RespondError(res, Status::BadRequest(
                            "Parameter `business_id` conflicts with `context_type`/`context_id`; send one or the other",
                            "business_id"));
      return std::nullopt;
    }
    c.type = "business";
    c.id = business_id;
  } else if (context_type) {
    c.type = context_type;
    c.id = context_id;
  }
  if (required && rule != Rule::kOptional && !c.present()) {
    RespondError(res,
                 Status::BadRequest("A context is required: provide `business_id`, or `context_type` and `context_id`",
                                    "business_id"));
    return std::nullopt;
  }
  return c;
}

script::Agent::ContextRule ContextRuleOf(engine::Engine& engine, const std::string& type) {
  auto fixtures = engine.fixtures();
  const script::Agent* agent = fixtures->FindAgentByType(type);
  return agent ? agent->context : script::Agent::ContextRule::kBusiness;
}

}  // namespace sandbox::middesk
