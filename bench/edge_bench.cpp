// Benchmark of the HTTP edge under the load issue 10 names (never part of the
// test run): with S open event streams and I idle keep-alive connections
// held open, how long a new client waits for GET /v1/agents (on a fresh
// connection each time), and how long SIGTERM takes to end the process with
// all of them still open. The same load is put on a bare cpp-httplib server
// (the library's defaults, a stream endpoint that never ends, the same body
// for GET /v1/agents) in the same run, for comparison.
// Then the fan-out (issue 12): F clients follow one interrupted run's stream;
// the run is resumed, and the bench records, for each client, how long after
// the resume's answer RUN_FINISHED reached it, and the server's RSS before the
// clients, with them open, and after the run finished.
// Usage: build/bench/edge_bench [streams=1000] [idle=1000] [probes=50] [fanout=1000]
#include <httplib.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
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

// The resident set of `pid`, in MiB (from /proc).
double RssMiB(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string key;
  while (in >> key) {
    if (key == "VmRSS:") {
      double kb = 0;
      in >> kb;
      return kb / 1024;
    }
    std::getline(in, key);
  }
  return 0;
}

// F clients on one interrupted run; the run is resumed; when did each see
// RUN_FINISHED? Bounded: 30 s in all.
void FanOut(int clients) {
  SandboxProcess sandbox;
  HttpResponse run = sandbox.Post("/v1/runs", R"({"type":"cip_orchestrator",)"
                                              R"("business_id":"8d1c4f0e-2b6a-4c1e-9f7d-3a5b6c7d8e9f"})");
  if (run.status != 201) return (void)std::fprintf(stderr, "create-run failed: %s\n", run.body.c_str());
  const std::string id = run.json["id"].get<std::string>();
  const double rss_before = RssMiB(sandbox.pid());
  std::vector<RawConnection> held;
  for (int i = 0; i < clients; ++i) {
    try {
      RawConnection c(sandbox.port());
      if (!c.Send(Get("/v1/runs/" + id + "/stream"))) break;
      if (c.ReadResponse(std::chrono::seconds(5), /*head_only=*/true).status != 200) break;
      held.push_back(std::move(c));
    } catch (const std::exception&) {
      break;
    }
  }
  const double rss_open = RssMiB(sandbox.pid());
  HttpResponse got = sandbox.Get("/v1/runs/" + id);
  const std::string intr = got.json["interrupts"][0]["id"];
  auto t0 = Wall::now();
  HttpResponse resumed =
      sandbox.Post("/v1/runs/" + id + "/resume", R"({"interrupt_id":")" + intr + R"(","input":"approve"})");
  if (resumed.status != 200) return (void)std::fprintf(stderr, "resume failed: %s\n", resumed.body.c_str());
  auto answered = Wall::now();
  std::vector<double> delays(held.size(), -1);
  std::vector<std::string> tails(held.size());
  size_t done = 0;
  const auto deadline = t0 + std::chrono::seconds(30);
  std::vector<pollfd> fds(held.size());
  while (done < held.size() && Wall::now() < deadline) {
    for (size_t i = 0; i < held.size(); ++i) fds[i] = {delays[i] < 0 ? held[i].fd() : -1, POLLIN, 0};
    if (::poll(fds.data(), fds.size(), 100) <= 0) continue;
    for (size_t i = 0; i < held.size(); ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP))) continue;
      char buf[65536];
      ssize_t n = ::read(held[i].fd(), buf, sizeof buf);
      if (n > 0) tails[i].append(buf, static_cast<size_t>(n));
      if (tails[i].size() > 8192) tails[i].erase(0, tails[i].size() - 4096);  // only the end matters
      if (tails[i].find("RUN_FINISHED") != std::string::npos || n <= 0) {
        delays[i] = Ms(Wall::now() - answered);
        ++done;
      }
    }
  }
  const double rss_after = RssMiB(sandbox.pid());
  int missing = 0;
  for (double& d : delays) {
    if (d < 0) {
      ++missing;
      d = Ms(deadline - answered);
    }
  }
  std::printf(
      "fan-out: %zu clients on one run; RUN_FINISHED after the resume's answer (%.1f ms after it was sent): "
      "p50 %.1f ms, p99 %.1f ms, max %.1f ms, %d missing after 30 s; server RSS %.0f MiB before, %.0f with the "
      "clients, %.0f after\n",
      held.size(), Ms(answered - t0), Percentile(delays, 0.5), Percentile(delays, 0.99), Percentile(delays, 1.0),
      missing, rss_before, rss_open, rss_after);
}

}  // namespace

int main(int argc, char** argv) {
  int streams = argc > 1 ? std::atoi(argv[1]) : 1000;
  int idle = argc > 2 ? std::atoi(argv[2]) : 1000;
  int probes = argc > 3 ? std::atoi(argv[3]) : 50;
  int fanout = argc > 4 ? std::atoi(argv[4]) : 1000;
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
  if (fanout > 0) FanOut(fanout);
  return 0;
}
