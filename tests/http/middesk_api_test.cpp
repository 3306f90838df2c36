// The rest of the Middesk Agents API over real HTTP: agents, lists and
// pagination, feedback, actions (and how they answer interrupts), the AG-UI
// stream (replay, Last-Event-ID, live follow across an interrupt), and
// concurrent resumes.
#include <catch2/catch.hpp>

#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "support/live_stream.h"
#include "support/raw_client.h"
#include "support/sandbox_process.h"

namespace http_middesk_api_test {

using sandbox::testing::AuthHeaders;
using sandbox::testing::HttpResponse;
using sandbox::testing::SandboxOptions;
using sandbox::testing::SandboxProcess;
using Json = nlohmann::json;

namespace {

const std::string kBusiness = "8d1c4f0e-2b6a-4c1e-9f7d-3a5b6c7d8e9f";

Json CreateRun(const SandboxProcess& sb, const std::string& type, const std::string& business = kBusiness) {
  auto r = sb.Post("/v1/runs", Json{{"type", type}, {"business_id", business}}.dump());
  REQUIRE_STATUS(r, 201);
  return r.json;
}

Json GetRun(const SandboxProcess& sb, const std::string& id, bool steps = false) {
  auto r = sb.Get("/v1/runs/" + id + (steps ? "?include=steps" : ""));
  REQUIRE_STATUS(r, 200);
  return r.json;
}

// Every artifact of a run's step tree, depth first.
void CollectArtifacts(const Json& steps, std::vector<Json>& out) {
  for (const auto& s : steps) {
    for (const auto& a : s["artifacts"]) out.push_back(a);
    CollectArtifacts(s["steps"], out);
  }
}

struct Frame {
  std::string id, event;
  Json data;
};

// Parses SSE text into frames (comments dropped).
std::vector<Frame> ParseFrames(const std::string& text) {
  std::vector<Frame> frames;
  Frame cur;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) break;
    std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.empty()) {
      if (!cur.event.empty()) frames.push_back(cur);
      cur = Frame{};
    } else if (line.rfind("id: ", 0) == 0) {
      cur.id = line.substr(4);
    } else if (line.rfind("event: ", 0) == 0) {
      cur.event = line.substr(7);
    } else if (line.rfind("data: ", 0) == 0) {
      cur.data = Json::parse(line.substr(6));
    }
  }
  return frames;
}

std::string ReadStream(const SandboxProcess& sb, const std::string& run_id, httplib::Headers headers = AuthHeaders()) {
  auto client = sb.client();
  std::string body;
  auto res = client.Get(("/v1/runs/" + run_id + "/stream").c_str(), headers, [&](const char* data, size_t n) {
    body.append(data, n);
    return true;
  });
  REQUIRE(res);
  REQUIRE(res->status == 200);
  CHECK(res->get_header_value("Content-Type") == "text/event-stream");
  return body;
}

}  // namespace

TEST_CASE("agents are listed from the fixtures and found by id or type", "[http]") {
  SandboxProcess sb;
  auto list = sb.Get("/v1/agents");
  REQUIRE_STATUS(list, 200);
  // Fixture files load in name order, agents as written.
  REQUIRE(list.json["data"].size() == 5);
  std::vector<std::string> types;
  for (const auto& a : list.json["data"]) types.push_back(a["type"]);
  CHECK(types == std::vector<std::string>{"address_verification", "cip_orchestrator", "kyb_research_assistant",
                                          "onboarding_review_workflow", "watchlist_resolution"});
  const Json& cip = list.json["data"][1];
  CHECK(cip["object"] == "agent");
  CHECK(cip["name"] == "CIP Orchestrator");
  CHECK(cip["created_at"] == "2026-01-01T00:00:00.000Z");
  CHECK(sb.Get("/v1/agents/" + cip["id"].get<std::string>()).json == cip);
  CHECK(sb.Get("/v1/agents/cip_orchestrator").json == cip);
  auto missing = sb.Get("/v1/agents/nope");
  CHECK_STATUS(missing, 404);
  CHECK(missing.body == R"({"errors":[{"message":"agent not found","parameter":"id"}]})");
}

