// WorkerPool; see worker_pool.h. Threads are created detached with an
// explicit stack size (std::thread cannot set one) and counted; shutdown()
// waits for the count to reach zero.
#include "http/worker_pool.h"

#include "core/thread_name.h"
#include "core/wall_wait.h"

#include <pthread.h>

#include <chrono>

namespace sandbox::http {
namespace {

void* ThreadMain(void* arg) {
  auto* body = static_cast<std::function<void()>*>(arg);
  NameThisThread(thread_name::kHttpWorker);
  (*body)();
  delete body;
  return nullptr;
}

}  // namespace

WorkerPool::WorkerPool(PoolOptions options, std::function<void()> on_saturated)
    : options_(options), on_saturated_(std::move(on_saturated)) {}

WorkerPool::~WorkerPool() { shutdown(); }

bool WorkerPool::StartThread() {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, options_.stack_bytes);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  auto* body = new std::function<void()>([this] { Run(); });
  pthread_t thread;
  int rc = pthread_create(&thread, &attr, ThreadMain, body);
  pthread_attr_destroy(&attr);
  if (rc != 0) {
    delete body;
    return false;
  }
  ++workers_;
  return true;
}

void WorkerPool::enqueue(std::function<void()> fn) {
  bool saturated = false;
  {
    std::lock_guard<std::mutex> g(mu_);
    queue_.push_back(std::move(fn));
    if (idle_ >= queue_.size()) {
      cv_.notify_one();
    } else if (workers_ < options_.max_workers && StartThread()) {
      // the new thread takes the task
    } else {
      saturated = true;
      cv_.notify_one();
    }
  }
  if (saturated && on_saturated_) on_saturated_();
}

void WorkerPool::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    if (!queue_.empty()) {
      auto fn = std::move(queue_.front());
      queue_.pop_front();
      ++busy_;
      lock.unlock();
      fn();
      fn = nullptr;  // destroy the task's captures outside the lock
      lock.lock();
      --busy_;
      continue;
    }
    if (stopping_) break;
    ++idle_;
    bool woke = WaitWallMs(cv_, lock, options_.idle_retire_ms, [this] { return !queue_.empty() || stopping_; });
    --idle_;
    if (!woke && workers_ > options_.warm_workers) break;
  }
  --workers_;
  all_exited_.notify_all();
}

void WorkerPool::shutdown() {
  std::unique_lock<std::mutex> lock(mu_);
  stopping_ = true;
  cv_.notify_all();
  all_exited_.wait(lock, [this] { return workers_ == 0; });
  // Tasks no thread could be started for: each closes its connection at
  // once now that the server is stopping.
  while (!queue_.empty()) {
    auto fn = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    fn();
    lock.lock();
  }
}

WorkerPool::Stats WorkerPool::stats() const {
  std::lock_guard<std::mutex> g(mu_);
  return Stats{workers_, busy_, queue_.size()};
}

}  // namespace sandbox::http
