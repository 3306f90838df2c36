// Webhook delivery: the signature, the retry schedule, and the dispatcher
// sending what the outbox holds, retrying on the namespace's clock with the
// same bytes, and stopping for a disabled endpoint; then its threads (issue
// 10): a hanging endpoint holds up no other endpoint or namespace, one
// endpoint gets its deliveries in event order and one at a time, Stop()
// returns promptly while a send hangs, and a stored URL that does not parse
// fails cleanly. The network is a fake Sender here; http_post_test.cpp and
// tests/http/webhooks_test.cpp use real receivers.
#include <catch2/catch.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <future>
#include <map>
#include <thread>

#include "core/projection.h"
#include "engine/namespaces.h"
#include "script/loader.h"
#include "store/sqlite.h"
#include "store/sqlite_store.h"
#include "support/scratch_dir.h"
#include "webhooks/dispatcher.h"
#include "webhooks/signature.h"

namespace webhooks_dispatcher_test {

using namespace sandbox;

namespace {

constexpr Instant kStart = 1767225600000;  // 2026-01-01T00:00:00Z

const char* kFixture = R"({"agents":[{"type":"kyb","name":"KYB","description":"d","scenarios":[
  {"name":"default","steps":[{"name":"work","label":"Work","duration":"2s"}]}]}]})";

std::unique_ptr<store::Store> OpenStore(const std::string& path) {
  auto s = store::Store::Open(path);
  REQUIRE(s.ok());
  return std::move(s).value();
}

struct Sandbox {
  explicit Sandbox(const std::string& path = ":memory:") : Sandbox(OpenStore(path)) {}
  explicit Sandbox(std::unique_ptr<store::Store> opened) : store(std::move(opened)) {
    // The dispatcher does not care what the events are called; this test's
    // names stand in for a dialect's.
    store->SetWebhookNotifications([](const std::string& type) -> std::optional<std::string> {
      if (type == event_type::kRunStarted) return "run.created";
      if (type == event_type::kRunCompleted || type == event_type::kRunFailed) return "run.completed";
      return std::nullopt;
    });
    auto set = script::ParseFixtureText(kFixture, "t.json", IdGenerator(0));
    REQUIRE(set.ok());
    spaces = std::make_unique<engine::Namespaces>(
        *store, [] { return std::make_unique<SteppedClock>(ClockMode::kManual, kStart); }, 0,
        std::make_shared<const script::FixtureSet>(std::move(set).value()));
    REQUIRE(spaces->Start().ok());
  }
  ~Sandbox() { spaces->Stop(); }

  engine::Engine& engine() { return spaces->Default(); }

  Webhook Hook(Json events = Json::array({"*"}), std::string url = "http://127.0.0.1:9/hooks") {
    return HookIn(engine(), std::move(events), std::move(url));
  }
  Webhook HookIn(engine::Engine& e, Json events, std::string url) {
    engine::WebhookSpec spec;
    spec.url = std::move(url);
    spec.secret = "s3cret";
    spec.enabled_events = std::move(events);
    auto w = e.CreateWebhook(spec);
    REQUIRE(w.ok());
    return w.value();
  }

  std::string Run() { return RunIn(engine()); }
  std::string RunIn(engine::Engine& e) {
    engine::CreateRunCommand cmd;
    cmd.request = Json::object();
    cmd.agent_type = "kyb";
    auto r = e.CreateRun(cmd);
    REQUIRE(r.ok());
    return r->run.id;
  }

  std::vector<WebhookDelivery> Deliveries() { return DeliveriesIn(engine()); }
  std::vector<WebhookDelivery> DeliveriesIn(engine::Engine& e) {
    auto d = e.store().WebhookDeliveries(std::nullopt);
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

// A send that waits until the test opens the gate (or, for an abortable
// transport, until abort()). Shared with the dispatcher's sender thread,
// which may outlive the test when Stop() leaves it behind.
struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  bool aborted = false;
  int entered = 0;

  void Pass() {
    std::unique_lock<std::mutex> lock(mu);
    ++entered;
    cv.notify_all();
    cv.wait(lock, [this] { return open || aborted; });
  }
  void Open() {
    std::lock_guard<std::mutex> g(mu);
    open = true;
    cv.notify_all();
  }
  void Abort() {
    std::lock_guard<std::mutex> g(mu);
    aborted = true;
    cv.notify_all();
  }
  bool WaitEntered(int n) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, std::chrono::seconds(10), [&] { return entered >= n; });
  }
  int Entered() {
    std::lock_guard<std::mutex> g(mu);
    return entered;
  }
};

