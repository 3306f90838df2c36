// Webhook endpoint URLs: the one parser every URL goes through before it is
// stored (POST/PUT /v1/webhooks) and again before anything is sent to it
// (the dispatcher, for rows written before these checks existed; issue 10).
//
// It is a hand-written, single-pass, linear-time parser with explicit
// limits: a URL never reaches std::regex or cpp-httplib's URL parsing, both
// of which recurse once per character and crashed the server on long input.
// Accepted: http:// or https:// (either case), a host that is a DNS name, an
// IPv4 address or a bracketed IPv6 address, an optional port, and a path and
// query of printable ASCII. Refused: user names and passwords, whitespace,
// control characters and non-ASCII bytes (percent-encode them), anything
// longer than the limits below. A #fragment is accepted and never sent.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/status.h"

namespace sandbox::webhooks {

// The whole URL: POST/PUT /v1/webhooks take at most --max-url-bytes
// (http/limits.h, default 2048); sending checks against the flag's ceiling,
// so a URL stored under any setting can still be delivered.
inline constexpr size_t kMaxUrlBytes = 2048;
inline constexpr size_t kMaxDeliverableUrlBytes = 64 * 1024;
inline constexpr size_t kMaxHostBytes = 253;  // a DNS name's limit (RFC 1035)
inline constexpr size_t kMaxHostLabelBytes = 63;

struct WebhookUrl {
  std::string scheme;        // "http" or "https", lower case
  std::string host;          // a name or an address; an IPv6 address without its brackets
  bool ipv6 = false;         // host is an IPv6 address (written "[host]" in a Host header)
  int port = 0;              // the URL's port, else 80 or 443
  bool default_port = true;  // no port was written
  std::string target;        // path and query as sent in the request line: "/" when the URL has none
};

// The URL's parts, or InvalidArgument whose message says what is wrong with
// it in words ("its host is longer than 253 bytes"), never quoting the input.
Result<WebhookUrl> ParseWebhookUrl(std::string_view url, size_t max_bytes = kMaxUrlBytes);

// "host", "host:port", "[::1]:port": the Host header (the port only when the URL wrote one).
std::string HostHeader(const WebhookUrl& url);

}  // namespace sandbox::webhooks
