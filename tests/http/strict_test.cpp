// Strict mode (issue 13, http/strict.h): which requests CheckDeclared refuses,
// how X-Sandbox-Strict overrides the default, and that the gate writes its
// refusal through the error shape of the request's path.
#include "http/strict.h"

#include <catch2/catch.hpp>

namespace sandbox::http::http_strict_test {
namespace {

Route TestRoute() {
  Route r;
  r.method = "POST";
  r.path = "/v1/things/{thing_id}";
  r.query = {{"a", "string", "", false}, {"b", "integer", "", false}};
  r.body = {{"x", "string", "", true}, {"y", "", "", false}};
  return r;
}

httplib::Request Req(const std::string& path, httplib::Params params = {}, std::string body = {}) {
  httplib::Request req;
  req.method = "POST";
  req.path = path;
  req.params = std::move(params);
  req.body = std::move(body);
  return req;
}

// "status parameter: message", or "accepted".
std::string Describe(const std::optional<Refusal>& r) {
  return r ? std::to_string(r->status) + " " + r->parameter + ": " + r->message : "accepted";
}

TEST_CASE("strict: undeclared query parameters and body fields are refused by name", "[http]") {
  const Route r = TestRoute();
  struct Case {
    httplib::Params params;
    std::string body;
    std::string want;
  };
  const std::vector<Case> cases = {
      {{{"a", "1"}, {"b", "2"}}, R"({"x":"1","y":[1]})", "accepted"},
      {{{"foo", "1"}}, "", "400 foo: Unknown query parameter `foo` (strict mode); this route takes: a, b"},
      {{}, R"({"x":"1","z":2})", "400 z: Unknown body field `z` (strict mode); this route takes: x, y"},
      // Not an object, or not JSON: the handler says what is wrong.
      {{}, "[1,2]", "accepted"},
      {{}, "{nope", "accepted"},
      {{}, "", "accepted"},
      // The admin token is an edge parameter, and only under /_sandbox/.
      {{{"admin_token", "t"}}, "", "400 admin_token: Unknown query parameter `admin_token` (strict mode); "
                                   "this route takes: a, b"},
  };
  for (const auto& c : cases) {
    INFO(c.body);
    CHECK(Describe(CheckDeclared(r, Req("/v1/things/1", c.params, c.body), {})) == c.want);
  }
  CHECK(Describe(CheckDeclared(r, Req("/_sandbox/things", {{"admin_token", "t"}}), {})) == "accepted");

  Route none = r;
  none.query.clear();
  CHECK(Describe(CheckDeclared(none, Req("/v1/things/1", {{"q", "1"}}), {})) ==
        "400 q: Unknown query parameter `q` (strict mode); this route takes: none");
  Route open = r;
  open.open_body = true;
  CHECK(Describe(CheckDeclared(open, Req("/v1/things/1", {}, R"({"anything":1})"), {})) == "accepted");
  Route get = r;
  get.method = "GET";  // a GET's body is never read
  CHECK(Describe(CheckDeclared(get, Req("/v1/things/1", {}, R"({"anything":1})"), {})) == "accepted");
}

TEST_CASE("strict: X-Sandbox-Strict overrides the default both ways", "[http]") {
  httplib::Request req;
  CHECK(StrictFor(req, false).value() == false);
  CHECK(StrictFor(req, true).value() == true);
  req.set_header(kStrictHeader, "true");
  CHECK(StrictFor(req, false).value() == true);
  httplib::Request off;
  off.set_header(kStrictHeader, "false");
  CHECK(StrictFor(off, true).value() == false);
  httplib::Request bad;
  bad.set_header(kStrictHeader, "yes");
  CHECK(StrictFor(bad, false).status().message() == "Header `X-Sandbox-Strict` must be true or false");
}

TEST_CASE("strict: the gate writes refusals in the path's error shape", "[http]") {
  std::vector<std::string> written;
  auto writer = [&written](const std::string& shape) {
    return [&written, shape](httplib::Response& res, int status, const std::string& message,
                             const std::string& parameter) {
      res.status = status;
      written.push_back(shape + " " + std::to_string(status) + " " + parameter + ": " + message);
    };
  };
  ErrorShapes shapes({{"/api/", writer("modus")}}, writer("middesk"));
  Route r = TestRoute();
  httplib::Response res;

  RouteGate lenient = StrictGate(false, shapes, {});
  CHECK(lenient(r, Req("/v1/things/1", {{"foo", "1"}}), res));
  httplib::Request asked = Req("/api/things/1", {{"foo", "1"}});
  asked.set_header(kStrictHeader, "true");
  CHECK_FALSE(lenient(r, asked, res));

  RouteGate strict = StrictGate(true, shapes, {});
  CHECK_FALSE(strict(r, Req("/v1/things/1", {{"foo", "1"}}), res));
  httplib::Request waived = Req("/v1/things/1", {{"foo", "1"}});
  waived.set_header(kStrictHeader, "false");
  CHECK(strict(r, waived, res));
  httplib::Request bad = Req("/v1/things/1");
  bad.set_header(kStrictHeader, "1");
  CHECK_FALSE(lenient(r, bad, res));

  CHECK(written == std::vector<std::string>{
                       "modus 400 foo: Unknown query parameter `foo` (strict mode); this route takes: a, b",
                       "middesk 400 foo: Unknown query parameter `foo` (strict mode); this route takes: a, b",
                       "middesk 400 X-Sandbox-Strict: Header `X-Sandbox-Strict` must be true or false",
                   });
}

}  // namespace
}  // namespace sandbox::http::http_strict_test
