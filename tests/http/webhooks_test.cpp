// Middesk webhooks against the real binary: /v1/webhooks registration and its
// errors, and run lifecycle notifications reaching a real endpoint on
// loopback (a cpp-httplib server in this process), signed, retried as the
// clock passes the backoff, and the same bytes for the same seed.
#include <catch2/catch.hpp>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "support/sandbox_process.h"
#include "webhooks/signature.h"

using sandbox::testing::AuthHeaders;
using sandbox::testing::HttpResponse;
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
  HttpResponse r = sb.Get("/_sandbox/webhooks/deliveries", {});
  REQUIRE(r.status == 200);
  return r.json.at("deliveries");
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

  HttpResponse got = sb.Get("/v1/webhooks/" + id);
  REQUIRE_STATUS(got, 200);
  CHECK(got.body == created.body);
  HttpResponse list = sb.Get("/v1/webhooks?per_page=1");
  REQUIRE_STATUS(list, 200);
  CHECK(list.json["total_count"] == 2);
  CHECK(list.json["has_more"] == true);
  CHECK(list.json["data"][0]["id"] == second.json["id"]);  // newest first

  HttpResponse disabled = Send(sb, "PUT", "/v1/webhooks/" + id,
                               R"({"disabled_at":"2026-01-01T00:00:00Z","enabled_events":["run.created"]})");
  REQUIRE_STATUS(disabled, 200);
  CHECK(disabled.json["disabled_at"] == "2026-01-01T00:00:00.000Z");
  CHECK(disabled.json["enabled_events"] == Json::array({"run.created"}));
  CHECK(disabled.json["url"] == "https://example.test/hooks?x=1");  // untouched
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

TEST_CASE("webhooks: bad registrations are refused in the Middesk error shape", "[http]") {
  SandboxProcess sb;
  struct Case {
    Json body;
    int status;
    const char* message;
  };
  std::vector<Case> cases = {
      {{{"enabled_events", {"*"}}}, 400, "Parameter `url` is missing"},
      {{{"url", "http://x.test/h"}}, 400, "Parameter `enabled_events` is missing"},
      {{{"url", "ftp://x.test/h"}, {"enabled_events", {"*"}}}, 422, "Parameter `url` must be an http or https URL"},
      {{{"url", "http:///h"}, {"enabled_events", {"*"}}}, 422, "Parameter `url` must be an http or https URL"},
      {{{"url", 5}, {"enabled_events", {"*"}}}, 422, "Parameter `url` must be an http or https URL"},
      {{{"url", "http://x.test/h"}, {"enabled_events", Json::array()}}, 422,
       "Parameter `enabled_events` must be a non-empty array"},
      {{{"url", "http://x.test/h"}, {"enabled_events", {"run.completed", "Completed!"}}}, 422,
       "Parameter `enabled_events[1]` must be an event type such as run.completed, or \"*\""},
      {{{"url", "http://x.test/h"}, {"enabled_events", {"*"}}, {"secret", ""}}, 422,
       "Parameter `secret` must be a non-empty string"},
      {{{"url", "http://x.test/h"}, {"enabled_events", {"*"}}, {"oidc_auth_method", "magic"}}, 422,
       "Parameter `oidc_auth_method` must be private_key_jwt or client_secret"},
      {{{"url", "http://x.test/h"}, {"enabled_events", {"*"}}, {"oidc_client_id", "c"}}, 422,
       "Parameter `oidc_auth_method` is required with the other oidc_ settings"},
      {{{"url", "http://x.test/h"},
        {"enabled_events", {"*"}},
        {"oidc_auth_method", "client_secret"},
        {"oidc_client_id", "c"},
        {"oidc_token_endpoint", "https://idp.test/t"},
        {"oidc_access_token_ttl_seconds", 60}},
       422, "Parameter `oidc_client_secret` is required with oidc_auth_method client_secret"},
  };
  for (const auto& c : cases) {
    INFO(c.body.dump());
    HttpResponse r = CreateHook(sb, c.body);
    CHECK(r.status == c.status);
    CHECK(r.json["errors"][0]["message"] == c.message);
  }
  CHECK_STATUS(sb.Post("/v1/webhooks", "[1]"), 400);
  HttpResponse ok = CreateHook(sb, {{"url", "http://x.test/h"}, {"enabled_events", {"*"}}});
  REQUIRE_STATUS(ok, 201);
  const std::string path = "/v1/webhooks/" + ok.json["id"].get<std::string>();
  CHECK_STATUS(Send(sb, "PUT", path, R"({"disabled_at":"yesterday"})"), 422);
  CHECK_STATUS(Send(sb, "PUT", path, R"({"url":"nope"})"), 422);
  CHECK(sb.Get("/v1/webhooks").json["total_count"] == 1);  // nothing half-written
  CHECK(Deliveries(sb).empty());
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
  REQUIRE_STATUS(sb.Post("/_sandbox/clock/advance", R"({"by":"30s"})", {}), 200);
  auto got = receiver.WaitFor(2);
  REQUIRE(got.size() == 2);
  CHECK(got[0].body == got[1].body);
  CHECK(got[0].signature == got[1].signature);
  d = SettledDeliveries(sb, 2).at(0);
  CHECK(d["status"] == "delivered");
  CHECK(d["attempts"][1]["at"] == "2026-01-01T00:00:30.000Z");
  CHECK(d["next_attempt_at"].is_null());
}

TEST_CASE("webhooks: the same seed and requests give the same deliveries, byte for byte", "[http]") {
  Receiver receiver;
  std::vector<Json> runs;
  for (int i = 0; i < 2; ++i) {
    SandboxProcess sb({{"--seed", "42"}});
    REQUIRE_STATUS(CreateHook(sb, {{"url", receiver.Url()}, {"enabled_events", {"*"}}}), 201);
    REQUIRE_STATUS(sb.Post("/v1/runs", Json{{"type", "address_verification"}, {"business_id", kBusiness}}.dump()),
                   201);
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
    REQUIRE_STATUS(sb.Post("/v1/runs", Json{{"type", "address_verification"}, {"business_id", kBusiness}}.dump()),
                   201);
    REQUIRE(receiver.WaitFor(1).size() == 1);
    REQUIRE(SettledDeliveries(sb, 1).at(0)["attempts"].size() == 1);
    CHECK(sb.Stop() == 0);
  }
  receiver.Answer(200);
  SandboxProcess again(SandboxOptions{.args = {"--clock", "manual"}, .db = db});
  REQUIRE_STATUS(again.Post("/_sandbox/clock/advance", R"({"by":"30s"})", {}), 200);
  auto got = receiver.WaitFor(2);
  REQUIRE(got.size() == 2);
  CHECK(got[0].body == got[1].body);
  Json d = SettledDeliveries(again, 2).at(0);
  CHECK(d["status"] == "delivered");
  CHECK(d["attempts"].size() == 2);
}
