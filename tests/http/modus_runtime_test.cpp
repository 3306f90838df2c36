// The Modus runtime (docs/modus.md "Runtime"; spec section 5): POST
// /agent/runs as SSE or JSON, Idempotency-Key, the run stream with
// Last-Event-ID, the events long-poll, and approvals seen on a live stream.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "support/live_stream.h"
#include "support/sandbox_process.h"

namespace http_modus_runtime_test {

using sandbox::testing::LiveStream;
using sandbox::testing::SandboxOptions;
using sandbox::testing::SandboxProcess;
using Json = nlohmann::json;

namespace {

const std::string kOrg = "11111111-2222-4333-8444-555555555555";
const std::string kOtherOrg = "99999999-8888-4777-8666-555555555555";
const std::string kMessage = "Is Acme Lending LLC in good standing?";

httplib::Headers Pat(const std::string& org = kOrg) {
  return {{"Authorization", "Bearer modus_" + org + "_abc123_s3cret"}};
}

httplib::Headers With(httplib::Headers h, const std::string& name, const std::string& value) {
  h.emplace(name, value);
  return h;
}

Json Body(const std::string& message = kMessage, const std::string& session = "sess-1") {
  return {{"message", message}, {"sessionId", session}, {"organizationId", kOrg}};
}

struct Frame {
  std::string id;  // empty when the frame had no id line
  Json data;
};

// Parses a text/event-stream body; REQUIREs there is no `event:` line.
std::vector<Frame> ParseSse(const std::string& body) {
  std::vector<Frame> out;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t end = body.find("\n\n", pos);
    REQUIRE(end != std::string::npos);
    std::string block = body.substr(pos, end - pos);
    pos = end + 2;
    Frame f;
    size_t lp = 0;
    while (lp <= block.size()) {
      size_t nl = block.find('\n', lp);
      std::string line = block.substr(lp, nl == std::string::npos ? std::string::npos : nl - lp);
      if (line.rfind("id: ", 0) == 0)
        f.id = line.substr(4);
      else if (line.rfind("data: ", 0) == 0)
        f.data = Json::parse(line.substr(6));
      else
        FAIL("unexpected SSE line: " << line);
      if (nl == std::string::npos) break;
      lp = nl + 1;
    }
    out.push_back(f);
  }
  return out;
}

std::pair<int64_t, int64_t> CursorParts(const std::string& id) {
  auto dash = id.find('-');
  return {std::stoll(id.substr(0, dash)), std::stoll(id.substr(dash + 1))};
}

std::vector<Frame> WithoutHeartbeats(const std::vector<Frame>& frames) {
  std::vector<Frame> out;
  for (const auto& f : frames) {
    if (f.data["type"] != "heartbeat") out.push_back(f);
  }
  return out;
}


void CheckCursorsIncrease(const std::vector<Frame>& frames) {
  std::pair<int64_t, int64_t> prev{-1, -1};
  for (const auto& f : frames) {
    REQUIRE_FALSE(f.id.empty());
    auto c = CursorParts(f.id);
    CHECK(c > prev);
    CHECK(c.first >= prev.first);
    prev = c;
  }
}

}  // namespace

TEST_CASE("modus runtime: POST /agent/runs streams the task agent's run to done", "[http]") {
  SandboxProcess sb;
  auto r = sb.Post("/agent/runs", Body().dump(), Pat());
  REQUIRE_STATUS(r, 200);
  auto frames = WithoutHeartbeats(ParseSse(r.body));
  REQUIRE(frames.size() > 3);
  CheckCursorsIncrease(frames);
  std::string text;
  std::vector<std::string> kinds;
  for (const auto& f : frames) {
    kinds.push_back(f.data["type"]);
    if (f.data["type"] == "token") text += f.data["content"].get<std::string>();
  }
  CHECK(text.rfind("You asked: \"" + kMessage + "\". Acme Lending LLC is a Delaware", 0) == 0);
  CHECK(text.find("{{") == std::string::npos);
  CHECK(kinds.front() == "notice");
  CHECK(frames.front().data == Json{{"type", "notice"},
                                    {"message", "Searching the Delaware and Texas business registries"},
                                    {"severity", "info"}});
  auto tool_start = std::find(kinds.begin(), kinds.end(), "tool_start");
  auto tool_end = std::find(kinds.begin(), kinds.end(), "tool_end");
  REQUIRE(tool_start != kinds.end());
  REQUIRE(tool_end != kinds.end());
  CHECK(tool_start < tool_end);
  const Json& start = frames[tool_start - kinds.begin()].data;
  CHECK(start["name"] == "search_registry");
  CHECK(start["input"]["query"] == kMessage);
  CHECK(frames[tool_end - kinds.begin()].data["output"]["matches"].size() == 2);
  // done is last, and once.
  CHECK(kinds.back() == "done");
  CHECK(std::count(kinds.begin(), kinds.end(), "done") == 1);
  const Json& done = frames.back().data;
  CHECK(done["threadId"] == "sess-1");
  // The runtime run id is the management API's temporalRunId.
  auto run = sb.Get("/api/v1/agents/101/runs/wf_101_run_1", Pat());
  REQUIRE_STATUS(run, 200);
  CHECK(run.json["temporalRunId"] == done["runId"]);
  CHECK(run.json["triggerType"] == "api");
  CHECK(run.json["status"] == "completed");
}

