// Webhook delivery: the signature, the retry schedule, and the dispatcher
// sending what the outbox holds, retrying on the namespace's clock with the
// same bytes, and stopping for a disabled endpoint. The network is a fake
// Sender here; tests/http/webhooks_test.cpp uses a real receiver.
#include <catch2/catch.hpp>

#include "engine/namespaces.h"
#include "script/loader.h"
#include "webhooks/dispatcher.h"
#include "webhooks/signature.h"

using namespace sandbox;

namespace {

constexpr Instant kStart = 1767225600000;  // 2026-01-01T00:00:00Z

const char* kFixture = R"({"agents":[{"type":"kyb","name":"KYB","description":"d","scenarios":[
  {"name":"default","steps":[{"name":"work","label":"Work","duration":"2s"}]}]}]})";

struct Sandbox {
  Sandbox() {
    auto s = store::Store::Open(":memory:");
    REQUIRE(s.ok());
    store = std::move(s).value();
    auto set = script::ParseFixtureText(kFixture, "t.json", IdGenerator(0));
    REQUIRE(set.ok());
    spaces = std::make_unique<engine::Namespaces>(
        *store, [] { return std::make_unique<SteppedClock>(ClockMode::kManual, kStart); }, 0,
        std::make_shared<const script::FixtureSet>(std::move(set).value()));
    REQUIRE(spaces->Start().ok());
  }
  ~Sandbox() { spaces->Stop(); }

  engine::Engine& engine() { return spaces->Default(); }

  Webhook Hook(Json events = Json::array({"*"})) {
    engine::WebhookSpec spec;
    spec.url = "http://127.0.0.1:9/hooks";
    spec.secret = "s3cret";
    spec.enabled_events = std::move(events);
    auto w = engine().CreateWebhook(spec);
    REQUIRE(w.ok());
    return w.value();
  }

  std::string Run() {
    engine::CreateRunCommand cmd;
    cmd.request = Json::object();
    cmd.agent_type = "kyb";
    auto r = engine().CreateRun(cmd);
    REQUIRE(r.ok());
    return r->run.id;
  }

  std::vector<WebhookDelivery> Deliveries() {
    auto d = engine().store().WebhookDeliveries(std::nullopt);
    REQUIRE(d.ok());
    return d.value();
  }

  std::unique_ptr<store::Store> store;
  std::unique_ptr<engine::Namespaces> spaces;
};

struct Sent {
  std::string url, body;
  httplib::Headers headers;
};

// The body names the event type and the run; enough to tell deliveries apart.
Result<std::string> FakeRender(engine::Engine&, const Webhook& w, const WebhookDelivery& d) {
  return Json{{"type", d.event_type}, {"run", d.run_id}, {"seq", d.seq}, {"to", w.id}}.dump();
}

}  // namespace

