// Fault injection as a client sees it (issue 13, docs/toolkit.md "Fault
// injection"): each kind against the real binary, through a real socket.
// Nothing sleeps to wait: streams are read with a bounded client timeout and
// polled conditions have bounds.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <string>
#include <vector>

#include "support/sandbox_process.h"
#include "support/sse_frames.h"

namespace http_faults_http_test {

using sandbox::testing::AuthHeaders;
using sandbox::testing::FrameIds;
using sandbox::testing::HttpResponse;
using sandbox::testing::SandboxOptions;
using sandbox::testing::SandboxProcess;
using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

const std::string kBusiness = "8d1c4f0e-2b6a-4c1e-9f7d-3a5b6c7d8e9f";

Json AddFault(const SandboxProcess& sb, const Json& rule) {
  auto r = sb.Post("/_sandbox/faults", rule.dump());
  INFO(r.body);
  REQUIRE(r.status == 201);
  return r.json;
}

std::string CreateRun(const SandboxProcess& sb, const std::string& type) {
  auto r = sb.Post("/v1/runs", Json{{"type", type}, {"business_id", kBusiness}}.dump());
  REQUIRE_STATUS(r, 201);
  return r.json["id"];
}

// What a client saw on one connection: the bytes before the end, and how it
// ended (0: the server closed it; an errno such as ECONNRESET; -1: the bound
// passed with the connection still open).
struct Exchange {
  std::string bytes;
  int end = -1;
};

Exchange SendAndRead(int port, const std::string& request, std::chrono::milliseconds limit) {
  Exchange out;
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size()));
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count());
    if (::poll(&p, 1, std::max(left, 1)) <= 0) continue;
    char buf[4096];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n > 0) {
      out.bytes.append(buf, static_cast<size_t>(n));
    } else {
      out.end = n == 0 ? 0 : errno;
      break;
    }
  }
  ::close(fd);
  return out;
}

std::string Get(const std::string& path, const std::string& ns = "") {
  // Connection: close, so that an answer ends with the connection.
  std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAuthorization: Bearer " +
                    std::string(sandbox::testing::kDefaultApiKey) + "\r\n";
  if (!ns.empty()) req += "X-Sandbox-Namespace: " + ns + "\r\n";
  return req + "\r\n";
}

// Reads a run's stream with a client read timeout; the body so far and the
// client's error (httplib::Error::Success when it ended cleanly).
struct StreamRead {
  std::string body;
  httplib::Error error = httplib::Error::Success;
  int64_t ms = 0;
};

// `query` is appended to the path: through_interrupts=true keeps an
// interrupted run's stream open (and heartbeating) through the wait.
StreamRead ReadStream(const SandboxProcess& sb, const std::string& run, std::chrono::seconds read_timeout,
                      const std::function<bool(const std::string&)>& enough = nullptr, const std::string& query = "") {
  StreamRead out;
  auto client = sb.client();
  client.set_read_timeout(read_timeout);
  const auto start = Clock::now();
  const std::string path = "/v1/runs/" + run + "/stream" + (query.empty() ? "" : "?" + query);
  auto res = client.Get(path.c_str(), AuthHeaders(), [&](const char* d, size_t n) {
    out.body.append(d, n);
    return !(enough && enough(out.body));
  });
  out.ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  out.error = res.error();
  return out;
}

}  // namespace

