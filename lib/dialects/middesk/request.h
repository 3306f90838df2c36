// Reading Middesk requests: authentication, JSON bodies and typed fields.
// Every ...OrRespond function writes the error response itself and returns
// nullopt/false, so a handler can stop at the first problem.
#pragma once

#include <httplib.h>

#include <optional>
#include <string>

#include "core/ids.h"
#include "core/status.h"
#include "core/types.h"
#include "engine/namespaces.h"
#include "http/limits.h"
#include "http/auth.h"
#include "script/fixture.h"

namespace sandbox::middesk {

// The caller behind the request's API key: the Account (email null; keys of
// one account are one Account), or the User named by the X-Sandbox-User
// header (an e-mail address); nullopt after a 401 (or a 400 for a malformed
// header) has been written.
std::optional<Principal> AuthenticateOrRespond(const httplib::Request& req, httplib::Response& res,
                                               const http::KeyPolicy& keys);

// The tenant (http/sandbox_headers.h) of the account behind `key`:
// "acct-<account id>", or "" when every key shares one account; a key of
// the other environment (mk_live_ beside mk_test_) than the account's first
// key gets a tenant of its own, so live and test data never mix.
std::string AccountTenant(const std::string& key, const http::KeyPolicy& keys);
// The tenant of the request's key, when it carries one the policy accepts
// (how the control API finds a caller's namespaces).
std::optional<std::string> TenantOf(const httplib::Request& req, const http::KeyPolicy& keys);

// The engine of the request's namespace inside `tenant` (X-Sandbox-Namespace,
// default: the tenant's own), created on first use with X-Sandbox-Seed
// (default: the server's --seed). nullptr after a 400 (malformed header) or
// 409 (seed differs) was written.
engine::Engine* EngineOrRespond(const httplib::Request& req, httplib::Response& res, engine::Namespaces& spaces,
                                const std::string& tenant);

// What every handler starts from: the authenticated caller and the engine of
// the request's namespace in the caller's account. nullopt after the
// 401/400/409 was written.
struct Call {
  Principal caller;
  engine::Engine* engine = nullptr;
};
std::optional<Call> CallOrRespond(const httplib::Request& req, httplib::Response& res, const http::KeyPolicy& keys,
                                  engine::Namespaces& spaces);

// The body as a JSON object; an empty body counts as {}.
// Limits: JSON depth, and the length of every string in it (http/body.h).
std::optional<Json> JsonObjectBodyOrRespond(const httplib::Request& req, httplib::Response& res,
                                            const http::RequestLimits& limits = http::RequestLimits{});

enum class Presence { kOptional, kRequired };

// Reads body[key] as a string. Absent or null: nullopt (400 when required).
// Present but not a string, or not a UUID when `uuid`: 422. Returns false
// after responding.
bool StringFieldOrRespond(const Json& body, const char* key, Presence presence, bool uuid,
                          std::optional<std::string>& out, httplib::Response& res);

// ?include=a,b: true when `what` is listed; 422 for anything unsupported.
bool IncludesOrRespond(const httplib::Request& req, const char* what, bool& out, httplib::Response& res);

}  // namespace sandbox::middesk

namespace sandbox::middesk {

// The context a thread or run is about: business_id (shorthand for
// context_type "business") or context_type + context_id.
struct Context {
  std::optional<std::string> type;
  std::optional<std::string> id;
  bool present() const { return type.has_value(); }
};

// Reads and checks business_id / context_type / context_id under the agent's
// `rule` (script::Agent::ContextRule: whether context_id must be a UUID, and
// whether a context may be left out). With `required`, a body without any
// context is a 400 unless the rule is kOptional. Returns nullopt after
// responding.
std::optional<Context> ContextOrRespond(const Json& body, bool required, script::Agent::ContextRule rule,
                                        httplib::Response& res);

// The context rule of the agent `type` names (the vendor's, kBusiness, when
// no such agent exists: the engine then answers 404 for it).
script::Agent::ContextRule ContextRuleOf(engine::Engine& engine, const std::string& type);

// A body field that breaks a rule: a 422 naming the field (RespondError).
inline Status Invalid(const std::string& what, const std::string& parameter) {
  return Status::InvalidArgument(what, parameter);
}

}  // namespace sandbox::middesk
