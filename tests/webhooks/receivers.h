// Test support: webhook receivers that misbehave on purpose, on a free
// loopback port, speaking raw TCP so they can do what no HTTP server
// library would (hang forever, reset, answer with a megabyte status line).
//
// RawReceiver runs `behaviour` on a thread of its own for every connection
// it accepts. A behaviour that waits does so on Hold(), which ends when the
// receiver is destroyed (or Release() is called), so destruction is bounded
// and nothing sleeps. Requests() counts the requests whose head has
// arrived; WaitForRequests() waits for a count with a bound.
//
// Header-only: used by unit_tests (tests/webhooks) and http_tests.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <stdexcept>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace sandbox::testing {

class RawReceiver {
 public:
  using Behaviour = std::function<void(RawReceiver& self, int fd)>;

  explicit RawReceiver(Behaviour behaviour) : behaviour_(std::move(behaviour)) {
    listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(listen_fd_, 64) != 0) {
      throw std::runtime_error("RawReceiver: cannot listen");
    }
    socklen_t len = sizeof addr;
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    if (pipe(wake_) != 0) throw std::runtime_error("RawReceiver: pipe");
    accept_thread_ = std::thread([this] { AcceptLoop(); });
  }

  ~RawReceiver() {
    Release();
    [[maybe_unused]] ssize_t n = write(wake_[1], "x", 1);
    accept_thread_.join();
    std::vector<std::thread> threads;
    {
      std::lock_guard<std::mutex> g(mu_);
      threads.swap(connections_);
    }
    for (auto& t : threads) t.join();
    close(listen_fd_);
    close(wake_[0]);
    close(wake_[1]);
  }

  int port() const { return port_; }
  std::string Url(const std::string& path = "/hook") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

  // Waits until Release() or destruction; true when released before `limit`.
  bool Hold(std::chrono::milliseconds limit = std::chrono::minutes(5)) {
    std::unique_lock<std::mutex> lock(mu_);
    ++holding_;
    cv_.notify_all();
    bool released = cv_.wait_for(lock, limit, [this] { return released_; });
    --holding_;
    return released;
  }
  void Release() {
    std::lock_guard<std::mutex> g(mu_);
    released_ = true;
    cv_.notify_all();
  }
  // How many behaviours are inside Hold() now.
  int Holding() {
    std::lock_guard<std::mutex> g(mu_);
    return holding_;
  }
  bool WaitForHolding(int n, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, limit, [&] { return holding_ >= n; });
  }

  // Reads one request (head and Content-Length body) from `fd`; false when
  // the connection ends first. Counts it.
  bool ReadRequest(int fd, std::string* out = nullptr) {
    std::string in;
    char buf[4096];
    size_t head_end = std::string::npos;
    while (true) {
      head_end = in.find("\r\n\r\n");
      if (head_end != std::string::npos) break;
      ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return false;
      in.append(buf, static_cast<size_t>(n));
    }
    size_t length = 0;
    auto at = in.find("Content-Length: ");
    if (at != std::string::npos) length = std::stoul(in.substr(at + 16));
    while (in.size() < head_end + 4 + length) {
      ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return false;
      in.append(buf, static_cast<size_t>(n));
    }
    {
      std::lock_guard<std::mutex> g(mu_);
      ++requests_;
      last_request_ = in;
      cv_.notify_all();
    }
    if (out) *out = std::move(in);
    return true;
  }
  int Requests() {
    std::lock_guard<std::mutex> g(mu_);
    return requests_;
  }
  std::string LastRequest() {
    std::lock_guard<std::mutex> g(mu_);
    return last_request_;
  }
  bool WaitForRequests(int n, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, limit, [&] { return requests_ >= n; });
  }

  // Writes all of `data`; false when the peer went away.
  static bool SendAll(int fd, const std::string& data) {
    for (size_t sent = 0; sent < data.size();) {
      ssize_t n = send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<size_t>(n);
    }
    return true;
  }
  // Closes with a TCP reset instead of an orderly FIN.
  static void Reset(int fd) {
    linger l{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  }

 private:
  void AcceptLoop() {
    while (true) {
      pollfd p[2] = {{listen_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
      if (poll(p, 2, -1) < 0) continue;
      if (p[1].revents) return;
      int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      std::lock_guard<std::mutex> g(mu_);
      connections_.emplace_back([this, fd] {
        behaviour_(*this, fd);
        close(fd);
      });
    }
  }

  Behaviour behaviour_;
  int listen_fd_ = -1;
  int port_ = 0;
  int wake_[2] = {-1, -1};
  std::thread accept_thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::thread> connections_;
  bool released_ = false;
  int holding_ = 0;
  int requests_ = 0;
  std::string last_request_;
};

}  // namespace sandbox::testing
