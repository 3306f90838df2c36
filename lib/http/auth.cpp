// Authorization header parsing; see auth.h.
#include "http/auth.h"

#include <algorithm>
#include <cctype>

namespace sandbox::http {
namespace {

std::optional<std::string> DecodeBase64(const std::string& in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  std::string out;
  int buf = 0, bits = 0;
  for (char c : in) {
    if (c == '=') break;
    int v = value(c);
    if (v < 0) return std::nullopt;
    buf = (buf << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buf >> bits) & 0xff));
    }
  }
  return out;
}

bool StartsWithNoCase(const std::string& s, const std::string& prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != std::tolower(static_cast<unsigned char>(prefix[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::optional<std::string> ApiKeyOf(const httplib::Request& req) {
  if (!req.has_header("Authorization")) return std::nullopt;
  std::string h = req.get_header_value("Authorization");
  if (StartsWithNoCase(h, "Bearer ")) {
    std::string key = h.substr(7);
    key.erase(0, key.find_first_not_of(' '));
    if (key.empty()) return std::nullopt;
    return key;
  }
  if (StartsWithNoCase(h, "Basic ")) {
    auto decoded = DecodeBase64(h.substr(6));
    if (!decoded) return std::nullopt;
    std::string user = decoded->substr(0, decoded->find(':'));
    if (user.empty()) return std::nullopt;
    return user;
  }
  return std::nullopt;
}

std::string KeyPolicy::AccountKey(const std::string& key) const {
  if (shared_) return "";
  for (const auto& group : groups_) {
    if (std::find(group.begin(), group.end(), key) != group.end()) return group.front();
  }
  return key;
}

bool KeyPolicy::Accepts(const std::string& key) const {
  if (!required_.empty()) return std::find(required_.begin(), required_.end(), key) != required_.end();
  for (const char* prefix : {"mk_test_", "mk_live_"}) {
    std::string p(prefix);
    if (key.size() > p.size() && key.compare(0, p.size(), p) == 0) {
      return std::all_of(key.begin() + static_cast<long>(p.size()), key.end(),
                         [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
    }
  }
  return false;
}

}  // namespace sandbox::http
