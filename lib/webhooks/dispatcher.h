// The webhook dispatcher: sends the deliveries the store queued with their
// events (the outbox), each when it falls due on its namespace's clock, and
// records every attempt (attempt.h: signing, retries on that clock).
//
// Threads (issue 10: no receiver may hold up another). One scheduler thread
// polls every namespace each `poll` for endpoints with deliveries due, and
// hands each idle endpoint a batch of them, in the order they fell due.
// Sender threads (created as needed, at most Options::max_senders) take
// endpoints in turn from a FIFO of endpoints that have work and nothing in
// flight, and send that endpoint's next delivery. So:
//   - one endpoint has at most one delivery in flight, and gets its due
//     deliveries in event order (a retry goes out when it falls due, which
//     may be after later events' first attempts, as before);
//   - a receiver that hangs, resets, redirects or is slow occupies one
//     sender thread for at most the sender's timeouts (sender.h); other
//     endpoints, other namespaces and the engines carry on; only when
//     max_senders receivers hang at once does a further one wait;
//   - the store is touched only before and after a send (attempt.h), never
//     during it, and only the dispatcher's own tables are written. A sender
//     sends up to 64 of an endpoint's deliveries before it records their
//     outcomes in one transaction, and records at once after a failed one:
//     under a steady write load each record waits for an engine's group
//     commit, and one wait per delivery held an endpoint to ~50/s.
//     A stop drops the outcomes not yet recorded: those deliveries stay
//     due and are sent again after a restart (delivery is at least once).
// Stop() aborts the sends under way (Transport::abort), waits for store
// work in progress, then at most Options::stop_grace for senders to
// return; a sender still in a send then is left to finish on its own and
// writes nothing (its delivery stays due and goes out after a restart).
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/status.h"
#include "core/types.h"
#include "engine/namespaces.h"
#include "webhooks/attempt.h"
#include "core/log.h"
#include "webhooks/sender.h"

namespace sandbox::webhooks {

struct DispatcherOptions {
  size_t max_senders = 16;  // sender threads, so receivers that may hang at once without delaying others
  std::chrono::milliseconds stop_grace{500};  // how long Stop() waits for a send that was not aborted
  int64_t batch = 100;                        // deliveries handed to one endpoint per poll
  Logger log;  // a failed attempt at warn (the webhook, run, event and why; never the URL), errors
};

class Dispatcher {
 public:
  // `send` cannot be aborted: Stop() waits stop_grace for it, then leaves it.
  Dispatcher(engine::Namespaces& spaces, WebhookFormat format, Sender send,
             std::chrono::milliseconds poll = std::chrono::milliseconds(50), DispatcherOptions options = {});
  Dispatcher(engine::Namespaces& spaces, WebhookFormat format, Transport transport,
             std::chrono::milliseconds poll = std::chrono::milliseconds(50), DispatcherOptions options = {});
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  void Start();
  // Returns within about stop_grace whatever the receivers do.
  void Stop();
  // One pass over every namespace on the calling thread, sending everything
  // due now in the order it fell due, one delivery at a time; for tests and
  // tools, not while Start()ed. Errors of the store are returned.
  Status RunOnce();

  // The sender threads' state; shared with them, since one left behind by
  // Stop() may outlive the Dispatcher. Defined in dispatcher.cpp.
  struct Shared;

 private:
  void Schedule();  // one pass of the scheduler thread

  engine::Namespaces& spaces_;
  std::chrono::milliseconds poll_;
  DispatcherOptions options_;
  std::shared_ptr<Shared> shared_;
  std::thread scheduler_;
  std::vector<std::thread> senders_;
};

}  // namespace sandbox::webhooks
