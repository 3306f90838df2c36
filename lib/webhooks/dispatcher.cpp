// Webhook delivery; see dispatcher.h.
#include "webhooks/dispatcher.h"

#include <cstdio>

#include "webhooks/signature.h"

namespace sandbox::webhooks {
namespace {

constexpr int64_t kSecond = 1000, kMinute = 60 * kSecond, kHour = 60 * kMinute;
// Middesk: "up to 10 retries over ~3 days: first retry after 1-30 s, then
// exponential backoff". These add up to 70 h 21 min 30 s.
constexpr int64_t kRetryDelays[] = {30 * kSecond, kMinute,   5 * kMinute, 15 * kMinute, kHour,
                                    3 * kHour,    6 * kHour, 12 * kHour,  24 * kHour,   24 * kHour};

// "https://host:port/path?q" -> ("https://host:port", "/path?q").
std::pair<std::string, std::string> SplitUrl(const std::string& url) {
  auto scheme = url.find("://");
  size_t path = scheme == std::string::npos ? std::string::npos : url.find('/', scheme + 3);
  if (path == std::string::npos) return {url, "/"};
  return {url.substr(0, path), url.substr(path)};
}

}  // namespace

std::optional<int64_t> RetryDelayMs(int64_t failed_attempts) {
  constexpr int64_t n = sizeof kRetryDelays / sizeof kRetryDelays[0];
  if (failed_attempts < 1 || failed_attempts > n) return std::nullopt;
  return kRetryDelays[failed_attempts - 1];
}

Sender HttpSender() {
  return [](const std::string& url, const std::string& body, const httplib::Headers& headers) -> Outcome {
    auto [origin, path] = SplitUrl(url);
    httplib::Client client(origin);
    client.set_connection_timeout(2, 0);
    client.set_read_timeout(5, 0);
    client.set_write_timeout(5, 0);
    auto res = client.Post(path, headers, body, "application/json");
    if (!res) return Outcome{std::nullopt, "no answer: " + httplib::to_string(res.error())};
    return Outcome{res->status, std::nullopt};
  };
}

Dispatcher::Dispatcher(engine::Namespaces& spaces, Renderer render, Sender send, std::chrono::milliseconds poll)
    : spaces_(spaces), render_(std::move(render)), send_(std::move(send)), poll_(poll) {}

Dispatcher::~Dispatcher() { Stop(); }

void Dispatcher::Start() {
  {
    std::lock_guard<std::mutex> g(mu_);
    stopping_ = false;
  }
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stopping_) {
      lock.unlock();
      Status st = RunOnce();
      if (!st.ok()) std::fprintf(stderr, "webhooks: %s\n", st.message().c_str());
      lock.lock();
      cv_.wait_for(lock, poll_, [this] { return stopping_; });
    }
  });
}

void Dispatcher::Stop() {
  {
    std::lock_guard<std::mutex> g(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Status Dispatcher::RunOnce() {
  // The engines outlive the dispatcher; the namespaces' lock is not held
  // while a receiver takes its time.
  std::vector<engine::Engine*> engines;
  spaces_.ForEach([&](const std::string&, engine::Engine& e) { engines.push_back(&e); });
  for (engine::Engine* e : engines) {
    auto due = e->store().DueWebhookDeliveries(e->Now(), 100);
    if (!due.ok()) return due.status();
    for (const auto& d : due.value()) {
      {
        std::lock_guard<std::mutex> g(mu_);
        if (stopping_) return Status::Ok();
      }
      Status st = Deliver(*e, d);
      if (!st.ok()) return st;
    }
  }
  return Status::Ok();
}

Status Dispatcher::Deliver(engine::Engine& engine, const WebhookDelivery& d) {
  auto hook = engine.store().GetWebhook(d.webhook_id);
  if (!hook.ok()) return hook.status();
  WebhookAttempt attempt;
  attempt.attempt = static_cast<int64_t>(d.attempts.size()) + 1;
  attempt.at = d.next_attempt_at.value_or(d.created_at);
  if (!hook.value()) {
    // Only a hand-edited database gets here; give up on it once, quietly.
    attempt.error = "webhook " + d.webhook_id + " no longer exists";
    return engine.store().RecordWebhookAttempt(d, attempt, "", "failed", std::nullopt);
  }
  const Webhook& w = *hook.value();
  std::string body;
  if (d.body) {
    body = *d.body;
  } else {
    auto rendered = render_(engine, w, d);
    if (!rendered.ok()) {
      // Nothing to send, ever: record why and stop trying.
      attempt.error = "could not render the event: " + rendered.status().message();
      return engine.store().RecordWebhookAttempt(d, attempt, "", "failed", std::nullopt);
    }
    body = std::move(rendered).value();
  }
  httplib::Headers headers = {{"X-Middesk-Signature-256", SignatureHex(w.secret, body)},
                              {"X-Correlation-Id", d.run_id},
                              {"User-Agent", std::string("agent-sandbox-webhooks/") + AGENT_SANDBOX_VERSION}};
  Outcome out = send_(w.url, body, headers);
  attempt.status_code = out.status_code;
  attempt.error = out.error;
  if (out.status_code && *out.status_code >= 200 && *out.status_code < 300) {
    return engine.store().RecordWebhookAttempt(d, attempt, body, "delivered", std::nullopt);
  }
  if (!attempt.error) attempt.error = "HTTP " + std::to_string(*out.status_code);
  auto delay = RetryDelayMs(attempt.attempt);
  if (!delay) return engine.store().RecordWebhookAttempt(d, attempt, body, "failed", std::nullopt);
  return engine.store().RecordWebhookAttempt(d, attempt, body, "pending", attempt.at + *delay);
}

}  // namespace sandbox::webhooks