TEST_CASE("runs and threads list newest first with page, per_page, has_more and total_count", "[http]") {
  SandboxProcess sb;
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(CreateRun(sb, "address_verification")["id"]);
  auto page1 = sb.Get("/v1/runs?per_page=2");
  REQUIRE_STATUS(page1, 200);
  CHECK(page1.json["object"] == "list");
  CHECK(page1.json["total_count"] == 5);
  CHECK(page1.json["has_more"] == true);
  REQUIRE(page1.json["data"].size() == 2);
  CHECK(page1.json["data"][0]["id"] == ids[4]);
  CHECK(page1.json["data"][1]["id"] == ids[3]);
  CHECK_FALSE(page1.json["data"][0].contains("steps"));
  auto page3 = sb.Get("/v1/runs?per_page=2&page=3");
  REQUIRE(page3.json["data"].size() == 1);
  CHECK(page3.json["data"][0]["id"] == ids[0]);
  CHECK(page3.json["has_more"] == false);
  auto beyond = sb.Get("/v1/runs?page=9");
  CHECK(beyond.json["data"].empty());
  CHECK(beyond.json["has_more"] == false);
  CHECK(sb.Get("/v1/runs").json["data"].size() == 5);  // default per_page is 100

  auto other = "11111111-2222-4333-8444-555555555555";
  CreateRun(sb, "address_verification", other);
  auto threads = sb.Get(std::string("/v1/threads?business_id=") + other);
  REQUIRE_STATUS(threads, 200);
  CHECK(threads.json["total_count"] == 1);
  CHECK(sb.Get("/v1/threads").json["total_count"] == 6);
}

TEST_CASE("bad pagination values are 422 naming the parameter", "[http]") {
  SandboxProcess sb;
  for (const char* q : {"page=0", "page=-1", "page=abc", "page=1.5"}) {
    INFO(q);
    auto r = sb.Get(std::string("/v1/runs?") + q);
    CHECK_STATUS(r, 422);
    CHECK(r.json["errors"][0]["parameter"] == "page");
  }
  for (const char* q : {"per_page=0", "per_page=101", "per_page=x"}) {
    INFO(q);
    auto r = sb.Get(std::string("/v1/threads?") + q);
    CHECK_STATUS(r, 422);
    CHECK(r.json["errors"][0]["parameter"] == "per_page");
  }
  CHECK_STATUS(sb.Get("/v1/threads?business_id=not-a-uuid"), 422);
}

TEST_CASE("a thread's steps are its runs' steps, with or without include=steps", "[http]") {
  SandboxProcess sb;
  Json run = CreateRun(sb, "address_verification");
  std::string thread = run["thread_id"];
  sb.Post("/v1/runs", Json{{"type", "address_verification"}, {"thread_id", thread}}.dump());
  auto plain = sb.Get("/v1/threads/" + thread);
  auto with = sb.Get("/v1/threads/" + thread + "?include=steps");
  REQUIRE_STATUS(with, 200);
  CHECK(plain.body == with.body);
  CHECK_STATUS(sb.Get("/v1/threads/" + thread + "?include=stpes"), 422);
  // A list item stays a summary, without steps.
  CHECK_FALSE(sb.Get("/v1/threads").json["data"][0].contains("steps"));
  // address_verification has four top-level steps; two runs give eight.
  REQUIRE(with.json["steps"].size() == 8);
  CHECK(with.json["steps"][0]["run_id"] == run["id"]);
  CHECK(with.json["steps"][4]["run_id"] != run["id"]);
}

