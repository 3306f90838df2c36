// Webhook delivery threads; see dispatcher.h for the model. Everything the
// sender threads share lives in Shared, under its one mutex; the store and
// the network are used outside it.
#include "webhooks/dispatcher.h"

#include "core/thread_name.h"
#include "core/wall_wait.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <deque>
#include <map>

namespace sandbox::webhooks {

namespace {

void Log(const Logger& log, const Status& st) { log.Log(LogLevel::kError, "webhooks: " + st.message()); }

// A failed attempt, at warn: what identifies it and why, never the URL (a
// user may have put a credential in it) nor the body.
void LogFailure(const Logger& log, const SentAttempt& a) {
  if (a.outcome.delivered() || !log.Enabled(LogLevel::kWarn)) return;
  const WebhookDelivery& d = a.prepared.delivery;
  Logger::Fields f{
      {"webhook", d.webhook_id}, {"run", d.run_id}, {"event", d.event_type}, {"attempt", a.prepared.attempt.attempt}};
  if (a.outcome.status_code) f.emplace_back("status", *a.outcome.status_code);
  const store::AttemptRecord record = OutcomeRecord(a.prepared, a.outcome);
  if (record.attempt.error) f.emplace_back("error", *record.attempt.error);
  if (record.status == "failed") f.emplace_back("final", true);
  log.Log(LogLevel::kWarn, "webhook delivery failed", f);
}

// Senders yield the CPU to runs. With four endpoints under a write load on
// two cores, four senders took 0.8 of a core and left the engine's writer
// half of one: runs went at 0.4 of their rate (issue 12). A nice of 10
// changes nothing on a machine with CPU to spare; when there is none, runs
// and requests go first, and deliveries take what is left and catch up
// when the load ends. Ten steps below the process's main thread (19 at
// most), however deep the thread that starts it; Linux applies a nice to
// the one thread whose id it is given.
void YieldToRuns() {
  errno = 0;
  const int base = getpriority(PRIO_PROCESS, static_cast<id_t>(getpid()));
  if (errno == 0) (void)setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), std::min(base + 10, 19));
}

// Deliveries of one endpoint sent before their outcomes are recorded. Each
// record is a transaction under the store's writer lock, which the engine
// then waits for: 64, not 16, gave runs +2-3 % and deliveries +5 % with one
// endpoint under the write load (issue 12). A stop re-sends at most these.
constexpr size_t kRecordBatch = 64;

}  // namespace

struct Dispatcher::Shared {
  // A delivery queued for its endpoint's sender. Nested, not file-private:
  // the unity build compiles this file inside a larger one, where a member
  // of a file-private type would have mixed linkage.
  struct Job {
    engine::Engine* engine;  // engines outlive the dispatcher
    WebhookDelivery delivery;
    // Its endpoint as the scheduler read it with the delivery; null when that
    // read failed (PrepareAttempt then reads both afresh).
    std::shared_ptr<const ScheduledEndpoint> scheduled;
  };

  WebhookFormat format;
  Transport transport;
  Logger log;

  std::mutex mu;
  std::condition_variable work;     // senders: an endpoint is ready, or stop
  std::condition_variable changed;  // Stop: a sender left the store or returned
  std::condition_variable tick;     // the scheduler: stop
  bool stopping = false;
  // Endpoints ("namespace\0webhook id") with deliveries queued or in flight:
  // the scheduler hands an endpoint more only once this entry is gone.
  std::map<std::string, std::deque<Job>> endpoints;
  std::deque<std::string> ready;  // endpoints with a queued delivery and none in flight
  size_t idle = 0;                // senders waiting on `work`
  size_t running = 0;             // sender threads not yet returned
  int store_users = 0;            // senders inside PrepareAttempt or RecordOutcomes
  std::vector<char> finished;     // per sender thread: it has returned
};

using Job = Dispatcher::Shared::Job;

