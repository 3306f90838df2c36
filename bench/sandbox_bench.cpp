// Benchmarks (never part of the test run): prints figures for the engine and
// the HTTP layer on this machine.
//   engine: cip_orchestrator runs created and resumed to completion, in
//           virtual time on a database file (every event committed)
//   http:   GET /v1/runs/{id}?include=steps and POST /v1/runs over loopback
//           with keep-alive, served in-process exactly as main.cpp wires it
//   modus:  GET /api/v1/agents/{id}/runs (a page) and .../runs/{workflowId}
//           with a long history of one agent in one organisation
//   webhooks: run.created + run.completed of runs made over HTTP, rendered,
//           signed and POSTed to a loopback endpoint (a connection each)
// Usage: build/bench/sandbox_bench [runs=200] [requests=2000]
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "core/clock.h"
#include "dialects/middesk/routes.h"
#include "dialects/middesk/webhook_events.h"
#include "dialects/modus/routes.h"
#include "engine/namespaces.h"
#include "http/server.h"
#include "script/loader.h"
#include "webhooks/dispatcher.h"

using namespace sandbox;
using Wall = std::chrono::steady_clock;  // the benchmark measures wall time

namespace {

double Ms(Wall::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(p * (v.size() - 1))];
}

}  // namespace

int main(int argc, char** argv) {
  int runs = argc > 1 ? std::atoi(argv[1]) : 200;
  int requests = argc > 2 ? std::atoi(argv[2]) : 2000;
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / "agent-sandbox-bench";
  fs::remove_all(dir);
  fs::create_directories(dir);

  IdGenerator ids(0);
  auto fixtures = script::LoadFixtures(FIXTURES_DIR, ids);
  if (!fixtures.ok()) return std::fprintf(stderr, "%s\n", fixtures.status().message().c_str()), 1;
  auto store = store::Store::Open((dir / "bench.db").string());
  if (!store.ok()) return 1;
  // As the app wires it: Middesk names the run events webhooks hear of.
  store.value()->SetWebhookNotifications(middesk::WebhookNotificationFor);
  auto set = std::make_shared<const script::FixtureSet>(std::move(fixtures).value());
  engine::Namespaces spaces(
      *store.value(), [] { return std::make_unique<SteppedClock>(ClockMode::kVirtual, 1767225600000); }, 0, set);
  if (!spaces.Start().ok()) return 1;
  engine::Engine& engine = spaces.Default();

  // Engine: create + resume to completion.
  std::vector<std::string> ids_made;
  auto t0 = Wall::now();
  for (int i = 0; i < runs; ++i) {
    auto run =
        engine.CreateRun({Json{{"business_id", "8d1c4f0e-2b6a-4c1e-9f7d-3a5b6c7d8e9f"}}, "cip_orchestrator", "business",
                          "8d1c4f0e-2b6a-4c1e-9f7d-3a5b6c7d8e9f", std::nullopt, std::nullopt, std::nullopt});
    if (!run.ok()) return std::fprintf(stderr, "%s\n", run.status().message().c_str()), 1;
    auto waiting = engine.store().GetRun(run->run.id);
    auto r = engine.Resume({run->run.id, waiting.value()->interrupts[0].id, Json{{"decision", "approve"}}});
    if (!r.ok()) return 1;
    ids_made.push_back(run->run.id);
  }
  double engine_ms = Ms(Wall::now() - t0);
  auto events = engine.store().Events(ids_made.front());
  size_t per_run = events.ok() ? events.value().size() : 0;
  std::printf("engine: %d runs (create + resume, %zu events each) in %.0f ms: %.0f runs/s, %.0f events/s\n", runs,
              per_run, engine_ms, runs * 1000.0 / engine_ms, runs * per_run * 1000.0 / engine_ms);

  // HTTP: the same routes as the binary, on a free port.
  http::ServerOptions server_options;
  server_options.port = 0;
  http::Server server(server_options);
  // Every key one account (as --shared-account): the runs made above live in the
  // default namespace, which is where such an account reads.
  http::KeyPolicy keys({}, /*shared_account=*/true);
  middesk::Deps deps{spaces, keys, 1767225600000, 15000, true};
  middesk::RegisterRoutes(server.table(), deps);
  modus::Deps modus_deps{spaces, 1767225600000, 15000};
  modus::RegisterRoutes(server.table(), modus_deps);
  auto port = server.Bind();
  if (!port.ok()) return 1;
  std::thread serving([&] { server.Listen(); });
  httplib::Client client("127.0.0.1", port.value());
  client.set_keep_alive(true);
  client.set_tcp_nodelay(true);  // as any HTTP client library does; otherwise Nagle delays every POST body
  httplib::Headers auth = {{"Authorization", "Bearer mk_test_bench"}};
  std::vector<double> lat;
  t0 = Wall::now();
  for (int i = 0; i < requests; ++i) {
    auto s = Wall::now();
    auto res =
        client.Get(("/v1/runs/" + ids_made[static_cast<size_t>(i) % ids_made.size()] + "?include=steps").c_str(), auth);
    if (!res || res->status != 200) return std::fprintf(stderr, "GET failed\n"), 1;
    lat.push_back(Ms(Wall::now() - s));
  }
  double get_ms = Ms(Wall::now() - t0);
  std::printf("http GET /v1/runs/{id}?include=steps: %d requests in %.0f ms: %.0f req/s, p50 %.2f ms, p99 %.2f ms\n",
              requests, get_ms, requests * 1000.0 / get_ms, Percentile(lat, 0.5), Percentile(lat, 0.99));
  lat.clear();
  int posts = std::max(1, requests / 10);
  std::string body = R"({"type":"address_verification","business_id":"8d1c4f0e-2b6a-4c1e-9f7d-3a5b6c7d8e9f"})";
  t0 = Wall::now();
  for (int i = 0; i < posts; ++i) {
    auto s = Wall::now();
    auto res = client.Post("/v1/runs", auth, body, "application/json");
    if (!res || res->status != 201) return std::fprintf(stderr, "POST failed\n"), 1;
    lat.push_back(Ms(Wall::now() - s));
  }
  double post_ms = Ms(Wall::now() - t0);
  std::printf(
      "http POST /v1/runs (address_verification, runs to completion): %d requests in %.0f ms: %.0f req/s, "
      "p50 %.2f ms, p99 %.2f ms\n",
      posts, post_ms, posts * 1000.0 / post_ms, Percentile(lat, 0.5), Percentile(lat, 0.99));

  // Modus: a long history of the task agent in one organisation, then pages and single runs.
  const std::string org = "11111111-2222-4333-8444-555555555555";
  auto org_engine = spaces.For("org-" + org);
  if (!org_engine.ok()) return 1;
  const int history = 5000;
  for (int i = 0; i < history; ++i) {
    engine::CreateRunCommand cmd;
    cmd.request = Json{{"message", "Is Acme in good standing?"}};
    cmd.agent_type = "kyb_research_assistant";
    if (!org_engine.value()->CreateRun(cmd).ok()) return std::fprintf(stderr, "modus run failed\n"), 1;
  }
  httplib::Headers pat = {{"Authorization", "Bearer modus_" + org + "_bench_secret"}};
  for (const char* what : {"list", "get"}) {
    lat.clear();
    t0 = Wall::now();
    for (int i = 0; i < 500; ++i) {
      std::string path = std::string(what) == "list"
                             ? "/api/v1/agents/101/runs?pageSize=25&status=completed"
                             : "/api/v1/agents/101/runs/wf_101_run_" + std::to_string(1 + (i * 37) % history);
      auto s = Wall::now();
      auto res = client.Get(path.c_str(), pat);
      if (!res || res->status != 200) return std::fprintf(stderr, "modus GET failed\n"), 1;
      lat.push_back(Ms(Wall::now() - s));
    }
    double ms = Ms(Wall::now() - t0);
    std::printf("http GET %s (%d runs of the agent): 500 requests in %.0f ms: %.0f req/s, p50 %.2f ms, p99 %.2f ms\n",
                std::string(what) == "list" ? "/api/v1/agents/101/runs?pageSize=25" : "/api/v1/agents/101/runs/{wf}",
                history, ms, 500 * 1000.0 / ms, Percentile(lat, 0.5), Percentile(lat, 0.99));
  }

  // Webhooks: the dispatcher starts once the runs exist, so it drains a backlog.
  httplib::Server receiver;
  std::atomic<int> received{0};
  receiver.Post("/hook", [&](const httplib::Request&, httplib::Response& res) {
    ++received;
    res.status = 204;
  });
  int receiver_port = receiver.bind_to_any_port("127.0.0.1");
  std::thread receiving([&] { receiver.listen_after_bind(); });
  engine::WebhookSpec hook;
  hook.url = "http://127.0.0.1:" + std::to_string(receiver_port) + "/hook";
  hook.enabled_events = Json::array({"*"});
  if (!engine.CreateWebhook(hook).ok()) return std::fprintf(stderr, "webhook failed\n"), 1;
  for (int i = 0; i < posts; ++i) {
    auto res = client.Post("/v1/runs", auth, body, "application/json");
    if (!res || res->status != 201) return std::fprintf(stderr, "POST failed\n"), 1;
  }
  webhooks::Dispatcher dispatcher(spaces, middesk::MiddeskWebhookFormat(), webhooks::HttpSender(),
                                  std::chrono::milliseconds(1));
  t0 = Wall::now();
  dispatcher.Start();
  while (received < 2 * posts && Ms(Wall::now() - t0) < 60000)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  double hook_ms = Ms(Wall::now() - t0);
  dispatcher.Stop();
  std::printf("webhooks: %d deliveries (run.created + run.completed of %d runs) in %.0f ms: %.0f deliveries/s\n",
              received.load(), posts, hook_ms, received * 1000.0 / hook_ms);
  receiver.stop();
  receiving.join();

  server.Stop();
  serving.join();
  spaces.Stop();
  std::error_code ec;
  // Every run made above: cip (engine), address_verification (POST, twice), kyb (Modus history).
  std::printf("database: %.1f MB for %d runs\n",
              static_cast<double>(fs::file_size(dir / "bench.db", ec) + fs::file_size(dir / "bench.db-wal", ec)) / 1e6,
              runs + 2 * posts + history);
  fs::remove_all(dir);
  return 0;
}