TEST_CASE("feedback rates an artifact, trims comments and supersedes the same reviewer's rating", "[http]") {
  SandboxProcess sb;
  std::string run = CreateRun(sb, "address_verification")["id"];
  Json done = GetRun(sb, run);
  std::string artifact = done["output"]["artifacts"][0]["id"];
  auto post = [&](Json body, httplib::Headers h = AuthHeaders()) {
    return sb.Post("/v1/runs/" + run + "/feedback", body.dump(), h);
  };
  auto first = post({{"rating", "POSITIVE"}, {"artifact_id", artifact}, {"comment", "  solid  "}});
  REQUIRE_STATUS(first, 201);
  CHECK(first.json["object"] == "run_feedback");
  CHECK(first.json["comment"] == "solid");
  CHECK(first.json["superseded_prior"] == false);
  CHECK(first.json["reviewer"]["type"] == "Account");
  CHECK(first.json["run_id"] == run);
  auto second = post({{"rating", "NEGATIVE"}, {"artifact_id", artifact}, {"comment", "   "}});
  REQUIRE_STATUS(second, 201);
  CHECK(second.json["comment"].is_null());
  CHECK(second.json["superseded_prior"] == true);
  CHECK(second.json["id"] != first.json["id"]);
  // Another reviewer (a User, through the sandbox's header) supersedes nothing.
  auto h = AuthHeaders();
  h.emplace("X-Sandbox-User", "ana@example.com");
  auto user = post({{"rating", "POSITIVE"}, {"artifact_id", artifact}}, h);
  REQUIRE_STATUS(user, 201);
  CHECK(user.json["reviewer"]["type"] == "User");
  CHECK(user.json["superseded_prior"] == false);

  struct Case {
    Json body;
    const char* parameter;
  };
  std::vector<Case> bad = {
      {{{"artifact_id", artifact}}, "rating"},
      {{{"rating", "GOOD"}, {"artifact_id", artifact}}, "rating"},
      {{{"rating", "POSITIVE"}}, "artifact_id"},
      {{{"rating", "POSITIVE"}, {"artifact_id", "x"}}, "artifact_id"},
      {{{"rating", "POSITIVE"}, {"artifact_id", kBusiness}}, "artifact_id"},
      {{{"rating", "POSITIVE"}, {"artifact_id", artifact}, {"comment", std::string(5001, 'a')}}, "comment"},
      {{{"rating", "POSITIVE"}, {"artifact_id", artifact}, {"comment", 5}}, "comment"},
  };
  for (const auto& c : bad) {
    INFO(c.body.dump().substr(0, 120));
    auto r = post(c.body);
    CHECK_STATUS(r, 422);
    CHECK(r.json["errors"][0]["parameter"] == c.parameter);
  }
  CHECK_STATUS(post({{"rating", "POSITIVE"}, {"artifact_id", artifact}, {"comment", std::string(5000, 'a')}}), 201);
  CHECK_STATUS(
      sb.Post("/v1/runs/" + kBusiness + "/feedback", Json{{"rating", "POSITIVE"}, {"artifact_id", artifact}}.dump()),
      404);
}

TEST_CASE("a decision action on an interrupted run answers its interrupt and resumes it", "[http]") {
  SandboxProcess sb;
  std::string run = CreateRun(sb, "cip_orchestrator")["id"];
  REQUIRE(GetRun(sb, run)["status"] == "interrupted");
  auto action = sb.Post("/v1/actions", Json{{"object_type", "businesses"},
                                            {"object_id", kBusiness},
                                            {"type", "decision"},
                                            {"run_id", run},
                                            {"payload", {{"status", "rejected"}}},
                                            {"note", "Reviewer disagrees"}}
                                           .dump());
  REQUIRE_STATUS(action, 201);
  CHECK(action.json["object_type"] == "Business");
  CHECK(action.json["note"] == "Reviewer disagrees");
  CHECK(
      action.json["effects"] ==
      Json::parse(
          R"([{"operation":"updated","diff":{"status":["in_review","rejected"]},"target":{"object":"business","id":")" +
          kBusiness + R"("}}])"));
  REQUIRE(action.json["actors"].size() == 2);
  CHECK(action.json["actors"][0]["actor_type"] == "account");
  CHECK(action.json["actors"][1]["actor_type"] == "run");
  CHECK(action.json["actors"][1]["data"]["id"] == run);

  Json done = GetRun(sb, run, true);
  CHECK(done["status"] == "completed");
  bool rejected_branch = false;
  for (const auto& s : done["steps"]) rejected_branch = rejected_branch || s["name"] == "record_rejection";
  CHECK(rejected_branch);

  // The action is listed and retrieved through its object.
  std::string q = "?object_type=businesses&object_id=" + kBusiness;
  auto list = sb.Get("/v1/actions" + q);
  REQUIRE_STATUS(list, 200);
  CHECK(list.json["object"] == "list");
  CHECK(list.json["url"] == "/v1/actions");
  REQUIRE(list.json["data"].size() == 1);
  CHECK(sb.Get("/v1/actions/" + action.json["id"].get<std::string>() + q).json == action.json);
  CHECK_STATUS(sb.Get("/v1/actions/" + action.json["id"].get<std::string>() +
                      "?object_type=businesses&object_id=11111111-2222-4333-8444-555555555555"),
               404);
  CHECK_STATUS(sb.Get("/v1/actions"), 400);
  CHECK_STATUS(sb.Get("/v1/actions?object_type=people&object_id=" + kBusiness), 400);
}

