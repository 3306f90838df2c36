// Waiting for a run's log: a commit wakes one follower of the run, which
// passes the wake on to the others once it has looked at the log, so every
// follower still hears every commit.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "dialects/wait_for_log.h"
#include "engine/bus.h"

namespace dialects_wait_for_log_test {

using namespace sandbox;

TEST_CASE("every follower waiting for the log hears a commit, and the wake is passed on after a look",
          "[dialects][bus]") {
  engine::EventBus bus;
  auto watch = bus.Watch("run_a");
  const uint64_t before = bus.version(*watch);
  constexpr int kFollowers = 4;
  std::atomic<int> looks_after_commit{0}, done{0};
  std::vector<std::thread> followers;
  for (int i = 0; i < kFollowers; ++i) {
    followers.emplace_back([&] {
      dialects::WaitEnd end = dialects::WaitForLog(bus, *watch, 60000, [&] {
        if (bus.version(*watch) == before) return false;
        ++looks_after_commit;
        return true;
      });
      if (end == dialects::WaitEnd::kDone) ++done;
    });
  }
  bus.Publish({"run_a"});
  for (auto& t : followers) t.join();
  CHECK(done == kFollowers);
  CHECK(looks_after_commit == kFollowers);
  // Some follower passed the commit's wake on: nothing is left to pass.
  CHECK_FALSE(bus.PassOn(*watch));
}

TEST_CASE("a follower that times out still passes on a wake it found", "[dialects][bus]") {
  engine::EventBus bus;
  auto watch = bus.Watch("run_a");
  bus.Publish({"run_a"});  // no one waited: the wake is still to pass on
  CHECK(dialects::WaitForLog(bus, *watch, 0, [] { return false; }) == dialects::WaitEnd::kTimedOut);
  CHECK_FALSE(bus.PassOn(*watch));
}

}  // namespace dialects_wait_for_log_test
