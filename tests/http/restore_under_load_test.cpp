// Snapshot restore and reset under load (issue 10, part 4). Measured before
// the fix: a restore while two clients created runs broke the engine on the
// first or second round (health 503 `FOREIGN KEY constraint failed`, every
// call 500 until a restart), because the database was replaced under writers
// that kept their old view of it. Now every writer is quiesced around the
// replacement and reloads from it: calls in flight finish or get a clean
// error, calls that arrive meanwhile wait and run against the new state.
//
// Clients in two namespaces create, read, resume and stream runs while the
// main thread saves, restores and resets, round after round. Every answer
// must be an allowed status with a well-formed error body; no call may hang
// (each has a bounded timeout); afterwards the sandbox is healthy, a new run
// completes, and every stored run equals a rebuild from its own log.
#include <catch2/catch.hpp>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "core/projection.h"
#include "store/store.h"
#include "support/sandbox_process.h"

namespace http_restore_under_load_test {

using sandbox::testing::AuthHeaders;
using sandbox::testing::HttpResponse;
using sandbox::testing::SandboxOptions;
using sandbox::testing::SandboxProcess;
using Json = nlohmann::json;

namespace {

const std::string kCreate =
    Json{{"type", "cip_orchestrator"}, {"business_id", "8d1c4f0e-2b6a-4c1e-9f7d-3a5b6c7d8e9f"}}.dump();

httplib::Headers In(const std::string& ns) {
  auto h = AuthHeaders();
  if (!ns.empty()) h.emplace("X-Sandbox-Namespace", ns);
  return h;
}

// What the clients saw, shared with the main thread. Catch's assertions are
// not thread-safe, so the clients only record; the main thread checks.
struct Observed {
  std::mutex mu;
  std::condition_variable cv;
  int64_t completed_calls = 0;
  int64_t runs_created = 0;
  std::vector<std::string> problems;

  void Call(const std::string& what, const HttpResponse& r, std::initializer_list<int> allowed) {
    std::string problem;
    if (std::find(allowed.begin(), allowed.end(), r.status) == allowed.end()) {
      problem = what + " answered " + std::to_string(r.status) + " " + r.body + r.error;
    } else if (r.status >= 400) {
      // A clean error: the dialect's body with a message.
      const Json& j = r.json;
      bool well_formed = !j.is_discarded() && j.is_object() && j.contains("errors") && j["errors"].is_array() &&
                         !j["errors"].empty() && j["errors"][0].contains("message") &&
                         j["errors"][0]["message"].is_string();
      if (!well_formed) problem = what + " answered " + std::to_string(r.status) + " with a bad body: " + r.body;
    }
    std::lock_guard<std::mutex> g(mu);
    if (!problem.empty() && problems.size() < 20) problems.push_back(problem);
    ++completed_calls;
    if (what == "create" && r.status == 201) ++runs_created;
    cv.notify_all();
  }

  // Waits (at most `limit`) until the clients have completed `n` more calls,
  // so every round of the main thread overlaps with real traffic.
  bool WaitForCalls(int64_t n, std::chrono::seconds limit) {
    std::unique_lock<std::mutex> lock(mu);
    int64_t target = completed_calls + n;
    return cv.wait_for(lock, limit, [&] { return completed_calls >= target; });
  }
};

// One client's connection: kept alive, and with TCP_NODELAY, so that a
// request is not held back ~40 ms by Nagle's algorithm (a POST leaves in two
// writes) and the writers stay busy. Timeouts as SandboxProcess::client().
class Connection {
 public:
  explicit Connection(const SandboxProcess& sb) : client_(sb.client()) {
    client_.set_tcp_nodelay(true);
    client_.set_keep_alive(true);
  }
  HttpResponse Get(const std::string& path, const httplib::Headers& headers) {
    return Convert(client_.Get(path.c_str(), headers));
  }
  HttpResponse Post(const std::string& path, const std::string& body, const httplib::Headers& headers) {
    return Convert(client_.Post(path.c_str(), headers, body, "application/json"));
  }