TEST_CASE("action rules: final status first, no repeated decision, dismissals need a note", "[http]") {
  SandboxProcess sb;
  CreateRun(sb, "address_verification");
  auto act = [&](Json body) {
    body["object_id"] = body.value("object_id", kBusiness);
    body["object_type"] = body.value("object_type", "businesses");
    return sb.Post("/v1/actions", body.dump());
  };
  Json sources = {
      {"sources",
       {{{"source_type", "faa_airmen_certificate"}, {"people", {{{"name", "Kyle Mack"}, {"titles", {"Agent"}}}}}}}}};
  auto early = act({{"type", "add_sources"}, {"payload", sources}});
  CHECK_STATUS(early, 422);
  CHECK(early.json["errors"][0]["message"] == "business must be approved or rejected first (status: in_review)");
  REQUIRE_STATUS(act({{"type", "decision"}, {"payload", {{"status", "approved"}}}}), 201);
  auto again = act({{"type", "decision"}, {"payload", {{"status", "approved"}}}});
  CHECK_STATUS(again, 422);
  CHECK(again.json["errors"][0]["message"] == "business is already approved");
  auto added = act({{"type", "add_sources"}, {"payload", sources}});
  REQUIRE_STATUS(added, 201);
  CHECK(added.json["effects"][0]["operation"] == "created");
  CHECK(added.json["effects"][0]["target"]["object"] == "faa_airmen_certificate");
  REQUIRE_STATUS(act({{"type", "verify_tin"}, {"payload", Json::object()}}), 201);
  CHECK_STATUS(act({{"type", "verify_tin"}, {"payload", Json::object()}}), 422);
  REQUIRE_STATUS(act({{"type", "add_attributes"}, {"payload", {{"addresses", {{{"full_address", "1 Main St"}}}}}}}),
                 201);

  struct Case {
    Json body;
    int status;
    const char* parameter;
  };
  std::vector<Case> bad = {
      {{{"type", "teleport"}, {"payload", Json::object()}}, 400, "type"},
      {{{"type", "decision"}, {"object_type", "people"}, {"payload", Json::object()}}, 400, "object_type"},
      {{{"type", "dismissal"}, {"payload", Json::object()}, {"note", "x"}}, 400, "object_type"},
      {{{"type", "decision"}}, 400, "payload"},
      {{{"type", "decision"}, {"payload", {{"status", "maybe"}}}}, 422, "payload.status"},
      {{{"type", "decision"}, {"payload", {{"status", "approved"}}}, {"object_id", "nope"}}, 422, "object_id"},
      {{{"type", "decision"},
        {"payload", {{"status", "rejected"}}},
        {"object_id", "11111111-2222-4333-8444-555555555555"}},
       404,
       "object_id"},
      {{{"type", "add_attributes"}, {"payload", Json::object()}}, 422, "payload"},
      {{{"type", "add_sources"}, {"payload", {{"sources", {{{"url", "x"}}}}}}}, 422, "payload.sources[0].source_type"},
      {{{"type", "dismissal"}, {"object_type", "watchlist_result"}, {"payload", Json::object()}}, 422, "note"},
      {{{"type", "dismissal"}, {"object_type", "watchlist_result"}, {"note", "fp"}, {"payload", Json::object()}},
       404,
       "object_id"},
      {{{"type", "decision"},
        {"payload", {{"status", "rejected"}}},
        {"run_id", "11111111-2222-4333-8444-555555555555"}},
       404,
       "run_id"},
  };
  for (const auto& c : bad) {
    INFO(c.body.dump());
    auto r = act(c.body);
    CHECK_STATUS(r, c.status);
    CHECK(r.json["errors"][0]["parameter"] == c.parameter);
  }
}