namespace {

// A sender thread: serves ready endpoints one delivery at a time until
// Stop(). Holds `s` itself, since Stop() may leave it behind in a send.
void SenderLoop(std::shared_ptr<Dispatcher::Shared> s, size_t index) {
  NameThisThread(thread_name::kHookSender);
  YieldToRuns();
  std::unique_lock<std::mutex> lock(s->mu);
  while (true) {
    ++s->idle;
    s->work.wait(lock, [&] { return s->stopping || !s->ready.empty(); });
    --s->idle;
    if (s->stopping) break;
    const std::string key = std::move(s->ready.front());
    s->ready.pop_front();
    std::deque<Job>& queue = s->endpoints[key];  // stays put: only this thread erases it
    // Up to kRecordBatch of the endpoint's deliveries, one after the other,
    // then their outcomes in one transaction: a record waits for the
    // store's writer lock, which the engines hold for a whole group commit
    // under load, and one wait per delivery held deliveries to ~50/s an
    // endpoint (issue 12).
    engine::Engine* engine = queue.front().engine;  // one namespace per endpoint
    std::vector<SentAttempt> sent;
    while (!queue.empty() && sent.size() < kRecordBatch && !s->stopping) {
      Job job = std::move(queue.front());
      queue.pop_front();
      ++s->store_users;
      lock.unlock();
      auto prepared = PrepareAttempt(*job.engine, job.delivery, s->format, job.scheduled.get());
      lock.lock();
      --s->store_users;
      s->changed.notify_all();
      if (!prepared.ok()) Log(s->log, prepared.status());
      if (s->stopping || !prepared.ok() || !prepared.value()) continue;
      lock.unlock();
      Outcome out = s->transport.send(prepared.value()->url, prepared.value()->body, prepared.value()->headers);
      lock.lock();
      // A send that ends after Stop() began is not recorded (it may have
      // been cut short by the abort), and neither is any before it in this
      // batch (the store may be going): those deliveries stay due.
      const bool delivered = out.delivered();
      sent.push_back(SentAttempt{std::move(*prepared.value()), std::move(out)});
      // A failing receiver's attempts are recorded one by one, as they come.
      if (!delivered) break;
    }
    if (s->stopping) break;
    if (!sent.empty()) {
      ++s->store_users;
      lock.unlock();
      Status st = RecordOutcomes(*engine, sent);
      lock.lock();
      --s->store_users;
      s->changed.notify_all();
      if (!st.ok()) Log(s->log, st);
      for (const SentAttempt& a : sent) LogFailure(s->log, a);
    }
    if (queue.empty()) {
      s->endpoints.erase(key);
    } else {
      s->ready.push_back(key);
      s->work.notify_one();
    }
  }
  s->finished[index] = 1;
  --s->running;
  s->changed.notify_all();
}

}  // namespace

Dispatcher::Dispatcher(engine::Namespaces& spaces, WebhookFormat format, Sender send, std::chrono::milliseconds poll,
                       DispatcherOptions options)
    : Dispatcher(spaces, std::move(format), Transport{std::move(send), nullptr}, poll, options) {}

Dispatcher::Dispatcher(engine::Namespaces& spaces, WebhookFormat format, Transport transport,
                       std::chrono::milliseconds poll, DispatcherOptions options)
    : spaces_(spaces), poll_(poll), options_(options), shared_(std::make_shared<Shared>()) {
  if (options_.max_senders == 0) options_.max_senders = 1;
  shared_->format = std::move(format);
  shared_->transport = std::move(transport);
  shared_->log = options_.log;
}

Dispatcher::~Dispatcher() { Stop(); }

void Dispatcher::Start() {
  if (scheduler_.joinable()) return;
  // A fresh Shared: threads a previous Stop() left behind keep the old one.
  auto fresh = std::make_shared<Shared>();
  fresh->format = shared_->format;
  fresh->transport = shared_->transport;
  fresh->log = shared_->log;
  shared_ = std::move(fresh);
  scheduler_ = std::thread([this] {
    NameThisThread(thread_name::kHookScheduler);
    YieldToRuns();  // its queries are webhook work too
    std::unique_lock<std::mutex> lock(shared_->mu);
    while (!shared_->stopping) {
      lock.unlock();
      Schedule();
      lock.lock();
      WaitWallMs(shared_->tick, lock, poll_.count(), [this] { return shared_->stopping; });
    }
  });
}

