// Server set-up. The listen backlog of cpp-httplib 0.11.4 is a compile-time 5
// inside Debian's shared library; Linux lets a second listen() on the bound
// socket raise it, which is what RaiseListenBacklog does.
#include "http/server.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <nlohmann/json.hpp>

namespace sandbox::http {
namespace {

constexpr int kListenBacklog = 1024;

// Finds our listening socket (the library keeps its descriptor private) by
// its bound port, and re-listens with a deeper queue.
void RaiseListenBacklog(int port) {
  for (int fd = 3; fd < 4096; ++fd) {
    int listening = 0;
    socklen_t len = sizeof listening;
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || !listening) continue;
    sockaddr_storage addr{};
    socklen_t alen = sizeof addr;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &alen) != 0) continue;
    int bound = 0;
    if (addr.ss_family == AF_INET) bound = ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
    if (addr.ss_family == AF_INET6) bound = ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
    if (bound == port) ::listen(fd, kListenBacklog);
  }
}

}  // namespace

Server::Server(ServerOptions options) : options_(std::move(options)) {
  svr_.set_tcp_nodelay(true);
  size_t threads = options_.threads;
  svr_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  svr_.set_keep_alive_max_count(1000);
  svr_.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "internal error";
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    res.status = 500;
    nlohmann::json body = {{"errors", {{{"message", "internal error: " + what}}}}};
    res.set_content(body.dump(), "application/json");
  });
}

Result<int> Server::Bind() {
  int port;
  if (options_.port == 0) {
    port = svr_.bind_to_any_port(options_.host);
  } else {
    port = svr_.bind_to_port(options_.host, options_.port) ? options_.port : -1;
  }
  if (port <= 0) {
    return Status::Internal("cannot listen on " + options_.host + ":" + std::to_string(options_.port) +
                            " (address in use or not available)");
  }
  RaiseListenBacklog(port);
  return port;
}

bool Server::Listen() {
  listen_started_ = true;
  bool ok = stop_requested_ ? true : svr_.listen_after_bind();
  {
    std::lock_guard<std::mutex> g(mu_);
    listen_returned_ = true;
  }
  listen_returned_cv_.notify_all();
  return ok;
}

void Server::Stop() {
  stop_requested_ = true;
  if (!listen_started_) return;  // Listen() will see the request and return at once
  std::unique_lock<std::mutex> lock(mu_);
  // Repeat until Listen() has returned: the first stop() may land before the
  // library has marked itself running.
  while (!listen_returned_) {
    svr_.stop();
    listen_returned_cv_.wait_for(lock, std::chrono::milliseconds(10));
  }
}

}  // namespace sandbox::http