TEST_CASE("a dismissal of a watchlist hit answers the watchlist interrupt with approve", "[http]") {
  SandboxProcess sb;
  std::string run = CreateRun(sb, "watchlist_resolution")["id"];
  std::vector<Json> artifacts;
  CollectArtifacts(GetRun(sb, run, true)["steps"], artifacts);
  std::string hit;
  for (const auto& a : artifacts) {
    if (a["type"] == "watchlist_hit") hit = a["id"];
  }
  REQUIRE_FALSE(hit.empty());
  auto r = sb.Post("/v1/actions", Json{{"object_type", "watchlist_result"},
                                       {"object_id", hit},
                                       {"type", "dismissal"},
                                       {"note", "Different entity"},
                                       {"run_id", run},
                                       {"payload", Json::object()}}
                                      .dump());
  REQUIRE_STATUS(r, 201);
  CHECK(r.json["object_type"] == "Watchlist::Result");
  Json done = GetRun(sb, run, true);
  CHECK(done["status"] == "completed");
  bool dismissed = false;
  for (const auto& s : done["steps"]) dismissed = dismissed || s["name"] == "dismiss_hits";
  CHECK(dismissed);
  auto twice = sb.Post("/v1/actions", Json{{"object_type", "watchlist_result"},
                                           {"object_id", hit},
                                           {"type", "dismissal"},
                                           {"note", "again"},
                                           {"payload", Json::object()}}
                                          .dump());
  CHECK_STATUS(twice, 422);
}

TEST_CASE("a finished run's stream replays every frame in order and closes", "[http]") {
  SandboxProcess sb;
  std::string run = CreateRun(sb, "address_verification")["id"];
  std::string body = ReadStream(sb, run);
  auto frames = ParseFrames(body);
  Json final_run = GetRun(sb, run, true);
  REQUIRE(frames.size() >= 3);
  CHECK(frames.front().event == "RUN_STARTED");
  CHECK(frames.front().id == "1");
  CHECK(frames.front().data["type"] == "RUN_STARTED");
  CHECK(frames.front().data["runId"] == run);
  CHECK(frames.front().data["run_id"] == run);
  CHECK(frames.front().data["threadId"] == final_run["thread_id"]);
  CHECK(frames.back().event == "RUN_FINISHED");
  for (size_t i = 0; i < frames.size(); ++i) CHECK(frames[i].id == std::to_string(i + 1));
  for (size_t i = 1; i + 1 < frames.size(); ++i) CHECK(frames[i].event == "STATE_SNAPSHOT");
  // The last snapshot is the run exactly as GET ?include=steps shows it.
  CHECK(frames[frames.size() - 2].data["snapshot"] == final_run);
  // A replay is byte-identical, and Last-Event-ID resumes after that frame.
  CHECK(ReadStream(sb, run) == body);
  auto h = AuthHeaders();
  h.emplace("Last-Event-ID", "5");
  auto rest = ParseFrames(ReadStream(sb, run, h));
  REQUIRE(rest.size() == frames.size() - 5);
  CHECK(rest.front().id == "6");
  auto bad = AuthHeaders();
  bad.emplace("Last-Event-ID", "x");
  CHECK_STATUS(sb.Get("/v1/runs/" + run + "/stream", bad), 400);
  CHECK_STATUS(sb.Get("/v1/runs/" + kBusiness + "/stream"), 404);
}