void Dispatcher::Schedule() {
  std::vector<std::pair<std::string, engine::Engine*>> engines;
  spaces_.ForEach([&](const std::string& ns, engine::Engine& e) { engines.emplace_back(ns, &e); });
  Shared& s = *shared_;
  for (const auto& [ns, engine] : engines) {
    const Instant now = engine->Now();
    auto due = engine->store().DueWebhookEndpoints(now);
    if (!due.ok()) {
      Log(shared_->log, due.status());
      continue;
    }
    for (const std::string& webhook_id : due.value()) {
      std::string key = ns + std::string(1, '\0') + webhook_id;
      {
        std::lock_guard<std::mutex> g(s.mu);
        if (s.stopping) return;
        if (s.endpoints.count(key)) continue;  // still busy with its last batch
      }
      // The count first: rows read after it are current while it holds.
      const uint64_t edits = engine->store().WebhookEdits();
      auto batch = engine->store().DueWebhookDeliveries(now, options_.batch, webhook_id);
      if (!batch.ok()) {
        Log(shared_->log, batch.status());
        continue;
      }
      if (batch->empty()) continue;
      std::shared_ptr<const ScheduledEndpoint> scheduled;
      if (auto hook = engine->store().GetWebhook(webhook_id); hook.ok() && hook.value()) {
        scheduled = std::make_shared<const ScheduledEndpoint>(ScheduledEndpoint{edits, std::move(*hook.value())});
      }
      std::lock_guard<std::mutex> g(s.mu);
      if (s.stopping) return;
      std::deque<Job>& queue = s.endpoints[key];
      for (auto& d : batch.value()) queue.push_back(Job{engine, std::move(d), scheduled});
      s.ready.push_back(std::move(key));
      // Every ready endpoint gets a sender of its own while there are fewer
      // than max_senders: one that hangs then holds up nobody.
      if (s.ready.size() > s.idle && senders_.size() < options_.max_senders) {
        s.finished.push_back(0);
        ++s.running;
        senders_.emplace_back(SenderLoop, shared_, senders_.size());
      }
      s.work.notify_one();
    }
  }
}

void Dispatcher::Stop() {
  if (!scheduler_.joinable()) return;
  Shared& s = *shared_;
  {
    std::lock_guard<std::mutex> g(s.mu);
    s.stopping = true;
  }
  s.work.notify_all();
  s.tick.notify_all();
  if (s.transport.abort) s.transport.abort();
  scheduler_.join();
  std::vector<char> finished;
  {
    std::unique_lock<std::mutex> lock(s.mu);
    // Store work is short (it never waits on a receiver); after it no
    // sender touches the store again.
    s.changed.wait(lock, [&] { return s.store_users == 0; });
    WaitWallMs(s.changed, lock, options_.stop_grace.count(), [&] { return s.running == 0; });
    finished = s.finished;
  }
  for (size_t i = 0; i < senders_.size(); ++i) {
    if (finished[i]) {
      senders_[i].join();
    } else {
      senders_[i].detach();  // stuck in a send that could not be aborted; it holds its own Shared
    }
  }
  senders_.clear();
}

Status Dispatcher::RunOnce() {
  std::vector<engine::Engine*> engines;
  spaces_.ForEach([&](const std::string&, engine::Engine& e) { engines.push_back(&e); });
  for (engine::Engine* e : engines) {
    auto due = e->store().DueWebhookDeliveries(e->Now(), options_.batch);
    if (!due.ok()) return due.status();
    for (const auto& d : due.value()) {
      auto prepared = PrepareAttempt(*e, d, shared_->format);
      if (!prepared.ok()) return prepared.status();
      if (!prepared.value()) continue;
      const PreparedAttempt& p = *prepared.value();
      Outcome out = shared_->transport.send(p.url, p.body, p.headers);
      Status st = RecordOutcomes(*e, {SentAttempt{p, std::move(out)}});
      if (!st.ok()) return st;
    }
  }
  return Status::Ok();
}

}  // namespace sandbox::webhooks
