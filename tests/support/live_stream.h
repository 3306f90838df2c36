// An SSE request read on a thread of its own, its bytes visible as they
// come: for streams a test watches while it acts (a stream that never ends
// on its own ends when the sandbox stops; stop it before this is destroyed).
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "support/sandbox_process.h"

namespace sandbox::testing {

// An SSE request read on a thread of its own, its bytes visible as they come.
class LiveStream {
 public:
  LiveStream(const SandboxProcess& sb, std::string method, std::string path, httplib::Headers headers,
             std::string body = "") {
    thread_ = std::thread([this, &sb, method, path, headers, body] {
      httplib::Client c = sb.client();
      httplib::Request req;
      req.method = method;
      req.path = path;
      req.headers = headers;
      if (!body.empty()) {
        req.body = body;
        req.set_header("Content-Type", "application/json");
      }
      req.content_receiver = [this](const char* data, size_t n, uint64_t, uint64_t) {
        std::lock_guard<std::mutex> g(mu_);
        text_.append(data, n);
        cv_.notify_all();
        return true;
      };
      httplib::Response res;
      httplib::Error err = httplib::Error::Success;
      c.send(req, res, err);
      std::lock_guard<std::mutex> g(mu_);
      status_ = res.status;
      ended_ = true;
      cv_.notify_all();
    });
  }
  ~LiveStream() {
    if (thread_.joinable()) thread_.join();
  }
  // Waits (bounded) until the text so far contains `needle`.
  bool WaitFor(const std::string& needle) {
    std::unique_lock<std::mutex> g(mu_);
    return cv_.wait_for(g, std::chrono::seconds(20), [&] {
      return text_.find(needle) != std::string::npos || ended_;
    }) && text_.find(needle) != std::string::npos;
  }
  bool ended() {
    std::lock_guard<std::mutex> g(mu_);
    return ended_;
  }
  std::string Finish() {
    thread_.join();
    return text_;
  }
  int status() { return status_; }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::string text_;
  bool ended_ = false;
  int status_ = 0;
  std::thread thread_;
};

}  // namespace sandbox::testing
