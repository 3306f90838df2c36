// Namespace headers and names; see sandbox_headers.h.
#include "http/sandbox_headers.h"

#include "core/decimal.h"

#include <cctype>

namespace sandbox::http {
namespace {

constexpr size_t kMaxNameBytes = 64;

bool ValidName(const std::string& name) {
  if (name.empty() || name.size() > kMaxNameBytes) return false;
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  }
  return true;
}

bool IsTenantPrefixed(const std::string& name) { return name.rfind("acct-", 0) == 0 || name.rfind("org-", 0) == 0; }

// "acct-" or "org-" followed by a lower-case UUID.
bool ValidTenant(const std::string& t) {
  std::string uuid;
  if (t.rfind("acct-", 0) == 0)
    uuid = t.substr(5);
  else if (t.rfind("org-", 0) == 0)
    uuid = t.substr(4);
  else
    return false;
  if (uuid.size() != 36) return false;
  for (size_t i = 0; i < uuid.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    char c = uuid[i];
    if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

Result<NamespaceChoice> NamespaceChoiceOf(const httplib::Request& req) {
  NamespaceChoice c;
  c.name = req.get_header_value(kNamespaceHeader);
  if (req.has_header(kNamespaceHeader) && !c.name.empty() && (!ValidName(c.name) || IsTenantPrefixed(c.name))) {
    return Status::BadRequest(
        "Header `X-Sandbox-Namespace` must be 1 to 64 letters, digits, - or _, not starting with acct- or org-",
        kNamespaceHeader);
  }
  if (req.has_header(kSeedHeader)) {
    std::string v = req.get_header_value(kSeedHeader);
    auto seed = ParseDecimal(v);
    if (!seed) {
      return Status::BadRequest("Header `X-Sandbox-Seed` must be an integer from 0 to 18446744073709551615",
                                kSeedHeader);
    }
    c.seed = *seed;
  }
  return c;
}

std::string TenantNamespace(const std::string& tenant, const std::string& name) {
  if (tenant.empty()) return name;
  if (name.empty()) return tenant;
  return tenant + "/" + name;
}

bool ValidQualifiedNamespace(const std::string& q) {
  if (q.empty()) return true;
  size_t slash = q.find('/');
  if (slash == std::string::npos) return ValidTenant(q) || (ValidName(q) && !IsTenantPrefixed(q));
  std::string name = q.substr(slash + 1);
  return ValidTenant(q.substr(0, slash)) && ValidName(name) && !IsTenantPrefixed(name);
}

}  // namespace sandbox::http
