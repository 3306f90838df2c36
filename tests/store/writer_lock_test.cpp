// The writer connection's lock: recursive for its holder, and served in the
// order it was asked for, so a thread that commits in a loop cannot starve
// another that waits.
#include <catch2/catch.hpp>

#include <chrono>
#include <mutex>
#include <string>
#include <thread>

#include "store/writer_lock.h"

namespace store_writer_lock_test {

using sandbox::store::WriterLock;

namespace {

// Bounded: a thread that was started queues as soon as it runs.
void WaitForWaiters(const WriterLock& lock, uint64_t n) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (lock.waiters() < n && std::chrono::steady_clock::now() < give_up) std::this_thread::yield();
  REQUIRE(lock.waiters() == n);
}

}  // namespace

TEST_CASE("the writer lock is taken again by its holder without waiting", "[store]") {
  WriterLock lock;
  lock.lock();
  lock.lock();
  lock.unlock();
  CHECK(lock.waiters() == 0);
  std::string order;
  std::thread other([&] {
    std::lock_guard<WriterLock> g(lock);
    order += "other";
  });
  WaitForWaiters(lock, 1);
  order += "holder ";
  lock.unlock();
  other.join();
  CHECK(order == "holder other");
}

TEST_CASE("the writer lock serves waiters in the order they asked, before its holder asks again", "[store]") {
  WriterLock lock;
  std::mutex order_mu;
  std::string order;
  auto take = [&](const char* who) {
    std::lock_guard<WriterLock> g(lock);
    std::lock_guard<std::mutex> o(order_mu);
    order += who;
  };
  lock.lock();
  std::thread b([&] { take("b"); });
  WaitForWaiters(lock, 1);
  std::thread c([&] { take("c"); });
  WaitForWaiters(lock, 2);
  lock.unlock();
  take("a");  // the former holder, asking again at once, comes after both
  b.join();
  c.join();
  CHECK(order == "bca");
}

}  // namespace store_writer_lock_test
