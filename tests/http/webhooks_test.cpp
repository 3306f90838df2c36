// Middesk webhooks against the real binary: /v1/webhooks registration and its
// errors, and run lifecycle notifications reaching a real endpoint on
// loopback (a cpp-httplib server in this process), signed, retried as the
// clock passes the backoff, and the same bytes for the same seed. Issue 10:
// every stored field validated with a 422 naming it, the secret shown only
// at creation, receivers that hang, reset, redirect or dawdle holding up no
// other receiver (nor the shutdown), a database holding URLs from before
// the checks, and the deliveries list paged.
#include <sqlite3.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "support/sandbox_process.h"
#include "webhooks/receivers.h"
#include "webhooks/signature.h"

namespace http_webhooks_test {

using sandbox::testing::AuthHeaders;
using sandbox::testing::HttpResponse;
using sandbox::testing::RawReceiver;
using sandbox::testing::SandboxOptions;
using sandbox::testing::SandboxProcess;
using Json = nlohmann::json;

namespace {

constexpr const char* kBusiness = "8d1c4f0e-2b6a-4c1e-9f7d-3a5b6c7d8e9f";

// An endpoint on a free loopback port that records what it is sent and
// answers with `answer` (settable while it runs).
class Receiver {
 public:
  struct Request {
    std::string path, body, signature, correlation_id, content_type;
  };

