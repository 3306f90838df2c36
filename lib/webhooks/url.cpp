// Parsing webhook URLs; see url.h. Every check is a loop over the bytes
// with a bound known before it starts: no recursion, no regular expression.
#include "webhooks/url.h"

#include <arpa/inet.h>

namespace sandbox::webhooks {
namespace {

Status Bad(const std::string& why) { return Status::InvalidArgument(why, "url"); }

bool IsAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// Case-insensitive "prefix" at the start of `s` (prefix is lower case).
bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

// A DNS name (letters, digits, '-' and '_'; '-' neither first nor last in a
// label; labels of 1 to 63 bytes) or, when it is only digits and dots, an
// IPv4 address. '_' is not in RFC 1123 host names but is common in container
// names (docker compose), which is where sandbox receivers usually live.
Status CheckHostName(std::string_view host) {
  static const char* kShape =
      "its host must be a name of letters, digits, '-', '_' and '.' (labels of 1 to 63 bytes) or an IP address";
  bool numeric = true;
  size_t label = 0;
  for (size_t i = 0; i <= host.size(); ++i) {
    if (i == host.size() || host[i] == '.') {
      if (label == 0 || label > kMaxHostLabelBytes) return Bad(kShape);
      if (host[i - 1] == '-' || host[i - label] == '-') return Bad(kShape);
      label = 0;
      continue;
    }
    const char c = host[i];
    if (!IsAlnum(c) && c != '-' && c != '_') return Bad(kShape);
    if (c < '0' || c > '9') numeric = false;
    ++label;
  }
  if (numeric) {
    in_addr addr;
    // inet_pton reads a NUL-terminated string; the host is at most 253 bytes.
    if (inet_pton(AF_INET, std::string(host).c_str(), &addr) != 1) return Bad("its host is not a valid IPv4 address");
  }
  return Status::Ok();
}

}  // namespace

Result<WebhookUrl> ParseWebhookUrl(std::string_view url, size_t max_bytes) {
  if (url.size() > max_bytes) return Bad("it is longer than " + std::to_string(max_bytes) + " bytes");
  for (char c : url) {
    const auto b = static_cast<unsigned char>(c);
    if (b <= 0x20 || b >= 0x7F) {
      return Bad("it must not contain whitespace, control characters or non-ASCII bytes (percent-encode them)");
    }
  }
  WebhookUrl out;
  std::string_view rest;
  if (StartsWithNoCase(url, "https://")) {
    out.scheme = "https";
    out.port = 443;
    rest = url.substr(8);
  } else if (StartsWithNoCase(url, "http://")) {
    out.scheme = "http";
    out.port = 80;
    rest = url.substr(7);
  } else {
    return Bad("it must start with http:// or https://");
  }

  const size_t authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view tail = authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) return Bad("it must not contain a user name or password");

  std::string_view host, port;
  bool has_port = false;
  if (!authority.empty() && authority[0] == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return Bad("its IPv6 address has no closing ']'");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return Bad("only a port may follow its IPv6 address");
      port = after.substr(1);
      has_port = true;
    }
    in6_addr addr;
    // At most 45 bytes spell an IPv6 address; zone ids ("%eth0") are refused.
    if (host.size() > 45 || inet_pton(AF_INET6, std::string(host).c_str(), &addr) != 1) {
      return Bad("its host is not a valid IPv6 address");
    }
    out.ipv6 = true;
  } else {
    const size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      has_port = true;
    }
    if (host.empty()) return Bad("it has no host");
    if (host.size() > kMaxHostBytes) return Bad("its host is longer than " + std::to_string(kMaxHostBytes) + " bytes");
    Status st = CheckHostName(host);
    if (!st.ok()) return st;
  }
  if (has_port) {
    int value = 0;
    bool ok = !port.empty() && port.size() <= 5;
    for (char c : port) {
      if (!ok || c < '0' || c > '9') {
        ok = false;
        break;
      }
      value = value * 10 + (c - '0');
    }
    if (!ok || value < 1 || value > 65535) return Bad("its port must be a number from 1 to 65535");
    out.port = value;
    out.default_port = false;
  }
  out.host = std::string(host);

  // The fragment stays with the client: it is never part of a request.
  tail = tail.substr(0, tail.find('#'));
  out.target = tail.empty() || tail[0] != '/' ? "/" + std::string(tail) : std::string(tail);
  return out;
}

std::string HostHeader(const WebhookUrl& url) {
  std::string h = url.ipv6 ? "[" + url.host + "]" : url.host;
  if (!url.default_port) {
    h += ':';  // not ":" + to_string: GCC 12 warns on it (a false -Wstringop-overflow)
    h += std::to_string(url.port);
  }
  return h;
}

}  // namespace sandbox::webhooks
