// The HTTP server every dialect registers its routes on: cpp-httplib set up
// the way DESIGN.md "Threading" measured it needs to be (TCP_NODELAY, a pool
// sized for connections plus streams, a real listen backlog), with a handler
// of last resort so that nothing a client sends can take the process down.
#pragma once

#include <httplib.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>

#include "core/status.h"

namespace sandbox::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0 picks a free port
  size_t threads = 64;
};

class Server {
 public:
  explicit Server(ServerOptions options);
  httplib::Server& routes() { return svr_; }
  // Binds the socket; returns the port actually bound.
  Result<int> Bind();
  // Serves until Stop(); call after Bind().
  bool Listen();
  // Makes Listen() return, whether it is already serving or not yet called;
  // may be called from any thread (a signal-handling one, typically).
  void Stop();

 private:
  ServerOptions options_;
  httplib::Server svr_;
  // httplib's stop() does nothing until listening has begun, so a stop that
  // races the start of Listen() would be lost; these close that window.
  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> listen_started_{false};
  std::mutex mu_;
  std::condition_variable listen_returned_cv_;
  bool listen_returned_ = false;
};

}  // namespace sandbox::http
