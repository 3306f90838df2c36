// CheckAdminToken; see admin_gate.h.
#include "http/admin_gate.h"

#include <algorithm>

namespace sandbox::http {
namespace {

// Compares in time independent of where the strings differ.
bool SameSecret(const std::string& a, const std::string& b) {
  if (b.empty()) return false;
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
    unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

std::optional<std::string> CookieValue(const httplib::Request& req, const std::string& name) {
  for (size_t n = 0; n < req.get_header_value_count("Cookie"); ++n) {
    std::string cookies = req.get_header_value("Cookie", n);
    size_t pos = 0;
    while (pos < cookies.size()) {
      size_t end = cookies.find(';', pos);
      if (end == std::string::npos) end = cookies.size();
      std::string pair = cookies.substr(pos, end - pos);
      pair.erase(0, pair.find_first_not_of(' '));
      if (pair.compare(0, name.size() + 1, name + "=") == 0) return pair.substr(name.size() + 1);
      pos = end + 1;
    }
  }
  return std::nullopt;
}

}  // namespace

bool IsAdminPath(const std::string& path) { return path == "/_sandbox" || path.rfind("/_sandbox/", 0) == 0; }

std::optional<Refusal> CheckAdminToken(const httplib::Request& req, const std::string& token) {
  if (token.empty() || !IsAdminPath(req.path)) return std::nullopt;
  std::optional<std::string> sent;
  if (req.has_header(kAdminTokenHeader)) {
    sent = req.get_header_value(kAdminTokenHeader);
  } else if (req.has_param(kAdminTokenParam)) {
    sent = req.get_param_value(kAdminTokenParam);
  } else {
    sent = CookieValue(req, kAdminTokenCookie);
  }
  if (!sent) {
    return Refusal{401, std::string("This sandbox's control API needs its admin token: send ") + kAdminTokenHeader,
                   kAdminTokenHeader};
  }
  if (!SameSecret(*sent, token)) return Refusal{403, "Wrong admin token", kAdminTokenHeader};
  return std::nullopt;
}

}  // namespace sandbox::http