TEST_CASE("modus runtime: the tool_failure scenario ends with an error frame", "[http]") {
  SandboxProcess sb;
  auto r = sb.Post("/agent/runs", Body("Is Acme registered in Nevada?").dump(), Pat());
  REQUIRE_STATUS(r, 200);
  auto frames = WithoutHeartbeats(ParseSse(r.body));
  REQUIRE(!frames.empty());
  CheckCursorsIncrease(frames);
  CHECK(frames.back().data ==
        Json{{"type", "error"},
             {"error", "search_registry failed: the Nevada business registry did not answer within 30 s"}});
  for (size_t i = 0; i + 1 < frames.size(); ++i) CHECK(frames[i].data["type"] != "done");
}

TEST_CASE("modus runtime: Accept application/json answers 201 with runId and status", "[http]") {
  SandboxProcess sb;
  auto r = sb.Post("/agent/runs", Body().dump(), With(Pat(), "Accept", "application/json"));
  REQUIRE_STATUS(r, 201);
  CHECK(r.json["status"] == "completed");
  std::string run_id = r.json["runId"];
  auto run = sb.Get("/api/v1/agents/101/runs/wf_101_run_1", Pat());
  CHECK(run.json["temporalRunId"] == run_id);
  // Its stream replays the whole run.
  auto s = sb.Get("/agent/runs/" + run_id + "/stream", Pat());
  REQUIRE_STATUS(s, 200);
  CHECK(WithoutHeartbeats(ParseSse(s.body)).back().data["type"] == "done");
}

TEST_CASE("modus runtime: bad requests", "[http]") {
  SandboxProcess sb;
  auto json = With(Pat(), "Accept", "application/json");
  CHECK_STATUS(sb.Post("/agent/runs", Body().dump(), {}), 401);
  auto mismatch = Body();
  mismatch["organizationId"] = kOtherOrg;
  auto forbidden = sb.Post("/agent/runs", mismatch.dump(), Pat());
  REQUIRE_STATUS(forbidden, 403);
  CHECK(forbidden.json["error"]["code"] == "permission_denied");
  for (const std::string field : {"message", "sessionId", "organizationId"}) {
    INFO(field);
    auto b = Body();
    b.erase(field);
    auto r = sb.Post("/agent/runs", b.dump(), json);
    REQUIRE_STATUS(r, 400);
    CHECK(r.json["error"]["code"] == "invalid_argument");
    CHECK(r.json["error"]["field"] == field);
    b[field] = "";
    CHECK_STATUS(sb.Post("/agent/runs", b.dump(), json), 400);
  }
  auto action = Body();
  action["action"] = "summarize";
  auto bad_action = sb.Post("/agent/runs", action.dump(), json);
  REQUIRE_STATUS(bad_action, 400);
  CHECK(bad_action.json["error"]["field"] == "action");
  action["action"] = "chat";
  CHECK_STATUS(sb.Post("/agent/runs", action.dump(), json), 201);
  CHECK_STATUS(sb.Post("/agent/runs", "{not json", json), 400);
  auto agent = Body();
  agent["agentId"] = 999;
  CHECK_STATUS(sb.Post("/agent/runs", agent.dump(), json), 404);
  // Malformed Last-Event-ID.
  auto created = sb.Post("/agent/runs", Body().dump(), json);
  std::string id = created.json["runId"];
  CHECK_STATUS(sb.Get("/agent/runs/" + id + "/stream", With(Pat(), "Last-Event-ID", "abc")), 400);
  CHECK_STATUS(sb.Get("/agent/runs/" + id + "/events", With(Pat(), "Last-Event-ID", "12")), 400);
  CHECK_STATUS(sb.Get("/agent/runs/" + id + "/events?waitMs=soon", Pat()), 400);
  // Unknown run, and another org's run: 404.
  CHECK_STATUS(sb.Get("/agent/runs/nope/stream", Pat()), 404);
  auto other = sb.Get("/agent/runs/" + id + "/stream", Pat(kOtherOrg));
  REQUIRE_STATUS(other, 404);
  CHECK(other.json["error"]["code"] == "not_found");
  CHECK_STATUS(sb.Get("/agent/runs/" + id + "/events", Pat(kOtherOrg)), 404);
}

