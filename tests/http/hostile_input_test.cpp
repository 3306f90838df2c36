// Issue 10: no input crashes or wedges the server. Every case is a request a
// careless client, a fuzzer or an attacker sends, over every route family of
// both dialects and the control API, with the exact status it gets, and the
// error body in the shape of the dialect that owns the path, naming the part
// of the request at fault. The bytes go out raw (support/raw_client.h), so
// that invalid UTF-8, malformed heads and lying lengths reach the server as
// written. After every case the server must still answer.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "support/raw_client.h"
#include "support/sandbox_process.h"

namespace http_hostile_input_test {

using namespace sandbox::testing;
using nlohmann::json;

namespace {

constexpr const char* kKey = "Authorization: Bearer mk_test_sandbox\r\n";
constexpr const char* kModusKey = "Authorization: Bearer modus_3f0e3c2a-5b7d-4e8f-9a1b-2c3d4e5f6a7b_ci_secret1\r\n";
constexpr const char* kBusiness = "8d1c4f0e-2b6a-4c1e-9f7d-3a5b6c7d8e9f";

enum class Shape { kMiddesk, kModus, kNone };

struct Case {
  std::string name;
  std::string request;  // raw bytes
  int status;
  Shape shape;
  std::string parameter;  // "" when the body names none
};

std::string Get(const std::string& target, const std::string& headers = kKey) {
  return "GET " + target + " HTTP/1.1\r\nHost: x\r\n" + headers + "\r\n";
}

std::string Post(const std::string& target, const std::string& body, const std::string& headers = kKey) {
  return "POST " + target + " HTTP/1.1\r\nHost: x\r\n" + headers +
         "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string Nested(size_t depth, const std::string& leaf = "1") {
  return std::string(depth, '[') + leaf + std::string(depth, ']');
}

std::string RunBody(const std::string& extra = "") {
  return std::string(R"({"type":"cip_orchestrator","business_id":")") + kBusiness + "\"" + extra + "}";
}

// The parameter an error body names, in either shape; nullopt when the body
// is not an error body of that shape.
std::optional<std::string> ParameterOf(const json& body, Shape shape) {
  if (shape == Shape::kMiddesk) {
    if (!body.is_object() || !body.contains("errors") || !body["errors"].is_array() || body["errors"].size() != 1) {
      return std::nullopt;
    }
    const json& e = body["errors"][0];
    if (!e.contains("message") || !e["message"].is_string() || e["message"].get<std::string>().empty()) {
      return std::nullopt;
    }
    return e.value("parameter", "");
  }
  if (!body.is_object() || !body.contains("error") || !body["error"].is_object()) return std::nullopt;
  const json& e = body["error"];
  if (!e.contains("code") || !e.contains("message") || !e["message"].is_string()) return std::nullopt;
  return e.value("field", "");
}

void Check(SandboxProcess& sandbox, const Case& c) {
  INFO(c.name);
  RawResponse r = RawExchange(sandbox.port(), c.request);
  INFO("status " << r.status << " " << r.error << "\n" << r.head << r.body);
  CHECK(r.status == c.status);
  if (c.shape != Shape::kNone) {
    auto parameter = ParameterOf(r.json, c.shape);
    REQUIRE(parameter.has_value());
    CHECK(*parameter == c.parameter);
  }
  // Whatever happened, the server answers the next client.
  HttpResponse health = sandbox.Get("/_sandbox/health", {});
  REQUIRE(health.status == 200);
}

}  // namespace

TEST_CASE("bytes that are not UTF-8 are a 400 naming where they are, in every dialect", "[http][hostile]") {
  SandboxProcess sandbox;
  const std::vector<Case> cases = {
      {"%FF in an unknown Middesk-owned path", Get("/nope/%FF"), 400, Shape::kMiddesk, "path"},
      {"%FF in a run id", Get("/v1/runs/%FF"), 400, Shape::kMiddesk, "path"},
      {"a raw 0xFF byte in the path", Get("/v1/runs/\xFF"), 400, Shape::kMiddesk, "path"},
      {"%C0%AF (overlong) in a Modus path", Get("/api/v1/agents/%C0%AF", kModusKey), 400, Shape::kModus, "path"},
      {"%ED%A0%80 (a surrogate) in a runtime path", Get("/agent/runs/%ED%A0%80/stream", kModusKey), 400, Shape::kModus,
       "path"},
      {"%FF in a control path", Get("/_sandbox/runs/%FF"), 400, Shape::kMiddesk, "path"},
      {"invalid UTF-8 in ?include", Get("/v1/runs/x?include=%FF"), 400, Shape::kMiddesk, "include"},
      {"invalid UTF-8 in a query parameter name", Get("/v1/runs?%FF=1"), 400, Shape::kMiddesk, "query"},
      {"invalid UTF-8 in X-Sandbox-User on create-run",
       Post("/v1/runs", RunBody(), std::string(kKey) + "X-Sandbox-User: a\xFF@b.c\r\n"), 400, Shape::kMiddesk,
       "X-Sandbox-User"},
      {"invalid UTF-8 in X-Sandbox-User on create-thread",
       Post("/v1/threads", RunBody(), std::string(kKey) + "X-Sandbox-User: \xC3@b.c\r\n"), 400, Shape::kMiddesk,
       "X-Sandbox-User"},
      {"invalid UTF-8 in X-Sandbox-User on actions",
       Post("/v1/actions", "{}", std::string(kKey) + "X-Sandbox-User: \xF5@b.c\r\n"), 400, Shape::kMiddesk,
       "X-Sandbox-User"},
      {"invalid UTF-8 in X-Sandbox-Scenario",
       Post("/v1/runs", RunBody(), std::string(kKey) + "X-Sandbox-Scenario: \xFF\xFE\r\n"), 400, Shape::kMiddesk,
       "X-Sandbox-Scenario"},
      {"invalid UTF-8 in the Authorization header of a Modus call",
       Get("/api/v1/agents", "Authorization: Bearer modus_\xFF\r\n"), 400, Shape::kModus, "Authorization"},
      {"invalid UTF-8 inside a JSON string", Post("/v1/runs", "{\"type\":\"\xFF\"}"), 400, Shape::kMiddesk, "body"},
      {"invalid UTF-8 inside a Modus JSON body", Post("/agent/runs", "{\"message\":\"\xC3\x28\"}", kModusKey), 400,
       Shape::kModus, "body"},
  };
  for (const auto& c : cases) Check(sandbox, c);
}

TEST_CASE("headers are read as sent: no percent-decoding, no control characters", "[http][hostile]") {
  SandboxProcess sandbox;
  const std::vector<Case> cases = {
      {"X-Sandbox-Namespace: %00 is a bad name, not the default namespace",
       Get("/v1/runs", std::string(kKey) + "X-Sandbox-Namespace: %00\r\n"), 400, Shape::kMiddesk,
       "X-Sandbox-Namespace"},
      {"X-Sandbox-Namespace naming another tenant",
       Get("/v1/runs", std::string(kKey) + "X-Sandbox-Namespace: org-3f0e3c2a-5b7d-4e8f-9a1b-2c3d4e5f6a7b\r\n"), 400,
       Shape::kMiddesk, "X-Sandbox-Namespace"},
      {"a raw control character in a header value",
       Get("/v1/runs", std::string(kKey) + "X-Sandbox-User: a\x01@b.c\r\n"), 400, Shape::kMiddesk, "X-Sandbox-User"},
      {"X-Sandbox-Seed past 2^64", Get("/v1/runs", std::string(kKey) + "X-Sandbox-Seed: 99999999999999999999\r\n"), 400,
       Shape::kMiddesk, "X-Sandbox-Seed"},
      {"a header line without a colon", Get("/v1/runs", std::string(kKey) + "no colon here\r\n"), 400, Shape::kMiddesk,
       ""},
      {"a folded header line", Get("/v1/runs", std::string(kKey) + "X-A: 1\r\n  folded\r\n"), 400, Shape::kMiddesk, ""},
  };
  for (const auto& c : cases) Check(sandbox, c);
}

TEST_CASE("sizes past the limits are refused with 413, 414, 431 and 422", "[http][hostile]") {
  SandboxProcess sandbox;
  const std::string big_string(20000, 'x');
  const std::vector<Case> cases = {
      {"a body past 1 MiB, announced",
       "POST /v1/runs HTTP/1.1\r\nHost: x\r\n" + std::string(kKey) + "Content-Length: 104857600\r\n\r\n", 413,
       Shape::kMiddesk, "body"},
      {"a chunked body past 1 MiB",
       "POST /api/v1/agents/101/chat HTTP/1.1\r\nHost: x\r\n" + std::string(kModusKey) +
           "Transfer-Encoding: chunked\r\n\r\n200000\r\n" + std::string(0x200000, 'a') + "\r\n0\r\n\r\n",
       413, Shape::kModus, "body"},
      {"a path past 2048 bytes", Get("/v1/runs/" + std::string(3000, 'a')), 414, Shape::kMiddesk, "path"},
      {"a Modus request line past 8 KiB", Get("/api/v1/agents/" + std::string(9000, '1'), kModusKey), 414,
       Shape::kModus, "path"},
      {"headers past 64 KiB",
       Get(
           "/v1/runs", std::string(kKey) + "X-Big: " + std::string(8000, 'a') + "\r\n" +
                           "X-Big2: " + std::string(8000, 'a') + "\r\n" +
                           [] {
                             std::string h;
                             for (int i = 0; i < 10; ++i) {
                               h += "X-More" + std::to_string(i) + ": " + std::string(7000, 'b') + "\r\n";
                             }
                             return h;
                           }()),
       431, Shape::kMiddesk, ""},
      {"a 20 KB context_type", Post("/v1/runs", RunBody(",\"context_type\":\"" + big_string + "\"")), 422,
       Shape::kMiddesk, "context_type"},
      {"a 20 KB string deep in a Modus trigger input",
       Post("/_sandbox/modus/agents/202/runs", "{\"input\":{\"a\":[\"" + big_string + "\"]}}", kModusKey), 400,
       Shape::kModus, "input"},
      {"a 20 KB member name", Post("/v1/threads", "{\"" + big_string + "\":1}"), 422, Shape::kMiddesk, "body"},
  };
  for (const auto& c : cases) Check(sandbox, c);
}

TEST_CASE("JSON nested 100,000 deep, or holding a number no double holds, is a 400 wherever a body is read",
          "[http][hostile]") {
  SandboxProcess sandbox;
  const std::string deep = Nested(100000);
  const std::vector<Case> cases = {
      {"create-run body", Post("/v1/runs", deep), 400, Shape::kMiddesk, "body"},
      {"resume input", Post("/v1/runs/x/resume", "{\"interrupt_id\":\"i\",\"input\":" + deep + "}"), 400,
       Shape::kMiddesk, "body"},
      {"action payload", Post("/v1/actions", "{\"payload\":" + deep + "}"), 400, Shape::kMiddesk, "body"},
      {"Modus trigger input", Post("/_sandbox/modus/agents/202/runs", "{\"input\":" + deep + "}", kModusKey), 400,
       Shape::kModus, "body"},
      {"Modus runtime body", Post("/agent/runs", "{\"message\":" + deep + "}", kModusKey), 400, Shape::kModus, "body"},
      {"control clock advance", Post("/_sandbox/clock/advance", "{\"by\":" + deep + "}"), 400, Shape::kMiddesk, "body"},
      {"65 levels (one past the limit)", Post("/v1/threads", "{\"metadata\":" + Nested(64, "{}") + "}"), 400,
       Shape::kMiddesk, "body"},
      // Found by the json_body fuzzer: valid JSON whose number no double holds.
      {"a number beyond a double", Post("/v1/threads", "{\"metadata\":{\"n\":-1.5e1000}}"), 400, Shape::kMiddesk,
       "body"},
      {"a number beyond a double, Modus", Post("/agent/runs", "{\"message\":1e400}", kModusKey), 400, Shape::kModus,
       "body"},
  };
  for (const auto& c : cases) Check(sandbox, c);
}

TEST_CASE("malformed HTTP is a 400 and the connection closes", "[http][hostile]") {
  SandboxProcess sandbox;
  const std::vector<Case> cases = {
      {"garbage instead of a request line", "hello there\r\n\r\n", 400, Shape::kMiddesk, ""},
      {"an unknown method", "BREW /v1/runs HTTP/1.1\r\nHost: x\r\n\r\n", 400, Shape::kMiddesk, ""},
      {"an unknown HTTP version", "GET /v1/runs HTTP/7.0\r\nHost: x\r\n\r\n", 400, Shape::kMiddesk, ""},
      {"a Content-Length that is not a number", "POST /v1/runs HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400,
       Shape::kMiddesk, "Content-Length"},
      {"two Content-Lengths", "POST /v1/runs HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
       400, Shape::kMiddesk, "Content-Length"},
      {"Transfer-Encoding other than chunked", "POST /v1/runs HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
       400, Shape::kMiddesk, "Transfer-Encoding"},
      {"Content-Length and Transfer-Encoding together",
       "POST /v1/runs HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400,
       Shape::kMiddesk, "Transfer-Encoding"},
      {"a Range header of 8 KB is ignored",
       Get(
           "/v1/agents", std::string(kKey) + "Range: bytes=" +
                             [] {
                               std::string r;
                               for (int i = 0; i < 1500; ++i) r += "1-2,";
                               return r + "1-2";
                             }() +
                             "\r\n"),
       200, Shape::kNone, ""},
      {"multipart form data where JSON is expected",
       [] {
         const std::string body = "--zz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--zz--\r\n";
         return "POST /v1/threads HTTP/1.1\r\nHost: x\r\n" + std::string(kKey) +
                "Content-Type: multipart/form-data; boundary=zz\r\nContent-Length: " + std::to_string(body.size()) +
                "\r\n\r\n" + body;
       }(),
       415, Shape::kMiddesk, "Content-Type"},
      {"a form-encoded body is read as JSON (curl -d)",
       "POST /v1/threads HTTP/1.1\r\nHost: x\r\n" + std::string(kKey) +
           "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 9\r\n\r\n{\"a\":\"b\"}",
       400, Shape::kMiddesk, "type"},
  };
  for (const auto& c : cases) Check(sandbox, c);
}

TEST_CASE("a POST without a body or Content-Length is answered at once", "[http][hostile]") {
  SandboxProcess sandbox;
  // No framing means no body (RFC 9112 6.3): the server must not wait for one.
  RawResponse reset =
      RawExchange(sandbox.port(), "POST /_sandbox/reset HTTP/1.1\r\nHost: x\r\n\r\n", std::chrono::seconds(3));
  CHECK(reset.status == 200);
  RawResponse thread = RawExchange(
      sandbox.port(), "POST /v1/threads HTTP/1.1\r\nHost: x\r\n" + std::string(kKey) + "\r\n", std::chrono::seconds(3));
  CHECK(thread.status == 400);
  CHECK(ParameterOf(thread.json, Shape::kMiddesk) == std::optional<std::string>("type"));
}

TEST_CASE("numbers, dates and page cursors out of range are 4xx, never 500", "[http][hostile]") {
  SandboxProcess sandbox;
  const std::vector<Case> cases = {
      {"per_page past 100", Get("/v1/runs?per_page=1000"), 422, Shape::kMiddesk, "per_page"},
      {"page of 30 digits", Get("/v1/runs?page=999999999999999999999999999999"), 422, Shape::kMiddesk, "page"},
      {"page 0", Get("/v1/threads?page=0"), 422, Shape::kMiddesk, "page"},
      {"a Modus page token of 5,000 bytes", Get("/api/v1/agents?pageToken=" + std::string(5000, 'A'), kModusKey), 400,
       Shape::kModus, "pageToken"},
      {"a Modus page token that is not base64", Get("/api/v1/agents?pageToken=%25%25%25", kModusKey), 400,
       Shape::kModus, "pageToken"},
      {"a Modus pageSize of -1", Get("/api/v1/agents?pageSize=-1", kModusKey), 400, Shape::kModus, "pageSize"},
      {"Last-Event-ID of 40 digits",
       Get("/v1/runs/x/stream", std::string(kKey) + "Last-Event-ID: " + std::string(40, '9') + "\r\n"), 400,
       Shape::kMiddesk, "Last-Event-ID"},
      {"a runtime cursor that is not one",
       Get("/agent/runs/x/stream", std::string(kModusKey) + "Last-Event-ID: 12-ab-cd\r\n"), 400, Shape::kModus,
       "Last-Event-ID"},
      {"a 2 KB Last-Event-ID",
       Get("/agent/runs/x/events", std::string(kModusKey) + "Last-Event-ID: " + std::string(2000, '1') + "-1\r\n"), 400,
       Shape::kModus, "Last-Event-ID"},
      {"clock to February 30th", Post("/_sandbox/clock/advance", R"({"to":"2026-02-30T00:00:00Z"})"), 422,
       Shape::kMiddesk, "to"},
      {"clock to a signed year", Post("/_sandbox/clock/advance", R"({"to":"+026-01-01T00:00:00Z"})"), 422,
       Shape::kMiddesk, "to"},
      {"clock by a duration past year 9999", Post("/_sandbox/clock/advance", R"({"by":"99999999h"})"), 422,
       Shape::kMiddesk, "by"},
      {"clock by a number out of range", Post("/_sandbox/clock/advance", R"({"by":1e300})"), 422, Shape::kMiddesk,
       "by"},
      {"control runs ?limit=abc", Get("/_sandbox/runs?limit=abc"), 422, Shape::kMiddesk, "limit"},
  };
  for (const auto& c : cases) Check(sandbox, c);
}

}  // namespace http_hostile_input_test
