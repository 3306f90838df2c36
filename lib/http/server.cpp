// Server; see server.h. cpp-httplib's accept loop hands each connection to
// our TaskQueue (WorkerPool), whose thread calls the private virtual
// process_and_close_socket, overridden here to serve the connection our way
// through the library's protected process_request, one request at a time.
// The listen backlog of 0.11.4 is a compile-time 5 inside Debian's shared
// library; Linux lets a second listen() on the bound socket raise it.
#include "http/server.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <mutex>
#include <optional>

#include "core/clock.h"
#include "core/utf8.h"
#include "http/admin_gate.h"
#include "http/connection_stream.h"
#include "http/connections.h"
#include "http/faults.h"
#include "http/muted_stream.h"
#include "http/request_guard.h"
#include "http/request_notes.h"
#include "http/sandbox_headers.h"
#include "http/worker_pool.h"
#include "core/wall_wait.h"

namespace sandbox::http {
namespace {

constexpr int kListenBacklog = 1024;
// How long Stop() waits for Listen() to return after shutting every
// connection; past it, something other than a socket holds a worker.
constexpr int64_t kStopTimeoutMs = 3000;

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

// What the edge knows about the request a worker is serving. The library
// calls our hooks on the serving thread, so a thread-local pointer reaches it.
struct RequestContext {
  ConnectionStream* stream = nullptr;
  std::optional<Refusal> refusal;
  bool guarded = false;     // GuardRequest ran: the library parsed the head
  bool must_close = false;  // the connection cannot carry another request
  // For the journal (request_notes.h).
  int64_t started_ms = 0;   // monotonic
  int64_t arrived_at = 0;   // wall
  const Route* route = nullptr;
  std::string ns, account, run_id, fault;
  uint64_t journal_id = 0;
  bool journal_open = false;  // the entry waits for the logger (a stream, a fault)
  // Fault injection (faults.h): the rules, the request they apply to, and an
  // `empty` or `reset` fault's verdict (the answer is muted, then the
  // connection closed or reset).
  FaultRegistry* faults = nullptr;
  const ErrorShapes* shapes = nullptr;
  const httplib::Request* req = nullptr;
  bool mute = false;
  bool reset = false;
  // A fault answered before the body was read: the connection closes, and
  // the body is drained first so that the close is a FIN, not a RST.
  bool body_unread = false;
};
thread_local RequestContext* t_request = nullptr;

// Reads and drops what the peer sends until it closes, `max_bytes` arrive,
// or it is quiet for kDrainQuietMs.
constexpr int kDrainQuietMs = 200;
void DrainBriefly(int sock, size_t max_bytes) {
  char buf[16384];
  size_t total = 0;
  while (total < max_bytes) {
    pollfd p{sock, POLLIN, 0};
    if (::poll(&p, 1, kDrainQuietMs) <= 0) return;
    ssize_t n = ::recv(sock, buf, sizeof buf, 0);
    if (n <= 0) return;
    total += static_cast<size_t>(n);
  }
}

// An error answer in the shape of the dialect that owns `path`.
void WriteShapedError(const ErrorShapes& shapes, const std::string& path, httplib::Response& res, int status,
                      const std::string& message, const std::string& parameter) {
  res.status = status;
  const ErrorWriter& write = shapes.For(path);
  if (write) {
    write(res, status, ScrubUtf8(message), ScrubUtf8(parameter));
  } else {
    res.set_content("{\"errors\":[{\"message\":\"HTTP " + std::to_string(status) + "\"}]}", "application/json");
  }
}

// Applies a request fault (faults.h) to the answer of ctx's request, and
// names it in the journal. False when it wrote the answer itself; true when
// the request goes on to its handler (a latency already waited out).
bool ApplyRequestFault(const Fault& fault, const httplib::Request& req, httplib::Response& res, RequestContext& ctx,
                       bool body_read) {
  ctx.fault = fault.Describe();
  // Before routing, every kind but latency answers before the library reads
  // the body; what is left of it on the connection is not a request.
  const std::string length = req.get_header_value("Content-Length");
  if (!body_read && fault.kind != FaultKind::kLatency &&
      ((!length.empty() && length != "0") || req.has_header("Transfer-Encoding"))) {
    ctx.body_unread = true;
    ctx.must_close = true;
  }
  switch (fault.kind) {
    case FaultKind::kLatency:
      // A stop or a client that left ends the wait; the handler then answers as usual.
      (void)ctx.faults->Delay(fault.ms, [&ctx] { return ctx.stream && ctx.stream->PeerClosed(); });
      return true;
    case FaultKind::kRateLimit:
      WriteShapedError(*ctx.shapes, req.path, res, 429, "Rate limit exceeded (injected fault " + fault.rule_id + ")",
                       "");
      res.set_header("Retry-After", std::to_string(fault.retry_after_s));
      return false;
    case FaultKind::kEmpty:
    case FaultKind::kReset:
      // Nothing reaches the client (MutedStream); Serve closes or resets.
      ctx.mute = true;
      ctx.reset = fault.kind == FaultKind::kReset;
      ctx.must_close = true;
      res.status = 0;
      return false;
    default:  // kStatus; stream kinds are never matched here
      WriteShapedError(*ctx.shapes, req.path, res, fault.status, "Injected fault: " + ctx.fault, "");
      return false;
  }
}

// The library deletes the task queue it is given when listening ends; the
// pool itself stays with the server so that stats() can read it safely.
class PoolHandle final : public httplib::TaskQueue {
 public:
  explicit PoolHandle(WorkerPool& pool) : pool_(pool) {}
  void enqueue(std::function<void()> fn) override { pool_.enqueue(std::move(fn)); }
  void shutdown() override { pool_.shutdown(); }