TEST_CASE("modus runtime: Idempotency-Key attaches to the run, or conflicts on another body", "[http]") {
  SandboxProcess sb;
  auto keyed = With(Pat(), "Idempotency-Key", "key-1");
  auto first = sb.Post("/agent/runs", Body().dump(), keyed);
  REQUIRE_STATUS(first, 200);
  // Same body, keys in another order: the same run, replayed, no new run.
  Json reordered = {{"organizationId", kOrg}, {"sessionId", "sess-1"}, {"message", kMessage}};
  auto again = sb.Post("/agent/runs", reordered.dump(), keyed);
  REQUIRE_STATUS(again, 200);
  CHECK(again.body == first.body);
  auto as_json = sb.Post("/agent/runs", Body().dump(), With(keyed, "Accept", "application/json"));
  REQUIRE_STATUS(as_json, 201);
  CHECK(as_json.json["runId"] == WithoutHeartbeats(ParseSse(first.body)).back().data["runId"]);
  CHECK(sb.Get("/api/v1/agents/101/runs", Pat()).json["runs"].size() == 1);
  // Another body: a single error frame.
  auto conflict = sb.Post("/agent/runs", Body("another question").dump(), keyed);
  REQUIRE_STATUS(conflict, 200);
  CHECK(conflict.body ==
        "data: {\"type\":\"error\",\"error\":\"409 conflict: Idempotency-Key reused with a different body\"}\n\n");
  auto conflict_json =
      sb.Post("/agent/runs", Body("another question").dump(), With(keyed, "Accept", "application/json"));
  REQUIRE_STATUS(conflict_json, 409);
  CHECK(conflict_json.json["error"]["code"] == "conflict");
  CHECK(sb.Get("/api/v1/agents/101/runs", Pat()).json["runs"].size() == 1);
  // Another key: a new run.
  REQUIRE_STATUS(sb.Post("/agent/runs", Body().dump(), With(Pat(), "Idempotency-Key", "key-2")), 200);
  CHECK(sb.Get("/api/v1/agents/101/runs", Pat()).json["runs"].size() == 2);
  // Keys are per org: the other org's key-1 is free.
  Json other = Body();
  other["organizationId"] = kOtherOrg;
  auto other_run = sb.Post("/agent/runs", other.dump(),
                           With(With(Pat(kOtherOrg), "Idempotency-Key", "key-1"), "Accept", "application/json"));
  REQUIRE_STATUS(other_run, 201);
  CHECK(other_run.json["runId"] != as_json.json["runId"]);
}

TEST_CASE("modus runtime: the stream resumes after Last-Event-ID without losing or repeating frames", "[http]") {
  SandboxProcess sb;
  auto created = sb.Post("/agent/runs", Body().dump(), With(Pat(), "Accept", "application/json"));
  REQUIRE_STATUS(created, 201);
  std::string path = "/agent/runs/" + created.json["runId"].get<std::string>() + "/stream";
  auto full = WithoutHeartbeats(ParseSse(sb.Get(path, Pat()).body));
  REQUIRE(full.size() > 4);
  CHECK(WithoutHeartbeats(ParseSse(sb.Get(path, With(Pat(), "Last-Event-ID", "0")).body)).size() == full.size());
  size_t mid = full.size() / 2;
  auto rest = WithoutHeartbeats(ParseSse(sb.Get(path, With(Pat(), "Last-Event-ID", full[mid].id)).body));
  REQUIRE(rest.size() == full.size() - mid - 1);
  for (size_t i = 0; i < rest.size(); ++i) {
    CHECK(rest[i].id == full[mid + 1 + i].id);
    CHECK(rest[i].data == full[mid + 1 + i].data);
  }
  // After the last frame of an ended run: 204, which tells an EventSource
  // to stop reconnecting; one frame before it, that frame alone.
  auto none = sb.Get(path, With(Pat(), "Last-Event-ID", full.back().id));
  REQUIRE_STATUS(none, 204);
  CHECK(none.body.empty());
  auto last = WithoutHeartbeats(ParseSse(sb.Get(path, With(Pat(), "Last-Event-ID", full[full.size() - 2].id)).body));
  REQUIRE(last.size() == 1);
  CHECK(last[0].id == full.back().id);
}