// Polls `done` until it holds, for at most 10 s.
template <class F>
bool Eventually(F done) {
  for (int i = 0; i < 2000; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return done();
}

int CountWithStatus(const std::vector<WebhookDelivery>& all, const std::string& webhook_id, const std::string& status) {
  int n = 0;
  for (const auto& d : all) n += d.webhook_id == webhook_id && d.status == status;
  return n;
}

// The body names the event type and the run; enough to tell deliveries apart.
Result<std::string> FakeBody(engine::Engine&, const Webhook& w, const WebhookDelivery& d) {
  return Json{{"type", d.event_type}, {"run", d.run_id}, {"seq", d.seq}, {"to", w.id}}.dump();
}

// The dialect's part of a delivery, as a test dialect would give it.
const webhooks::WebhookFormat FakeRender{FakeBody, "X-Test-Signature-256"};

// A first attempt of `d` that a 200 answered, sending `body`: the outcome
// the dispatcher records for it.
store::AttemptRecord DeliveredFirstTime(const WebhookDelivery& d, std::string body) {
  store::AttemptRecord outcome;
  outcome.delivery = &d;
  outcome.attempt = WebhookAttempt{1, kStart, 200, std::nullopt};
  outcome.body = std::move(body);
  outcome.status = "delivered";
  return outcome;
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
  webhooks::Dispatcher d(*sb.spaces, FakeRender,
                         [&](const std::string& url, const std::string& body, const httplib::Headers& h) {
                           sent.push_back({url, body, h});
                           return webhooks::Outcome{200, std::nullopt};
                         });
  REQUIRE(d.RunOnce().ok());
  REQUIRE(sent.size() == 1);  // run.created; the run completes only when the manual clock moves
  CHECK(Json::parse(sent[0].body)["type"] == "run.created");
  CHECK(sent[0].url == "http://127.0.0.1:9/hooks");
  CHECK(sent[0].headers.find("X-Test-Signature-256")->second == webhooks::SignatureHex("s3cret", sent[0].body));
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

TEST_CASE("each delivery read back carries its own attempts in order", "[webhooks]") {
  // Attempts are read for a whole list or batch at once; each must land on
  // its own delivery, whatever the order the deliveries come in.
  Sandbox sb;
  const Webhook ok = sb.Hook(Json::array({"run.created"}), "http://127.0.0.1:9/ok");
  const Webhook flaky = sb.Hook(Json::array({"run.created"}), "http://127.0.0.1:9/flaky");
  const std::string first = sb.Run();
  const std::string second = sb.Run();
  int flaky_sends = 0;
  webhooks::Dispatcher d(*sb.spaces, FakeRender,
                         [&](const std::string& url, const std::string&, const httplib::Headers&) {
                           if (url.ends_with("/ok")) return webhooks::Outcome{200, std::nullopt};
                           // The first run's delivery fails twice, the second's once.
                           ++flaky_sends;
                           return webhooks::Outcome{flaky_sends <= 3 ? 500 : 204, std::nullopt};
                         });
  REQUIRE(d.RunOnce().ok());                               // 500, 500
  REQUIRE(sb.engine().AdvanceClock(kStart + 30000).ok());  // both retried: 500, then 204
  REQUIRE(d.RunOnce().ok());
  auto codes = [](const WebhookDelivery& del) {
    std::string out = del.status + ":";
    for (const WebhookAttempt& a : del.attempts)
      out += " " + std::to_string(a.attempt) + "=" + std::to_string(a.status_code.value_or(0));
    return out;
  };
  std::map<std::pair<std::string, std::string>, std::string> seen;
  for (const auto& del : sb.Deliveries()) seen[{del.webhook_id, del.run_id}] = codes(del);
  CHECK(seen[{ok.id, first}] == "delivered: 1=200");
  CHECK(seen[{ok.id, second}] == "delivered: 1=200");
  CHECK(seen[{flaky.id, first}] == "pending: 1=500 2=500");
  CHECK(seen[{flaky.id, second}] == "delivered: 1=500 2=204");

  store::WebhookDeliveryQuery q;
  q.limit = 10;
  q.newest_first = true;
  auto page = sb.engine().store().ListWebhookDeliveries(q);
  REQUIRE(page.ok());
  REQUIRE(page->items.size() == 4);
  for (const auto& del : page->items) CHECK(codes(del) == seen[{del.webhook_id, del.run_id}]);
  auto due = sb.engine().store().DueWebhookDeliveries(kStart + 90000, 10, flaky.id);
  REQUIRE(due.ok());
  REQUIRE(due->size() == 1);
  CHECK(due->at(0).run_id == first);
  CHECK(codes(due->at(0)) == "pending: 1=500 2=500");
}

TEST_CASE("a failing endpoint is retried on the namespace's clock with the same bytes", "[webhooks]") {
  Sandbox sb;
  sb.Hook(Json::array({"run.created"}));
  sb.Run();
  std::vector<std::string> bodies;
  int answer = 500;
  webhooks::Dispatcher d(*sb.spaces, FakeRender,
                         [&](const std::string&, const std::string& body, const httplib::Headers&) {
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
  CHECK(del.body == bodies[0]);  // as stored, read back
}

TEST_CASE("a delivery's body is stored compressed and read back byte for byte, and a text one still reads",
          "[webhooks]") {
  const std::string path =
      (std::filesystem::temp_directory_path() / ("bodies-" + std::to_string(::getpid()) + ".db")).string();
  auto remove = [&] {
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix, ec);
  };
  remove();
  {
    Sandbox sb(path);
    sb.Hook(Json::array({"run.created"}));
    sb.Run();
    std::vector<std::string> bodies;
    // A body the size and shape of a run's: steps that repeat but for ids.
    const webhooks::WebhookFormat run_sized{
        [](engine::Engine& e, const Webhook& w, const WebhookDelivery& del) -> Result<std::string> {
          Json steps = Json::array();
          for (int i = 0; i < 40; ++i) {
            steps.push_back({{"id", del.run_id + "-" + std::to_string(i)}, {"status", "completed"}, {"label", "Work"}});
          }
          auto base = FakeBody(e, w, del);
          if (!base.ok()) return base.status();
          Json body = Json::parse(base.value());
          body["steps"] = std::move(steps);
          return body.dump();
        },
        "X-Test-Signature-256"};
    webhooks::Dispatcher d(*sb.spaces, run_sized,
                           [&](const std::string&, const std::string& body, const httplib::Headers&) {
                             bodies.push_back(body);
                             return webhooks::Outcome{500, std::nullopt};  // retried, with the stored body
                           });
    REQUIRE(d.RunOnce().ok());
    REQUIRE(bodies.size() == 1);
    REQUIRE(bodies[0].size() > 2000);
    CHECK(sb.Deliveries().at(0).body == bodies[0]);
    {
      auto raw = store::Connection::Open(path, false);
      REQUIRE(raw.ok());
      store::Statement q(*raw.value(), "SELECT typeof(body), length(body) FROM webhook_bodies");
      REQUIRE(q.Step().value());
      CHECK(q.Text(0) == "blob");
      CHECK(q.Int(1) < static_cast<int64_t>(bodies[0].size()));
      // As a store written before bodies were compressed holds it.
      store::Statement text(*raw.value(), "UPDATE webhook_bodies SET body = ?1");
      REQUIRE(text.Bind(1, bodies[0]).Run().ok());
    }
    CHECK(sb.Deliveries().at(0).body == bodies[0]);
    REQUIRE(sb.engine().AdvanceClock(kStart + 30000).ok());
    REQUIRE(d.RunOnce().ok());
    REQUIRE(bodies.size() == 2);
    CHECK(bodies[1] == bodies[0]);
  }
  remove();
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

TEST_CASE("an outcome sent before a reset never lands on the delivery the same ids get after it", "[webhooks]") {
  // A reset gives the seed's ids again: the first webhook and the first run
  // after it have the ids of those before it, and so has their delivery. The
  // sender below is held in its send of the first delivery while the reset
  // happens and both are made again; its outcome, recorded after, must not
  // mark the new delivery sent (it used to: the new one was never sent).
  Sandbox sb;
  const Webhook before = sb.Hook(Json::array({"run.created"}), "http://127.0.0.1:9/before");
  const std::string run = sb.Run();
  auto gate = std::make_shared<Gate>();
  auto urls = std::make_shared<std::vector<std::string>>();
  auto urls_mu = std::make_shared<std::mutex>();
  webhooks::Dispatcher d(
      *sb.spaces, FakeRender,
      [gate, urls, urls_mu](const std::string& url, const std::string&, const httplib::Headers&) {
        {
          std::lock_guard<std::mutex> g(*urls_mu);
          urls->push_back(url);
        }
        gate->Pass();
        return webhooks::Outcome{200, std::nullopt};
      },
      std::chrono::milliseconds(5));
  d.Start();
  REQUIRE(gate->WaitEntered(1));
  REQUIRE(sb.engine().Reset().ok());
  const Webhook after = sb.Hook(Json::array({"run.created"}), "http://127.0.0.1:9/after");
  REQUIRE(after.id == before.id);
  REQUIRE(sb.Run() == run);
  gate->Open();  // the first send ends and its outcome is recorded
  REQUIRE(gate->WaitEntered(2));
  REQUIRE(Eventually([&] { return CountWithStatus(sb.Deliveries(), after.id, "delivered") == 1; }));
  d.Stop();
  const WebhookDelivery del = sb.Deliveries().at(0);
  CHECK(del.attempts.size() == 1);
  std::lock_guard<std::mutex> g(*urls_mu);
  CHECK(*urls == std::vector<std::string>{"http://127.0.0.1:9/before", "http://127.0.0.1:9/after"});
}

TEST_CASE("an outcome of a delivery read while a reset commits never lands on the delivery made after it",
          "[webhooks]") {
  // The test above holds a send that began before the reset. Here the
  // delivery is read during the reset itself, on a reader, while the
  // writer's transaction that deletes it is committing: the reader still
  // sees the old row. Its outcome, recorded after the same ids were made
  // again, must not mark the new delivery sent. (The outbox's life used to
  // move before the wipe's commit, so a read in between got the old row
  // stamped with the new life, and its outcome landed.)
  testing::ScratchDir dir("outbox-life");
  auto db = std::make_shared<store::Database>();
  auto opened = store::SqliteStore::OpenInto(db, dir.File("t.db"));
  REQUIRE(opened.ok());
  Sandbox sb(std::move(opened).value());
  const Webhook before = sb.Hook(Json::array({"run.created"}));
  const std::string run = sb.Run();

  struct ReadDuringCommit {
    store::Store* store = nullptr;
    std::string webhook_id;
    bool armed = false;
    Result<std::vector<WebhookDelivery>> read = std::vector<WebhookDelivery>{};
  } during{&sb.engine().store(), before.id};
  // SQLite calls this on the writer as a transaction commits: the reset's.
  sqlite3_commit_hook(
      db->writer->raw(),
      [](void* arg) {
        auto* c = static_cast<ReadDuringCommit*>(arg);
        if (c->armed) {
          c->armed = false;
          c->read = c->store->DueWebhookDeliveries(kStart + 3600000, 10, c->webhook_id);
        }
        return 0;
      },
      &during);
  during.armed = true;
  REQUIRE(sb.engine().Reset().ok());
  sqlite3_commit_hook(db->writer->raw(), nullptr, nullptr);
  REQUIRE(during.read.ok());
  REQUIRE(during.read->size() == 1);  // the reset's transaction had not ended for the reader
  const WebhookDelivery& stale = during.read->at(0);
  CHECK(stale.run_id == run);

  const Webhook after = sb.Hook(Json::array({"run.created"}));
  REQUIRE(after.id == before.id);
  REQUIRE(sb.Run() == run);
  REQUIRE(sb.engine().store().RecordWebhookAttempts({DeliveredFirstTime(stale, "{}")}).ok());
  const auto now = sb.Deliveries();
  REQUIRE(now.size() == 1);
  CHECK(now[0].status == "pending");
  CHECK(now[0].attempts.empty());
}

TEST_CASE("an outcome that lands on a cancelled delivery records nothing and keeps no body", "[webhooks]") {
  testing::ScratchDir dir("outbox-cancelled");
  const std::string path = dir.File("t.db");
  Sandbox sb(path);
  const Webhook hook = sb.Hook(Json::array({"run.created"}));
  sb.Run();
  auto due = sb.engine().store().DueWebhookDeliveries(kStart + 3600000, 10, hook.id);
  REQUIRE(due.ok());
  REQUIRE(due->size() == 1);
  // Disabled while the delivery was out: its pending delivery is cancelled.
  engine::WebhookPatch disable;
  disable.disabled_at = kStart;
  REQUIRE(sb.engine().UpdateWebhook(hook.id, disable).ok());
  REQUIRE(sb.engine().store().RecordWebhookAttempts({DeliveredFirstTime(due->at(0), "{\"sent\":true}")}).ok());
  const auto now = sb.Deliveries();
  REQUIRE(now.size() == 1);
  CHECK(now[0].status == "cancelled");
  CHECK(now[0].attempts.empty());
  CHECK_FALSE(now[0].body.has_value());
  auto raw = store::Connection::Open(path, false);
  REQUIRE(raw.ok());
  store::Statement bodies(*raw.value(), "SELECT count(*) FROM webhook_bodies");
  REQUIRE(bodies.Step().value());
  CHECK(bodies.Int(0) == 0);
}

TEST_CASE("a wipe inside a group commit begins the outbox's next life only once the group has committed",
          "[webhooks]") {
  // The life stamped on a delivery as it is read says which outcomes may
  // land on it: a row a reader still sees must carry the life it was
  // written in, until the group that deletes it commits.
  testing::ScratchDir dir("outbox-group");
  Sandbox sb(dir.File("t.db"));
  const Webhook hook = sb.Hook(Json::array({"run.created"}));
  sb.Run();
  store::Store& st = sb.engine().store();
  auto before = st.DueWebhookDeliveries(kStart + 3600000, 10, hook.id);
  REQUIRE(before.ok());
  REQUIRE(before->size() == 1);
  REQUIRE(st.BeginGroup().ok());
  REQUIRE(st.DeleteNamespace().ok());
  // From another thread: the group's own thread reads its uncommitted writes.
  auto during =
      std::async(std::launch::async, [&] { return st.DueWebhookDeliveries(kStart + 3600000, 10, hook.id); }).get();
  REQUIRE(st.EndGroup().ok());
  REQUIRE(during.ok());
  REQUIRE(during->size() == 1);  // not committed yet, for the reader
  CHECK(during->at(0).outbox_life == before->at(0).outbox_life);
  // The engine's view meets the store again; what it makes now is of a later life.
  REQUIRE(sb.engine().Reset().ok());
  sb.Hook(Json::array({"run.created"}));
  sb.Run();
  const auto after = sb.Deliveries();
  REQUIRE(after.size() == 1);
  CHECK(after[0].outbox_life > before->at(0).outbox_life);
}

TEST_CASE("an endpoint disabled or re-signed while its batch is out gets the rest of the batch as the change says",
          "[webhooks]") {
  // A sender goes on what the scheduler read for the whole batch only while
  // no webhook has changed since (issue 12); here the first send of a batch
  // of three is held while the endpoint changes.
  for (const bool disable : {true, false}) {
    INFO((disable ? "disabled" : "re-signed"));
    Sandbox sb;
    const Webhook hook = sb.Hook(Json::array({"run.created"}));
    for (int i = 0; i < 3; ++i) sb.Run();
    auto gate = std::make_shared<Gate>();
    auto sent = std::make_shared<std::vector<Sent>>();
    auto sent_mu = std::make_shared<std::mutex>();
    webhooks::Dispatcher d(
        *sb.spaces, FakeRender,
        [gate, sent, sent_mu](const std::string& url, const std::string& body, const httplib::Headers& h) {
          {
            std::lock_guard<std::mutex> g(*sent_mu);
            sent->push_back({url, body, h});
          }
          if (sent->size() == 1) gate->Pass();
          return webhooks::Outcome{200, std::nullopt};
        },
        std::chrono::milliseconds(5));
    d.Start();
    REQUIRE(gate->WaitEntered(1));
    engine::WebhookPatch patch;
    if (disable) {
      patch.disabled_at = std::optional<Instant>(kStart);
    } else {
      patch.secret = "n3w-secret";
    }
    REQUIRE(sb.engine().UpdateWebhook(hook.id, patch).ok());
    std::string last_run;
    if (disable) {
      // The disable cancelled all three, the one in flight too. Enabled
      // again, the endpoint gets a fourth run's delivery, which the
      // scheduler hands it only once the batch is done with.
      engine::WebhookPatch enable;
      enable.disabled_at = std::optional<Instant>();
      REQUIRE(sb.engine().UpdateWebhook(hook.id, enable).ok());
      last_run = sb.Run();
    }
    gate->Open();
    REQUIRE(Eventually([&] { return CountWithStatus(sb.Deliveries(), hook.id, "delivered") == (disable ? 1 : 3); }));
    d.Stop();
    std::lock_guard<std::mutex> g(*sent_mu);
    if (disable) {
      CHECK(CountWithStatus(sb.Deliveries(), hook.id, "cancelled") == 3);
      REQUIRE(sent->size() == 2);  // the one in flight, then the fourth run's
      CHECK(Json::parse((*sent)[1].body)["run"] == last_run);
    } else {
      REQUIRE(sent->size() == 3);
      CHECK((*sent)[0].headers.find("X-Test-Signature-256")->second ==
            webhooks::SignatureHex("s3cret", (*sent)[0].body));
      for (size_t i = 1; i < sent->size(); ++i) {
        CHECK((*sent)[i].headers.find("X-Test-Signature-256")->second ==
              webhooks::SignatureHex("n3w-secret", (*sent)[i].body));
      }
    }
  }
}

TEST_CASE("with no webhook changed since the scheduler read them, a send goes on that read alone", "[webhooks]") {
  Sandbox sb;
  const Webhook hook = sb.Hook(Json::array({"run.created"}));
  sb.Run();
  auto due = sb.engine().store().DueWebhookDeliveries(kStart, 10);
  REQUIRE(due.ok());
  REQUIRE(due->size() == 1);
  // What the scheduler read, told apart from the store's row by its secret:
  // the signature shows which of the two the send went on.
  webhooks::ScheduledEndpoint scheduled{sb.engine().store().WebhookEdits(), hook};
  scheduled.webhook.secret = "as-scheduled";
  auto prepared = webhooks::PrepareAttempt(sb.engine(), due->at(0), FakeRender, &scheduled);
  REQUIRE(prepared.ok());
  REQUIRE(prepared.value());
  CHECK(prepared.value()->headers.find("X-Test-Signature-256")->second ==
        webhooks::SignatureHex("as-scheduled", prepared.value()->body));
  CHECK(prepared.value()->delivery == due->at(0));
  CHECK(prepared.value()->attempt.attempt == 1);

  // Any change to a webhook (here another one's creation) and the send reads
  // its delivery and webhook again.
  sb.Hook(Json::array({"run.completed"}), "http://127.0.0.1:9/other");
  CHECK(sb.engine().store().WebhookEdits() != scheduled.edits);
  prepared = webhooks::PrepareAttempt(sb.engine(), due->at(0), FakeRender, &scheduled);
  REQUIRE(prepared.ok());
  REQUIRE(prepared.value());
  CHECK(prepared.value()->headers.find("X-Test-Signature-256")->second ==
        webhooks::SignatureHex("s3cret", prepared.value()->body));

  // A reset is a change too: the delivery it took is not sent.
  scheduled.edits = sb.engine().store().WebhookEdits();
  REQUIRE(sb.engine().Reset().ok());
  CHECK(sb.engine().store().WebhookEdits() != scheduled.edits);
  prepared = webhooks::PrepareAttempt(sb.engine(), due->at(0), FakeRender, &scheduled);
  REQUIRE(prepared.ok());
  CHECK_FALSE(prepared.value());
}

TEST_CASE("a hanging endpoint holds up no other endpoint, nor another namespace (issue 10)", "[webhooks]") {
  Sandbox sb;
  Webhook hanging = sb.Hook(Json::array({"*"}), "http://127.0.0.1:9/hang");
  Webhook healthy = sb.Hook(Json::array({"*"}), "http://127.0.0.1:9/ok");
  auto other = sb.spaces->For("other");
  REQUIRE(other.ok());
  Webhook elsewhere = sb.HookIn(*other.value(), Json::array({"*"}), "http://127.0.0.1:9/other");
  auto gate = std::make_shared<Gate>();
  webhooks::Dispatcher d(
      *sb.spaces, FakeRender,
      [gate](const std::string& url, const std::string&, const httplib::Headers&) {
        if (url.ends_with("/hang")) gate->Pass();
        return webhooks::Outcome{200, std::nullopt};
      },
      std::chrono::milliseconds(5));
  d.Start();
  sb.Run();
  REQUIRE(gate->WaitEntered(1));
  sb.Run();  // more for the healthy endpoint while the other hangs
  sb.RunIn(*other.value());
  CHECK(Eventually([&] { return CountWithStatus(sb.Deliveries(), healthy.id, "delivered") == 2; }));
  CHECK(Eventually([&] { return CountWithStatus(sb.DeliveriesIn(*other.value()), elsewhere.id, "delivered") == 1; }));
  // ...while the first delivery to the hanging endpoint is still under way.
  CHECK(gate->Entered() == 1);
  CHECK(CountWithStatus(sb.Deliveries(), hanging.id, "pending") == 2);
  gate->Open();
  CHECK(Eventually([&] { return CountWithStatus(sb.Deliveries(), hanging.id, "delivered") == 2; }));
  d.Stop();
}

TEST_CASE("one endpoint gets its deliveries in event order, one at a time", "[webhooks]") {
  Sandbox sb;
  Webhook a = sb.Hook(Json::array({"*"}), "http://127.0.0.1:9/a");
  Webhook b = sb.Hook(Json::array({"*"}), "http://127.0.0.1:9/b");
  std::vector<std::string> runs;
  for (int i = 0; i < 6; ++i) runs.push_back(sb.Run());
  struct Seen {
    std::mutex mu;
    std::map<std::string, std::vector<std::string>> events;  // url -> "type run"
    std::map<std::string, int> in_flight, most;
  };
  auto seen = std::make_shared<Seen>();
  webhooks::Dispatcher d(
      *sb.spaces, FakeRender,
      [seen](const std::string& url, const std::string& body, const httplib::Headers&) {
        {
          std::lock_guard<std::mutex> g(seen->mu);
          Json j = Json::parse(body);
          seen->events[url].push_back(j["type"].get<std::string>() + " " + j["run"].get<std::string>());
          seen->most[url] = std::max(seen->most[url], ++seen->in_flight[url]);
        }
        std::this_thread::yield();  // room for another send to the same URL, if the dispatcher allowed one
        std::lock_guard<std::mutex> g(seen->mu);
        --seen->in_flight[url];
        return webhooks::Outcome{204, std::nullopt};
      },
      std::chrono::milliseconds(5));
  d.Start();
  REQUIRE(Eventually([&] { return CountWithStatus(sb.Deliveries(), b.id, "delivered") == 6; }));
  REQUIRE(sb.engine().AdvanceClock(kStart + 2000).ok());
  REQUIRE(Eventually([&] {
    auto all = sb.Deliveries();
    return CountWithStatus(all, a.id, "delivered") == 12 && CountWithStatus(all, b.id, "delivered") == 12;
  }));
  d.Stop();
  std::vector<std::string> expected;
  for (const auto& r : runs) expected.push_back("run.created " + r);
  for (const auto& r : runs) expected.push_back("run.completed " + r);
  std::lock_guard<std::mutex> g(seen->mu);
  CHECK(seen->events["http://127.0.0.1:9/a"] == expected);
  CHECK(seen->events["http://127.0.0.1:9/b"] == expected);
  CHECK(seen->most["http://127.0.0.1:9/a"] == 1);
  CHECK(seen->most["http://127.0.0.1:9/b"] == 1);
}

TEST_CASE("Stop() returns promptly while a send hangs, and records nothing for it", "[webhooks]") {
  Sandbox sb;
  sb.Hook(Json::array({"run.created"}));
  sb.Run();
  auto gate = std::make_shared<Gate>();
  auto d = std::make_unique<webhooks::Dispatcher>(
      *sb.spaces, FakeRender, [gate](const std::string&, const std::string&, const httplib::Headers&) {
        gate->Pass();  // never aborted: only Open() ends it
        return webhooks::Outcome{200, std::nullopt};
      });
  d->Start();
  REQUIRE(gate->WaitEntered(1));
  auto stopping = std::async(std::launch::async, [&] { d->Stop(); });
  // Generous: Stop() waits stop_grace (0.5 s) for the send, then leaves it.
  REQUIRE(stopping.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  d.reset();
  auto del = sb.Deliveries().at(0);
  CHECK(del.status == "pending");  // due again at the next start
  CHECK(del.attempts.empty());
  gate->Open();  // the send left behind ends, and writes nothing
}

TEST_CASE("Stop() aborts the sends of an abortable transport and waits for them", "[webhooks]") {
  Sandbox sb;
  sb.Hook(Json::array({"run.created"}));
  sb.Run();
  auto gate = std::make_shared<Gate>();
  webhooks::Transport transport{[gate](const std::string&, const std::string&, const httplib::Headers&) {
                                  gate->Pass();
                                  return webhooks::Outcome{std::nullopt, "aborted"};
                                },
                                [gate] { gate->Abort(); }};
  webhooks::DispatcherOptions options;
  options.stop_grace = std::chrono::minutes(1);  // so only the abort can end the send in time
  webhooks::Dispatcher d(*sb.spaces, FakeRender, transport, std::chrono::milliseconds(50), options);
  d.Start();
  REQUIRE(gate->WaitEntered(1));
  auto stopping = std::async(std::launch::async, [&] { d.Stop(); });
  REQUIRE(stopping.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  CHECK(gate->aborted);
  CHECK(sb.Deliveries().at(0).attempts.empty());  // an aborted send is not an attempt
}

TEST_CASE("a stored URL that does not parse fails its delivery once, without reaching the sender (issue 10)",
          "[webhooks]") {
  Sandbox sb;
  // The engine stores what the dialect checked; a database from before the
  // checks may hold anything.
  sb.Hook(Json::array({"run.created"}), "http://" + std::string(20000, 'a') + "/h");
  sb.Hook(Json::array({"run.created"}), "http://127.0.0.1:99999/h");
  sb.Run();
  int calls = 0;
  webhooks::Dispatcher d(*sb.spaces, FakeRender, [&](const std::string&, const std::string&, const httplib::Headers&) {
    ++calls;
    return webhooks::Outcome{200, std::nullopt};
  });
  REQUIRE(d.RunOnce().ok());
  CHECK(calls == 0);
  auto all = sb.Deliveries();
  REQUIRE(all.size() == 2);
  CHECK(all[0].status == "failed");
  CHECK_FALSE(all[0].next_attempt_at);
  REQUIRE(all[0].attempts.size() == 1);
  CHECK(all[0].attempts[0].error == "invalid URL: its host is longer than 253 bytes");
  CHECK_FALSE(all[0].attempts[0].status_code);
  CHECK(all[1].attempts.at(0).error == "invalid URL: its port must be a number from 1 to 65535");
  REQUIRE(d.RunOnce().ok());
  CHECK(sb.Deliveries().at(0).attempts.size() == 1);  // once
}

TEST_CASE("a redirect is a failed attempt with its status, it is not followed", "[webhooks]") {
  Sandbox sb;
  sb.Hook(Json::array({"run.created"}));
  sb.Run();
  std::vector<std::string> urls;
  webhooks::Dispatcher d(*sb.spaces, FakeRender,
                         [&](const std::string& url, const std::string&, const httplib::Headers&) {
                           urls.push_back(url);
                           return webhooks::Outcome{302, std::nullopt};
                         });
  REQUIRE(d.RunOnce().ok());
  CHECK(urls == std::vector<std::string>{"http://127.0.0.1:9/hooks"});
  auto del = sb.Deliveries().at(0);
  CHECK(del.status == "pending");
  CHECK(del.next_attempt_at == kStart + 30000);
  REQUIRE(del.attempts.size() == 1);
  CHECK(del.attempts[0].status_code == 302);
  CHECK(del.attempts[0].error == "HTTP 302 (redirects are not followed)");
}

TEST_CASE("the deliveries list pages by cursor, both ways, without repeats or gaps", "[webhooks]") {
  Sandbox sb;
  Webhook a = sb.Hook();
  Webhook b = sb.Hook();
  for (int i = 0; i < 3; ++i) sb.Run();
  REQUIRE(sb.engine().AdvanceClock(kStart + 2000).ok());
  const auto all = sb.Deliveries();  // oldest first
  REQUIRE(all.size() == 12);
  for (bool newest_first : {false, true}) {
    INFO("newest first: " << newest_first);
    store::WebhookDeliveryQuery q;
    q.limit = 5;
    q.newest_first = newest_first;
    std::vector<WebhookDelivery> seen;
    for (int page = 0; page < 10; ++page) {
      auto p = sb.engine().store().ListWebhookDeliveries(q);
      REQUIRE(p.ok());
      CHECK(p->total == 12);
      seen.insert(seen.end(), p->items.begin(), p->items.end());
      if (!p->next) break;
      CHECK(p->items.size() == 5);
      q.after = p->next;
    }
    std::vector<WebhookDelivery> expected = all;
    if (newest_first) std::reverse(expected.begin(), expected.end());
    CHECK(seen == expected);
  }
  store::WebhookDeliveryQuery only_b;
  only_b.webhook_id = b.id;
  auto p = sb.engine().store().ListWebhookDeliveries(only_b);
  REQUIRE(p.ok());
  CHECK(p->total == 6);
  CHECK_FALSE(p->next);
  for (const auto& d : p->items) CHECK(d.webhook_id == b.id);
  (void)a;
}

TEST_CASE("an endpoint's deliveries are recorded together after a few sends, and a failed one at once", "[webhooks]") {
  Sandbox sb;
  Webhook a = sb.Hook(Json::array({"run.created"}), "http://127.0.0.1:9/a");
  for (int i = 0; i < 6; ++i) (void)sb.Run();
  auto second = std::make_shared<Gate>(), fourth = std::make_shared<Gate>();
  auto calls = std::make_shared<std::atomic<int>>(0);
  webhooks::Dispatcher d(
      *sb.spaces, FakeRender,
      [=](const std::string&, const std::string&, const httplib::Headers&) {
        const int n = ++*calls;
        if (n == 2) second->Pass();
        if (n == 4) fourth->Pass();
        return webhooks::Outcome{n == 3 ? 500 : 204, std::nullopt};
      },
      std::chrono::milliseconds(5));
  d.Start();
  // The first delivery went out, and is not recorded while the second is
  // being sent: they are recorded together.
  REQUIRE(second->WaitEntered(1));
  CHECK(CountWithStatus(sb.Deliveries(), a.id, "delivered") == 0);
  second->Open();
  // The third failed: it and the two before it were recorded before the
  // fourth went out.
  REQUIRE(fourth->WaitEntered(1));
  auto all = sb.Deliveries();
  CHECK(CountWithStatus(all, a.id, "delivered") == 2);
  CHECK(CountWithStatus(all, a.id, "pending") == 4);
  int attempted = 0;
  for (const auto& delivery : all) attempted += static_cast<int>(delivery.attempts.size());
  CHECK(attempted == 3);
  fourth->Open();
  REQUIRE(Eventually([&] { return CountWithStatus(sb.Deliveries(), a.id, "delivered") == 5; }));
  d.Stop();
  CHECK(CountWithStatus(sb.Deliveries(), a.id, "pending") == 1);  // the failed one, due for its retry
}

TEST_CASE("the engine keeps the run state each queued delivery renders: the log's replay up to its event",
          "[webhooks]") {
  Sandbox sb;
  const std::string before_hooks = sb.Run();
  CHECK_FALSE(sb.engine().DeliveryState(before_hooks, 1));  // no webhook: nothing kept
  sb.Hook(Json::array({"*"}));
  const std::string run = sb.Run();
  REQUIRE(sb.engine().AdvanceClock(kStart + 2000).ok());
  auto log = sb.engine().store().Events(run);
  REQUIRE(log.ok());
  REQUIRE(log->size() == 4);
  for (const WebhookDelivery& d : sb.Deliveries()) {
    if (d.run_id != run) continue;
    INFO(d.event_type);
    auto kept = sb.engine().DeliveryState(run, d.seq);
    REQUIRE(kept);
    std::vector<Event> upto(log->begin(), log->begin() + d.seq);
    auto replayed = Rebuild(upto);
    REQUIRE(replayed.ok());
    CHECK(*kept == replayed.value());
  }
  CHECK_FALSE(sb.engine().DeliveryState(run, 2));  // an event no webhook is told of
  REQUIRE(sb.engine().Reset().ok());
  CHECK_FALSE(sb.engine().DeliveryState(run, 1));  // run ids repeat after a reset
}

TEST_CASE("senders yield the CPU to runs: they send at nice 10, the caller's threads keep theirs", "[webhooks]") {
  Sandbox sb;
  sb.Hook(Json::array({"run.created"}));
  (void)sb.Run();
  const int mine = getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()));
  auto seen = std::make_shared<std::atomic<int>>(-100);
  webhooks::Dispatcher d(
      *sb.spaces, FakeRender,
      [seen](const std::string&, const std::string&, const httplib::Headers&) {
        errno = 0;
        const int nice = getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()));
        seen->store(errno == 0 ? nice : -200);
        return webhooks::Outcome{204, std::nullopt};
      },
      std::chrono::milliseconds(5));
  d.Start();
  REQUIRE(Eventually([&] { return seen->load() != -100; }));
  d.Stop();
  CHECK(seen->load() == std::min(mine + 10, 19));
  CHECK(getpriority(PRIO_PROCESS, static_cast<id_t>(gettid())) == mine);
}

}  // namespace webhooks_dispatcher_test