 private:
  WorkerPool& pool_;
};

}  // namespace

void NoteRoute(const Route* route) {
  if (t_request) t_request->route = route;
}

void NoteNamespace(const std::string& ns, const std::string& account) {
  if (!t_request) return;
  t_request->ns = ns;
  t_request->account = account;
}

void NoteRun(const std::string& run_id) {
  if (t_request) t_request->run_id = run_id;
}

std::string RunOfThisRequest() { return t_request ? t_request->run_id : std::string(); }

void NoteFault(const std::string& fault) {
  if (t_request) t_request->fault = fault;
}

std::optional<Fault> StreamFaultForThisRequest(const FaultSource& also) {
  RequestContext* ctx = t_request;
  if (!ctx || !ctx->faults || !ctx->req) return std::nullopt;
  if (!ctx->faults->Any(FaultPhase::kStream) && !also) return std::nullopt;
  const httplib::Request& req = *ctx->req;
  const FaultRequest r{req.method, req.path, req.get_header_value(kNamespaceHeader)};
  auto fault = ctx->faults->Match(r, FaultPhase::kStream);
  if (!fault && also) fault = also(r);
  if (fault) ctx->fault = fault->Describe();
  return fault;
}

bool ApplyRequestFaultToThisRequest(const FaultSource& also, const httplib::Request& req, httplib::Response& res) {
  RequestContext* ctx = t_request;
  if (!ctx || !ctx->faults || !ctx->shapes || !also) return true;
  auto fault = also({req.method, req.path, req.get_header_value(kNamespaceHeader)});
  if (!fault) return true;
  return ApplyRequestFault(*fault, req, res, *ctx, /*body_read=*/true);
}

bool ClientGone() {
  RequestContext* ctx = t_request;
  return ctx && ctx->stream && ctx->stream->PeerClosed();
}

std::optional<bool> WriteChunk(std::span<const std::string_view> parts) {
  RequestContext* ctx = t_request;
  if (!ctx || !ctx->stream) return std::nullopt;
  if (ctx->mute) return true;  // an `empty` fault: the answer is dropped, as MutedStream does
  size_t size = 0;
  for (std::string_view p : parts) size += p.size();
  if (size == 0) return true;  // a chunk of size 0 would end the body
  char head[24];
  const int head_len = std::snprintf(head, sizeof head, "%zx\r\n", size);
  std::vector<iovec> iov;
  iov.reserve(parts.size() + 2);
  iov.push_back({head, static_cast<size_t>(head_len)});
  for (std::string_view p : parts) iov.push_back({const_cast<char*>(p.data()), p.size()});
  static constexpr char kCrlf[] = "\r\n";
  iov.push_back({const_cast<char*>(kCrlf), 2});
  return ctx->stream->WriteAll(iov);
}

std::optional<bool> WriteChunksFromFile(int file, int64_t offset, size_t size) {
  RequestContext* ctx = t_request;
  if (!ctx || !ctx->stream) return std::nullopt;
  if (ctx->mute) return true;  // as WriteChunk
  return ctx->stream->SendFile(file, offset, size);
}

void EndsWithNextWrite() {
  RequestContext* ctx = t_request;
  if (ctx && ctx->stream) ctx->stream->CorkUntilNextWrite();
}

int ThisConnectionSocket() {
  RequestContext* ctx = t_request;
  return ctx && ctx->stream && !ctx->mute ? ctx->stream->socket() : -1;
}

int64_t SendFileNow(int socket, int file, int64_t offset, size_t size) {
  return ConnectionStream::SendFileNow(socket, file, offset, size);
}

class Server::Impl {
 public:
  explicit Impl(ServerOptions options);