TEST_CASE("modus runtime: reattaching by Idempotency-Key resumes after Last-Event-ID", "[http]") {
  SandboxProcess sb;
  auto keyed = With(Pat(), "Idempotency-Key", "key-r");
  auto first = sb.Post("/agent/runs", Body().dump(), keyed);
  REQUIRE_STATUS(first, 200);
  auto full = WithoutHeartbeats(ParseSse(first.body));
  REQUIRE(full.size() > 4);
  const size_t mid = full.size() / 2;
  auto rest = WithoutHeartbeats(
      ParseSse(sb.Post("/agent/runs", Body().dump(), With(keyed, "Last-Event-ID", full[mid].id)).body));
  REQUIRE(rest.size() == full.size() - mid - 1);
  CHECK(rest.front().id == full[mid + 1].id);
  CHECK(rest.back().data == full.back().data);
  // Past the end: 204, like the stream route; a malformed cursor: 400.
  CHECK_STATUS(sb.Post("/agent/runs", Body().dump(), With(keyed, "Last-Event-ID", full.back().id)), 204);
  CHECK_STATUS(sb.Post("/agent/runs", Body().dump(), With(keyed, "Last-Event-ID", "abc")), 400);
  // Without a key there is nothing to reattach to: the header is ignored,
  // and a new run streams whole.
  auto fresh = sb.Post("/agent/runs", Body().dump(), With(Pat(), "Last-Event-ID", full[mid].id));
  REQUIRE_STATUS(fresh, 200);
  CHECK(WithoutHeartbeats(ParseSse(fresh.body)).size() == full.size());
}

TEST_CASE("modus runtime: an approval on a live stream, two watchers, and the long-poll", "[http]") {
  SandboxProcess sb;
  Json body = Body("Please review Acme", "sess-wf");
  body["agentId"] = 202;
  LiveStream post(sb, "POST", "/agent/runs", Pat(), body.dump());
  REQUIRE(post.WaitFor("awaitingHuman"));
  auto waiting = sb.Get("/api/v1/agents/202/runs/wf_202_run_1", Pat());
  REQUIRE_STATUS(waiting, 200);
  CHECK(waiting.json["status"] == "awaiting_human");
  std::string run_id = waiting.json["temporalRunId"];
  LiveStream watcher_a(sb, "GET", "/agent/runs/" + run_id + "/stream", Pat());
  LiveStream watcher_b(sb, "GET", "/agent/runs/" + run_id + "/stream", Pat());
  REQUIRE(watcher_a.WaitFor("awaitingHuman"));
  REQUIRE(watcher_b.WaitFor("awaitingHuman"));
  CHECK_FALSE(post.ended());

  // The long-poll: everything so far, not done; then nothing new at once.
  auto polled = sb.Get("/agent/runs/" + run_id + "/events", Pat());
  REQUIRE_STATUS(polled, 200);
  CHECK(polled.json["done"] == false);
  REQUIRE(!polled.json["events"].empty());
  std::string last = polled.json["lastEventId"];
  CHECK(polled.json["events"].back()["id"] == last);
  CHECK(polled.json["events"].back()["data"]["awaitingHuman"] == true);
  auto idle = sb.Get("/agent/runs/" + run_id + "/events", With(Pat(), "Last-Event-ID", last));
  REQUIRE_STATUS(idle, 200);
  CHECK(idle.json["events"].empty());
  CHECK(idle.json["lastEventId"] == last);
  // A waiting long-poll wakes when the approval lands.
  std::atomic<bool> poll_done{false};
  sandbox::testing::HttpResponse woken;
  std::thread poller([&] {
    woken = sb.Get("/agent/runs/" + run_id + "/events?waitMs=20000", With(Pat(), "Last-Event-ID", last));
    poll_done = true;
  });
  CHECK_FALSE(post.ended());
  auto approved = sb.Post("/api/v1/agents/202/runs/wf_202_run_1/approval", R"({"decision":"approve"})", Pat());
  REQUIRE_STATUS(approved, 200);
  CHECK(approved.json["status"] == "completed");
  poller.join();
  REQUIRE_STATUS(woken, 200);
  REQUIRE(!woken.json["events"].empty());

  auto frames = WithoutHeartbeats(ParseSse(post.Finish()));
  CHECK(post.status() == 200);
  CheckCursorsIncrease(frames);
  REQUIRE(!frames.empty());
  CHECK(frames.back().data["type"] == "done");
  CHECK(frames.back().data["runId"] == run_id);
  CHECK(frames.back().data["threadId"] == "sess-wf");
  auto notice =
      std::find_if(frames.begin(), frames.end(), [](const Frame& f) { return f.data.contains("awaitingHuman"); });
  REQUIRE(notice != frames.end());
  CHECK(notice->data == Json{{"type", "notice"},
                             {"message", "Approve onboarding of Acme Lending LLC?"},
                             {"severity", "warning"},
                             {"awaitingHuman", true}});
  // Two watchers: identical frames (heartbeats aside), the same as the POST's.
  auto a = WithoutHeartbeats(ParseSse(watcher_a.Finish()));
  auto b = WithoutHeartbeats(ParseSse(watcher_b.Finish()));
  REQUIRE(a.size() == frames.size());
  REQUIRE(b.size() == frames.size());
  for (size_t i = 0; i < frames.size(); ++i) {
    CHECK(a[i].id == frames[i].id);
    CHECK(b[i].id == frames[i].id);
    CHECK(a[i].data == frames[i].data);
    CHECK(b[i].data == frames[i].data);
  }
  // The long-poll, from the start once done.
  auto all = sb.Get("/agent/runs/" + run_id + "/events?waitMs=0", Pat());
  CHECK(all.json["done"] == true);
  CHECK(all.json["events"].size() == frames.size());
  CHECK(all.json["lastEventId"] == frames.back().id);
  auto after_end =
      sb.Get("/agent/runs/" + run_id + "/events?waitMs=20000", With(Pat(), "Last-Event-ID", frames.back().id));
  CHECK(after_end.json["events"].empty());
  CHECK(after_end.json["done"] == true);
}

