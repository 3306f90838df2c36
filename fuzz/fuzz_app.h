// Shared by the request fuzzers: the whole sandbox, in memory, built once per
// fuzzing process from the shipped fixtures (app::SandboxApp, as main builds
// it), and a way to push raw bytes through it as one client connection.
#pragma once

#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <memory>
#include <poll.h>
#include <string>
#include <thread>

#include "app/sandbox_app.h"
#include "cli/options.h"
#include "core/clock.h"

namespace sandbox::fuzz {

inline app::SandboxApp& App() {
  static app::SandboxApp* app = [] {
    auto options =
        cli::ParseOptions({"--db", ":memory:", "--fixtures", FIXTURES_DIR, "--heartbeat-ms", "20", "--watch-ms", "0",
                           "--keep-alive-ms", "200", "--request-timeout-ms", "500", "--write-timeout-ms", "200"});
    auto opened = app::SandboxApp::Open(options.value());
    if (!opened.ok()) __builtin_trap();
    app::SandboxApp* a = std::move(opened).value().release();
    if (!a->Start().ok()) __builtin_trap();
    return a;  // lives as long as the fuzzing process
  }();
  return *app;
}

// Serves `bytes` as what one client sent on one connection, then hung up its
// sending side; returns what the server answered. A client still reading
// after `give_up_ms` closes its end, so a stream that never ends ends there.
inline std::string Exchange(const uint8_t* data, size_t size, int64_t give_up_ms = 300) {
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) return {};
  int big = 4 << 20;
  setsockopt(fds[0], SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
  size_t sent = 0;
  while (sent < size) {
    ssize_t n = ::send(fds[0], data + sent, size - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  ::shutdown(fds[0], SHUT_WR);
  std::string answer;
  std::thread reader([fd = fds[0], &answer, give_up_ms] {
    const int64_t give_up = MonotonicMs() + give_up_ms;
    char buf[65536];
    while (true) {
      int64_t left = give_up - MonotonicMs();
      if (left <= 0) break;
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      answer.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
  });
  App().server().ServeSocket(fds[1]);  // closes fds[1]
  reader.join();
  return answer;
}

inline std::string Exchange(const std::string& bytes, int64_t give_up_ms = 300) {
  return Exchange(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), give_up_ms);
}

}  // namespace sandbox::fuzz
