// Benchmark of the HTTP edge under the load issue 10 names (never part of the
// test run): with S open event streams and I idle keep-alive connections
// held open, how long a new client waits for GET /v1/agents (on a fresh
// connection each time), and how long SIGTERM takes to end the process with
// all of them still open. The same load is put on a bare cpp-httplib server
// (the library's defaults, a stream endpoint that never ends, the same body
// for GET /v1/agents) in the same run, for comparison.
// Usage: build/bench/edge_bench [streams=1000] [idle=1000] [probes=50]
#include <httplib.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "support/raw_client.h"
#include "support/sandbox_process.h"

using namespace sandbox::testing;
using Wall = std::chrono::steady_clock;  // the benchmark measures wall time

namespace {

double Ms(Wall::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(p * static_cast<double>(v.size() - 1))];
}

std::string Get(const std::string& target) {
  return "GET " + target + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + std::string(kDefaultApiKey) + "\r\n\r\n";
}

struct Figures {
  size_t streams_open = 0;
  size_t idle_open = 0;
  std::vector<double> latencies;  // ms; a probe that got no answer counts as its time-out
  int failed = 0;
};

// Opens the streams and idle connections on `port`, then probes.
Figures Load(int port, const std::string& stream_target, int streams, int idle, int probes) {
  Figures f;
  std::vector<RawConnection> held;
  held.reserve(static_cast<size_t>(streams + idle));
  for (int i = 0; i < streams; ++i) {
    try {
      RawConnection c(port);
      if (!c.Send(Get(stream_target))) break;
      if (c.ReadResponse(std::chrono::seconds(2), /*head_only=*/true).status != 200) break;
      held.push_back(std::move(c));
      ++f.streams_open;
    } catch (const std::exception&) {
      break;
    }
  }
  for (int i = 0; i < idle; ++i) {
    try {
      RawConnection c(port);
      if (!c.Send(Get("/v1/agents"))) break;
      if (c.ReadResponse(std::chrono::seconds(2)).status != 200) break;
      held.push_back(std::move(c));
      ++f.idle_open;
    } catch (const std::exception&) {
      break;
    }
  }
  for (int i = 0; i < probes; ++i) {
    auto t0 = Wall::now();
    RawResponse r = RawExchange(port, Get("/v1/agents"), std::chrono::seconds(5));
    f.latencies.push_back(Ms(Wall::now() - t0));
    if (r.status != 200 && ++f.failed == 3) break;  // a wedged server: the rest would wait as long
  }
  return f;
}

void Print(const char* who, const Figures& f) {
  std::printf(
      "%s: %zu streams and %zu idle connections open; new GET /v1/agents x%zu: p50 %.1f ms, p99 %.1f ms, "
      "max %.1f ms, %d without an answer within 5 s\n",
      who, f.streams_open, f.idle_open, f.latencies.size(), Percentile(f.latencies, 0.5), Percentile(f.latencies, 0.99),
      Percentile(f.latencies, 1.0), f.failed);
}

}  // namespace

int main(int argc, char** argv) {
  int streams = argc > 1 ? std::atoi(argv[1]) : 1000;
  int idle = argc > 2 ? std::atoi(argv[2]) : 1000;
  int probes = argc > 3 ? std::atoi(argv[3]) : 50;
  rlimit rl{};
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);

  // The sandbox, as shipped (default settings but a keep-alive long enough
  // to hold the idle connections through the measurement).
  {
    SandboxProcess sandbox(SandboxOptions{.args = {"--keep-alive-ms", "600000"}});
    HttpResponse run = sandbox.Post("/v1/runs", R"({"type":"cip_orchestrator",)"
                                                R"("business_id":"8d1c4f0e-2b6a-4c1e-9f7d-3a5b6c7d8e9f"})");
    if (run.status != 201) return std::fprintf(stderr, "create-run failed: %s\n", run.body.c_str()), 1;
    const std::string stream = "/v1/runs/" + run.json["id"].get<std::string>() + "/stream";
    Figures f = Load(sandbox.port(), stream, streams, idle, probes);
    Print("agent-sandbox", f);
    auto t0 = Wall::now();
    int code = sandbox.Stop(std::chrono::seconds(30));
    std::printf("agent-sandbox: SIGTERM with all of them open: exit %d after %.0f ms\n", code, Ms(Wall::now() - t0));
  }

  // A bare cpp-httplib server, the library's defaults, on the same load.
  {
    httplib::Server bare;
    std::atomic<bool> stopping{false};
    const std::string agents(1200, 'x');
    bare.Get("/v1/agents",
             [&](const httplib::Request&, httplib::Response& res) { res.set_content(agents, "application/json"); });
    bare.Get("/stream", [&](const httplib::Request&, httplib::Response& res) {
      res.set_chunked_content_provider("text/event-stream", [&](size_t, httplib::DataSink& sink) {
        sink.write(": open\n\n", 8);
        while (!stopping) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        sink.done();
        return true;
      });
    });
    int port = bare.bind_to_any_port("127.0.0.1");
    std::thread serving([&] { bare.listen_after_bind(); });
    Figures f = Load(port, "/stream", streams, idle, probes);
    Print("bare cpp-httplib", f);
    stopping = true;
    bare.stop();
    serving.join();
  }
  return 0;
}