TEST_CASE("replay prints a Modus runtime run as GET /agent/runs/{id}/stream sends it, or in AG-UI on request",
          "[http]") {
  sandbox::testing::TempDir dir;
  std::string run_id, live;
  {
    SandboxProcess sb(SandboxOptions{.db = dir.File("m.db")});
    auto r = sb.Post("/agent/runs", Body().dump(), With(Pat(), "Accept", "application/json"));
    REQUIRE_STATUS(r, 201);
    run_id = r.json["runId"];
    auto s = sb.Get("/agent/runs/" + run_id + "/stream", Pat());
    REQUIRE_STATUS(s, 200);
    live = s.body;
    REQUIRE(sb.Stop() == 0);
  }
  auto replay = sandbox::testing::RunCli({"replay", "--db", dir.File("m.db"), "--run", run_id});
  REQUIRE(replay.exit_code == 0);
  auto replayed = ParseSse(replay.out);
  auto sent = WithoutHeartbeats(ParseSse(live));
  REQUIRE(replayed.size() == sent.size());
  for (size_t i = 0; i < sent.size(); ++i) {
    CHECK(replayed[i].id == sent[i].id);
    CHECK(replayed[i].data == sent[i].data);
  }
  CHECK(replayed.back().data["type"] == "done");
  // The same log as the Middesk dialect would stream it.
  auto agui = sandbox::testing::RunCli({"replay", "--db", dir.File("m.db"), "--run", run_id, "--dialect", "middesk"});
  REQUIRE(agui.exit_code == 0);
  CHECK(agui.out.rfind("id: 1\nevent: RUN_STARTED\n", 0) == 0);
  auto bad = sandbox::testing::RunCli({"replay", "--db", dir.File("m.db"), "--run", run_id, "--dialect", "soap"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err == "agent-sandbox: --dialect must be middesk or modus, got \"soap\"\n");
}

TEST_CASE("modus runtime: POST /agent/workflow-actions streams the scenario that scripts the action", "[http]") {
  SandboxProcess sb;
  Json body{{"organizationId", kOrg},
            {"sessionId", "sess-wa"},
            {"workflowAction", {{"toolId", "check_good_standing"}, {"toolName", "Check standing"}}},
            {"previousOutputs", {{{"step", 1}}}}};
  auto r = sb.Post("/agent/workflow-actions", body.dump(), With(Pat(), "Idempotency-Key", "wa-1"));
  REQUIRE_STATUS(r, 200);
  auto frames = WithoutHeartbeats(ParseSse(r.body));
  CheckCursorsIncrease(frames);
  REQUIRE(frames.size() > 3);
  CHECK(frames.front().data == Json{{"type", "tool_start"},
                                    {"name", "lookup_registration"},
                                    {"input", {{"entity", "Acme Lending LLC"},
                                               {"jurisdiction", "DE"},
                                               {"action", "Check standing"}}}});
  std::string text;
  for (const auto& f : frames) {
    if (f.data["type"] == "token") text += f.data["content"].get<std::string>();
  }
  CHECK(text == "Acme Lending LLC is in good standing in Delaware (file 7712345). Earlier outputs: [{\"step\":1}]");
  CHECK(frames.back().data["type"] == "done");
  CHECK(frames.back().data["threadId"] == "sess-wa");
  const std::string run_id = frames.back().data["runId"];

  // A run of the agent whose scenario scripts it, with the task result its templates made.
  auto run = sb.Get("/api/v1/agents/101/runs/wf_101_run_1", Pat());
  REQUIRE_STATUS(run, 200);
  CHECK(run.json["temporalRunId"] == run_id);
  CHECK(run.json["status"] == "completed");
  // The same Idempotency-Key is the same run; a chat run never plays the action's scenario.
  auto again = sb.Post("/agent/workflow-actions", body.dump(),
                       With(With(Pat(), "Idempotency-Key", "wa-1"), "Accept", "application/json"));
  REQUIRE_STATUS(again, 201);
  CHECK(again.json["runId"] == run_id);
  auto chat = sb.Post("/agent/runs", Body().dump(), Pat());
  REQUIRE_STATUS(chat, 200);
  CHECK(WithoutHeartbeats(ParseSse(chat.body)).front().data["type"] == "notice");
}

TEST_CASE("modus runtime: workflow actions nobody scripts, or asked for badly, are refused", "[http]") {
  SandboxProcess sb;
  auto post = [&](const Json& body, const std::string& org = kOrg) {
    return sb.Post("/agent/workflow-actions", body.dump(), Pat(org));
  };
  Json ok{{"organizationId", kOrg}, {"sessionId", "s"}, {"workflowAction", {{"toolId", "check_good_standing"}}}};
  auto unknown = ok;
  unknown["workflowAction"] = {{"toolId", "send_invoice"}, {"toolName", "Send"}};
  auto r = post(unknown);
  REQUIRE_STATUS(r, 404);
  CHECK(r.json == Json{{"error",
                        {{"code", "not_found"},
                         {"message",
                          "no scenario scripts the workflow action with toolId \"send_invoice\", toolName \"Send\" (a "
                          "scenario's `workflow_action` in the fixtures, docs/modus.md)"},
                         {"field", "workflowAction"}}}});
  auto other_agent = ok;
  other_agent["agentId"] = 202;  // the workflow agent scripts no action
  CHECK_STATUS(post(other_agent), 404);
  other_agent["agentId"] = 999;
  r = post(other_agent);
  REQUIRE_STATUS(r, 404);
  CHECK(r.json["error"]["field"] == "agentId");
  auto bad = [&](Json body, const std::string& field) {
    auto res = post(body);
    CHECK_STATUS(res, 400);
    CHECK(res.json["error"]["field"] == field);
  };
  Json b = ok;
  b.erase("workflowAction");
  bad(b, "workflowAction");
  b = ok;
  b["workflowAction"] = "check_good_standing";
  bad(b, "workflowAction");
  b = ok;
  b["workflowAction"] = Json::object();
  bad(b, "workflowAction");
  b = ok;
  b["workflowAction"]["toolName"] = 7;
  bad(b, "workflowAction");
  b = ok;
  b.erase("sessionId");
  bad(b, "sessionId");
  b = ok;
  b["previousOutputs"] = "x";
  bad(b, "previousOutputs");
  b = ok;
  b["source"] = "robot";
  bad(b, "source");
  b = ok;
  b["agentId"] = "101";
  bad(b, "agentId");
  auto mismatch = ok;
  mismatch["organizationId"] = kOtherOrg;
  CHECK_STATUS(post(mismatch), 403);
  CHECK_STATUS(sb.Post("/agent/workflow-actions", ok.dump(), {}), 401);
}

}  // namespace http_modus_runtime_test
