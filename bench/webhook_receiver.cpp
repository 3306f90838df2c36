// The loopback webhook receiver bench/run points a webhook at (issue 12:
// "at least 1,000 deliveries/s to a loopback receiver"): a bare cpp-httplib
// server that answers 200 with an empty body to every POST and counts it,
// and answers GET /count with what it has counted so far:
//   {"count":N,"created":N,"interrupted":N,"completed":N,"other":N,"first_ms":T,"last_ms":T}
// where created/interrupted/completed count the deliveries by their event
// type (the body's first "type", which is the event's: it precedes "data"),
// and first_ms/last_ms are the wall clock (Unix epoch, ms) at which the
// first and the last delivery were received (0 before any). It checks no
// signature: the bench measures the sandbox, not the receiver. TCP_NODELAY
// and a pool of 64 threads, so the receiver is never what the rate waits
// for. A connection carries up to 1,000 requests, as nginx's default
// keepalive_requests allows (Node's and Go's servers set no limit):
// cpp-httplib's own default of 5 made the sandbox open a connection every
// fifth delivery, a cost that receivers people run do not impose.
// Usage: webhook_receiver PORT
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: webhook_receiver PORT\n");
    return 2;
  }
  std::atomic<int64_t> count{0}, created{0}, interrupted{0}, completed{0}, other{0};
  std::atomic<int64_t> first_ms{0}, last_ms{0};

  httplib::Server server;
  server.set_tcp_nodelay(true);
  server.set_keep_alive_max_count(1000);
  server.new_task_queue = [] { return new httplib::ThreadPool(64); };
  server.Post(".*", [&](const httplib::Request& req, httplib::Response& res) {
    const int64_t now = NowMs();
    int64_t expected = 0;
    first_ms.compare_exchange_strong(expected, now);
    // last_ms only moves forward, whichever thread finishes first.
    for (int64_t seen = last_ms.load(); seen < now && !last_ms.compare_exchange_weak(seen, now);) {
    }
    const size_t at = req.body.find("\"type\":\"");
    const std::string type = at == std::string::npos ? "" : req.body.substr(at + 8, 16);
    if (type.rfind("run.created\"", 0) == 0) {
      ++created;
    } else if (type.rfind("run.interrupted\"", 0) == 0) {
      ++interrupted;
    } else if (type.rfind("run.completed\"", 0) == 0) {
      ++completed;
    } else {
      ++other;
    }
    ++count;  // last, so that a GET /count never shows a delivery without its type
    res.status = 200;
  });
  server.Get("/count", [&](const httplib::Request&, httplib::Response& res) {
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "{\"count\":%lld,\"created\":%lld,\"interrupted\":%lld,\"completed\":%lld,\"other\":%lld,"
                  "\"first_ms\":%lld,\"last_ms\":%lld}",
                  static_cast<long long>(count.load()), static_cast<long long>(created.load()),
                  static_cast<long long>(interrupted.load()), static_cast<long long>(completed.load()),
                  static_cast<long long>(other.load()), static_cast<long long>(first_ms.load()),
                  static_cast<long long>(last_ms.load()));
    res.set_content(buf, "application/json");
  });
  return server.listen("127.0.0.1", std::stoi(argv[1])) ? 0 : 1;
}
