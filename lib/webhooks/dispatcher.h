// The webhook dispatcher: sends the deliveries the store queued with their
// events (the outbox), each when it falls due on its namespace's clock,
// signs them, and retries failures on a fixed backoff (retry_delay below),
// also on that clock: a virtual or manual clock must be advanced for a retry
// to come due, the realtime clock passes by itself.
//
// One background thread serves every namespace; it polls the outbox, so a
// delivery goes out within one poll interval of falling due. Sending is
// injected (Sender) so tests can stand in for the network.
#pragma once

#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/status.h"
#include "core/types.h"
#include "engine/namespaces.h"

namespace sandbox::webhooks {

// What came of one POST: the HTTP status, or why there was none.
struct Outcome {
  std::optional<int> status_code;
  std::optional<std::string> error;
};

using Sender = std::function<Outcome(const std::string& url, const std::string& body, const httplib::Headers& headers)>;

// POSTs with cpp-httplib (http:// and https:// URLs): 2 s to connect, 5 s to answer.
Sender HttpSender();

// The body of a delivery: the dialect's rendering of the event it announces.
using Renderer = std::function<Result<std::string>(engine::Engine& engine, const Webhook& webhook,
                                                   const WebhookDelivery& delivery)>;

// How long after failed attempt n (from 1) attempt n+1 is due; nullopt
// after the last attempt (11 in all: the first and 10 retries, ~3 days).
std::optional<int64_t> RetryDelayMs(int64_t failed_attempts);

class Dispatcher {
 public:
  Dispatcher(engine::Namespaces& spaces, Renderer render, Sender send,
             std::chrono::milliseconds poll = std::chrono::milliseconds(50));
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  void Start();
  void Stop();
  // One pass over every namespace, sending everything due now. Errors of
  // the store are returned (the thread logs them and carries on).
  Status RunOnce();

 private:
  Status Deliver(engine::Engine& engine, const WebhookDelivery& d);

  engine::Namespaces& spaces_;
  Renderer render_;
  Sender send_;
  std::chrono::milliseconds poll_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace sandbox::webhooks
