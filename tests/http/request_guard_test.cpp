// The edge's checks and repairs of a parsed request (issue 10), without a
// server: a Request as cpp-httplib hands it over, and the raw head it came
// from.
#include <catch2/catch.hpp>

#include "http/admin_gate.h"
#include "http/auth.h"
#include "http/body.h"
#include "http/request_guard.h"
#include "http/sandbox_headers.h"

namespace http_request_guard_test {

using namespace sandbox;
using namespace sandbox::http;

namespace {

// A request as the library would have parsed `head` (path and params set by
// the test; headers decoded as the library does, which GuardRequest undoes).
httplib::Request Parsed(const std::string& method, const std::string& path) {
  httplib::Request req;
  req.method = method;
  req.path = path;
  return req;
}

std::string Refused(const std::optional<Refusal>& r) {
  return r ? std::to_string(r->status) + " " + r->parameter + ": " + r->message : "ok";
}

}  // namespace

TEST_CASE("headers are taken from the raw head, not percent-decoded", "[http]") {
  auto req = Parsed("GET", "/v1/runs");
  req.headers.emplace("X-Sandbox-Namespace", std::string("\0", 1));  // what the library made of %00
  auto r = GuardRequest(req, "GET /v1/runs HTTP/1.1\r\nHost: x\r\nX-Sandbox-Namespace: %00\r\n\r\n", {});
  CHECK(Refused(r) == "ok");
  CHECK(req.get_header_value("X-Sandbox-Namespace") == "%00");
  CHECK(req.get_header_value("Content-Length") == "0");  // no framing: no body
}

TEST_CASE("a client cannot pose as the socket's own headers", "[http]") {
  auto req = Parsed("GET", "/");
  req.headers.emplace("REMOTE_ADDR", "127.0.0.1");
  auto r = GuardRequest(req, "GET / HTTP/1.1\r\nREMOTE_ADDR: 10.0.0.1\r\n\r\n", {});
  CHECK(Refused(r) == "ok");
  CHECK(req.get_header_value_count("REMOTE_ADDR") == 1);
  CHECK(req.get_header_value("REMOTE_ADDR") == "127.0.0.1");
}

TEST_CASE("malformed heads and framing are refused naming the header", "[http]") {
  struct Case {
    std::string head;
    std::string expected;
  };
  const Case cases[] = {
      {"GET / HTTP/1.1\r\nno colon\r\n\r\n", "400 : Malformed header line (expected `Name: value`)"},
      {"GET / HTTP/1.1\r\nBad Name: v\r\n\r\n", "400 : Malformed header name"},
      {"GET / HTTP/1.1\r\nX-A: 1\r\n folded\r\n\r\n", "400 : Folded header lines are not accepted"},
      {"GET / HTTP/1.1\r\nX-A: \xFF\r\n\r\n", "400 X-A: Invalid UTF-8 in header `X-A` at byte 1"},
      {"GET / HTTP/1.1\r\nX-A: a\x7F\r\n\r\n", "400 X-A: Control character in header `X-A`"},
      {"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
       "400 Content-Length: More than one Content-Length header"},
      {"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
       "400 Content-Length: Content-Length must be a decimal number of bytes"},
      {"POST / HTTP/1.1\r\nContent-Length: 2000000\r\n\r\n", "413 body: Request body is larger than 1048576 bytes"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
       "400 Transfer-Encoding: Transfer-Encoding must be `chunked`"},
      {"POST / HTTP/1.1\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: 0\r\n\r\n",
       "415 Content-Type: Send the request body as application/json"},
  };
  for (const auto& c : cases) {
    INFO(c.head);
    auto req = Parsed("POST", "/");
    CHECK(Refused(GuardRequest(req, c.head, {})) == c.expected);
  }
}

TEST_CASE("the path and query must be valid UTF-8 and the path short enough", "[http]") {
  auto bad_path = Parsed("GET", "/v1/runs/\xFF");
  CHECK(Refused(GuardRequest(bad_path, "GET /v1/runs/%FF HTTP/1.1\r\n\r\n", {})) ==
        "400 path: Invalid UTF-8 in the path at byte 10");
  auto bad_param = Parsed("GET", "/v1/runs");
  bad_param.params.emplace("include", "\xC3");
  CHECK(Refused(GuardRequest(bad_param, "GET /v1/runs?include=%C3 HTTP/1.1\r\n\r\n", {})) ==
        "400 include: Invalid UTF-8 in query parameter `include` at byte 1");
  auto long_path = Parsed("GET", "/" + std::string(2048, 'a'));
  CHECK(Refused(GuardRequest(long_path, "GET / HTTP/1.1\r\n\r\n", {})) ==
        "414 path: Request path is longer than 2048 bytes");
}

TEST_CASE("a form-encoded body is read as JSON", "[http]") {
  auto req = Parsed("POST", "/v1/runs");
  auto r = GuardRequest(
      req, "POST /v1/runs HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 2\r\n\r\n",
      {});
  CHECK(Refused(r) == "ok");
  CHECK(req.get_header_value("Content-Type") == "application/json");
}

TEST_CASE("JSON bodies are bounded in depth and in every string's length", "[http]") {
  RequestLimits limits;
  limits.max_json_depth = 3;
  limits.max_string_bytes = 8;
  CHECK(ParseJsonObjectBody(R"({"a":[{"b":1}]})", limits).ok());
  CHECK(ParseJsonObjectBody(R"({"a":[{"b":[]}]})", limits).status().message() ==
        "Request body nests arrays and objects more than 3 levels deep");
  auto long_string = ParseJsonObjectBody(R"({"input":{"note":["123456789"]}})", limits);
  CHECK(long_string.status().code() == Code::kInvalidArgument);
  CHECK(long_string.status().parameter() == "input");
  CHECK(ParseJsonObjectBody(R"({"123456789":1})", limits).status().parameter() == "body");
  CHECK(ParseJsonObjectBody("{\"a\":\"\xFF\"}", limits).status().message() ==
        "Request body is not valid JSON (at byte 7)");
  CHECK(ParseJsonObjectBody("", limits).ok());
}

TEST_CASE("namespaces are named inside their tenant, and headers cannot name another tenant", "[http]") {
  CHECK(TenantNamespace("acct-1", "") == "acct-1");
  CHECK(TenantNamespace("acct-1", "ci") == "acct-1/ci");
  CHECK(TenantNamespace("", "ci") == "ci");
  httplib::Request req;
  req.headers.emplace(kNamespaceHeader, "org-11111111-2222-4333-8444-555555555555");
  CHECK(NamespaceChoiceOf(req).status().parameter() == kNamespaceHeader);
  req.headers = {{kNamespaceHeader, "ci_7"}, {kSeedHeader, "18446744073709551615"}};
  auto ok = NamespaceChoiceOf(req);
  REQUIRE(ok.ok());
  CHECK(ok->name == "ci_7");
  CHECK(ok->seed == 18446744073709551615ull);
  req.headers = {{kSeedHeader, "18446744073709551616"}};
  CHECK_FALSE(NamespaceChoiceOf(req).ok());
  CHECK(ValidQualifiedNamespace(""));
  CHECK(ValidQualifiedNamespace("ci"));
  CHECK(ValidQualifiedNamespace("acct-083b93ee-13cc-43a2-8d4f-422fbf030b98/ci"));
  CHECK(ValidQualifiedNamespace("org-11111111-2222-4333-8444-555555555555"));
  CHECK_FALSE(ValidQualifiedNamespace("acct-x/ci"));
  CHECK_FALSE(ValidQualifiedNamespace("ci/acct-083b93ee-13cc-43a2-8d4f-422fbf030b98"));
  CHECK_FALSE(ValidQualifiedNamespace("acct-083b93ee-13cc-43a2-8d4f-422fbf030b98/org-x"));
}

TEST_CASE("keys are accounts of their own unless joined on purpose", "[http]") {
  KeyPolicy own;
  CHECK(own.AccountKey("mk_test_a") == "mk_test_a");
  KeyPolicy joined({}, false, {{"mk_test_a", "mk_test_b"}});
  CHECK(joined.AccountKey("mk_test_b") == "mk_test_a");
  CHECK(joined.AccountKey("mk_test_c") == "mk_test_c");
  KeyPolicy shared({}, true, {});
  CHECK(shared.AccountKey("mk_test_c") == "");
}

TEST_CASE("the admin token guards /_sandbox/ only, from a header, a cookie or the query", "[http]") {
  auto req = Parsed("GET", "/_sandbox/health");
  CHECK_FALSE(CheckAdminToken(req, "").has_value());
  CHECK(CheckAdminToken(req, "s3cret-token")->status == 401);
  req.headers.emplace(kAdminTokenHeader, "wrong-token");
  CHECK(CheckAdminToken(req, "s3cret-token")->status == 403);
  req.headers = {{kAdminTokenHeader, "s3cret-token"}};
  CHECK_FALSE(CheckAdminToken(req, "s3cret-token").has_value());
  req.headers = {{"Cookie", "theme=dark; sandbox_admin_token=s3cret-token"}};
  CHECK_FALSE(CheckAdminToken(req, "s3cret-token").has_value());
  req.headers.clear();
  req.params.emplace(kAdminTokenParam, "s3cret-token");
  CHECK_FALSE(CheckAdminToken(req, "s3cret-token").has_value());
  auto api = Parsed("GET", "/v1/runs");
  CHECK_FALSE(CheckAdminToken(api, "s3cret-token").has_value());
  auto lookalike = Parsed("GET", "/_sandboxes");
  CHECK_FALSE(CheckAdminToken(lookalike, "s3cret-token").has_value());
}

}  // namespace http_request_guard_test
