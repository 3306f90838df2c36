// Shared by the request fuzzers: the whole sandbox, in memory, built once per
// fuzzing process from the shipped fixtures (app::SandboxApp, as main builds
// it), and a way to push raw bytes through it as one client connection.
#pragma once

#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <poll.h>
#include <string>
#include <thread>

#include "app/sandbox_app.h"
#include "cli/options.h"
#include "core/clock.h"

namespace sandbox::fuzz {

// As many namespaces as the app serves: inputs make up keys and
// organisations, so a long run reaches this many, and the sandbox then
// answers a new one with its documented 503.
inline constexpr int kMaxNamespaces = 1000;

inline app::SandboxApp& App() {
  static app::SandboxApp* app = [] {
    auto options = cli::ParseOptions({"--db", ":memory:", "--fixtures", FIXTURES_DIR, "--heartbeat-ms", "20",
                                      "--watch-ms", "0", "--keep-alive-ms", "200", "--request-timeout-ms", "500",
                                      "--write-timeout-ms", "200", "--max-namespaces", std::to_string(kMaxNamespaces)});
    auto opened = app::SandboxApp::Open(options.value());
    if (!opened.ok()) __builtin_trap();
    app::SandboxApp* a = std::move(opened).value().release();
    if (!a->Start().ok()) __builtin_trap();
    return a;  // lives as long as the fuzzing process
  }();
  return *app;
}

// True once the app serves kMaxNamespaces namespaces.
inline bool NamespacesFull() {
  int n = 0;
  App().spaces().ForEach([&n](const std::string&, engine::Engine&) { ++n; });
  return n >= kMaxNamespaces;
}

// The client's side of each exchange is read by one thread for the whole
// process, not a thread per input: a run of hundreds of thousands of inputs
// made as many threads, the kernel reused their ids (pid_max is 32,768 on
// many machines), and LeakSanitizer then skipped live threads it could no
// longer find by id, reporting what their stacks held as leaks.
class ClientReader {
 public:
  static ClientReader& Get() {
    static ClientReader* reader = new ClientReader();  // lives as long as the fuzzing process
    return *reader;
  }

  // Starts reading `fd` until the peer closes it or `give_up_ms` pass; Wait()
  // returns what was read, once `fd` is closed.
  void Start(int fd, int64_t give_up_ms) {
    std::lock_guard<std::mutex> g(mu_);
    fd_ = fd;
    give_up_ = MonotonicMs() + give_up_ms;
    answer_.clear();
    done_ = false;
    cv_.notify_all();
  }
  std::string Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return done_; });
    return std::move(answer_);
  }

 private:
  ClientReader() : thread_([this] { Loop(); }) { thread_.detach(); }

  void Loop() {
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      cv_.wait(lock, [this] { return fd_ >= 0; });
      const int fd = fd_;
      const int64_t give_up = give_up_;
      lock.unlock();
      std::string answer = ReadUntilClosed(fd, give_up);
      ::close(fd);
      lock.lock();
      answer_ = std::move(answer);
      fd_ = -1;
      done_ = true;
      cv_.notify_all();
    }
  }

  static std::string ReadUntilClosed(int fd, int64_t give_up) {
    std::string answer;
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
    return answer;
  }

  std::mutex mu_;
  std::condition_variable cv_;
  int fd_ = -1;
  int64_t give_up_ = 0;
  std::string answer_;
  bool done_ = true;
  std::thread thread_;
};

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
  ClientReader& reader = ClientReader::Get();
  reader.Start(fds[0], give_up_ms);    // closes fds[0]
  App().server().ServeSocket(fds[1]);  // closes fds[1]
  return reader.Wait();
}

inline std::string Exchange(const std::string& bytes, int64_t give_up_ms = 300) {
  return Exchange(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), give_up_ms);
}

}  // namespace sandbox::fuzz
