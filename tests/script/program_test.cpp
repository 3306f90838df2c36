// The scenario compiler: instruction order, timing and branch segments.
#include <catch2/catch.hpp>

#include "script/loader.h"
#include "script/program.h"

using namespace sandbox;
using namespace sandbox::script;

namespace {

std::shared_ptr<const Program> CompileSteps(const std::string& steps) {
  std::string text = R"({"agents":[{"type":"a","name":"A","description":"d","scenarios":[{"name":"default","steps":)" +
                     steps + "}]}]}";
  auto set = ParseFixtureText(text, "t.json", IdGenerator(0));
  REQUIRE(set.ok());
  auto p = Program::Compile(std::make_shared<const Scenario>(set.value().agents[0].scenarios[0]));
  REQUIRE(p.ok());
  return p.value();
}

}  // namespace

TEST_CASE("children run in sequence and a parent ends at the later of its duration and its children", "[script]") {
  auto p = CompileSteps(R"([
    {"name":"parent","label":"P","duration":"10s","artifacts":[{"title":"t","type":"x"}],"steps":[
      {"name":"c1","label":"C1","duration":"2s"},
      {"name":"c2","label":"C2","duration":"3s","artifacts":[{"title":"t","type":"x"},{"title":"u","type":"y"}]}]},
    {"name":"short","label":"S","duration":"1s","steps":[{"name":"c3","label":"C3","duration":"4s"}]},
    {"name":"out","label":"O","type":"output","duration":250}
  ])");
  CHECK(p->Describe() ==
        "0 +0 start parent\n"
        "0 +0 start c1\n"
        "0 +2000 complete c1\n"
        "0 +2000 start c2\n"
        "0 +5000 artifact c2#0\n"
        "0 +5000 artifact c2#1\n"
        "0 +5000 complete c2\n"
        "0 +10000 artifact parent#0\n"
        "0 +10000 complete parent\n"
        "0 +10000 start short\n"
        "0 +10000 start c3\n"
        "0 +14000 complete c3\n"
        "0 +14000 complete short\n"
        "0 +14000 start out\n"
        "0 +14250 complete out\n"
        "0 +14250 complete-run\n");
}

TEST_CASE("an interrupt ends its segment and each branch continues with what was pending", "[script]") {
  auto p = CompileSteps(R"([
    {"name":"outer","label":"O","steps":[
      {"name":"ask","label":"A","type":"interrupt","interrupt":{"value":{"q":1},"branches":{
        "approve":[{"name":"apply","label":"Apply","duration":"1s"}],
        "reject":[{"name":"fail","label":"F","type":"error","error":{"message":"rejected"}}]}}},
      {"name":"after","label":"After","duration":"2s"}]},
    {"name":"done","label":"D","duration":"1s"}
  ])");
  CHECK(p->Describe() ==
        "0 +0 start outer\n"
        "0 +0 start ask\n"
        "0 +0 interrupt ask approve->1 default->2 reject->3\n"
        "1 +0 complete ask\n"
        "1 +0 start apply\n"
        "1 +1000 complete apply\n"
        "1 +1000 start after\n"
        "1 +3000 complete after\n"
        "1 +3000 complete outer\n"
        "1 +3000 start done\n"
        "1 +4000 complete done\n"
        "1 +4000 complete-run\n"
        "2 +0 complete ask\n"
        "2 +0 start after\n"
        "2 +2000 complete after\n"
        "2 +2000 complete outer\n"
        "2 +2000 start done\n"
        "2 +3000 complete done\n"
        "2 +3000 complete-run\n"
        "3 +0 complete ask\n"
        "3 +0 start fail\n"
        "3 +0 fail-step fail\n"
        "3 +0 fail-run fail\n");
  // A nested step's parent is the nearest open step.
  CHECK(p->segments()[1].code[1].parent_ref == 0);
  CHECK(p->segments()[0].code[1].parent_ref == 0);
}

TEST_CASE("the resume input picks the branch, falling back to default", "[script]") {
  auto p = CompileSteps(R"([{"name":"ask","label":"A","type":"interrupt","interrupt":{"value":{},
      "branches":{"approve":[{"name":"x","label":"X"}]}}}])");
  const Instruction& intr = p->segments()[0].code.back();
  std::string taken;
  CHECK(p->BranchFor(intr, DecisionOf(Json{{"decision", "approve"}}), taken) == intr.branches.at("approve"));
  CHECK(taken == "approve");
  CHECK(p->BranchFor(intr, DecisionOf(Json("approve")), taken) == intr.branches.at("approve"));
  CHECK(p->BranchFor(intr, DecisionOf(Json{{"decision", "maybe"}}), taken) == intr.branches.at("default"));
  CHECK(taken == "default");
  CHECK(p->BranchFor(intr, DecisionOf(Json()), taken) == intr.branches.at("default"));
}

TEST_CASE("an error step fails the run after its duration and nothing after it runs", "[script]") {
  auto p = CompileSteps(R"([{"name":"boom","label":"B","type":"error","duration":"3s","error":{"message":"down"}},
                            {"name":"never","label":"N"}])");
  CHECK(p->Describe() ==
        "0 +0 start boom\n"
        "0 +3000 fail-step boom\n"
        "0 +3000 fail-run boom\n");
}
