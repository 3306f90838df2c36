// The network sender (webhooks/sender.h, http_post.cpp) against receivers
// that misbehave on purpose (tests/webhooks/receivers.h): every answer a
// receiver can give ends in an Outcome, with the status when there is one
// and the sandbox's own words when there is none; nothing it sends is read
// past the limits, nothing it does outlasts the timeouts, and abort() ends
// a send under way at once. Timeouts are shortened here (SendLimits) so no
// case waits long; nothing asserts on how long anything took.
#include <catch2/catch.hpp>

#include <future>
#include <vector>

#include "receivers.h"
#include "webhooks/sender.h"

namespace webhooks_http_post_test {

using sandbox::testing::RawReceiver;
using sandbox::webhooks::HttpSender;
using sandbox::webhooks::Outcome;
using sandbox::webhooks::SendLimits;

namespace {

const httplib::Headers kHeaders = {{"X-Middesk-Signature-256", "abc"}, {"X-Correlation-Id", "run-1"}};

SendLimits Short() {
  SendLimits l;
  l.connect_timeout_ms = 2000;
  l.write_timeout_ms = 2000;
  l.read_timeout_ms = 300;
  return l;
}

// A receiver that reads the request and answers `answer` verbatim.
RawReceiver::Behaviour Answer(std::string answer) {
  return [answer](RawReceiver& self, int fd) {
    if (self.ReadRequest(fd)) RawReceiver::SendAll(fd, answer);
  };
}

Outcome Post(const std::string& url, SendLimits limits = Short()) {
  return HttpSender(limits).send(url, R"({"object":"event"})", kHeaders);
}

}  // namespace

TEST_CASE("sender: a 2xx answer is delivered, with the request the contract describes", "[webhooks]") {
  RawReceiver r(Answer("HTTP/1.1 204 No Content\r\n\r\n"));
  Outcome out = Post(r.Url("/hooks?x=1"));
  CHECK(out.status_code == 204);
  CHECK_FALSE(out.error);
  const std::string req = r.LastRequest();
  CHECK(req.rfind("POST /hooks?x=1 HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(r.port()) + "\r\n", 0) == 0);
  CHECK(req.find("\r\nContent-Type: application/json\r\n") != std::string::npos);
  CHECK(req.find("\r\nConnection:") == std::string::npos);  // HTTP/1.1: kept alive
  CHECK(req.find("\r\nX-Middesk-Signature-256: abc\r\n") != std::string::npos);
  CHECK(req.substr(req.size() - 18) == R"({"object":"event"})");
}

TEST_CASE("sender: each misbehaving receiver ends in an outcome, nothing followed or read past the limits",
          "[webhooks]") {
  RawReceiver elsewhere(Answer("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
  struct Case {
    const char* name;
    RawReceiver::Behaviour behaviour;
    std::optional<int> status;
    std::string error;
  };
  const std::string big(1 << 20, 'a');
  std::vector<Case> cases = {
      {"redirect", Answer("HTTP/1.1 302 Found\r\nLocation: " + elsewhere.Url() + "\r\nContent-Length: 0\r\n\r\n"), 302,
       ""},
      {"server error", Answer("HTTP/1.0 500 Internal Server Error\r\n\r\n"), 500, ""},
      {"interim 100 then 201", Answer("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\n\r\n"), 201, ""},
      {"bare LF line ends", Answer("HTTP/1.1 200 OK\nContent-Length: 0\n\n"), 200, ""},
      {"a 1 MB body", Answer("HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(big.size()) + "\r\n\r\n" + big),
       200, ""},
      {"reset",
       [](RawReceiver& self, int fd) {
         if (self.ReadRequest(fd)) RawReceiver::Reset(fd);
       },
       std::nullopt, "reading the answer failed: Connection reset by peer"},
      {"closed without answer", [](RawReceiver& self, int fd) { self.ReadRequest(fd); }, std::nullopt,
       "the connection was closed without an answer"},
      {"half an answer", Answer("HTTP/1.1 200 OK\r\nContent-"), std::nullopt,
       "the connection was closed in the middle of the answer"},
      {"not HTTP", Answer("SSH-2.0-OpenSSH\r\n\r\n"), std::nullopt, "the answer is not HTTP/1.x"},
      {"status 999", Answer("HTTP/1.1 999 Odd\r\n\r\n"), std::nullopt, "the answer is not HTTP/1.x"},
      // Each of these crashed or bloated cpp-httplib's client (std::regex on the status line).
      {"a 1 MB status line", Answer("HTTP/1.1 200 " + big + "\r\n\r\n"), std::nullopt,
       "the answer's status line and headers exceed 16384 bytes"},
      {"a 1 MB status line without end", Answer("HTTP/1.1 200 " + big), std::nullopt,
       "the answer's status line and headers exceed 16384 bytes"},
      {"headers without end",
       [](RawReceiver& self, int fd) {
         if (!self.ReadRequest(fd) || !RawReceiver::SendAll(fd, "HTTP/1.1 200 OK\r\n")) return;
         // Until the sender hangs up.
         while (RawReceiver::SendAll(fd, "X-Flood: " + std::string(1000, 'f') + "\r\n")) {
         }
       },
       std::nullopt, "the answer's status line and headers exceed 16384 bytes"},
      {"no answer",
       [](RawReceiver& self, int fd) {
         if (self.ReadRequest(fd)) self.Hold();
       },
       std::nullopt, "no answer within 300 ms"},
      // A byte at a time, each well within the timeout: the deadline is for the whole head.
      {"a trickle",
       [](RawReceiver& self, int fd) {
         if (!self.ReadRequest(fd)) return;
         for (int i = 0; i < 200 && RawReceiver::SendAll(fd, i == 0 ? "HTTP/1.1 200 OK\r\nX: " : "x"); ++i) {
           if (self.Hold(std::chrono::milliseconds(20))) return;
         }
       },
       std::nullopt, "no answer within 300 ms"},
  };
  for (auto& c : cases) {
    INFO(c.name);
    RawReceiver r(c.behaviour);
    Outcome out = Post(r.Url());
    CHECK(out.status_code == c.status);
    CHECK(out.error.value_or("") == c.error);
    CHECK(r.Requests() == 1);
  }
  CHECK(elsewhere.Requests() == 0);  // the redirect was not followed
}

TEST_CASE("sender: no connection, and URLs that never reach the network", "[webhooks]") {
  int port = 0;
  {
    RawReceiver gone(Answer(""));
    port = gone.port();
  }
  Outcome refused = Post("http://127.0.0.1:" + std::to_string(port) + "/h");
  CHECK_FALSE(refused.status_code);
  CHECK(refused.error == "could not connect: Connection refused");
  Outcome invalid = Post("http://" + std::string(20000, 'a') + "/h");
  CHECK(invalid.error == "invalid URL: its host is longer than 253 bytes");
  Outcome header = HttpSender().send("http://127.0.0.1:9/h", "{}", {{"X-Bad", "a\r\nInjected: 1"}});
  CHECK(header.error == "a header holds a line break");
}

TEST_CASE("sender: abort() ends a send to a receiver that hangs, and only the sends under way", "[webhooks]") {
  RawReceiver hanging([](RawReceiver& self, int fd) {
    if (self.ReadRequest(fd)) self.Hold();
  });
  SendLimits patient;  // the default 5 s read timeout: the abort must come first
  auto transport = HttpSender(patient);
  auto sending = std::async(std::launch::async, [&] { return transport.send(hanging.Url(), "{}", kHeaders); });
  REQUIRE(hanging.WaitForHolding(1));
  transport.abort();
  // Generous: an abort is immediate, the read timeout would be 5 s.
  REQUIRE(sending.wait_for(std::chrono::seconds(4)) == std::future_status::ready);
  Outcome out = sending.get();
  CHECK_FALSE(out.status_code);
  CHECK(out.error == "not finished: the sandbox is stopping");
  // A send that starts after the abort is not affected by it.
  RawReceiver healthy(Answer("HTTP/1.1 200 OK\r\n\r\n"));
  CHECK(transport.send(healthy.Url(), "{}", kHeaders).status_code == 200);
}

TEST_CASE("sender: the next send on a thread whose send was aborted is not aborted", "[webhooks]") {
  // A sending thread polls the same eventfd for all its sends; the abort
  // that reached one must not reach the next.
  RawReceiver hanging([](RawReceiver& self, int fd) {
    if (self.ReadRequest(fd)) self.Hold();
  });
  RawReceiver healthy(Answer("HTTP/1.1 200 OK\r\n\r\n"));
  auto transport = HttpSender(SendLimits{});
  std::promise<void> aborted;
  auto sending = std::async(std::launch::async, [&] {
    Outcome first = transport.send(hanging.Url(), "{}", kHeaders);
    aborted.get_future().wait();
    Outcome second = transport.send(healthy.Url(), "{}", kHeaders);
    Outcome third = transport.send(healthy.Url(), "{}", kHeaders);
    return std::vector<Outcome>{first, second, third};
  });
  REQUIRE(hanging.WaitForHolding(1));
  transport.abort();
  transport.abort();  // twice: the eventfd counts 2, and one read must empty it
  aborted.set_value();
  REQUIRE(sending.wait_for(std::chrono::seconds(4)) == std::future_status::ready);
  const std::vector<Outcome> out = sending.get();
  CHECK(out[0].error == "not finished: the sandbox is stopping");
  CHECK(out[1].status_code == 200);
  CHECK_FALSE(out[1].error);
  CHECK(out[2].status_code == 200);
}

namespace {

// A receiver that answers `answer` to every request on a connection, and
// counts its connections.
struct KeepAliveReceiver {
  explicit KeepAliveReceiver(std::string answer)
      : raw([this, answer](RawReceiver& self, int fd) {
          ++connections;
          while (self.ReadRequest(fd) && RawReceiver::SendAll(fd, answer)) {
          }
        }) {}
  std::atomic<int> connections{0};
  RawReceiver raw;
};

}  // namespace

TEST_CASE("sender: a kept-alive connection carries the next POST to the same origin", "[webhooks]") {
  KeepAliveReceiver r("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  auto sender = HttpSender(Short());
  for (int i = 0; i < 3; ++i) CHECK(sender.send(r.raw.Url(), "{}", kHeaders).status_code == 200);
  CHECK(r.raw.Requests() == 3);
  CHECK(r.connections == 1);
}

TEST_CASE("sender: an answer that closes, has no length or is HTTP/1.0 leaves its connection unused", "[webhooks]") {
  const char* answers[] = {
      "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 200 OK\r\nCONNECTION: Keep-Alive, Close\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
      // More bytes than it announced: they would pass for the next answer.
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 500 No\r\n\r\n",
  };
  for (const char* answer : answers) {
    INFO(answer);
    KeepAliveReceiver r(answer);
    auto sender = HttpSender(Short());
    CHECK(sender.send(r.raw.Url(), "{}", kHeaders).status_code == 200);
    CHECK(sender.send(r.raw.Url(), "{}", kHeaders).status_code == 200);
    CHECK(r.connections == 2);
  }
}

TEST_CASE("sender: a kept connection the receiver closed is never used, and one closed as the request went out is retried once",
          "[webhooks]") {
  SECTION("closed while idle") {
    std::atomic<int> connections{0};
    RawReceiver r([&](RawReceiver& self, int fd) {
      ++connections;
      if (self.ReadRequest(fd)) RawReceiver::SendAll(fd, "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n");
    });  // closes after one answer
    auto sender = HttpSender(Short());
    CHECK(sender.send(r.Url(), "{}", kHeaders).status_code == 204);
    REQUIRE(r.WaitForRequests(1));
    // Until the close has reached this side, the kept connection still looks
    // usable; the retry below covers that window, so the outcome is the same.
    CHECK(sender.send(r.Url(), "{}", kHeaders).status_code == 204);
    CHECK(connections == 2);
  }
  SECTION("closed unanswered when the next request came") {
    std::atomic<int> connections{0};
    RawReceiver r([&](RawReceiver& self, int fd) {
      ++connections;
      if (!self.ReadRequest(fd)) return;
      RawReceiver::SendAll(fd, "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n");
      self.ReadRequest(fd);  // counted, never answered
    });
    auto sender = HttpSender(Short());
    CHECK(sender.send(r.Url(), "{}", kHeaders).status_code == 204);
    const Outcome second = sender.send(r.Url(), "{}", kHeaders);
    CHECK(second.status_code == 204);
    CHECK_FALSE(second.error);
    CHECK(r.Requests() == 3);  // the first, the one the closing connection swallowed, its retry
    CHECK(connections == 2);
  }
  SECTION("a fresh connection closed unanswered is a failed attempt, not retried") {
    RawReceiver r([](RawReceiver& self, int fd) { self.ReadRequest(fd); });
    const Outcome out = Post(r.Url());
    CHECK_FALSE(out.status_code);
    CHECK(out.error == std::optional<std::string>("the connection was closed without an answer"));
    CHECK(r.Requests() == 1);
  }
}

}  // namespace webhooks_http_post_test
