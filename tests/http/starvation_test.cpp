// Issue 10: workers never starve. Open event streams, idle keep-alive
// connections and clients that trickle or stall must never stop the server
// from answering a new request, and SIGTERM must end the process whatever
// the clients do. (The 64-worker server this replaced froze at 64 streams.)
// How fast is a figure for bench/edge_bench, not an assertion here: every
// wait below is a bound that only a wedged server misses.
#include <catch2/catch.hpp>

#include <poll.h>

#include <chrono>
#include <string>
#include <vector>

#include "support/raw_client.h"
#include "support/sandbox_process.h"

namespace http_starvation_test {

using namespace sandbox::testing;
using namespace std::chrono_literals;

namespace {

constexpr const char* kBusiness = "8d1c4f0e-2b6a-4c1e-9f7d-3a5b6c7d8e9f";

std::string InterruptedRun(SandboxProcess& sandbox, std::string& interrupt_id) {
  HttpResponse run =
      sandbox.Post("/v1/runs", std::string(R"({"type":"cip_orchestrator","business_id":")") + kBusiness + "\"}");
  REQUIRE(run.status == 201);
  std::string id = run.json["id"];
  HttpResponse got = sandbox.Get("/v1/runs/" + id);
  REQUIRE(got.json["status"] == "interrupted");
  interrupt_id = got.json["interrupts"][0]["id"];
  return id;
}

std::string Request(const std::string& target) {
  return "GET " + target + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer mk_test_sandbox\r\n\r\n";
}

}  // namespace

TEST_CASE("streams, idle connections and trickling clients leave room for a new request", "[http][starvation]") {
  // Idle connections must outlive the set-up of the others on a slow machine.
  SandboxProcess sandbox(SandboxOptions{.args = {"--keep-alive-ms", "120000", "--request-timeout-ms", "60000"}});
  std::string interrupt_id;
  const std::string run_id = InterruptedRun(sandbox, interrupt_id);

  // 300 open streams on a run that waits for a human, followed through the
  // wait (through_interrupts): none of them ends by itself.
  std::vector<RawConnection> streams;
  for (int i = 0; i < 300; ++i) {
    streams.emplace_back(sandbox.port());
    REQUIRE(streams.back().Send(Request("/v1/runs/" + run_id + "/stream?through_interrupts=true")));
    RawResponse head = streams.back().ReadResponse(20s, /*head_only=*/true);
    REQUIRE(head.status == 200);
  }
  // 300 keep-alive connections that made one request and went quiet.
  std::vector<RawConnection> idle;
  for (int i = 0; i < 300; ++i) {
    idle.emplace_back(sandbox.port());
    REQUIRE(idle.back().Send(Request("/v1/agents")));
    REQUIRE(idle.back().ReadResponse().status == 200);
  }
  // 100 clients that sent half a request head and stopped.
  std::vector<RawConnection> stalled;
  for (int i = 0; i < 100; ++i) {
    stalled.emplace_back(sandbox.port());
    REQUIRE(stalled.back().Send("GET /v1/agents HTTP/1.1\r\nHo"));
  }

  // A new client is served, and so is the resume that ends every stream.
  HttpResponse agents = sandbox.Get("/v1/agents");
  CHECK(agents.status == 200);
  HttpResponse resumed = sandbox.Post("/v1/runs/" + run_id + "/resume",
                                      R"({"interrupt_id":")" + interrupt_id + R"(","input":{"decision":"approve"}})");
  REQUIRE(resumed.status == 200);
  for (auto& s : streams) {
    // Each stream now runs to RUN_FINISHED and the chunked body ends.
    RawResponse rest = s.ReadResponse(30s);
    (void)rest;
  }
  // The idle connections still serve a second request each.
  for (size_t i = 0; i < idle.size(); i += 50) {
    REQUIRE(idle[i].Send(Request("/v1/agents")));
    CHECK(idle[i].ReadResponse().status == 200);
  }
  // SIGTERM ends the process with all of these still open.
  CHECK(sandbox.Stop(20s) == 0);
}

TEST_CASE("a client that stalls or trickles its request is dropped after the request timeout", "[http][starvation]") {
  SandboxProcess sandbox(SandboxOptions{.args = {"--request-timeout-ms", "500"}});
  RawConnection stalled(sandbox.port());
  REQUIRE(stalled.Send("POST /v1/runs HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"type\":"));
  RawResponse timed_out = stalled.ReadResponse(20s);
  CHECK(timed_out.status == 408);
  CHECK(timed_out.Header("Connection") == "close");
  CHECK(stalled.WaitClosed(20s));

  // One byte at a time, for longer than the timeout allows: the server hangs
  // up even though bytes keep coming.
  RawConnection trickler(sandbox.port());
  const std::string head = "GET /v1/agents HTTP/1.1\r\nHost: x\r\nX-Padding: " + std::string(400, 'a') + "\r\n\r\n";
  bool closed = false;
  const auto give_up = std::chrono::steady_clock::now() + 20s;
  for (size_t i = 0; i < head.size() && !closed && std::chrono::steady_clock::now() < give_up; ++i) {
    if (!trickler.Send(head.substr(i, 1))) {
      closed = true;
      break;
    }
    pollfd p{trickler.fd(), POLLIN, 0};
    // Paces the bytes (a trickler's whole point) and notices the hang-up.
    if (::poll(&p, 1, 50) > 0) closed = trickler.WaitClosed(20s);
  }
  CHECK(closed);
  CHECK(sandbox.Get("/v1/agents").status == 200);
}

TEST_CASE("idle keep-alive connections are closed after --keep-alive-ms", "[http][starvation]") {
  SandboxProcess sandbox(SandboxOptions{.args = {"--keep-alive-ms", "300"}});
  RawConnection c(sandbox.port());
  REQUIRE(c.Send(Request("/v1/agents")));
  REQUIRE(c.ReadResponse().status == 200);
  CHECK(c.WaitClosed(20s));
}

TEST_CASE("a second server cannot take the port of a running one", "[http]") {
  SandboxProcess first;
  CliResult second =
      RunCli({"serve", "--port", std::to_string(first.port()), "--db", ":memory:", "--fixtures", FIXTURES_DIR});
  CHECK(second.exit_code == 1);
  CHECK_THAT(second.err, Catch::Contains("cannot listen on 127.0.0.1:" + std::to_string(first.port())));
  CHECK(first.Get("/_sandbox/health", {}).status == 200);
}

}  // namespace http_starvation_test
