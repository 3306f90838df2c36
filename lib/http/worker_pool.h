// The pool of threads that serve connections (issue 10). cpp-httplib gives
// each accepted connection to a TaskQueue and holds one thread for as long
// as the connection is served, streams included, so a fixed pool is a denial
// of service waiting to happen (measured: 64 open streams froze a 64-worker
// server). This pool grows with demand up to `max_workers` and shrinks back
// when threads idle; a task beyond that waits, and `on_saturated` is called
// so that the server can close idle keep-alive connections to make room.
//
// Thread safety: enqueue() is called by the accept loop, everything else by
// any thread.
#pragma once

#include <httplib.h>

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace sandbox::http {

struct PoolOptions {
  size_t max_workers = 4096;
  size_t warm_workers = 8;         // kept even when idle
  int64_t idle_retire_ms = 30000;  // an idle thread beyond the warm ones exits after this
  size_t stack_bytes = 8 << 20;    // std::regex in the router recurses per path byte
};

class WorkerPool final : public httplib::TaskQueue {
 public:
  WorkerPool(PoolOptions options, std::function<void()> on_saturated);
  ~WorkerPool() override;

  // Never blocks: hands `fn` to an idle thread, starts a new one, or queues it.
  void enqueue(std::function<void()> fn) override;
  // Runs what is queued, then joins every thread. The caller must first make
  // the running tasks end (the server shuts their sockets).
  void shutdown() override;

  struct Stats {
    size_t workers = 0;  // threads alive
    size_t busy = 0;     // running a task
    size_t queued = 0;   // tasks waiting for a thread
  };
  Stats stats() const;

 private:
  void Run();
  bool StartThread();  // mu_ held

  const PoolOptions options_;
  std::function<void()> on_saturated_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  size_t workers_ = 0;
  size_t busy_ = 0;
  size_t idle_ = 0;
  bool stopping_ = false;
  std::condition_variable all_exited_;
};

}  // namespace sandbox::http
