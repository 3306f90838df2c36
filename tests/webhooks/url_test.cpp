// Webhook URLs (webhooks/url.h): what is accepted and how it is split, and
// each refusal with its reason, long input included (issue 10: a 40,000-byte
// URL or a 20,000-byte host crashed std::regex).
#include <catch2/catch.hpp>

#include "webhooks/url.h"

namespace webhooks_url_test {

using sandbox::webhooks::HostHeader;
using sandbox::webhooks::ParseWebhookUrl;

namespace {

// "scheme|host|port|target|Host header", or "error: <reason>".
std::string Describe(const std::string& url) {
  auto u = ParseWebhookUrl(url);
  if (!u.ok()) return "error: " + u.status().message();
  return u->scheme + "|" + u->host + "|" + std::to_string(u->port) + "|" + u->target + "|" + HostHeader(u.value());
}

}  // namespace

TEST_CASE("webhook URLs that are accepted, and their parts", "[webhooks]") {
  struct Case {
    std::string url, parts;
  };
  const std::vector<Case> cases = {
      {"http://127.0.0.1:9000/hooks", "http|127.0.0.1|9000|/hooks|127.0.0.1:9000"},
      {"https://example.test/hooks?x=1&y=%20", "https|example.test|443|/hooks?x=1&y=%20|example.test"},
      {"HTTP://Example.Test", "http|Example.Test|80|/|Example.Test"},
      {"http://receiver_1.local:80?x", "http|receiver_1.local|80|/?x|receiver_1.local:80"},
      {"http://[::1]:8080/a#fragment", "http|::1|8080|/a|[::1]:8080"},
      {"https://[2001:db8::1]/", "https|2001:db8::1|443|/|[2001:db8::1]"},
      {"http://x.test:65535/", "http|x.test|65535|/|x.test:65535"},
      {"http://" + std::string(63, 'a') + ".test/",
       "http|" + std::string(63, 'a') + ".test|80|/|" + std::string(63, 'a') + ".test"},
  };
  for (const auto& c : cases) {
    INFO(c.url);
    CHECK(Describe(c.url) == c.parts);
  }
}

TEST_CASE("webhook URLs that are refused, each with its reason", "[webhooks]") {
  const std::string label(63, 'a');
  std::string host253;
  while (host253.size() + label.size() + 1 <= 253) host253 += label + ".";
  host253 += std::string(253 - host253.size(), 'b');
  REQUIRE(host253.size() == 253);
  struct Case {
    std::string url, error;
  };
  const std::vector<Case> cases = {
      {"", "it must start with http:// or https://"},
      {"ftp://x.test/h", "it must start with http:// or https://"},
      {"nope", "it must start with http:// or https://"},
      {"http:///h", "it has no host"},
      {"http://:80/h", "it has no host"},
      {"http://user:pw@x.test/h", "it must not contain a user name or password"},
      {"http://x.test/a b",
       "it must not contain whitespace, control characters or non-ASCII bytes (percent-encode them)"},
      {"http://x.test/\t",
       "it must not contain whitespace, control characters or non-ASCII bytes (percent-encode them)"},
      {"http://x.test/\xc3\xbc",
       "it must not contain whitespace, control characters or non-ASCII bytes (percent-encode them)"},
      {"http://x.test:0/", "its port must be a number from 1 to 65535"},
      {"http://x.test:65536/", "its port must be a number from 1 to 65535"},
      {"http://x.test:/", "its port must be a number from 1 to 65535"},
      {"http://x.test:8o/", "its port must be a number from 1 to 65535"},
      {"http://x.test:000080/", "its port must be a number from 1 to 65535"},
      {"http://x..test/",
       "its host must be a name of letters, digits, '-', '_' and '.' (labels of 1 to 63 bytes) or an IP address"},
      {"http://-x.test/",
       "its host must be a name of letters, digits, '-', '_' and '.' (labels of 1 to 63 bytes) or an IP address"},
      {"http://x-.test/",
       "its host must be a name of letters, digits, '-', '_' and '.' (labels of 1 to 63 bytes) or an IP address"},
      {"http://x.test./",
       "its host must be a name of letters, digits, '-', '_' and '.' (labels of 1 to 63 bytes) or an IP address"},
      {"http://x!y/",
       "its host must be a name of letters, digits, '-', '_' and '.' (labels of 1 to 63 bytes) or an IP address"},
      {"http://" + std::string(64, 'a') + ".test/",
       "its host must be a name of letters, digits, '-', '_' and '.' (labels of 1 to 63 bytes) or an IP address"},
      {"http://" + host253 + "c/", "its host is longer than 253 bytes"},
      {"http://999.1.1.1/", "its host is not a valid IPv4 address"},
      {"http://1.2.3/", "its host is not a valid IPv4 address"},
      {"http://[::1/", "its IPv6 address has no closing ']'"},
      {"http://[::1]x/", "only a port may follow its IPv6 address"},
      {"http://[fe80::1%25eth0]/", "its host is not a valid IPv6 address"},
      {"http://[zz]/", "its host is not a valid IPv6 address"},
      {"http://x.test/" + std::string(2048, 'p'), "it is longer than 2048 bytes"},
      // What crashed the server's std::regex (issue 10).
      {"http://x.test/" + std::string(40000, 'a'), "it is longer than 2048 bytes"},
  };
  for (const auto& c : cases) {
    INFO(c.url.substr(0, 120));
    CHECK(Describe(c.url) == "error: " + c.error);
  }
  CHECK(Describe("http://" + host253 + "/") != "error: its host is longer than 253 bytes");
  // 20,000 bytes of host: over the URL's limit, and over the host's when the
  // URL may be longer (sending allows any length --max-url-bytes may allow).
  CHECK(Describe("http://" + std::string(20000, 'a') + "/h") == "error: it is longer than 2048 bytes");
  auto long_host =
      ParseWebhookUrl("http://" + std::string(20000, 'a') + "/h", sandbox::webhooks::kMaxDeliverableUrlBytes);
  CHECK(long_host.status().message() == "its host is longer than 253 bytes");
  auto long_path =
      ParseWebhookUrl("http://x.test/" + std::string(40000, 'a'), sandbox::webhooks::kMaxDeliverableUrlBytes);
  CHECK(long_path.ok());
  CHECK(ParseWebhookUrl("nope").status().parameter() == "url");
}

}  // namespace webhooks_url_test
