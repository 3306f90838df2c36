// DeliveryStates (engine/delivery_states.h): states are found by run and
// event, only under the generation they were kept in, the oldest go once
// there are kMaxStates, and the next Find frees them, not the writer.
#include <catch2/catch.hpp>

#include "engine/delivery_states.h"

namespace engine_delivery_states_test {

using sandbox::RunState;
using sandbox::engine::DeliveryStates;

namespace {

std::shared_ptr<const RunState> StateOf(const std::string& run_id, int64_t seq) {
  RunState s;
  s.run.id = run_id;
  s.run.last_seq = seq;
  return std::make_shared<const RunState>(std::move(s));
}

}  // namespace

TEST_CASE("delivery states: found by run and event under their generation only", "[engine]") {
  DeliveryStates states;
  states.Keep(1, {StateOf("a", 1), StateOf("a", 4), StateOf("b", 1)});
  REQUIRE(states.Find(1, "a", 4));
  CHECK(states.Find(1, "a", 4)->run.last_seq == 4);
  CHECK_FALSE(states.Find(1, "a", 2));
  CHECK_FALSE(states.Find(1, "c", 1));
  CHECK_FALSE(states.Find(2, "a", 4));  // a reset since: the id may be another run's
  states.Keep(2, {StateOf("c", 1)});    // a new generation drops the old one's
  CHECK(states.size() == 1);
  CHECK_FALSE(states.Find(1, "a", 4));
  CHECK(states.Find(2, "c", 1));
}

TEST_CASE("delivery states: the oldest go once there are kMaxStates", "[engine]") {
  DeliveryStates states;
  for (size_t i = 0; i < DeliveryStates::kMaxStates + 2; ++i) states.Keep(0, {StateOf("r" + std::to_string(i), 1)});
  CHECK(states.size() == DeliveryStates::kMaxStates);
  CHECK_FALSE(states.Find(0, "r0", 1));
  CHECK_FALSE(states.Find(0, "r1", 1));
  CHECK(states.Find(0, "r2", 1));
  CHECK(states.Find(0, "r" + std::to_string(DeliveryStates::kMaxStates + 1), 1));
}

TEST_CASE("delivery states: an evicted state is freed by the next Find, not by the Keep that evicted it",
          "[engine]") {
  DeliveryStates states;
  auto first = StateOf("r0", 1);
  std::weak_ptr<const RunState> watch = first;
  states.Keep(0, {std::move(first)});
  for (size_t i = 1; i <= DeliveryStates::kMaxStates; ++i) states.Keep(0, {StateOf("r" + std::to_string(i), 1)});
  CHECK_FALSE(watch.expired());  // evicted, but the writer's Keep did not free it
  CHECK_FALSE(states.Find(0, "r0", 1));
  CHECK(watch.expired());  // the Find did
}

TEST_CASE("delivery states: with nobody finding, Keep frees evicted states past kMaxStates", "[engine]") {
  DeliveryStates states;
  auto first = StateOf("r0", 1);
  std::weak_ptr<const RunState> watch = first;
  states.Keep(0, {std::move(first)});
  size_t kept = 1;
  for (; kept <= DeliveryStates::kMaxStates; ++kept) states.Keep(0, {StateOf("r" + std::to_string(kept), 1)});
  CHECK_FALSE(watch.expired());  // evicted, waiting for a Find
  for (; kept <= 2 * DeliveryStates::kMaxStates + 1; ++kept) states.Keep(0, {StateOf("r" + std::to_string(kept), 1)});
  CHECK(watch.expired());  // more than kMaxStates waiting: the writer freed them
  CHECK(states.size() == DeliveryStates::kMaxStates);
}

}  // namespace engine_delivery_states_test