  // The library's server, with our connection loop in place of its own.
  class Listener final : public httplib::Server {
   public:
    explicit Listener(Impl& impl) : impl_(impl) {}
    bool ServeOne(httplib::Stream& strm, bool close, bool& closed,
                  const std::function<void(httplib::Request&)>& setup) {
      return process_request(strm, close, closed, setup);
    }

   private:
    bool process_and_close_socket(socket_t sock) override { return impl_.Serve(sock); }
    Impl& impl_;
  };

  bool Serve(int sock);
  void InstallHooks();
  void RecordInJournal(const httplib::Request& req, const httplib::Response& res, RequestContext& ctx);
  void WriteError(const std::string& path, httplib::Response& res, int status, const std::string& message,
                  const std::string& parameter) const;
  bool InjectFaultOrContinue(const httplib::Request& req, httplib::Response& res, RequestContext& ctx);

  ServerOptions options_;
  Listener svr_;
  RouteTable table_{svr_};
  RequestJournal journal_{options_.journal_size, WallClockMs};
  FaultRegistry faults_;
  ErrorShapes shapes_;
  ConnectionRegistry registry_;
  std::unique_ptr<WorkerPool> pool_;

  // httplib's stop() does nothing until listening has begun, so a stop that
  // races the start of Listen() would be lost; these close that window.
  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> listen_started_{false};
  std::mutex mu_;
  std::condition_variable listen_returned_cv_;
  bool listen_returned_ = false;
};

Server::Impl::Impl(ServerOptions options) : options_(std::move(options)), svr_(*this) {
  // Every other write says MSG_NOSIGNAL; sendfile() cannot (WriteChunksFromFile),
  // and a client gone mid-stream must end its stream with EPIPE, not the
  // process with SIGPIPE. cpp-httplib's Server ignores it as well; the
  // streams rely on it, so it is said here.
  std::signal(SIGPIPE, SIG_IGN);
  svr_.set_tcp_nodelay(true);
  // SO_REUSEADDR only: the library's default adds SO_REUSEPORT, which let a
  // second sandbox bind the same port and take half the connections.
  svr_.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  svr_.set_payload_max_length(options_.limits.max_body_bytes);  // chunked bodies
  PoolOptions pool;
  pool.max_workers = options_.max_connections;
  // Every worker busy: the longest-idle keep-alive connection makes room.
  pool_ = std::make_unique<WorkerPool>(pool, [this] { registry_.CloseIdle(1); });
  svr_.new_task_queue = [this] { return new PoolHandle(*pool_); };
  InstallHooks();
}

void Server::Impl::WriteError(const std::string& path, httplib::Response& res, int status, const std::string& message,
                              const std::string& parameter) const {
  WriteShapedError(shapes_, path, res, status, message, parameter);
}

void Server::Impl::InstallHooks() {
  // Refusals decided while the head was repaired (GuardRequest) are written
  // before routing, so that no handler sees such a request.
  svr_.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    RequestContext* ctx = t_request;
    std::optional<Refusal> refusal = ctx ? ctx->refusal : std::nullopt;
    if (!refusal) refusal = CheckAdminToken(req, options_.admin_token);
    if (!refusal) {
      if (ctx && faults_.Any(FaultPhase::kRequest) && !InjectFaultOrContinue(req, res, *ctx)) {
        return httplib::Server::HandlerResponse::Handled;
      }
      return httplib::Server::HandlerResponse::Unhandled;
    }
    WriteError(req.path, res, refusal->status, refusal->message, refusal->parameter);
    return httplib::Server::HandlerResponse::Handled;
  });

  // Responses no handler wrote: unknown paths, and what the library refused.
  svr_.set_error_handler(
      httplib::Server::HandlerWithResponse([this](const httplib::Request& req, httplib::Response& res) {
        try {
          RequestContext* ctx = t_request;
          if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;  // a handler's own answer
          // The library refused the request itself (malformed head, bad or
          // oversized body, timeout): what is left of it on the connection
          // cannot be trusted. Only "no such route" leaves the connection usable.
          if (ctx && res.status != 404) ctx->must_close = true;
          int status = res.status;
          std::string message;
          std::string parameter;
          const RequestLimits& lim = options_.limits;
          if (ctx && ctx->stream->head_too_large()) {
            status = 431;
            message = "Request line and headers are larger than " + std::to_string(lim.max_head_bytes) + " bytes";
          } else if (ctx && ctx->stream->body_too_large()) {
            status = 413;
            message = "Request body is larger than " + std::to_string(lim.max_body_bytes) + " bytes";
            parameter = "body";
          } else if (ctx && ctx->stream->read_timed_out()) {
            status = 408;
            message = "The request did not arrive whole within " + std::to_string(options_.request_read_ms) + " ms";
          } else if (status == 404) {
            message = "No route for " + req.method + " " + req.path;
          } else if (status == 413) {
            message = "Request body is larger than " + std::to_string(lim.max_body_bytes) + " bytes";
            parameter = "body";
          } else if (status == 414) {
            message = "Request line is too long";
            parameter = "path";
          } else if (status == 400 && ctx && !ctx->guarded) {
            message = "Malformed HTTP request (request line or headers)";
          } else {
            message = "HTTP " + std::to_string(status) + " for " + req.method + " " + req.path;
          }
          std::string path = req.path;
          if (path.empty() && ctx) path = PathOfRawHead(ctx->stream->head());
          WriteError(path, res, status, message, parameter);
          return httplib::Server::HandlerResponse::Handled;
        } catch (...) {
          return httplib::Server::HandlerResponse::Unhandled;
        }
      }));

  svr_.set_exception_handler([this](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown exception";
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    try {
      std::fprintf(stderr, "agent-sandbox: internal error on %s %s: %s\n", req.method.c_str(),
                   ScrubUtf8(req.path).c_str(), ScrubUtf8(what).c_str());
      res.body.clear();
      res.headers.clear();
      WriteError(req.path, res, 500, "Internal error: " + what, "");
    } catch (...) {
      res.status = 500;
    }
  });

  // Last word on the headers: a connection that cannot carry another
  // request says so. The answer is decided here, so it is journaled here; a
  // stream is listed while it runs.
  svr_.set_post_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    RequestContext* ctx = t_request;
    if (!ctx) return;
    if (ctx->must_close) {
      res.headers.erase("Keep-Alive");
      res.headers.erase("Connection");
      res.set_header("Connection", "close");
    }
    RecordInJournal(req, res, *ctx);
  });

  // Called once the answer's last byte is written.
  svr_.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    RequestContext* ctx = t_request;
    int64_t ms = ctx ? MonotonicMs() - ctx->started_ms : 0;
    // A plain answer's entry was complete when recorded; a stream's, or one a
    // fault may have changed, is completed now.
    if (ctx && ctx->journal_id && ctx->journal_open) journal_.Complete(ctx->journal_id, ms, res.status, ctx->fault);
    if (options_.log.Enabled(LogLevel::kInfo)) {
      // The path only: a query string may carry what a client meant to keep to itself.
      Logger::Fields f{{"method", ScrubUtf8(req.method)}, {"path", ScrubUtf8(req.path)}, {"status", res.status},
                       {"ms", ms}};
      if (ctx && !ctx->ns.empty()) f.emplace_back("namespace", ctx->ns);
      if (ctx && !ctx->run_id.empty()) f.emplace_back("run", ctx->run_id);
      options_.log.Log(LogLevel::kInfo, "request", f);
    }
  });
}

