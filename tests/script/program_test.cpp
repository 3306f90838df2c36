// The scenario compiler: instruction order, timing and branch segments.
#include <catch2/catch.hpp>

#include "script/loader.h"
#include "script/program.h"

namespace script_program_test {

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
  CHECK(p->BranchFor(intr, DecisionOf(Json{{"decision", "approve"}}), taken) == intr.detail().branches.at("approve"));
  CHECK(taken == "approve");
  CHECK(p->BranchFor(intr, DecisionOf(Json("approve")), taken) == intr.detail().branches.at("approve"));
  CHECK(p->BranchFor(intr, DecisionOf(Json{{"decision", "maybe"}}), taken) == intr.detail().branches.at("default"));
  CHECK(taken == "default");
  CHECK(p->BranchFor(intr, DecisionOf(Json()), taken) == intr.detail().branches.at("default"));
}

TEST_CASE("an error step fails the run after its duration and nothing after it runs", "[script]") {
  auto p = CompileSteps(R"([{"name":"boom","label":"B","type":"error","duration":"3s","error":{"message":"down"}},
                            {"name":"never","label":"N"}])");
  CHECK(p->Describe() ==
        "0 +0 start boom\n"
        "0 +3000 fail-step boom\n"
        "0 +3000 fail-run boom\n");
}

TEST_CASE("parallel children start together and their parent ends with the last", "[script]") {
  auto p = CompileSteps(R"([
    {"name":"fan","label":"F","parallel":true,"duration":"1s","steps":[
      {"name":"slow","label":"S","duration":"3s"},
      {"name":"fast","label":"Q","duration":"2s","steps":[{"name":"inner","label":"I","duration":"500ms"}]}]},
    {"name":"after","label":"A","duration":"1s"}
  ])");
  CHECK(p->Describe() ==
        "0 +0 start fan\n"
        "0 +0 start slow\n"
        "0 +0 start fast\n"
        "0 +0 start inner\n"
        "0 +500 complete inner\n"
        "0 +2000 complete fast\n"
        "0 +3000 complete slow\n"
        "0 +3000 complete fan\n"
        "0 +3000 start after\n"
        "0 +4000 complete after\n"
        "0 +4000 complete-run\n");
}

TEST_CASE("a failure inside parallel children ends the run at that instant", "[script]") {
  auto p = CompileSteps(R"([
    {"name":"fan","label":"F","parallel":true,"steps":[
      {"name":"ok","label":"O","duration":"5s"},
      {"name":"boom","label":"B","type":"error","duration":"2s","error":{"message":"down","reason":"upstream"}}]},
    {"name":"never","label":"N"}
  ])");
  CHECK(p->Describe() ==
        "0 +0 start fan\n"
        "0 +0 start ok\n"
        "0 +0 start boom\n"
        "0 +2000 fail-step boom\n"
        "0 +2000 fail-run boom reason=upstream\n");
}

TEST_CASE("interrupt policies resolve the interrupt without a pause", "[script]") {
  const char* steps = R"([
    {"name":"ask","label":"A","type":"interrupt","interrupt":{"value":{},"branches":{
      "approve":[{"name":"apply","label":"Apply"}],"default":[{"name":"note","label":"Note"}]}}},
    {"name":"end","label":"E"}])";
  auto compile = [&](const char* policy) {
    std::string text = std::string(R"({"agents":[{"type":"a","name":"A","description":"d","interrupt_policy":")") +
                       policy + R"(","scenarios":[{"name":"default","steps":)" + steps + "}]}]}";
    auto set = ParseFixtureText(text, "t.json", IdGenerator(0));
    REQUIRE(set.ok());
    return Program::Compile(std::make_shared<const Scenario>(set.value().agents[0].scenarios[0])).value()->Describe();
  };
  CHECK(compile("auto_approve") ==
        "0 +0 start ask\n"
        "0 +0 complete ask {\"resolution\":\"auto_approve\"}\n"
        "0 +0 start apply\n"
        "0 +0 complete apply\n"
        "0 +0 start end\n"
        "0 +0 complete end\n"
        "0 +0 complete-run\n");
  CHECK(compile("skip") ==
        "0 +0 start ask\n"
        "0 +0 complete ask {\"resolution\":\"skip\"}\n"
        "0 +0 start note\n"
        "0 +0 complete note\n"
        "0 +0 start end\n"
        "0 +0 complete end\n"
        "0 +0 complete-run\n");
}

TEST_CASE("an interrupt with a timeout gets a timeout segment, failing with approval_timeout by default", "[script]") {
  auto p = CompileSteps(R"([
    {"name":"ask","label":"A","type":"interrupt","interrupt":{"value":{},"timeout":"2h"}},
    {"name":"ask2","label":"B","type":"interrupt","interrupt":{"value":{},"timeout":"1m",
       "on_timeout":[{"name":"escalate","label":"E","duration":"1s"}]}}
  ])");
  CHECK(p->Describe() ==
        "0 +0 start ask\n"
        "0 +0 interrupt ask default->1 timeout(7200000)->4\n"
        "1 +0 complete ask\n"
        "1 +0 start ask2\n"
        "1 +0 interrupt ask2 default->2 timeout(60000)->3\n"
        "2 +0 complete ask2\n"
        "2 +0 complete-run\n"
        "3 +0 fail-step ask2\n"
        "3 +0 start escalate\n"
        "3 +1000 complete escalate\n"
        "3 +1000 complete-run\n"
        "4 +0 fail-step ask\n"
        "4 +0 fail-run ask reason=approval_timeout\n");
}

TEST_CASE("a message streams as tokens over the step, with tool and notice around it", "[script]") {
  auto p = CompileSteps(R"([
    {"name":"answer","label":"A","duration":"3s","notice":"thinking","tool":{"name":"search","input":{"q":1}},
     "message":"Hello {{ request.name }} there"}
  ])");
  CHECK(p->Describe() ==
        "0 +0 start answer\n"
        "0 +0 notice answer\n"
        "0 +0 tool-start answer\n"
        "0 +0 text answer \"Hello \"\n"
        "0 +1000 text answer \"{{ request.name }} \"\n"
        "0 +2000 text answer \"there\"\n"
        "0 +3000 tool-end answer\n"
        "0 +3000 complete answer\n"
        "0 +3000 complete-run\n");
}

TEST_CASE("branch_on picks the branch from any field of the answer", "[script]") {
  CHECK(DecisionOf(Json{{"review", {{"outcome", "escalate"}}}}, "review.outcome") == "escalate");
  CHECK(DecisionOf(Json{{"score", 3}}, "score") == "3");
  CHECK(DecisionOf(Json{{"other", 1}}, "review.outcome") == "default");
  CHECK(DecisionOf(Json("approve"), "review.outcome") == "approve");
}

}  // namespace script_program_test