  Receiver() {
    server_.Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> g(mu_);
      received_.push_back({req.path, req.body, req.get_header_value("X-Middesk-Signature-256"),
                           req.get_header_value("X-Correlation-Id"), req.get_header_value("Content-Type")});
      res.status = answer_;
      cv_.notify_all();
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    REQUIRE(port_ > 0);
    // The socket listens from bind on: requests queue until accept starts.
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~Receiver() {
    // stop() is a no-op until the accept loop runs.
    while (!server_.is_running()) std::this_thread::yield();
    server_.stop();
    thread_.join();
  }

  std::string Url(const std::string& path = "/hooks") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  void Answer(int status) {
    std::lock_guard<std::mutex> g(mu_);
    answer_ = status;
  }
  // Waits (at most 10 s) until `n` requests have arrived; returns them all.
  std::vector<Request> WaitFor(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(10), [&] { return received_.size() >= n; });
    return received_;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Request> received_;
  int answer_ = 200;
};

HttpResponse CreateHook(const SandboxProcess& sb, const Json& body) { return sb.Post("/v1/webhooks", body.dump()); }

HttpResponse Send(const SandboxProcess& sb, const std::string& method, const std::string& path,
                  const std::string& body = "") {
  auto client = sb.client();
  httplib::Result r = method == "PUT" ? client.Put(path.c_str(), AuthHeaders(), body, "application/json")
                                      : client.Delete(path.c_str(), AuthHeaders());
  HttpResponse out;
  if (!r) return out;
  out.status = r->status;
  out.body = r->body;
  out.json = Json::parse(r->body, nullptr, false);
  return out;
}

Json Deliveries(const SandboxProcess& sb) {
  HttpResponse r = sb.Get("/_sandbox/webhooks/deliveries?limit=200");
  REQUIRE(r.status == 200);
  return r.json.at("deliveries");
}

// Polls the deliveries (at most 10 s) until `done` holds for them.
template <class F>
Json DeliveriesOnce(const SandboxProcess& sb, F done) {
  Json all;
  for (int i = 0; i < 500; ++i) {
    all = Deliveries(sb);
    if (done(all)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return all;
}

// The deliveries to one webhook, oldest event first.
Json DeliveriesTo(const Json& all, const std::string& webhook_id) {
  Json out = Json::array();
  for (const auto& d : all) {
    if (d["webhook_id"] == webhook_id) out.push_back(d);
  }
  return out;
}

// The deliveries once none is waiting on an answer still to be recorded: the
// dispatcher records an attempt just after the endpoint answers. Polls the
// control API for at most 10 s.
Json SettledDeliveries(const SandboxProcess& sb, size_t attempts) {
  Json all;
  for (int i = 0; i < 500; ++i) {
    all = Deliveries(sb);
    size_t seen = 0;
    for (const auto& d : all) seen += d["attempts"].size();
    if (seen >= attempts) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return all;
}

}  // namespace

TEST_CASE("webhooks: register, read, list, change and delete an endpoint", "[http]") {
  SandboxProcess sb;
  HttpResponse created = CreateHook(sb, {{"url", "https://example.test/hooks?x=1"}, {"enabled_events", {"*"}}});
  REQUIRE_STATUS(created, 201);
  const Json& w = created.json;
  CHECK(w["object"] == "webhook");
  const std::string id = w["id"];
  CHECK(w["url"] == "https://example.test/hooks?x=1");
  CHECK(w["enabled_events"] == Json::array({"*"}));
  CHECK(w["include"].is_null());
  CHECK(w["disabled_at"].is_null());
  // A secret is generated when none is given, from the seed.
  const std::string secret = w["secret"];
  CHECK(secret.size() == 6 + 32);
  CHECK(secret.rfind("whsec_", 0) == 0);
  CHECK(w["created_at"] == "2026-01-01T00:00:00.000Z");

  HttpResponse second = CreateHook(sb, {{"url", "http://127.0.0.1:9/b"},
                                        {"enabled_events", {"run.completed"}},
                                        {"secret", "s3cret"},
                                        {"include", "identifiers"},
                                        {"oidc_auth_method", "client_secret"},
                                        {"oidc_client_id", "cid"},
                                        {"oidc_client_secret", "hidden"},
                                        {"oidc_token_endpoint", "https://idp.test/token"},
                                        {"oidc_access_token_ttl_seconds", 3600}});
  REQUIRE_STATUS(second, 201);
  CHECK(second.json["secret"] == "s3cret");
  CHECK(second.json["oidc_client_id"] == "cid");
  CHECK_FALSE(second.json.contains("oidc_client_secret"));  // write-only

  // The secret is shown once, at creation: never read back (docs/middesk.md).
  HttpResponse got = sb.Get("/v1/webhooks/" + id);
  REQUIRE_STATUS(got, 200);
  Json without_secret = created.json;
  without_secret.erase("secret");
  CHECK(got.json == without_secret);
  HttpResponse list = sb.Get("/v1/webhooks?per_page=1");
  REQUIRE_STATUS(list, 200);
  CHECK(list.json["total_count"] == 2);
  CHECK(list.json["has_more"] == true);
  CHECK(list.json["data"][0]["id"] == second.json["id"]);  // newest first
  CHECK_FALSE(list.json["data"][0].contains("secret"));

  HttpResponse disabled = Send(sb, "PUT", "/v1/webhooks/" + id,
                               R"({"disabled_at":"2026-01-01T00:00:00Z","enabled_events":["run.created"]})");
  REQUIRE_STATUS(disabled, 200);
  CHECK(disabled.json["disabled_at"] == "2026-01-01T00:00:00.000Z");
  CHECK(disabled.json["enabled_events"] == Json::array({"run.created"}));
  CHECK(disabled.json["url"] == "https://example.test/hooks?x=1");  // untouched
  CHECK_FALSE(disabled.json.contains("secret"));
  HttpResponse enabled = Send(sb, "PUT", "/v1/webhooks/" + id, R"({"disabled_at":null,"include":"steps"})");
  REQUIRE_STATUS(enabled, 200);
  CHECK(enabled.json["disabled_at"].is_null());
  CHECK(enabled.json["include"] == "steps");

  HttpResponse deleted = Send(sb, "DELETE", "/v1/webhooks/" + id);
  REQUIRE_STATUS(deleted, 200);
  CHECK(deleted.body.empty());  // the contract declares no body
  CHECK_STATUS(sb.Get("/v1/webhooks/" + id), 404);
  CHECK_STATUS(Send(sb, "PUT", "/v1/webhooks/" + id, "{}"), 404);
  CHECK_STATUS(Send(sb, "DELETE", "/v1/webhooks/" + id), 404);
  CHECK(sb.Get("/v1/webhooks").json["total_count"] == 1);

  // OIDC keys: public, and empty (the sandbox signs with HMAC only).
  HttpResponse keys = sb.Get("/v1/webhooks/oidc_keys", {});
  REQUIRE_STATUS(keys, 200);
  CHECK(keys.json == Json{{"keys", Json::array()}});
  CHECK_STATUS(sb.Get("/v1/webhooks", {}), 401);
}

TEST_CASE("webhooks: bad registrations are refused in the Middesk error shape, naming the parameter", "[http]") {
  SandboxProcess sb;
  struct Case {
    Json body;
    int status;
    const char* parameter;
    std::string message;
  };
  const Json all = Json::array({"*"});
  auto with = [&](Json extra) {
    Json b = {{"url", "http://x.test/h"}, {"enabled_events", all}};
    b.update(extra);
    return b;
  };
  const std::string bad_url = "Parameter `url` is not a valid webhook URL: ";
  const std::string bad_event = "` must be run.created, run.interrupted, run.completed or \"*\"";
  std::string host254;  // labels of 49 bytes
  while (host254.size() < 254) host254 += host254.size() % 50 == 49 ? '.' : 'h';
  const std::vector<Case> cases = {
      {{{"enabled_events", all}}, 422, "url", "Parameter `url` is missing"},
      {{{"url", "http://x.test/h"}}, 422, "enabled_events", "Parameter `enabled_events` is missing"},
      {with({{"url", "ftp://x.test/h"}}), 422, "url", bad_url + "it must start with http:// or https://"},
      {with({{"url", "http:///h"}}), 422, "url", bad_url + "it has no host"},
      {with({{"url", 5}}), 422, "url", "Parameter `url` must be a string"},
      {with({{"url", "http://u:p@x.test/h"}}), 422, "url", bad_url + "it must not contain a user name or password"},
      {with({{"url", "http://x.test/a b"}}), 422, "url",
       bad_url + "it must not contain whitespace, control characters or non-ASCII bytes (percent-encode them)"},
      {with({{"url", "http://x.test:0/h"}}), 422, "url", bad_url + "its port must be a number from 1 to 65535"},
      {with({{"url", "http://x.test:65536/h"}}), 422, "url", bad_url + "its port must be a number from 1 to 65535"},
      {with({{"url", "http://" + host254 + "/h"}}), 422, "url", bad_url + "its host is longer than 253 bytes"},
      {with({{"url", "http://x.test/" + std::string(3000, 'a')}}), 422, "url",
       bad_url + "it is longer than 2048 bytes"},
      {with({{"url", "http://" + std::string(10000, 'a') + "/h"}}), 422, "url",
       bad_url + "it is longer than 2048 bytes"},
      // What crashed the server (issue 10): a 40,000-byte URL, a 20,000-byte
      // host, a 100 KB event name. Longer than any string a body may hold
      // (--max-string-bytes, http/body.cpp), so that message comes first.
      {with({{"url", "http://x.test/" + std::string(40000, 'a')}}), 422, "url", ""},
      {with({{"url", "http://" + std::string(20000, 'a') + "/h"}}), 422, "url", ""},
      {with({{"enabled_events", Json::array()}}), 422, "enabled_events",
       "Parameter `enabled_events` must be a non-empty array"},
      {with({{"enabled_events", "run.created"}}), 422, "enabled_events",
       "Parameter `enabled_events` must be a non-empty array"},
      {with({{"enabled_events", {"run.completed", "Completed!"}}}), 422, "enabled_events",
       "Parameter `enabled_events[1]" + bad_event},
      {with({{"enabled_events", {"business.updated"}}}), 422, "enabled_events",
       "Parameter `enabled_events[0]" + bad_event},
      {with({{"enabled_events", {std::string(100000, 'e')}}}), 422, "enabled_events", ""},
      {with({{"enabled_events", {std::string(10000, 'e')}}}), 422, "enabled_events",
       "Parameter `enabled_events[0]" + bad_event},
      {with({{"enabled_events", Json(std::vector<std::string>(17, "run.created"))}}), 422, "enabled_events",
       "Parameter `enabled_events` must have at most 16 entries"},
      {with({{"secret", ""}}), 422, "secret", "Parameter `secret` must be a non-empty string"},
      {with({{"secret", std::string(257, 's')}}), 422, "secret", "Parameter `secret` must be at most 256 bytes"},
      {with({{"secret", "a\nb"}}), 422, "secret", "Parameter `secret` must not contain control characters"},
      {with({{"include", std::string(257, 'i')}}), 422, "include", "Parameter `include` must be at most 256 bytes"},
      {with({{"include", "steps;drop"}}), 422, "include",
       "Parameter `include` must be \"*\" or a comma-separated list of names such as steps or identifiers"},
      {with({{"include", "steps,"}}), 422, "include",
       "Parameter `include` must be \"*\" or a comma-separated list of names such as steps or identifiers"},
      {with({{"oidc_auth_method", "magic"}}), 422, "oidc_auth_method",
       "Parameter `oidc_auth_method` must be private_key_jwt or client_secret"},
      {with({{"oidc_client_id", "c"}}), 422, "oidc_auth_method",
       "Parameter `oidc_auth_method` is required with the other oidc_ settings"},
      {with({{"oidc_auth_method", "client_secret"},
             {"oidc_client_id", "c"},
             {"oidc_token_endpoint", "https://idp.test/t"},
             {"oidc_access_token_ttl_seconds", 60}}),
       422, "oidc_client_secret", "Parameter `oidc_client_secret` is required with oidc_auth_method client_secret"},
      {with({{"oidc_client_id", std::string(2049, 'c')}}), 422, "oidc_client_id",
       "Parameter `oidc_client_id` must be at most 2048 bytes"},
      {with({{"oidc_scope", "a\tb"}}), 422, "oidc_scope", "Parameter `oidc_scope` must not contain control characters"},
      {with({{"oidc_access_token_ttl_seconds", 0}}), 422, "oidc_access_token_ttl_seconds",
       "Parameter `oidc_access_token_ttl_seconds` must be an integer from 1 to 31622400"},
      {with({{"oidc_access_token_ttl_seconds", 1e20}}), 422, "oidc_access_token_ttl_seconds",
       "Parameter `oidc_access_token_ttl_seconds` must be an integer from 1 to 31622400"},
  };
  for (const auto& c : cases) {
    INFO(c.body.dump().substr(0, 200));
    HttpResponse r = CreateHook(sb, c.body);
    CHECK(r.status == c.status);
    CHECK(r.json["errors"][0]["parameter"] == c.parameter);
    if (!c.message.empty()) CHECK(r.json["errors"][0]["message"] == c.message);
  }
  // Not even a JSON object: still the contract's 422 (it declares no 400).
  CHECK_STATUS(sb.Post("/v1/webhooks", "[1]"), 422);
  CHECK_STATUS(sb.Post("/v1/webhooks", "{\"url\":"), 422);
  HttpResponse ok = CreateHook(sb, {{"url", "http://x.test/h"}, {"enabled_events", {"*"}}});
  REQUIRE_STATUS(ok, 201);
  const std::string path = "/v1/webhooks/" + ok.json["id"].get<std::string>();
  const std::vector<std::pair<std::string, std::string>> puts = {
      {R"({"disabled_at":"yesterday"})", "disabled_at"},
      {Json{{"disabled_at", "2026-01-01T00:00:00." + std::string(100, '0') + "Z"}}.dump(), "disabled_at"},
      {R"({"url":"nope"})", "url"},
      {Json{{"url", "http://" + std::string(20000, 'a') + "/h"}}.dump(), "url"},
      {R"({"enabled_events":["run.started"]})", "enabled_events"},
      {Json{{"secret", std::string(300, 's')}}.dump(), "secret"},
      {R"({"include":""})", "include"},
      {R"({"url":)", "body"},  // malformed: 422 too
  };
  for (const auto& [body, parameter] : puts) {
    INFO(body.substr(0, 200));
    HttpResponse r = Send(sb, "PUT", path, body);
    CHECK(r.status == 422);
    CHECK(r.json["errors"][0]["parameter"] == parameter);
  }
  CHECK(sb.Get(path).json["url"] == "http://x.test/h");  // nothing half-written
  CHECK(sb.Get("/v1/webhooks").json["total_count"] == 1);
  CHECK(Deliveries(sb).empty());
  CHECK_STATUS(sb.Get("/_sandbox/health"), 200);
}

TEST_CASE("webhooks: the secret is returned by POST only, PUT replaces it and the next body is signed with it",
          "[http]") {
  Receiver receiver;
  SandboxProcess sb;
  HttpResponse given =
      CreateHook(sb, {{"url", receiver.Url()}, {"enabled_events", {"run.created"}}, {"secret", "one"}});
  REQUIRE_STATUS(given, 201);
  CHECK(given.json["secret"] == "one");
  const std::string path = "/v1/webhooks/" + given.json["id"].get<std::string>();
  CHECK_FALSE(sb.Get(path).json.contains("secret"));
  CHECK_FALSE(sb.Get("/v1/webhooks").json["data"][0].contains("secret"));
  HttpResponse changed = Send(sb, "PUT", path, R"({"secret":"two"})");
  REQUIRE_STATUS(changed, 200);
  CHECK_FALSE(changed.json.contains("secret"));
  REQUIRE_STATUS(sb.Post("/v1/runs", Json{{"type", "address_verification"}, {"business_id", kBusiness}}.dump()), 201);
  auto got = receiver.WaitFor(1);
  REQUIRE(got.size() == 1);
  CHECK(got[0].signature == sandbox::webhooks::SignatureHex("two", got[0].body));
  // The control API shows the header the body went with (the dashboard does).
  Json shown = DeliveriesOnce(sb, [](const Json& all) { return all.size() == 1 && all[0]["status"] == "delivered"; });
  REQUIRE(shown.size() == 1);
  CHECK(shown[0]["body"] == got[0].body);
  CHECK(shown[0]["signature"] == Json{{"header", "X-Middesk-Signature-256"}, {"value", got[0].signature}});
}

TEST_CASE("webhooks: a run's lifecycle reaches a real endpoint, signed, with the run as it then stood", "[http]") {
  Receiver receiver;
  SandboxProcess sb;
  REQUIRE_STATUS(CreateHook(sb, {{"url", receiver.Url()}, {"enabled_events", {"*"}}, {"secret", "s3cret"}}), 201);
  REQUIRE_STATUS(CreateHook(sb, {{"url", receiver.Url("/ids")},
                                 {"enabled_events", {"run.interrupted"}},
                                 {"secret", "other"},
                                 {"include", "identifiers"}}),
                 201);
  HttpResponse run = sb.Post("/v1/runs", Json{{"type", "cip_orchestrator"}, {"business_id", kBusiness}}.dump());
  REQUIRE_STATUS(run, 201);
  const std::string run_id = run.json["id"];
  auto got = receiver.WaitFor(3);  // run.created, and run.interrupted to both endpoints
  REQUIRE(got.size() == 3);
  const std::string interrupt_id = sb.Get("/v1/runs/" + run_id).json["interrupts"][0]["id"];
  REQUIRE_STATUS(sb.Post("/v1/runs/" + run_id + "/resume",
                         Json{{"interrupt_id", interrupt_id}, {"input", {{"decision", "approve"}}}}.dump()),
                 200);
  got = receiver.WaitFor(4);
  REQUIRE(got.size() == 4);

  std::vector<std::string> full, identifiers;
  for (const auto& r : got) {
    Json body = Json::parse(r.body);
    CHECK(r.content_type == "application/json");
    CHECK(r.correlation_id == run_id);
    CHECK(r.signature == sandbox::webhooks::SignatureHex(r.path == "/hooks" ? "s3cret" : "other", r.body));
    CHECK(body["object"] == "event");
    CHECK(body["data"]["object"]["id"] == run_id);
    (r.path == "/hooks" ? full : identifiers).push_back(body["type"]);
  }
  CHECK(full == std::vector<std::string>{"run.created", "run.interrupted", "run.completed"});
  CHECK(identifiers == std::vector<std::string>{"run.interrupted"});

  std::map<std::string, Json> by_type;
  for (const auto& r : got) {
    if (r.path == "/hooks") by_type[Json::parse(r.body)["type"]] = Json::parse(r.body);
  }
  CHECK(by_type["run.created"]["data"]["object"]["status"] == "running");
  CHECK(by_type["run.created"]["data"]["object"]["steps"] == Json::array());
  CHECK(by_type["run.created"]["created_at"] == "2026-01-01T00:00:00.000Z");
  const Json& paused = by_type["run.interrupted"]["data"]["object"];
  CHECK(paused["status"] == "interrupted");
  CHECK(paused["interrupts"][0]["id"] == interrupt_id);
  CHECK(by_type["run.interrupted"]["created_at"] == "2026-01-01T00:00:13.500Z");
  // The completed run inside is the run as GET ?include=steps shows it now.
  CHECK(by_type["run.completed"]["data"]["object"] == sb.Get("/v1/runs/" + run_id + "?include=steps").json);
  for (const auto& r : got) {
    if (r.path != "/ids") continue;
    const Json body = Json::parse(r.body);
    const Json& run_ids = body["data"]["object"];
    CHECK(run_ids["status"] == "interrupted");
    CHECK_FALSE(run_ids.contains("steps"));
    CHECK_FALSE(run_ids.contains("interrupts"));
    CHECK_FALSE(run_ids.contains("requester"));
  }
  // The event id is the same for every endpoint.
  Json deliveries = SettledDeliveries(sb, 4);
  REQUIRE(deliveries.size() == 4);
  CHECK(Json::parse(deliveries[1]["body"].get<std::string>())["id"] ==
        Json::parse(deliveries[2]["body"].get<std::string>())["id"]);
  for (const auto& d : deliveries) CHECK(d["status"] == "delivered");
}

TEST_CASE("webhooks: a failing endpoint is retried as the manual clock passes the backoff", "[http]") {
  Receiver receiver;
  receiver.Answer(500);
  SandboxProcess sb({{"--clock", "manual"}});
  REQUIRE_STATUS(CreateHook(sb, {{"url", receiver.Url()}, {"enabled_events", {"run.created"}}}), 201);
  REQUIRE_STATUS(sb.Post("/v1/runs", Json{{"type", "address_verification"}, {"business_id", kBusiness}}.dump()), 201);
  REQUIRE(receiver.WaitFor(1).size() == 1);
  Json d = SettledDeliveries(sb, 1).at(0);
  REQUIRE(d["attempts"].size() == 1);
  CHECK(d["status"] == "pending");
  CHECK(d["attempts"][0]["status_code"] == 500);
  CHECK(d["attempts"][0]["error"] == "HTTP 500");
  CHECK(d["next_attempt_at"] == "2026-01-01T00:00:30.000Z");

  receiver.Answer(200);
  REQUIRE_STATUS(sb.Post("/_sandbox/clock/advance", R"({"by":"30s"})"), 200);
  auto got = receiver.WaitFor(2);
  REQUIRE(got.size() == 2);
  CHECK(got[0].body == got[1].body);
  CHECK(got[0].signature == got[1].signature);
  d = SettledDeliveries(sb, 2).at(0);
  CHECK(d["status"] == "delivered");
  CHECK(d["attempts"][1]["at"] == "2026-01-01T00:00:30.000Z");
  CHECK(d["next_attempt_at"].is_null());
  // The failed attempt is logged (at warn) by what identifies it, never by its URL.
  const std::string err = sb.Stderr();
  CHECK(err.find("webhook delivery failed webhook=" + d["webhook_id"].get<std::string>() + " run=" +
                 d["run_id"].get<std::string>() + " event=run.created attempt=1 status=500 error=\"HTTP 500\"\n") !=
        std::string::npos);
  CHECK(err.find(receiver.Url()) == std::string::npos);
}

TEST_CASE("webhooks: the same seed and requests give the same deliveries, byte for byte", "[http]") {
  Receiver receiver;
  std::vector<Json> runs;
  for (int i = 0; i < 2; ++i) {
    SandboxProcess sb({{"--seed", "42"}});
    REQUIRE_STATUS(CreateHook(sb, {{"url", receiver.Url()}, {"enabled_events", {"*"}}}), 201);
    REQUIRE_STATUS(sb.Post("/v1/runs", Json{{"type", "address_verification"}, {"business_id", kBusiness}}.dump()), 201);
    receiver.WaitFor(2 * (i + 1));
    Json bodies = Json::array();
    for (const auto& d : SettledDeliveries(sb, 2)) bodies.push_back(d["body"]);
    runs.push_back(bodies);
  }
  REQUIRE(runs[0].size() == 2);
  CHECK(runs[0] == runs[1]);
}

TEST_CASE("webhooks: a delivery still pending when the sandbox stops goes out after the restart", "[http]") {
  Receiver receiver;
  receiver.Answer(503);
  sandbox::testing::TempDir dir;
  const std::string db = dir.File("sandbox.db");
  {
    SandboxProcess sb(SandboxOptions{.args = {"--clock", "manual"}, .db = db});
    REQUIRE_STATUS(CreateHook(sb, {{"url", receiver.Url()}, {"enabled_events", {"run.created"}}}), 201);
    REQUIRE_STATUS(sb.Post("/v1/runs", Json{{"type", "address_verification"}, {"business_id", kBusiness}}.dump()), 201);
    REQUIRE(receiver.WaitFor(1).size() == 1);
    REQUIRE(SettledDeliveries(sb, 1).at(0)["attempts"].size() == 1);
    CHECK(sb.Stop() == 0);
  }
  receiver.Answer(200);
  SandboxProcess again(SandboxOptions{.args = {"--clock", "manual"}, .db = db});
  REQUIRE_STATUS(again.Post("/_sandbox/clock/advance", R"({"by":"30s"})"), 200);
  auto got = receiver.WaitFor(2);
  REQUIRE(got.size() == 2);
  CHECK(got[0].body == got[1].body);
  Json d = SettledDeliveries(again, 2).at(0);
  CHECK(d["status"] == "delivered");
  CHECK(d["attempts"].size() == 2);
}

TEST_CASE("webhooks: receivers that hang, reset, redirect or dawdle hold up neither a healthy one nor the shutdown",
          "[http]") {
  Receiver healthy;
  RawReceiver hanging([](RawReceiver& self, int fd) {
    if (self.ReadRequest(fd)) self.Hold();  // until the test ends
  });
  RawReceiver resetting([](RawReceiver& self, int fd) {
    if (self.ReadRequest(fd)) RawReceiver::Reset(fd);
  });
  const std::string elsewhere = healthy.Url("/redirected");
  RawReceiver redirecting([elsewhere](RawReceiver& self, int fd) {
    if (self.ReadRequest(fd)) {
      RawReceiver::SendAll(
          fd, "HTTP/1.1 307 Temporary Redirect\r\nLocation: " + elsewhere + "\r\nContent-Length: 0\r\n\r\n");
    }
  });
  // Answers only once the test has seen the healthy receiver served.
  RawReceiver slow([](RawReceiver& self, int fd) {
    if (self.ReadRequest(fd) && self.Hold()) {
      RawReceiver::SendAll(fd, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    }
  });
  SandboxProcess sb;
  // The misbehaving ones first: a single sender would reach them first.
  std::map<std::string, std::string> ids;
  for (const auto& [name, url] : std::vector<std::pair<std::string, std::string>>{{"hanging", hanging.Url()},
                                                                                  {"resetting", resetting.Url()},
                                                                                  {"redirecting", redirecting.Url()},
                                                                                  {"slow", slow.Url()},
                                                                                  {"healthy", healthy.Url()}}) {
    HttpResponse created = CreateHook(sb, {{"url", url}, {"enabled_events", {"*"}}});
    REQUIRE_STATUS(created, 201);
    ids[name] = created.json["id"];
  }
  REQUIRE_STATUS(sb.Post("/v1/runs", Json{{"type", "address_verification"}, {"business_id", kBusiness}}.dump()), 201);

  // run.created and run.completed reach the healthy receiver, in order...
  auto got = healthy.WaitFor(2);
  REQUIRE(got.size() == 2);
  CHECK(Json::parse(got[0].body)["type"] == "run.created");
  CHECK(Json::parse(got[1].body)["type"] == "run.completed");
  // ...while the hanging and the slow one hold their first request (the
  // slow one answers only after this).
  CHECK(hanging.WaitForHolding(1));
  CHECK(slow.WaitForHolding(1));
  slow.Release();

  Json all = DeliveriesOnce(sb, [&](const Json& a) {
    auto settled = [&](const std::string& name, size_t attempts) {
      size_t n = 0;
      for (const auto& d : DeliveriesTo(a, ids[name])) n += d["attempts"].size();
      return n >= attempts;
    };
    return settled("resetting", 2) && settled("redirecting", 2) && settled("slow", 2) && settled("healthy", 2);
  });
  for (const auto& d : DeliveriesTo(all, ids["healthy"])) CHECK(d["status"] == "delivered");
  for (const auto& d : DeliveriesTo(all, ids["slow"])) CHECK(d["status"] == "delivered");
  for (const auto& d : DeliveriesTo(all, ids["redirecting"])) {
    CHECK(d["status"] == "pending");  // retried later, like any failure
    CHECK(d["attempts"][0]["status_code"] == 307);
    CHECK(d["attempts"][0]["error"] == "HTTP 307 (redirects are not followed)");
  }
  for (const auto& d : DeliveriesTo(all, ids["resetting"])) {
    CHECK(d["status"] == "pending");
    CHECK(d["attempts"][0]["status_code"].is_null());
    CHECK(d["attempts"][0]["error"] == "reading the answer failed: Connection reset by peer");
  }
  for (const auto& r : healthy.WaitFor(2)) CHECK(r.path == "/hooks");  // nothing followed the redirect

  // SIGTERM while a receiver hangs: the process ends by itself, cleanly.
  // Generous bound; the abort makes it immediate.
  CHECK(sb.Stop(std::chrono::seconds(5)) == 0);
}

TEST_CASE("webhooks: URLs stored before they were checked fail their deliveries, the server keeps running", "[http]") {
  sandbox::testing::TempDir dir;
  const std::string db = dir.File("sandbox.db");
  std::vector<std::string> ids;
  {
    SandboxProcess sb(SandboxOptions{.args = {"--clock", "manual"}, .db = db});
    for (int i = 0; i < 3; ++i) {
      // Port 9: nobody answers, so the first attempts fail and stay pending.
      HttpResponse created = CreateHook(sb, {{"url", "http://127.0.0.1:9/h"}, {"enabled_events", {"run.created"}}});
      REQUIRE_STATUS(created, 201);
      ids.push_back(created.json["id"]);
    }
    REQUIRE_STATUS(sb.Post("/v1/runs", Json{{"type", "address_verification"}, {"business_id", kBusiness}}.dump()), 201);
    DeliveriesOnce(sb, [](const Json& a) {
      size_t n = 0;
      for (const auto& d : a) n += d["attempts"].size();
      return n >= 3;
    });
    CHECK(sb.Stop() == 0);
  }
  // What the server accepted before issue 10, written straight into the file,
  // with the pending retries brought due.
  const std::vector<std::pair<std::string, std::string>> stored = {
      {"http://" + std::string(20000, 'a') + "/h", "invalid URL: its host is longer than 253 bytes"},
      {"http://x.test/" + std::string(70000, 'p'), "invalid URL: it is longer than 65536 bytes"},
      {"http://127.0.0.1:9/a b\r\nX: y",
       "invalid URL: it must not contain whitespace, control characters or "
       "non-ASCII bytes (percent-encode them)"},
  };
  {
    sqlite3* conn = nullptr;
    REQUIRE(sqlite3_open(db.c_str(), &conn) == SQLITE_OK);
    for (size_t i = 0; i < ids.size(); ++i) {
      sqlite3_stmt* q = nullptr;
      REQUIRE(sqlite3_prepare_v2(conn, "UPDATE webhooks SET url = ?1 WHERE id = ?2", -1, &q, nullptr) == SQLITE_OK);
      sqlite3_bind_text(q, 1, stored[i].first.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(q, 2, ids[i].c_str(), -1, SQLITE_TRANSIENT);
      CHECK(sqlite3_step(q) == SQLITE_DONE);
      sqlite3_finalize(q);
    }
    REQUIRE(sqlite3_exec(conn, "UPDATE webhook_deliveries SET next_attempt_at = created_at WHERE status = 'pending'",
                         nullptr, nullptr, nullptr) == SQLITE_OK);
    CHECK(sqlite3_changes(conn) == 3);
    sqlite3_close(conn);
  }
  for (int start = 0; start < 2; ++start) {  // and again: no crash loop
    INFO("start " << start);
    SandboxProcess sb(SandboxOptions{.args = {"--clock", "manual"}, .db = db});
    // The second start also finds the deliveries of the run the first one made.
    Json all = DeliveriesOnce(sb, [](const Json& a) {
      for (const auto& d : a) {
        if (d["status"] != "failed") return false;
      }
      return a.size() >= 3;
    });
    for (size_t i = 0; i < ids.size(); ++i) {
      Json d = DeliveriesTo(all, ids[i]).at(0);
      CHECK(d["status"] == "failed");
      CHECK(d["next_attempt_at"].is_null());
      REQUIRE(d["attempts"].size() == 2);
      CHECK(d["attempts"][1]["error"] == stored[i].second);
    }
    CHECK_STATUS(sb.Get("/v1/webhooks"), 200);
    CHECK_STATUS(sb.Get("/_sandbox/health"), 200);
    REQUIRE_STATUS(sb.Post("/v1/runs", Json{{"type", "address_verification"}, {"business_id", kBusiness}}.dump()), 201);
    CHECK(sb.Stop() == 0);
  }
}

TEST_CASE("webhooks: the deliveries list is paged by a cursor, oldest or newest first", "[http]") {
  Receiver receiver;
  SandboxProcess sb;
  HttpResponse created = CreateHook(sb, {{"url", receiver.Url()}, {"enabled_events", {"*"}}});
  REQUIRE_STATUS(created, 201);
  REQUIRE_STATUS(CreateHook(sb, {{"url", receiver.Url("/other")}, {"enabled_events", {"run.created"}}}), 201);
  for (int i = 0; i < 3; ++i) {
    REQUIRE_STATUS(sb.Post("/v1/runs", Json{{"type", "address_verification"}, {"business_id", kBusiness}}.dump()), 201);
  }
  receiver.WaitFor(9);
  const Json all = SettledDeliveries(sb, 9);
  REQUIRE(all.size() == 9);

  for (const char* order : {"asc", "desc"}) {
    INFO(order);
    Json seen = Json::array();
    std::string query = std::string("?limit=4&order=") + order;
    for (int page = 0; page < 5; ++page) {
      HttpResponse r = sb.Get("/_sandbox/webhooks/deliveries" + query);
      REQUIRE_STATUS(r, 200);
      CHECK(r.json["total"] == 9);
      for (const auto& d : r.json["deliveries"]) seen.push_back(d);
      if (r.json["next_cursor"].is_null()) {
        CHECK(r.json["has_more"] == false);
        break;
      }
      CHECK(r.json["has_more"] == true);
      CHECK(r.json["deliveries"].size() == 4);
      query = std::string("?limit=4&order=") + order + "&cursor=" + r.json["next_cursor"].get<std::string>();
    }
    Json expected = all;
    if (std::string(order) == "desc") std::reverse(expected.begin(), expected.end());
    CHECK(seen == expected);
  }
  // The default page, and one webhook's deliveries only.
  HttpResponse first = sb.Get("/_sandbox/webhooks/deliveries");
  CHECK(first.json["deliveries"].size() == 9);  // under the default limit (50)
  HttpResponse one = sb.Get("/_sandbox/webhooks/deliveries?webhook_id=" + created.json["id"].get<std::string>());
  CHECK(one.json["total"] == 6);
  for (const auto& d : one.json["deliveries"]) CHECK(d["webhook_id"] == created.json["id"]);
  // What the dashboard asks for.
  HttpResponse newest = sb.Get("/_sandbox/webhooks/deliveries?order=desc&limit=100");
  CHECK(newest.json["deliveries"][0] == all[8]);

  for (const auto& [query, parameter] :
       std::vector<std::pair<std::string, std::string>>{{"limit=0", "limit"},
                                                        {"limit=201", "limit"},
                                                        {"limit=ten", "limit"},
                                                        {"limit=-5", "limit"},
                                                        {"order=up", "order"},
                                                        {"cursor=abc", "cursor"},
                                                        {"cursor=1.2.3", "cursor"},
                                                        {"cursor=" + std::string(200, '1'), "cursor"}}) {
    INFO(query);
    HttpResponse r = sb.Get("/_sandbox/webhooks/deliveries?" + query);
    CHECK(r.status == 422);
    CHECK(r.json["errors"][0]["parameter"] == parameter);
  }
}

TEST_CASE("webhooks: endpoints of one event share its body, a reset's reused run ids get bodies of their own",
          "[http]") {
  Receiver receiver;
  SandboxProcess sb;
  for (const char* path : {"/a", "/b"}) {
    REQUIRE_STATUS(CreateHook(sb, {{"url", receiver.Url(path)}, {"enabled_events", {"run.created"}}, {"secret", "s"}}),
                   201);
  }
  REQUIRE_STATUS(CreateHook(sb, {{"url", receiver.Url("/ids")},
                                 {"enabled_events", {"run.created"}},
                                 {"secret", "s"},
                                 {"include", "identifiers"}}),
                 201);
  HttpResponse first = sb.Post("/v1/runs", Json{{"type", "cip_orchestrator"}, {"business_id", kBusiness}}.dump());
  REQUIRE_STATUS(first, 201);
  auto got = receiver.WaitFor(3);
  REQUIRE(got.size() == 3);
  std::map<std::string, std::string> body_at;
  for (const auto& r : got) body_at[r.path] = r.body;
  CHECK(body_at["/a"] == body_at["/b"]);
  CHECK(Json::parse(body_at["/a"])["data"]["object"].contains("interrupts"));
  CHECK_FALSE(Json::parse(body_at["/ids"])["data"]["object"].contains("interrupts"));

  // After a reset the same seed gives the next run the same id: its body
  // must be its own, not the one rendered for the run before the reset.
  REQUIRE_STATUS(sb.Post("/_sandbox/reset", ""), 200);
  REQUIRE_STATUS(CreateHook(sb, {{"url", receiver.Url("/after")}, {"enabled_events", {"run.created"}}, {"secret", "s"}}),
                 201);
  HttpResponse second =
      sb.Post("/v1/runs", Json{{"type", "address_verification"}, {"business_id", kBusiness}}.dump());
  REQUIRE_STATUS(second, 201);
  REQUIRE(second.json["id"] == first.json["id"]);
  got = receiver.WaitFor(4);
  REQUIRE(got.size() == 4);
  const Json after = Json::parse(got.back().body);
  CHECK(got.back().path == "/after");
  CHECK(after["data"]["object"]["agent"] == "address_verification");
  CHECK(after["id"] == Json::parse(body_at["/a"])["id"]);
}

}  // namespace http_webhooks_test
