// Deterministic ids: a pure function of seed, kind, parent and ordinal.
#include <catch2/catch.hpp>

#include <set>

#include "core/ids.h"

namespace core_ids_test {

using namespace sandbox;

TEST_CASE("the same seed, parent and ordinal give the same id on every call", "[core]") {
  IdGenerator a(42), b(42);
  CHECK(a.Uuid("run", "thread-1", 1) == b.Uuid("run", "thread-1", 1));
  CHECK(a.Prefixed("intr_", "interrupt", "run-1", 0) == b.Prefixed("intr_", "interrupt", "run-1", 0));
}

TEST_CASE("ids are pinned across builds and machines", "[core]") {
  // Golden values: a change here breaks every recorded replay, so it must be deliberate.
  IdGenerator ids(0);
  CHECK(ids.Uuid("thread", "", 1) == "f760445c-9400-4de9-990a-3b0b0702e4cf");
  CHECK(ids.Uuid("run", "f760445c-9400-4de9-990a-3b0b0702e4cf", 1) == "2d5f133e-497c-4732-8c25-2ef052ed28d4");
}

TEST_CASE("each input of the id changes it", "[core]") {
  IdGenerator ids(7);
  std::set<std::string> seen = {
      ids.Uuid("run", "p", 1),
      ids.Uuid("run", "p", 2),
      ids.Uuid("run", "q", 1),
      ids.Uuid("step", "p", 1),
      IdGenerator(8).Uuid("run", "p", 1),
      ids.Uuid("ru", "np", 1),
  };
  CHECK(seen.size() == 6);
}

TEST_CASE("ids are version 4 UUIDs with the RFC 4122 variant", "[core]") {
  IdGenerator ids(123);
  for (uint64_t i = 0; i < 200; ++i) {
    std::string id = ids.Uuid("step", "run", i);
    REQUIRE(IsUuid(id));
    CHECK(id[14] == '4');
    CHECK(std::string("89ab").find(id[19]) != std::string::npos);
  }
  std::string intr = ids.Prefixed("intr_", "interrupt", "run", 0);
  CHECK(intr.rfind("intr_", 0) == 0);
  CHECK(intr.size() == 5 + 32);
}

TEST_CASE("IsUuid accepts only the 8-4-4-4-12 hex form", "[core]") {
  CHECK(IsUuid("11111111-1111-4111-8111-111111111111"));
  CHECK(IsUuid("ABCDEF00-1111-4111-8111-111111111111"));
  CHECK_FALSE(IsUuid("11111111111141118111111111111111"));
  CHECK_FALSE(IsUuid("11111111-1111-4111-8111-11111111111g"));
  CHECK_FALSE(IsUuid(""));
}

}  // namespace core_ids_test