TEST_CASE("the signature is HMAC-SHA256 of the body in lower-case hex (RFC 4231 case 2)", "[webhooks]") {
  CHECK(webhooks::SignatureHex("Jefe", "what do ya want for nothing?") ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("a failed delivery is retried 10 times over about three days", "[webhooks]") {
  int64_t total = 0;
  int retries = 0;
  for (int64_t n = 1; webhooks::RetryDelayMs(n); ++n) {
    total += *webhooks::RetryDelayMs(n);
    ++retries;
  }
  CHECK(retries == 10);
  CHECK(*webhooks::RetryDelayMs(1) == 30000);
  CHECK(total == ((70 * 60 + 21) * 60 + 30) * 1000);
  CHECK_FALSE(webhooks::RetryDelayMs(0));
}

TEST_CASE("the dispatcher sends each lifecycle event to each subscribed endpoint, signed", "[webhooks]") {
  Sandbox sb;
  Webhook all = sb.Hook();
  Webhook completed_only = sb.Hook(Json::array({"run.completed"}));
  sb.Hook(Json::array({"business.updated"}));  // subscribed to nothing the sandbox sends
  std::string run = sb.Run();
  std::vector<Sent> sent;
  webhooks::Dispatcher d(*sb.spaces, FakeRender, [&](const std::string& url, const std::string& body,
                                                     const httplib::Headers& h) {
    sent.push_back({url, body, h});
    return webhooks::Outcome{200, std::nullopt};
  });
  REQUIRE(d.RunOnce().ok());
  REQUIRE(sent.size() == 1);  // run.created; the run completes only when the manual clock moves
  CHECK(Json::parse(sent[0].body)["type"] == "run.created");
  CHECK(sent[0].url == "http://127.0.0.1:9/hooks");
  CHECK(sent[0].headers.find("X-Middesk-Signature-256")->second == webhooks::SignatureHex("s3cret", sent[0].body));
  CHECK(sent[0].headers.find("X-Correlation-Id")->second == run);

  REQUIRE(sb.engine().AdvanceClock(kStart + 2000).ok());
  REQUIRE(d.RunOnce().ok());
  REQUIRE(sent.size() == 3);
  CHECK(Json::parse(sent[1].body) == Json{{"type", "run.completed"}, {"run", run}, {"seq", 4}, {"to", all.id}});
  CHECK(Json::parse(sent[2].body)["to"] == completed_only.id);
  REQUIRE(d.RunOnce().ok());
  CHECK(sent.size() == 3);  // nothing is sent twice
  for (const auto& del : sb.Deliveries()) {
    CHECK(del.status == "delivered");
    REQUIRE(del.attempts.size() == 1);
    CHECK(del.attempts[0].status_code == 200);
  }
}

TEST_CASE("a failing endpoint is retried on the namespace's clock with the same bytes", "[webhooks]") {
  Sandbox sb;
  sb.Hook(Json::array({"run.created"}));
  sb.Run();
  std::vector<std::string> bodies;
  int answer = 500;
  webhooks::Dispatcher d(*sb.spaces, FakeRender, [&](const std::string&, const std::string& body,
                                                     const httplib::Headers&) {
    bodies.push_back(body);
    if (answer == 0) return webhooks::Outcome{std::nullopt, "connection refused"};
    return webhooks::Outcome{answer, std::nullopt};
  });
  REQUIRE(d.RunOnce().ok());
  auto del = sb.Deliveries().at(0);
  CHECK(del.status == "pending");
  CHECK(del.next_attempt_at == kStart + 30000);
  CHECK(del.attempts.at(0).error == "HTTP 500");
  // Not due until the clock passes the backoff.
  REQUIRE(sb.engine().AdvanceClock(kStart + 29999).ok());
  REQUIRE(d.RunOnce().ok());
  CHECK(bodies.size() == 1);
  answer = 0;
  REQUIRE(sb.engine().AdvanceClock(kStart + 30000).ok());
  REQUIRE(d.RunOnce().ok());
  del = sb.Deliveries().at(0);
  CHECK(del.next_attempt_at == kStart + 30000 + 60000);
  CHECK(del.attempts.at(1).error == "connection refused");
  CHECK_FALSE(del.attempts.at(1).status_code);
  answer = 204;
  REQUIRE(sb.engine().AdvanceClock(kStart + 90000).ok());
  REQUIRE(d.RunOnce().ok());
  del = sb.Deliveries().at(0);
  CHECK(del.status == "delivered");
  CHECK_FALSE(del.next_attempt_at);
  REQUIRE(del.attempts.size() == 3);
  CHECK(del.attempts[2].at == kStart + 90000);
  REQUIRE(bodies.size() == 3);
  CHECK(bodies[0] == bodies[1]);
  CHECK(bodies[1] == bodies[2]);
}

TEST_CASE("after the last retry a delivery fails for good", "[webhooks]") {
  Sandbox sb;
  sb.Hook(Json::array({"run.created"}));
  sb.Run();
  int calls = 0;
  webhooks::Dispatcher d(*sb.spaces, FakeRender, [&](const std::string&, const std::string&, const httplib::Headers&) {
    ++calls;
    return webhooks::Outcome{503, std::nullopt};
  });
  REQUIRE(d.RunOnce().ok());
  for (int i = 0; i < 12; ++i) {
    auto del = sb.Deliveries().at(0);
    if (!del.next_attempt_at) break;
    REQUIRE(sb.engine().AdvanceClock(*del.next_attempt_at).ok());
    REQUIRE(d.RunOnce().ok());
  }
  CHECK(calls == 11);
  auto del = sb.Deliveries().at(0);
  CHECK(del.status == "failed");
  CHECK(del.attempts.size() == 11);
}

TEST_CASE("disabling or deleting an endpoint cancels what it had pending and queues nothing more", "[webhooks]") {
  Sandbox sb;
  Webhook a = sb.Hook();
  Webhook b = sb.Hook();
  sb.Run();
  engine::WebhookPatch disable;
  disable.disabled_at = kStart;
  REQUIRE(sb.engine().UpdateWebhook(a.id, disable).ok());
  REQUIRE(sb.engine().DeleteWebhook(b.id).ok());
  CHECK(sb.engine().DeleteWebhook(b.id).status().code() == Code::kNotFound);
  sb.Run();
  int calls = 0;
  webhooks::Dispatcher d(*sb.spaces, FakeRender, [&](const std::string&, const std::string&, const httplib::Headers&) {
    ++calls;
    return webhooks::Outcome{200, std::nullopt};
  });
  REQUIRE(d.RunOnce().ok());
  CHECK(calls == 0);
  auto all = sb.Deliveries();
  REQUIRE(all.size() == 2);  // the first run's run.created, once per endpoint
  for (const auto& del : all) CHECK(del.status == "cancelled");
  // Enabled again, it receives what happens from then on.
  engine::WebhookPatch enable;
  enable.disabled_at = std::optional<Instant>();
  REQUIRE(sb.engine().UpdateWebhook(a.id, enable).ok());
  REQUIRE(sb.engine().AdvanceClock(kStart + 2000).ok());
  REQUIRE(d.RunOnce().ok());
  CHECK(calls == 2);  // both runs completed
}

TEST_CASE("a reset takes the namespace's webhooks and deliveries with it", "[webhooks]") {
  Sandbox sb;
  sb.Hook();
  sb.Run();
  REQUIRE(sb.engine().Reset().ok());
  CHECK(sb.Deliveries().empty());
  auto count = sb.engine().store().CountWebhooks();
  REQUIRE(count.ok());
  CHECK(count.value() == 0);
}
