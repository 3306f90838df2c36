// The event bus: a commit wakes the followers of the runs it touched and no
// one else's (one of them, which passes the wake on); namespace-wide changes
// and shutdown wake every follower.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "engine/bus.h"

namespace engine_bus_test {

using namespace sandbox::engine;
using std::chrono::milliseconds;

TEST_CASE("a commit moves the watches of the runs it touched and no others", "[engine][bus]") {
  EventBus bus;
  auto a = bus.Watch("run_a");
  auto b = bus.Watch("run_b");
  const uint64_t a0 = bus.version(*a), b0 = bus.version(*b), all0 = bus.version();

  bus.Publish({"run_a"});
  CHECK(bus.version(*a) == a0 + 1);
  CHECK(bus.version(*b) == b0);
  CHECK(bus.version() == all0 + 1);
  CHECK(bus.Wait(*a, a0, milliseconds(0)) == EventBus::Wake::kChanged);
  CHECK(bus.Wait(*b, b0, milliseconds(0)) == EventBus::Wake::kTimeout);

  // A write that touched no run's log moves only the version cached reads use.
  bus.Publish();
  CHECK(bus.version(*a) == a0 + 1);
  CHECK(bus.version(*b) == b0);
  CHECK(bus.version() == all0 + 2);

  bus.PublishEverything();
  CHECK(bus.version(*a) == a0 + 2);
  CHECK(bus.version(*b) == b0 + 1);
}

TEST_CASE("followers of one run share its watch, which outlives none of them", "[engine][bus]") {
  EventBus bus;
  auto first = bus.Watch("run_a");
  auto second = bus.Watch("run_a");
  CHECK(first == second);
  bus.Publish({"run_a"});
  const uint64_t seen = bus.version(*first);
  first.reset();
  second.reset();
  // Nobody held it: a new follower starts a new watch, which still wakes.
  auto again = bus.Watch("run_a");
  const uint64_t fresh = bus.version(*again);
  bus.Publish({"run_a"});
  CHECK(bus.version(*again) == fresh + 1);
}

TEST_CASE("many unheld watches are forgotten and the ones held keep working", "[engine][bus]") {
  EventBus bus;
  auto kept = bus.Watch("kept");
  for (int i = 0; i < 10000; ++i) (void)bus.Watch("run_" + std::to_string(i));
  const uint64_t seen = bus.version(*kept);
  bus.Publish({"kept"});
  CHECK(bus.version(*kept) == seen + 1);
  CHECK(bus.Watch("kept") == kept);
}

TEST_CASE("a follower blocked on its run wakes for that run's commit, not another's", "[engine][bus]") {
  EventBus bus;
  auto a = bus.Watch("run_a");
  const uint64_t seen = bus.version(*a);
  bus.Publish({"run_b"});
  EventBus::Wake wake = EventBus::Wake::kTimeout;
  std::thread waiter([&] { wake = bus.Wait(*a, seen, milliseconds(60000)); });
  // Published from another thread; the waiter may block before or after it.
  bus.Publish({"run_a"});
  waiter.join();
  CHECK(wake == EventBus::Wake::kChanged);
}

// Polls `done` for up to 10 s (the waiters below wait up to 60 s).
template <class Done>
bool Within10s(Done done) {
  for (int i = 0; i < 1000 && !done(); ++i) std::this_thread::sleep_for(milliseconds(10));
  return done();
}

TEST_CASE("a commit wakes a follower of its run, and the wake it passes on wakes the others", "[engine][bus]") {
  EventBus bus;
  auto a = bus.Watch("run_a");
  const uint64_t seen = bus.version(*a);
  CHECK_FALSE(bus.PassOn(*a));  // nothing to pass on yet
  constexpr int kWaiters = 4;
  std::atomic<int> woke{0}, changed{0};
  std::vector<std::thread> waiters;
  for (int i = 0; i < kWaiters; ++i) {
    waiters.emplace_back([&] {
      if (bus.Wait(*a, seen, milliseconds(60000)) == EventBus::Wake::kChanged) ++changed;
      ++woke;
    });
  }
  bus.Publish({"run_a"});
  // CHECK, not REQUIRE: the waiters must still be woken and joined.
  CHECK(Within10s([&] { return woke.load() >= 1; }));
  // The wake is there to pass on (a waiter that blocked after the commit
  // returned at once; one blocked before it was woken), once.
  CHECK(bus.PassOn(*a));
  CHECK_FALSE(bus.PassOn(*a));
  CHECK(Within10s([&] { return woke.load() == kWaiters; }));
  for (auto& t : waiters) t.join();
  CHECK(changed == kWaiters);
}

TEST_CASE("a reset, reload or failure wakes every follower at once, with nothing to pass on", "[engine][bus]") {
  EventBus bus;
  auto a = bus.Watch("run_a");
  const uint64_t seen = bus.version(*a);
  constexpr int kWaiters = 4;
  std::atomic<int> woke{0};
  std::vector<std::thread> waiters;
  for (int i = 0; i < kWaiters; ++i) {
    waiters.emplace_back([&] {
      if (bus.Wait(*a, seen, milliseconds(60000)) == EventBus::Wake::kChanged) ++woke;
    });
  }
  bus.PublishEverything();
  CHECK(Within10s([&] { return woke.load() == kWaiters; }));
  for (auto& t : waiters) t.join();
  CHECK_FALSE(bus.PassOn(*a));
}

TEST_CASE("shutdown wakes followers of every run for good", "[engine][bus]") {
  EventBus bus;
  auto a = bus.Watch("run_a");
  const uint64_t seen = bus.version(*a);
  EventBus::Wake wake = EventBus::Wake::kTimeout;
  std::thread waiter([&] { wake = bus.Wait(*a, seen, milliseconds(60000)); });
  bus.Shutdown();
  waiter.join();
  CHECK(wake == EventBus::Wake::kShutdown);
  CHECK(bus.Wait(*a, bus.version(*a), milliseconds(0)) == EventBus::Wake::kShutdown);
}

}  // namespace engine_bus_test