// Applies the request fault that fires for `req`, if any (faults.h). False
// when it wrote the answer itself; true when the request goes on to its
// handler (no fault, or a latency already waited out).
bool Server::Impl::InjectFaultOrContinue(const httplib::Request& req, httplib::Response& res, RequestContext& ctx) {
  auto fault = faults_.Match({req.method, req.path, req.get_header_value(kNamespaceHeader)}, FaultPhase::kRequest);
  if (!fault) return true;
  return ApplyRequestFault(*fault, req, res, ctx, /*body_read=*/false);
}

void Server::Impl::RecordInJournal(const httplib::Request& req, const httplib::Response& res, RequestContext& ctx) {
  if (!journal_.enabled() || ctx.journal_id) return;
  // The journal's own routes stay out of it (route_table.h `journaled`).
  if (ctx.route && !ctx.route->journaled) return;
  JournalEntry e;
  e.at_ms = ctx.arrived_at;
  e.method = req.method;
  e.path = req.path;
  if (e.path.empty() && ctx.stream) e.path = PathOfRawHead(ctx.stream->head());
  size_t q = req.target.find('?');
  if (q != std::string::npos) e.query = req.target.substr(q + 1);
  for (const auto& [name, value] : req.headers) {
    // The library adds these itself; they were not sent.
    if (name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" || name == "LOCAL_PORT") continue;
    e.headers.emplace_back(name, IsSecretHeader(name) ? MaskSecret(value) : value);
  }
  e.body_bytes = req.body.size();
  e.body = req.body.substr(0, kJournalBodyBytes);
  e.status = res.status;
  e.streamed = static_cast<bool>(res.content_provider_);
  if (!e.streamed) {
    e.response_bytes = res.body.size();
    e.response_body = res.body.substr(0, kJournalBodyBytes);
  }
  e.ns = ctx.ns;
  e.account = ctx.account;
  if (ctx.route) {
    e.route = ctx.route->method + " " + ctx.route->path;
    e.interaction = ctx.route->interaction;
  }
  e.run_id = ctx.run_id;
  e.fault = ctx.fault;
  ctx.journal_open = e.streamed || !ctx.fault.empty() || (ctx.faults && ctx.faults->Any(FaultPhase::kStream));
  if (!ctx.journal_open) e.latency_ms = MonotonicMs() - ctx.started_ms;
  ctx.journal_id = journal_.Record(std::move(e));
}

bool Server::Impl::Serve(int sock) {
  bool reset = false;
  bool drain = false;
  auto id = registry_.Add(sock);
  if (id) {
    // Chunk framing may add to the body; 64 KiB of slack covers any sane chunking.
    ConnectionStream strm(sock, StreamLimits{options_.limits.max_head_bytes, options_.limits.max_body_bytes + 65536,
                                             options_.request_read_ms, options_.write_stall_ms});
    RequestContext ctx;
    MutedStream out(strm, ctx.mute);
    auto setup = [this, &ctx, &strm](httplib::Request& req) {
      ctx.guarded = true;
      ctx.req = &req;
      ctx.refusal = GuardRequest(req, strm.head(), options_.limits);
      // A refused request's body, if any, is still unread.
      if (ctx.refusal) ctx.must_close = true;
    };
    t_request = &ctx;
    try {
      while (strm.WaitForRequest(options_.keep_alive_ms)) {
        registry_.Set(*id, ConnectionRegistry::State::kBusy);
        strm.BeginRequest();
        ctx = RequestContext{};
        ctx.stream = &strm;
        ctx.faults = &faults_;
        ctx.shapes = &shapes_;
        ctx.started_ms = MonotonicMs();
        if (journal_.enabled()) ctx.arrived_at = journal_.now_ms();
        bool closed = false;
        bool ok = svr_.ServeOne(out, registry_.stopping(), closed, setup);
        strm.Uncork();  // a response that ended without the library's last write
        if (!ok || closed || ctx.must_close || registry_.stopping()) break;
        registry_.Set(*id, ConnectionRegistry::State::kIdle);
      }
    } catch (const std::exception& e) {
      // A throwing content provider or writer ends its connection only.
      std::fprintf(stderr, "agent-sandbox: connection ended by an internal error: %s\n", ScrubUtf8(e.what()).c_str());
    } catch (...) {
      std::fprintf(stderr, "agent-sandbox: connection ended by an internal error\n");
    }
    t_request = nullptr;
    registry_.Remove(*id);
    reset = ctx.reset;
    drain = ctx.body_unread;
  }
  if (reset) {
    // A `reset` fault: linger 0 makes close() send RST, not FIN.
    linger hard{1, 0};
    setsockopt(sock, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
  } else if (drain) {
    // Closing with unread bytes would send RST and could destroy the answer
    // in the client's buffers: say FIN, then read what the client still
    // sends, for a bounded time and size.
    ::shutdown(sock, SHUT_WR);
    DrainBriefly(sock, options_.limits.max_body_bytes + 65536);
  } else {
    ::shutdown(sock, SHUT_RDWR);
  }
  ::close(sock);
  return true;
}

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Server::~Server() = default;

httplib::Server& Server::routes() { return impl_->svr_; }

RouteTable& Server::table() { return impl_->table_; }

RequestJournal& Server::journal() { return impl_->journal_; }

FaultRegistry& Server::faults() { return impl_->faults_; }

void Server::SetErrorShapes(ErrorShapes shapes) { impl_->shapes_ = std::move(shapes); }

Result<int> Server::Bind() {
  const ServerOptions& o = impl_->options_;
  int port;
  if (o.port == 0) {
    port = impl_->svr_.bind_to_any_port(o.host);
  } else {
    port = impl_->svr_.bind_to_port(o.host, o.port) ? o.port : -1;
  }
  if (port <= 0) {
    return Status::Internal("cannot listen on " + o.host + ":" + std::to_string(o.port) +
                            " (address in use or not available)");
  }
  RaiseListenBacklog(port);
  return port;
}

bool Server::Listen() {
  Impl& s = *impl_;
  s.listen_started_ = true;
  bool ok = s.stop_requested_ ? true : s.svr_.listen_after_bind();
  {
    std::lock_guard<std::mutex> g(s.mu_);
    s.listen_returned_ = true;
  }
  s.listen_returned_cv_.notify_all();
  return ok;
}

bool Server::Stop() {
  Impl& s = *impl_;
  s.stop_requested_ = true;
  s.faults_.Stop();  // latency faults end their waits
  if (!s.listen_started_) return true;  // Listen() will see the request and return at once
  s.registry_.BeginStop();
  s.svr_.stop();
  if (!s.registry_.WaitUntilEmpty(MonotonicMs() + s.options_.stop_grace_ms)) s.registry_.ShutdownAll();
  const int64_t deadline = MonotonicMs() + kStopTimeoutMs;
  std::unique_lock<std::mutex> lock(s.mu_);
  // Repeat until Listen() has returned: the first stop() may land before the
  // library has marked itself running.
  while (!s.listen_returned_ && MonotonicMs() < deadline) {
    s.svr_.stop();
    s.registry_.ShutdownAll();
    WaitWallMs(s.listen_returned_cv_, lock, 10);
  }
  return s.listen_returned_;
}

void Server::ServeSocket(int fd) { impl_->Serve(fd); }

Server::Stats Server::stats() const {
  Stats st;
  auto counts = impl_->registry_.counts();
  st.idle_connections = counts.idle;
  st.busy_connections = counts.busy;
  auto ps = impl_->pool_->stats();
  st.workers = ps.workers;
  st.queued_connections = ps.queued;
  return st;
}

}  // namespace sandbox::http
