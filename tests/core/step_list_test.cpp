// StepList: copies share steps until one changes, and a change never shows
// through another copy.
#include <catch2/catch.hpp>

#include "core/types.h"

namespace core_step_list_test {

using namespace sandbox;

namespace {

Step Named(const char* id) {
  Step s;
  s.id = id;
  s.name = id;
  return s;
}

}  // namespace

TEST_CASE("a copied step list shares its steps", "[core]") {
  StepList a{Named("s-1"), Named("s-2")};
  StepList b = a;
  REQUIRE(b.size() == 2);
  CHECK(&a[0] == &b[0]);
  CHECK(&a[1] == &b[1]);
  CHECK(a == b);
}

TEST_CASE("changing a shared step copies that step only", "[core]") {
  StepList a{Named("s-1"), Named("s-2")};
  StepList b = a;
  b.Mutable(1).status = StepStatus::kCompleted;
  CHECK(a[1].status == StepStatus::kRunning);
  CHECK(b[1].status == StepStatus::kCompleted);
  CHECK(&a[0] == &b[0]);
  CHECK(&a[1] != &b[1]);
  CHECK_FALSE(a == b);
}

TEST_CASE("a step no other list holds is changed in place", "[core]") {
  StepList a{Named("s-1")};
  const Step* before = &a[0];
  {
    StepList b = a;
    (void)b;
  }
  a.MutableBack().text = "hello";
  CHECK(&a[0] == before);
  CHECK(a[0].text == "hello");
}

TEST_CASE("step lists are equal by content, shared or not", "[core]") {
  StepList a{Named("s-1")};
  StepList b{Named("s-1")};
  CHECK(&a[0] != &b[0]);
  CHECK(a == b);
  b.push_back(Named("s-2"));
  CHECK_FALSE(a == b);
  CHECK(b.ToVector() == std::vector<Step>{Named("s-1"), Named("s-2")});
}

TEST_CASE("a run state's copy keeps its steps when the original changes them", "[core]") {
  RunState original;
  original.steps = StepList{Named("s-1"), Named("s-2")};
  RunState copy = original;
  original.MutableStep("s-2")->artifacts.push_back(Artifact{.id = "a-1"});
  REQUIRE(copy.FindStep("s-2") != nullptr);
  CHECK(copy.FindStep("s-2")->artifacts.empty());
  CHECK(original.FindStep("s-2")->artifacts.size() == 1);
  CHECK(copy.FindStep("s-1") == original.FindStep("s-1"));
  CHECK(original.MutableStep("s-3") == nullptr);
}

}  // namespace core_step_list_test
