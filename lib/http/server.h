// The HTTP server every dialect registers its routes on: cpp-httplib set up
// the way DESIGN.md "Threading" measured it needs to be (TCP_NODELAY, a pool
// sized for connections plus streams, a real listen backlog), with a handler
// of last resort so that nothing a client sends can take the process down.
#pragma once

#include <httplib.h>

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
  void Stop();

 private:
  ServerOptions options_;
  httplib::Server svr_;
};

}  // namespace sandbox::http
