// Reading Modus requests: the Personal Access Token, the caller's org
// namespace, agents by Modus id, JSON bodies and AIP-158 pagination. Every
// ...OrRespond function writes the error response itself and returns
// nullopt/nullptr, so a handler can stop at the first problem.
#pragma once

#include <httplib.h>

#include <memory>
#include <optional>
#include <string>

#include "core/types.h"
#include "engine/namespaces.h"
#include "http/limits.h"
#include "script/fixture.h"

namespace sandbox::modus {

// The caller behind `Authorization: Bearer modus_<orgUuid>_<prefix>_<secret>`.
struct Caller {
  std::string org_uuid;
  std::string prefix;
  Principal principal;  // a User derived from the org and the token prefix
};

// nullopt after a 401 was written.
std::optional<Caller> AuthenticateOrRespond(const httplib::Request& req, httplib::Response& res);

// "org-<orgUuid>": the namespace holding the org's runs.
std::string OrgNamespace(const std::string& org_uuid);
// Whether `ns` is an organisation's namespace (or one inside it).
bool IsOrgNamespace(const std::string& ns);

// The engine of the request's namespace inside the caller's organisation
// (X-Sandbox-Namespace, default: the org's own; X-Sandbox-Seed for a new
// one); nullptr after a 400 (malformed header) or 409 (seed differs).
engine::Engine* OrgEngineOrRespond(engine::Namespaces& spaces, const Caller& caller, const httplib::Request& req,
                                   httplib::Response& res);
// "org-<orgUuid>" when the request carries a valid token, for the control
// API to find the caller's namespaces.
std::optional<std::string> TenantOf(const httplib::Request& req);

// The fixture agent whose Modus id is `id_text`; nullptr after a 404.
const script::Agent* AgentOrRespond(const script::FixtureSet& fixtures, const std::string& id_text,
                                    httplib::Response& res);

// What every /api/v1/agents/{id}/... handler starts from: the caller, its
// org's engine, the fixtures in force and the agent named by the path's first
// capture. nullopt after a 401/404 was written.
struct AgentCall {
  Caller caller;
  engine::Engine* engine = nullptr;
  std::shared_ptr<const script::FixtureSet> fixtures;  // keeps `agent` alive
  const script::Agent* agent = nullptr;
};
// FNV-1a (64 bits) of `text` as 16 hex digits: page tokens, idempotency.
std::string HashHex(const std::string& text);

// What the call does with the agent: read it (its runs, their approvals),
// or start runs (only a deployed agent runs: 409 for a draft).
enum class AgentUse { kRead, kRun };
// A deleted agent, or one the caller may not use, is 404 (agent_record.h).
std::optional<AgentCall> AgentCallOrRespond(engine::Namespaces& spaces, const httplib::Request& req,
                                            httplib::Response& res, AgentUse use = AgentUse::kRead);
// nullopt when `caller` may `use` the agent now, else the refusal: 404 for a
// deleted agent or one the caller may not use, 409 for a draft asked to run.
std::optional<Status> AgentRefusal(const script::Agent& agent, const Principal& caller, AgentUse use,
                                   const std::string& field = "id");

// The body as a JSON object; an empty body counts as {}.
// Limits: JSON depth, and the length of every string in it (http/body.h).
std::optional<Json> JsonObjectBodyOrRespond(const httplib::Request& req, httplib::Response& res,
                                            const http::RequestLimits& limits = http::RequestLimits{});

// AIP-158 paging: pageSize (default 25, 1..100, larger clamped to 100) and
// pageToken (base64url of {"o":offset,"h":hash}), where the hash covers the
// query's filters (`filters`, canonical text built by the handler) and the
// offset, so a token from another query or a changed one is refused.
struct Page {
  int64_t size = 25;
  int64_t offset = 0;
};
// A token longer than limits.max_page_token_bytes is refused unread.
std::optional<Page> PageOrRespond(const httplib::Request& req, const std::string& filters,
                                  const http::RequestLimits& limits, httplib::Response& res);
std::string PageToken(int64_t offset, const std::string& filters);

// Lower-cased copy (ASCII), for case-insensitive substring filters.
std::string Lower(std::string s);

}  // namespace sandbox::modus