 private:
  static HttpResponse Convert(const httplib::Result& r) {
    HttpResponse out;
    if (!r) {
      out.error = "no response: " + httplib::to_string(r.error());
      return out;
    }
    out.status = r->status;
    out.body = r->body;
    out.json = Json::parse(r->body, nullptr, false);
    return out;
  }
  httplib::Client client_;
};

// Creates a run and, when `resumes`, reads it and answers its interrupt;
// over and over.
void Client(const SandboxProcess& sb, const std::string& ns, bool resumes, const std::atomic<bool>& stop,
            Observed& seen) {
  Connection c(sb);
  while (!stop) {
    auto created = c.Post("/v1/runs", kCreate, In(ns));
    // Never refused: a call that comes during an operation waits for it.
    seen.Call("create", created, {201});
    if (created.status != 201 || !resumes) continue;
    std::string id = created.json["id"];
    auto run = c.Get("/v1/runs/" + id, In(ns));
    seen.Call("get", run, {200, 404});  // 404: as below
    if (run.status != 200 || run.json["status"] != "interrupted") continue;
    auto resumed = c.Post("/v1/runs/" + id + "/resume",
                          Json{{"interrupt_id", run.json["interrupts"][0]["id"]}, {"input", "approve"}}.dump(), In(ns));
    // 404/409: a reset or restore came between this client's steps.
    seen.Call("resume", resumed, {200, 404, 409});
  }
}

// Follows the newest run's stream until it ends or the test stops: a reset or
// restore under a stream must not break the server.
void Streamer(const SandboxProcess& sb, const std::atomic<bool>& stop, Observed& seen) {
  while (!stop) {
    auto list = sb.Get("/v1/runs?limit=1", In("load-a"));
    seen.Call("list", list, {200});
    if (list.status != 200 || list.json["data"].empty()) {
      seen.WaitForCalls(1, std::chrono::seconds(5));
      continue;
    }
    std::string id = list.json["data"][0]["id"];
    auto c = sb.client();
    c.set_read_timeout(5, 0);  // heartbeats come every 100 ms
    HttpResponse r;
    std::string received;  // a receiver gets the body, errors included
    auto res = c.Get(("/v1/runs/" + id + "/stream").c_str(), In("load-a"), [&](const char* data, size_t n) {
      if (received.size() < 4096) received.append(data, n);
      return !stop.load();
    });
    if (res) {
      r.status = res->status;
      r.body = received;
      r.json = Json::parse(received, nullptr, false);
    } else if (res.error() == httplib::Error::Canceled) {
      break;  // we closed it: the test is over
    } else {
      r.error = httplib::to_string(res.error());
    }
    seen.Call("stream", r, {200, 404});
  }
}

// Every run of every namespace in the file equals a rebuild from its log.
void CheckRowsAgreeWithLogs(const std::string& db) {
  using namespace sandbox;
  auto store = store::Store::Open(db);
  REQUIRE(store.ok());
  auto spaces = store.value()->KnownNamespaces();
  REQUIRE(spaces.ok());
  int64_t checked = 0;
  for (const auto& ns : spaces.value()) {
    auto view = store.value()->Namespace(ns);
    auto runs = view->ListRuns(100000, 0);
    REQUIRE(runs.ok());
    for (const auto& listed : runs.value().items) {
      INFO("namespace '" << ns << "' run " << listed.run.id);
      auto log = view->Events(listed.run.id);
      REQUIRE(log.ok());
      auto rebuilt = Rebuild(log.value());
      REQUIRE(rebuilt.ok());
      auto stored = view->GetRun(listed.run.id);
      REQUIRE(stored.ok());
      REQUIRE(stored.value().has_value());
      CHECK(rebuilt.value() == *stored.value());
      ++checked;
    }
  }
  CHECK(checked > 0);
}

}  // namespace

TEST_CASE("issue 10: snapshots, restores and resets under load keep the sandbox healthy", "[http]") {
  SandboxProcess sb(SandboxOptions{.args = {"--heartbeat-ms", "100"}});
  // Taken before either client namespace exists: restoring it must empty them.
  REQUIRE_STATUS(sb.Post("/_sandbox/snapshots", R"({"name":"empty"})", {}), 201);

  std::atomic<bool> stop{false};
  Observed seen;
  std::vector<std::thread> threads;
  struct Joiner {  // also when a REQUIRE below ends the test early
    std::atomic<bool>& stop;
    std::vector<std::thread>& threads;
    ~Joiner() {
      stop = true;
      for (auto& t : threads) t.join();
    }
  } joiner{stop, threads};
  // Several clients a namespace keep each writer busy, so that the
  // operations below land while commands run and wait in its queue.
  for (const char* ns : {"load-a", "load-b"}) {
    for (int i = 0; i < 4; ++i) threads.emplace_back([&, ns, i] { Client(sb, ns, i == 0, stop, seen); });
  }
  threads.emplace_back([&] { Streamer(sb, stop, seen); });

  std::vector<std::string> control_problems;
  auto control = [&](const std::string& what, const HttpResponse& r, int expected) {
    if (r.status != expected)
      control_problems.push_back(what + " answered " + std::to_string(r.status) + " " + r.body + r.error);
  };
  constexpr int kRounds = 20;
  for (int round = 0; round < kRounds; ++round) {
    const std::string name = "round-" + std::to_string(round % 3);
    REQUIRE(seen.WaitForCalls(8, std::chrono::seconds(20)));
    control("save " + name, sb.Post("/_sandbox/snapshots", Json{{"name", name}}.dump(), {}), 201);
    REQUIRE(seen.WaitForCalls(8, std::chrono::seconds(20)));
    control("restore " + name, sb.Post("/_sandbox/snapshots/" + name + "/restore", "{}", {}), 200);
    REQUIRE(seen.WaitForCalls(8, std::chrono::seconds(20)));
    if (round % 4 == 1) {
      control("reset", sb.Post("/_sandbox/reset", "", {}), 200);
    } else if (round % 4 == 3) {
      control("reset load-b", sb.Post("/_sandbox/reset", "", In("load-b")), 200);
    } else if (round % 5 == 2) {
      control("restore empty", sb.Post("/_sandbox/snapshots/empty/restore", "{}", {}), 200);
    }
  }
  stop = true;
  for (auto& t : threads) t.join();
  threads.clear();

  INFO("control calls that went wrong: " << Json(control_problems).dump(1));
  CHECK(control_problems.empty());
  INFO("client calls that went wrong: " << Json(seen.problems).dump(1));
  CHECK(seen.problems.empty());
  CHECK(seen.runs_created > 0);

  auto health = sb.Get("/_sandbox/health", {});
  CHECK_STATUS(health, 200);
  CHECK(health.json["status"] == "ok");
  // A new run completes, in each namespace.
  for (const char* ns : {"load-a", "load-b", ""}) {
    INFO("namespace '" << ns << "'");
    auto created = sb.Post("/v1/runs", kCreate, In(ns));
    REQUIRE_STATUS(created, 201);
    std::string id = created.json["id"];
    auto run = sb.Get("/v1/runs/" + id, In(ns));
    REQUIRE(run.json["status"] == "interrupted");
    auto resumed =
        sb.Post("/v1/runs/" + id + "/resume",
                Json{{"interrupt_id", run.json["interrupts"][0]["id"]}, {"input", "approve"}}.dump(), In(ns));
    REQUIRE_STATUS(resumed, 200);
    CHECK(sb.Get("/v1/runs/" + id, In(ns)).json["status"] == "completed");
  }
  REQUIRE(sb.Stop() == 0);
  CheckRowsAgreeWithLogs(sb.db_path());
}

TEST_CASE("issue 10: restoring a snapshot older than a namespace empties that namespace", "[http]") {
  SandboxProcess sb;
  REQUIRE_STATUS(sb.Post("/_sandbox/snapshots", R"({"name":"before"})", {}), 201);
  auto h = In("later");
  h.emplace("X-Sandbox-Seed", "7");
  auto created = sb.Post("/v1/runs", kCreate, h);
  REQUIRE_STATUS(created, 201);
  REQUIRE_STATUS(sb.Post("/_sandbox/snapshots/before/restore", "{}", {}), 200);
  CHECK_STATUS(sb.Get("/v1/runs/" + created.json["id"].get<std::string>(), In("later")), 404);
  CHECK(sb.Get("/v1/runs", In("later")).json["total_count"] == 0);
  CHECK(sb.Get("/_sandbox/clock", In("later")).json["now"] == "2026-01-01T00:00:00.000Z");
  // The namespace keeps its seed: the same request gives the same run again.
  auto again = sb.Post("/v1/runs", kCreate, h);
  REQUIRE_STATUS(again, 201);
  CHECK(again.json["id"] == created.json["id"]);
  // ...and after a restart too, since the seed was recorded again.
  std::string db = sb.db_path();
  REQUIRE(sb.Stop() == 0);
  SandboxProcess restarted(SandboxOptions{.db = db});
  auto seeded = restarted.Post("/v1/runs", kCreate, h);
  CHECK_STATUS(seeded, 201);
}

}  // namespace http_restore_under_load_test