TEST_CASE("a stream goes out in plain chunks, never compressed, even to a client that accepts gzip or br", "[http]") {
  SandboxProcess sb;
  std::string run = CreateRun(sb, "cip_orchestrator")["id"];
  Json waiting = GetRun(sb, run);
  std::string intr = waiting["interrupts"][0]["id"];
  CHECK_STATUS(sb.Post("/v1/runs/" + run + "/resume", Json{{"interrupt_id", intr}, {"input", "approve"}}.dump()), 200);
  const std::string plain = ReadStream(sb, run);
  REQUIRE(ParseFrames(plain).back().event == "RUN_FINISHED");
  // The frames are written straight to the connection as chunks
  // (http::WriteChunk): the chunk framing must parse, and nothing may
  // compress what bypasses the library's writer.
  auto got = sandbox::testing::RawExchange(
      sb.port(), "GET /v1/runs/" + run + "/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                     std::string(sandbox::testing::kDefaultApiKey) +
                     "\r\nAccept-Encoding: gzip, deflate, br\r\nConnection: close\r\n\r\n");
  REQUIRE(got.status == 200);
  CHECK(got.Header("Content-Encoding").empty());
  CHECK(got.Header("Transfer-Encoding") == "chunked");
  CHECK(got.body == plain);
}

TEST_CASE("an interrupted run's stream ends with RUN_FINISHED and the interrupt outcome", "[http]") {
  SandboxProcess sb;
  std::string run = CreateRun(sb, "cip_orchestrator")["id"];
  Json waiting = GetRun(sb, run, true);
  REQUIRE(waiting["status"] == "interrupted");
  // The stream ends (ReadStream returns) after the interrupted snapshot.
  auto frames = ParseFrames(ReadStream(sb, run));
  REQUIRE(frames.size() >= 3);
  const Frame& snapshot = frames[frames.size() - 2];
  CHECK(snapshot.event == "STATE_SNAPSHOT");
  CHECK(snapshot.data["snapshot"] == waiting);
  const Frame& end = frames.back();
  CHECK(end.event == "RUN_FINISHED");
  CHECK(end.id.empty());  // not one of the log's frames: a reconnect resumes after the snapshot
  CHECK(end.data["status"] == "interrupted");
  const Json& interrupt = waiting["interrupts"][0];
  CHECK(end.data["outcome"] ==
        Json{{"type", "interrupt"},
             {"interrupts",
              {{{"id", interrupt["id"]},
                {"reason", interrupt["value"]["type"]},
                {"message", interrupt["value"]["label"]},
                {"metadata", {{"middesk_interrupt", interrupt}}}}}}});
  // After the resume a new connection replays the whole log, the pause
  // included, to the final RUN_FINISHED; the interrupt ending is gone.
  auto resumed = sb.Post("/v1/runs/" + run + "/resume",
                         Json{{"interrupt_id", interrupt["id"]}, {"input", "approve"}}.dump());
  REQUIRE_STATUS(resumed, 200);
  auto replay = ParseFrames(ReadStream(sb, run));
  REQUIRE(replay.size() > frames.size());
  for (size_t i = 0; i + 1 < frames.size(); ++i) CHECK(replay[i].id == frames[i].id);
  for (size_t i = 0; i < replay.size(); ++i) CHECK(replay[i].id == std::to_string(i + 1));
  CHECK(replay.back().event == "RUN_FINISHED");
  CHECK_FALSE(replay.back().data.contains("outcome"));  // success
}

TEST_CASE("a failed run's stream ends with RUN_ERROR", "[http]") {
  SandboxProcess sb;
  Json created = CreateRun(sb, "cip_orchestrator", "00000000-0000-4000-8000-00000000dead");
  const std::string run = created["id"];
  Json failed = GetRun(sb, run, true);
  REQUIRE(failed["status"] == "error");
  auto frames = ParseFrames(ReadStream(sb, run));
  REQUIRE(frames.size() >= 3);
  const Frame& end = frames.back();
  CHECK(end.event == "RUN_ERROR");
  CHECK(end.id == std::to_string(frames.size()));
  CHECK(end.data["type"] == "RUN_ERROR");
  CHECK(end.data["message"] == failed["error"]["message"]);
  CHECK(end.data["status"] == "error");
}