TEST_CASE("faults: rules are created, listed with their counts, and removed", "[http]") {
  SandboxProcess sb;
  Json a = AddFault(sb, {{"fault", "status"}, {"status", 503}, {"path", "/v1/agents"}, {"count", 1}});
  CHECK(a["id"] == "f_1");
  CHECK(a["fault"] == "status");
  CHECK(a["remaining"] == 1);
  AddFault(sb, {{"fault", "latency"}, {"min_ms", 1}, {"max_ms", 2}, {"seed", 9}, {"path", "/nowhere"}});
  CHECK_STATUS(sb.Get("/v1/agents"), 503);
  CHECK_STATUS(sb.Get("/v1/agents"), 200);
  auto list = sb.Get("/_sandbox/faults");
  REQUIRE_STATUS(list, 200);
  REQUIRE(list.json["data"].size() == 2);
  CHECK(list.json["data"][0]["fired"] == 1);
  CHECK(list.json["data"][0]["remaining"] == 0);
  CHECK(list.json["data"][1]["fired"] == 0);
  CHECK(list.json["data"][1]["seed"] == 9);
  // Refused rules name their field.
  auto bad = sb.Post("/_sandbox/faults", R"({"fault":"status","status":200})");
  CHECK_STATUS(bad, 422);
  CHECK(bad.json["errors"][0]["parameter"] == "status");
  CHECK(sb.Post("/_sandbox/faults", R"({"fault":"status","status":503,"paht":"/v1/**"})").json["errors"][0]["parameter"] ==
        "paht");
  CHECK_STATUS(sb.Post("/_sandbox/faults", R"({"fault":"explode"})"), 422);
  CHECK_STATUS(sb.Post("/_sandbox/faults", R"({"fault":"status","status":503,"count":1,"probability":0.5})"), 422);
  CHECK_STATUS(sb.Post("/_sandbox/faults", R"({"fault":"latency"})"), 400);
  // A rule over everything still lets a test see and remove it.
  AddFault(sb, {{"fault", "status"}, {"status", 500}});
  CHECK_STATUS(sb.Get("/_sandbox/faults"), 200);
  auto client = sb.client();
  auto del = client.Delete("/_sandbox/faults/f_1");
  REQUIRE(del);
  CHECK(del->status == 200);
  CHECK(client.Delete("/_sandbox/faults/f_1")->status == 404);
  auto all = client.Delete("/_sandbox/faults");
  REQUIRE(all);
  CHECK(Json::parse(all->body)["deleted_count"] == 2);
  CHECK_STATUS(sb.Get("/v1/agents"), 200);
}

TEST_CASE("faults: status answers in the dialect's error shape, and the journal names the fault", "[http]") {
  SandboxProcess sb;
  AddFault(sb, {{"fault", "status"}, {"status", 503}, {"path", "/v1/agents"}});
  AddFault(sb, {{"fault", "status"}, {"status", 503}, {"path", "/api/v1/**"}});
  auto middesk = sb.Get("/v1/agents");
  CHECK_STATUS(middesk, 503);
  CHECK(middesk.json["errors"][0]["message"] == "Injected fault: status 503 (fault f_1)");
  auto modus = sb.Get("/api/v1/agents");
  CHECK_STATUS(modus, 503);
  CHECK(modus.json["error"]["code"] == "unavailable");
  CHECK(modus.json["error"]["message"] == "Injected fault: status 503 (fault f_2)");
  auto journal = sb.Get("/_sandbox/requests?path=/v1/agents");
  REQUIRE_STATUS(journal, 200);
  REQUIRE(journal.json["data"].size() == 1);
  CHECK(journal.json["data"][0]["fault"] == "status 503 (fault f_1)");
  CHECK(journal.json["data"][0]["status"] == 503);
}

TEST_CASE("faults: rate_limit is a 429 with Retry-After", "[http]") {
  SandboxProcess sb;
  AddFault(sb, {{"fault", "rate_limit"}, {"retry_after_s", 7}, {"method", "GET"}, {"path", "/v1/**"}, {"count", 1}});
  auto client = sb.client();
  auto res = client.Get("/v1/agents", AuthHeaders());
  REQUIRE(res);
  CHECK(res->status == 429);
  CHECK(res->get_header_value("Retry-After") == "7");
  CHECK(Json::parse(res->body)["errors"][0]["message"] ==
        "Rate limit exceeded (injected fault f_1)");
  CHECK(client.Get("/v1/agents", AuthHeaders())->status == 200);
}

TEST_CASE("faults: empty closes without a byte, reset resets", "[http]") {
  SandboxProcess sb;
  AddFault(sb, {{"fault", "empty"}, {"path", "/v1/agents"}, {"count", 1}});
  AddFault(sb, {{"fault", "reset"}, {"path", "/v1/threads"}, {"count", 1}});
  Exchange empty = SendAndRead(sb.port(), Get("/v1/agents"), std::chrono::seconds(5));
  CHECK(empty.bytes.empty());
  CHECK(empty.end == 0);
  Exchange reset = SendAndRead(sb.port(), Get("/v1/threads"), std::chrono::seconds(5));
  CHECK(reset.bytes.empty());
  CHECK(reset.end == ECONNRESET);
  // Spent: both answer again.
  CHECK(SendAndRead(sb.port(), Get("/v1/agents") , std::chrono::seconds(5)).bytes.rfind("HTTP/1.1 200", 0) == 0);
  auto journal = sb.Get("/_sandbox/requests?path=/v1/threads");
  REQUIRE(journal.json["data"].size() == 1);
  CHECK(journal.json["data"][0]["fault"] == "reset (fault f_2)");
}

TEST_CASE("faults: latency delays the answer by at least ms", "[http]") {
  SandboxProcess sb;
  AddFault(sb, {{"fault", "latency"}, {"ms", 300}, {"path", "/v1/agents"}, {"count", 1}});
  auto start = Clock::now();
  CHECK_STATUS(sb.Get("/v1/agents"), 200);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  CHECK(ms >= 300);
  auto journal = sb.Get("/_sandbox/requests?path=/v1/agents");
  CHECK(journal.json["data"][0]["fault"] == "latency 300 ms (fault f_1)");
}

TEST_CASE("faults: a rule scoped to one namespace leaves another untouched", "[http]") {
  SandboxProcess sb;
  AddFault(sb, {{"fault", "status"}, {"status", 500}, {"namespace", "ci-a"}});
  auto in = [](const std::string& ns) {
    auto h = AuthHeaders();
    h.emplace("X-Sandbox-Namespace", ns);
    return h;
  };
  CHECK_STATUS(sb.Get("/v1/agents", in("ci-a")), 500);
  CHECK_STATUS(sb.Get("/v1/agents", in("ci-b")), 200);
  CHECK_STATUS(sb.Get("/v1/agents"), 200);
  CHECK_STATUS(sb.Post("/v1/runs", Json{{"type", "address_verification"}, {"business_id", kBusiness}}.dump(), in("ci-b")),
               201);
}

TEST_CASE("faults: empty on a stream sends no byte of its frames, then closes", "[http]") {
  // The fault answers before the stream's handler runs, so no frame is
  // rendered; (http::WriteChunk, which bypasses the library's writer, also
  // drops what it is given under a mute, should a handler ever run muted.)
  SandboxProcess sb;
  std::string run = CreateRun(sb, "address_verification");
  AddFault(sb, {{"fault", "empty"}, {"path", "/v1/runs/*/stream"}, {"count", 1}});
  Exchange empty = SendAndRead(sb.port(), Get("/v1/runs/" + run + "/stream"), std::chrono::seconds(5));
  CHECK(empty.bytes.empty());
  CHECK(empty.end == 0);
  // Spent: the stream answers in full again.
  Exchange whole = SendAndRead(sb.port(), Get("/v1/runs/" + run + "/stream"), std::chrono::seconds(5));
  CHECK(whole.bytes.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(whole.bytes.find("event: RUN_FINISHED") != std::string::npos);
}

TEST_CASE("faults: drop_after closes a stream after exactly N frames", "[http]") {
  SandboxProcess sb;
  std::string run = CreateRun(sb, "address_verification");
  AddFault(sb, {{"fault", "drop_after"}, {"frames", 2}, {"path", "/v1/runs/*/stream"}, {"count", 1}});
  StreamRead dropped = ReadStream(sb, run, std::chrono::seconds(5));
  CHECK(FrameIds(dropped.body) == std::vector<std::string>{"1", "2"});
  CHECK(dropped.error != httplib::Error::Success);  // the chunked body never ended
  CHECK(dropped.ms < 4000);                         // closed, not timed out
  StreamRead whole = ReadStream(sb, run, std::chrono::seconds(5));
  CHECK(whole.error == httplib::Error::Success);
  CHECK(FrameIds(whole.body).size() > 2);
  auto journal = sb.Get("/_sandbox/requests?path=/v1/runs/*/stream");
  CHECK(journal.json["data"][0]["fault"] == "drop_after 2 frames (fault f_1)");
}

TEST_CASE("faults: duplicate_frame sends frame N twice", "[http]") {
  SandboxProcess sb;
  std::string run = CreateRun(sb, "address_verification");
  AddFault(sb, {{"fault", "duplicate_frame"}, {"frame", 2}, {"path", "/v1/runs/*/stream"}});
  StreamRead dup = ReadStream(sb, run, std::chrono::seconds(5));
  CHECK(dup.error == httplib::Error::Success);
  auto ids = FrameIds(dup.body);
  REQUIRE(ids.size() >= 4);
  CHECK(ids[0] == "1");
  CHECK(ids[1] == "2");
  CHECK(ids[2] == "2");
  CHECK(ids[3] == "3");
}

TEST_CASE("faults: stall_after goes silent after N frames until the client times out", "[http]") {
  // Heartbeats every 50 ms would keep a client's read alive; a stall sends none.
  SandboxProcess sb(SandboxOptions{{"--heartbeat-ms", "50"}});
  std::string run = CreateRun(sb, "cip_orchestrator");
  AddFault(sb, {{"fault", "stall_after"}, {"frames", 1}, {"path", "/v1/runs/*/stream"}, {"count", 1}});
  StreamRead stalled = ReadStream(sb, run, std::chrono::seconds(1));
  CHECK(FrameIds(stalled.body) == std::vector<std::string>{"1"});
  CHECK(stalled.body.find("keep-alive") == std::string::npos);
  CHECK(stalled.error == httplib::Error::Read);
  CHECK(stalled.ms >= 1000);
  // The server is still serving, and the next stream is whole.
  StreamRead next = ReadStream(
      sb, run, std::chrono::seconds(5),
      [](const std::string& body) { return body.find(": keep-alive") != std::string::npos; }, "through_interrupts=true");
  CHECK(FrameIds(next.body).size() > 1);
}

TEST_CASE("faults: heartbeat_delay holds keep-alives back by ms", "[http]") {
  SandboxProcess sb(SandboxOptions{{"--heartbeat-ms", "50"}});
  std::string run = CreateRun(sb, "cip_orchestrator");
  auto first_beat = [&] {
    return ReadStream(
        sb, run, std::chrono::seconds(5),
        [](const std::string& body) { return body.find(": keep-alive") != std::string::npos; }, "through_interrupts=true");
  };
  AddFault(sb, {{"fault", "heartbeat_delay"}, {"ms", 500}, {"path", "/v1/runs/*/stream"}, {"count", 1}});
  StreamRead late = first_beat();
  CHECK(late.body.find(": keep-alive") != std::string::npos);
  CHECK(late.ms >= 550);
  StreamRead usual = first_beat();
  CHECK(usual.body.find(": keep-alive") != std::string::npos);
  CHECK(usual.ms < 500);
}

}  // namespace http_faults_http_test
