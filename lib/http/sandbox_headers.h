// The sandbox's own request headers that pick a namespace, and how a
// namespace is named inside its tenant (issue 10: namespaces live inside an
// account or organisation and never reach another's data).
//
// A tenant is whoever owns data: a Middesk account ("acct-<account uuid>"),
// a Modus organisation ("org-<org uuid>"), or "" when every Middesk key
// shares one account (--shared-account). The namespace a request addresses
// is its tenant's, plus the name in X-Sandbox-Namespace:
//   tenant "acct-1f..", header absent  ->  "acct-1f.."
//   tenant "acct-1f..", header "ci-7"  ->  "acct-1f../ci-7"
//   tenant "",          header "ci-7"  ->  "ci-7"
// A name from a header may not start with "acct-" or "org-", so no caller
// can name another tenant's namespace.
#pragma once

#include <httplib.h>

#include <cstdint>
#include <optional>
#include <string>

#include "core/status.h"

namespace sandbox::http {

inline constexpr const char* kNamespaceHeader = "X-Sandbox-Namespace";
inline constexpr const char* kSeedHeader = "X-Sandbox-Seed";

struct NamespaceChoice {
  std::string name;              // as sent; "" for the tenant's default
  std::optional<uint64_t> seed;  // X-Sandbox-Seed, for a namespace created by this request
};

// Reads X-Sandbox-Namespace and X-Sandbox-Seed; a BadRequest naming the
// header when either is malformed.
Result<NamespaceChoice> NamespaceChoiceOf(const httplib::Request& req);

// The namespace `name` of `tenant` (see above).
std::string TenantNamespace(const std::string& tenant, const std::string& name);

// True for a full namespace name as TenantNamespace makes them (what
// GET /_sandbox/namespaces lists), "" included.
bool ValidQualifiedNamespace(const std::string& qualified);

}  // namespace sandbox::http
