// Modus buffered chat (docs/modus.md, "Chat"): a conversation per thread,
// the answer once the run has settled, and every error.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "support/sandbox_process.h"

namespace http_modus_chat_test {

using sandbox::testing::HttpResponse;
using sandbox::testing::SandboxProcess;
using Json = nlohmann::json;

namespace {

const std::string kOrg = "11111111-2222-4333-8444-555555555555";
const std::string kOtherOrg = "99999999-8888-4777-8666-555555555555";

httplib::Headers Pat(const std::string& org = kOrg) {
  return {{"Authorization", "Bearer modus_" + org + "_abc123_s3cret"}};
}

HttpResponse Chat(const SandboxProcess& sb, const std::string& path, const Json& body,
                  const httplib::Headers& h = Pat()) {
  return sb.Post(path, body.dump(), h);
}

Json Ask(const std::string& message) { return Json{{"message", message}, {"model", "claude-sonnet-4.6"}}; }

}  // namespace

TEST_CASE("modus chat: a task agent answers, and the conversation continues in its thread", "[http]") {
  SandboxProcess sb;
  HttpResponse first = Chat(sb, "/api/v1/agents/101/chat", Ask("Is Acme in good standing?"));
  REQUIRE_STATUS(first, 200);
  const std::string content = first.json["content"];
  CHECK(content.rfind("You asked: \"Is Acme in good standing?\". Acme Lending LLC is a Delaware", 0) == 0);
  const std::string thread = first.json["threadId"];
  CHECK(thread.rfind("api-auto-101-", 0) == 0);
  CHECK(thread.size() == std::string("api-auto-101-").size() + 36);
  const std::string run = first.json["runId"];

  HttpResponse second = Chat(sb, "/api/v1/agents/101/conversations/" + thread + "/chat", Ask("And Texas?"));
  REQUIRE_STATUS(second, 200);
  CHECK(second.json["threadId"] == thread);
  CHECK(second.json["runId"] != run);
  CHECK(second.json["content"].get<std::string>().rfind("You asked: \"And Texas?\"", 0) == 0);

  // Each message is a run of the agent in the org's history, triggered by the API.
  HttpResponse list = sb.Get("/api/v1/agents/101/runs", Pat());
  REQUIRE_STATUS(list, 200);
  REQUIRE(list.json["runs"].size() == 2);
  CHECK(list.json["runs"][1]["temporalRunId"] == run);
  CHECK(list.json["runs"][1]["triggerType"] == "api");
  CHECK(list.json["runs"][1]["status"] == "completed");
}

TEST_CASE("modus chat: a failed run is a 502 naming it, bad requests and unknown threads are refused", "[http]") {
  SandboxProcess sb;
  HttpResponse failed = Chat(sb, "/api/v1/agents/101/chat", Ask("What about Nevada?"));
  REQUIRE_STATUS(failed, 502);
  CHECK(failed.json["error"]["code"] == "run_failed");
  CHECK(failed.json["error"]["message"] ==
        "search_registry failed: the Nevada business registry did not answer within 30 s");
  const std::string run = failed.json["error"]["runId"];
  CHECK(sb.Get("/agent/runs/" + run + "/events", Pat()).json["done"] == true);

  struct Case {
    Json body;
    const char* field;
  };
  for (const auto& c : std::vector<Case>{{Json{{"model", "gpt-5.2"}}, "message"},
                                         {Json{{"message", ""}, {"model", "gpt-5.2"}}, "message"},
                                         {Json{{"message", 5}, {"model", "gpt-5.2"}}, "message"},
                                         {Json{{"message", "hi"}}, "model"},
                                         {Json{{"message", "hi"}, {"model", "gpt-4"}}, "model"}}) {
    INFO(c.body.dump());
    HttpResponse r = Chat(sb, "/api/v1/agents/101/chat", c.body);
    CHECK(r.status == 400);
    CHECK(r.json["error"]["code"] == "invalid_argument");
    CHECK(r.json["error"]["field"] == c.field);
  }
  CHECK_STATUS(sb.Post("/api/v1/agents/101/chat", "not json", Pat()), 400);
  CHECK_STATUS(Chat(sb, "/api/v1/agents/999/chat", Ask("hi")), 404);
  CHECK_STATUS(Chat(sb, "/api/v1/agents/101/chat", Ask("hi"), {}), 401);

  const std::string thread = Chat(sb, "/api/v1/agents/101/chat", Ask("hi")).json["threadId"];
  const std::string uuid = thread.substr(std::string("api-auto-101-").size());
  CHECK_STATUS(Chat(sb, "/api/v1/agents/101/conversations/api-auto-101-nope/chat", Ask("hi")), 404);
  CHECK_STATUS(Chat(sb, "/api/v1/agents/101/conversations/" + uuid + "/chat", Ask("hi")), 404);
  CHECK_STATUS(Chat(sb, "/api/v1/agents/202/conversations/api-auto-202-" + uuid + "/chat", Ask("hi")), 404);
  CHECK_STATUS(Chat(sb, "/api/v1/agents/101/conversations/" + thread + "/chat", Ask("hi"), Pat(kOtherOrg)), 404);
}

TEST_CASE("modus chat: a workflow agent answers with its pending approval and starts afresh each time", "[http]") {
  SandboxProcess sb;
  HttpResponse r = Chat(sb, "/api/v1/agents/202/chat", Ask("Review Acme"));
  REQUIRE_STATUS(r, 200);
  CHECK(r.json["content"] == "Approve onboarding of Acme Lending LLC?");
  const std::string thread = r.json["threadId"];
  HttpResponse again = Chat(sb, "/api/v1/agents/202/conversations/" + thread + "/chat", Ask("Again"));
  REQUIRE_STATUS(again, 200);
  CHECK(again.json["threadId"] != thread);  // workflow threads are throw-away
  HttpResponse list = sb.Get("/api/v1/agents/202/runs?status=awaiting_human", Pat());
  CHECK(list.json["runs"].size() == 2);
}

TEST_CASE("modus chat: on a manual clock the call waits until the run has finished", "[http]") {
  SandboxProcess sb({{"--clock", "manual"}});
  HttpResponse answer;
  std::atomic<bool> answered{false};
  std::thread asking([&] {
    answer = Chat(sb, "/api/v1/agents/101/chat", Ask("Is Acme in good standing?"));
    answered = true;
  });
  // Moving the clock through the run's 3.7 s of scripted work lets the call return.
  HttpResponse moved;
  for (int i = 0; i < 100 && !answered; ++i) {
    moved = sb.Post("/_sandbox/clock/advance", R"({"by":"1s"})", {{"X-Sandbox-Namespace", "org-" + kOrg}});
    REQUIRE(moved.status == 200);
    if (i >= 4) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  asking.join();
  REQUIRE_STATUS(answer, 200);
  CHECK(answer.json["content"].get<std::string>().rfind("You asked:", 0) == 0);
}

}  // namespace http_modus_chat_test