TEST_CASE("through_interrupts=true keeps the stream open, heartbeats, and follows the resume to the end", "[http]") {
  SandboxProcess sb(SandboxOptions{{"--heartbeat-ms", "50"}});
  std::string run = CreateRun(sb, "cip_orchestrator")["id"];
  CHECK_STATUS(sb.Get("/v1/runs/" + run + "/stream?through_interrupts=yes"), 422);
  std::mutex mu;
  std::string body;
  std::thread reader([&] {
    auto client = sb.client();
    client.Get(("/v1/runs/" + run + "/stream?through_interrupts=true").c_str(), AuthHeaders(),
               [&](const char* d, size_t n) {
      std::lock_guard<std::mutex> g(mu);
      body.append(d, n);
      return true;
    });
  });
  auto has = [&](const std::string& needle) {
    std::lock_guard<std::mutex> g(mu);
    return body.find(needle) != std::string::npos;
  };
  // Poll (bounded) until the interrupted snapshot and a heartbeat arrived.
  for (int i = 0; i < 2000 && !(has("\"status\":\"interrupted\"") && has(": keep-alive")); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  REQUIRE(has("\"status\":\"interrupted\""));
  REQUIRE(has(": keep-alive"));
  CHECK_FALSE(has("RUN_FINISHED"));
  std::string intr = GetRun(sb, run)["interrupts"][0]["id"];
  auto resumed = sb.Post("/v1/runs/" + run + "/resume", Json{{"interrupt_id", intr}, {"input", "approve"}}.dump());
  CHECK_STATUS(resumed, 200);
  reader.join();  // returns because the server closes the stream after RUN_FINISHED
  auto frames = ParseFrames(body);
  CHECK(frames.back().event == "RUN_FINISHED");
  for (size_t i = 0; i < frames.size(); ++i) CHECK(frames[i].id == std::to_string(i + 1));
  // What the live client saw equals a replay of the finished run.
  CHECK(ParseFrames(ReadStream(sb, run)).size() == frames.size());
}

TEST_CASE("exactly one of many concurrent HTTP resumes of one interrupt wins", "[http]") {
  SandboxProcess sb;
  std::string run = CreateRun(sb, "cip_orchestrator")["id"];
  std::string intr = GetRun(sb, run)["interrupts"][0]["id"];
  std::atomic<int> ok{0}, conflict{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      auto r = sb.Post("/v1/runs/" + run + "/resume",
                       Json{{"interrupt_id", intr}, {"input", {{"decision", "approve"}}}}.dump());
      if (r.status == 200) ++ok;
      if (r.status == 409) ++conflict;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(ok == 1);
  CHECK(conflict == 7);
  CHECK(GetRun(sb, run)["status"] == "completed");
}

TEST_CASE("feedback is 403 for an account without the operator_feedback feature", "[http]") {
  SandboxProcess sb(SandboxOptions{{"--disable-feature", "operator_feedback"}});
  std::string run = CreateRun(sb, "address_verification")["id"];
  std::string artifact = GetRun(sb, run)["output"]["artifacts"][0]["id"];
  auto r = sb.Post("/v1/runs/" + run + "/feedback", Json{{"rating", "POSITIVE"}, {"artifact_id", artifact}}.dump());
  CHECK_STATUS(r, 403);
  CHECK(r.body == R"({"errors":[{"message":"operator_feedback feature is not enabled on the account"}]})");
}

TEST_CASE("many clients of one run's stream each get every frame, byte for byte, rendered once for all", "[http]") {
  SandboxProcess sb;
  std::string run = CreateRun(sb, "cip_orchestrator")["id"];
  constexpr int kClients = 12;
  std::mutex mu;
  std::vector<std::string> bodies(kClients + 1);
  std::vector<std::thread> readers;
  for (int i = 0; i <= kClients; ++i) {
    readers.emplace_back([&, i] {
      auto client = sb.client();
      httplib::Headers headers = AuthHeaders();
      if (i == kClients) headers.emplace("Last-Event-ID", "5");  // one resumes part-way
      // Followed through the interrupt, so each live client sees the whole run.
      client.Get(("/v1/runs/" + run + "/stream?through_interrupts=true").c_str(), headers, [&](const char* d, size_t n) {
        std::lock_guard<std::mutex> g(mu);
        bodies[i].append(d, n);
        return true;
      });
    });
  }
  auto all_interrupted = [&] {
    std::lock_guard<std::mutex> g(mu);
    for (const auto& b : bodies) {
      if (b.find("\"status\":\"interrupted\"") == std::string::npos) return false;
    }
    return true;
  };
  for (int i = 0; i < 2000 && !all_interrupted(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  REQUIRE(all_interrupted());
  std::string intr = GetRun(sb, run)["interrupts"][0]["id"];
  CHECK_STATUS(sb.Post("/v1/runs/" + run + "/resume", Json{{"interrupt_id", intr}, {"input", "approve"}}.dump()), 200);
  for (auto& t : readers) t.join();  // each ends after RUN_FINISHED

  const std::string replay = ReadStream(sb, run);
  REQUIRE(ParseFrames(replay).back().event == "RUN_FINISHED");
  for (int i = 0; i < kClients; ++i) CHECK(bodies[i] == replay);
  const auto partial = ParseFrames(bodies[kClients]);
  const auto whole = ParseFrames(replay);
  REQUIRE(partial.size() == whole.size() - 5);
  for (size_t k = 0; k < partial.size(); ++k) CHECK(partial[k].id == whole[k + 5].id);
}

namespace {

// Reads what arrives on `fd` into `raw` until `until(raw)` or 20 s pass.
bool ReadUntil(int fd, std::string& raw, const std::function<bool(const std::string&)>& until) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!until(raw)) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char buf[16384];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return until(raw);
    raw.append(buf, static_cast<size_t>(n));
  }
  return true;
}

// The body of a chunked response read whole (head included); "" when it is
// cut short.
std::string Dechunked(const std::string& raw) {
  size_t at = raw.find("\r\n\r\n");
  if (at == std::string::npos) return "";
  at += 4;
  std::string body;
  while (true) {
    const size_t eol = raw.find("\r\n", at);
    if (eol == std::string::npos) return "";
    const size_t size = std::stoul(raw.substr(at, eol - at), nullptr, 16);
    if (size == 0) return body;
    if (raw.size() < eol + 2 + size + 2) return "";
    body.append(raw, eol + 2, size);
    at = eol + 2 + size + 2;
  }
}

}  // namespace

TEST_CASE("a client of a shared stream that stops reading holds up no other, and gets every byte when it reads on",
          "[http]") {
  SandboxProcess sb;
  const std::string run = CreateRun(sb, "cip_orchestrator")["id"];
  const std::string path = "/v1/runs/" + run + "/stream?through_interrupts=true";
  std::vector<std::unique_ptr<sandbox::testing::LiveStream>> readers;
  for (int i = 0; i < 3; ++i) {
    readers.push_back(std::make_unique<sandbox::testing::LiveStream>(sb, "GET", path, AuthHeaders()));
  }
  // The slow client reads the frames before the interrupt, then nothing
  // more, with a small receive buffer: the resume's ~145 KB cannot all go.
  sandbox::testing::RawConnection slow(sb.port());
  const int small = 4096;
  REQUIRE(setsockopt(slow.fd(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small) == 0);
  REQUIRE(slow.Send("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                    sandbox::testing::kDefaultApiKey + "\r\n\r\n"));
  std::string raw;
  REQUIRE(ReadUntil(slow.fd(), raw,
                    [](const std::string& r) { return r.find("\"status\":\"interrupted\"") != std::string::npos; }));
  for (auto& r : readers) REQUIRE(r->WaitFor("\"status\":\"interrupted\""));
  std::string intr = GetRun(sb, run)["interrupts"][0]["id"];
  CHECK_STATUS(sb.Post("/v1/runs/" + run + "/resume", Json{{"interrupt_id", intr}, {"input", "approve"}}.dump()), 200);
  // The others end while the slow one still has not read.
  const std::string replay = ReadStream(sb, run);
  REQUIRE(ParseFrames(replay).back().event == "RUN_FINISHED");
  for (auto& r : readers) CHECK(r->Finish() == replay);
  REQUIRE(ReadUntil(slow.fd(), raw, [](const std::string& r) {
    return r.size() >= 5 && r.compare(r.size() - 5, 5, "0\r\n\r\n") == 0;
  }));
  CHECK(Dechunked(raw) == replay);
}

}  // namespace http_middesk_api_test
