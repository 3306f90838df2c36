// The network behind HttpSender (sender.h).
//
// http:// is sent by the small HTTP/1.1 client below rather than by
// cpp-httplib, whose client reads a status line or header line of any
// length into memory and then matches the status line with std::regex
// (recursion per character: a receiver answering with a long status line
// crashed the server; issue 10). Here a non-blocking socket is driven with
// poll(): connecting, writing the request and reading the answer each have
// one deadline (SendLimits, on MonotonicMs), at most
// max_response_head_bytes are read before the head must be complete, and
// each send also polls its thread's eventfd, which abort() signals. The
// status line is checked by hand. After the head, up to
// max_response_body_bytes of body are read and dropped, best effort (the
// status already decided the attempt).
//
// Connections are kept alive (idle_connections.h): an HTTP/1.1 answer with
// a Content-Length that was read whole and no "Connection: close" leaves
// its connection for the next POST to the same origin. A request on a kept
// connection that fails before any byte of an answer (the receiver closed
// it while idle) is sent once more on a fresh one; webhooks are delivered at
// least once, and a receiver that closed the connection never read it.
//
// https:// goes through cpp-httplib's SSLClient (TLS needs libssl, which
// only cpp-httplib links): the same timeouts, per read, no redirects, a
// capped body, and abort() calls stop() on it. Its status line and headers
// are still read by cpp-httplib, without the byte limits and with its
// std::regex on the status line, so a hostile TLS receiver can still do
// what a plain one no longer can. Moving https onto the client below needs
// OpenSSL::SSL linked (docs/middesk.md, "Webhooks").
//
// Name lookup (getaddrinfo) cannot be interrupted: it counts against no
// deadline, and Dispatcher::Stop leaves a send stuck in it behind.
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstring>
#include <memory>
#include <mutex>
#include <set>
#include <utility>

#include "core/clock.h"
#include "webhooks/idle_connections.h"
#include "webhooks/sender.h"
#include "webhooks/url.h"

namespace sandbox::webhooks {
namespace {

Outcome Failed(std::string why) { return Outcome{std::nullopt, std::move(why)}; }

const char* kAborted = "not finished: the sandbox is stopping";

std::string ErrnoText(int e) {
  char buf[128];
  return strerror_r(e, buf, sizeof buf);  // the GNU variant: returns the text
}

// The sends under way, so that abort() reaches each of them.
class InFlight {
 public:
  void Add(int fd) {
    std::lock_guard<std::mutex> g(mu_);
    fds_.insert(fd);
  }
  void Remove(int fd) {
    std::lock_guard<std::mutex> g(mu_);
    fds_.erase(fd);
  }
  void Add(httplib::SSLClient* c) {
    std::lock_guard<std::mutex> g(mu_);
    clients_.insert(c);
  }
  void Remove(httplib::SSLClient* c) {
    std::lock_guard<std::mutex> g(mu_);
    clients_.erase(c);
  }
  void AbortAll() {
    std::lock_guard<std::mutex> g(mu_);
    const uint64_t one = 1;
    for (int fd : fds_) {
      // An eventfd write of 8 bytes cannot be partial; it fails only on overflow.
      [[maybe_unused]] ssize_t n = write(fd, &one, sizeof one);
    }
    // cpp-httplib: the one call that is safe from another thread (it shuts
    // the socket down, so the sending thread's read or write fails).
    for (httplib::SSLClient* c : clients_) c->stop();
  }

 private:
  std::mutex mu_;
  std::set<int> fds_;
  std::set<httplib::SSLClient*> clients_;
};

// A file descriptor closed on scope exit.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    std::swap(fd_, o.fd_);
    return *this;
  }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

// The eventfd a send polls, registered with InFlight while the send lives.
// Each sending thread keeps one for all its sends (made on its first, closed
// when the thread ends): an eventfd made and closed per send was about 3 % of
// a delivery's CPU. It is emptied before it is registered, so that an abort
// that reached an earlier send (or came as it ended) never ends this one.
class CancelFd {
 public:
  explicit CancelFd(InFlight& in_flight) : in_flight_(in_flight), fd_(ThisThreadsEventFd()) {
    if (fd_ < 0) return;
    uint64_t count = 0;
    // Non-blocking: fails with EAGAIN when nothing was signalled.
    [[maybe_unused]] ssize_t n = read(fd_, &count, sizeof count);
    in_flight_.Add(fd_);
  }
  ~CancelFd() {
    if (fd_ >= 0) in_flight_.Remove(fd_);
  }
  CancelFd(const CancelFd&) = delete;
  CancelFd& operator=(const CancelFd&) = delete;
  int get() const { return fd_; }

 private:
  static int ThisThreadsEventFd() {
    thread_local Fd fd;
    if (fd.get() < 0) fd = Fd(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));  // again after a failure (EMFILE)
    return fd.get();
  }

  InFlight& in_flight_;
  int fd_;
};

enum class Wait { kReady, kTimeout, kAborted, kFailed };

// Until `fd` is ready for `events`, the deadline passes or the send is aborted.
Wait WaitFor(int fd, short events, int64_t deadline_ms, int cancel_fd) {
  while (true) {
    const int64_t left = deadline_ms - MonotonicMs();
    if (left <= 0) return Wait::kTimeout;
    pollfd p[2] = {{fd, events, 0}, {cancel_fd, POLLIN, 0}};
    const int n = poll(p, 2, static_cast<int>(std::min<int64_t>(left, INT_MAX)));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Wait::kFailed;
    if (p[1].revents != 0) return Wait::kAborted;
    // POLLERR and POLLHUP count as ready: the next call says what happened.
    if (p[0].revents != 0) return Wait::kReady;
  }
}

std::string Ms(int64_t ms) { return std::to_string(ms) + " ms"; }

// The request line, headers and body, in the bytes that go on the wire.
std::optional<std::string> RequestBytes(const WebhookUrl& url, const std::string& body,
                                        const httplib::Headers& headers) {
  std::string out = "POST " + url.target + " HTTP/1.1\r\nHost: " + HostHeader(url) +
                    "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  for (const auto& [name, value] : headers) {
    // The dispatcher's own headers; a line break would split the request.
    if (name.find_first_of("\r\n:") != std::string::npos || value.find_first_of("\r\n") != std::string::npos) {
      return std::nullopt;
    }
    out += name + ": " + value + "\r\n";
  }
  out += "\r\n";
  out += body;
  return out;
}

// "HTTP/1.x NNN" at the start of a head; 0 when it is not that.
int StatusOf(std::string_view head) {
  if (head.size() < 12 || head.substr(0, 7) != "HTTP/1." || head[7] < '0' || head[7] > '9' || head[8] != ' ') {
    return 0;
  }
  int code = 0;
  for (size_t i = 9; i < 12; ++i) {
    if (head[i] < '0' || head[i] > '9') return 0;
    code = code * 10 + (head[i] - '0');
  }
  if (head.size() > 12 && head[12] != ' ' && head[12] != '\r' && head[12] != '\n') return 0;
  return code >= 100 && code <= 599 ? code : 0;
}

// The value of header `name` (lower case, with its colon) in `head`, the
// first one when there are several, without leading spaces.
std::optional<std::string_view> HeaderValue(std::string_view head, std::string_view name) {
  size_t line = head.find('\n');
  while (line != std::string_view::npos && line + 1 < head.size()) {
    std::string_view rest = head.substr(line + 1);
    bool match = rest.size() > name.size();
    for (size_t i = 0; match && i < name.size(); ++i) {
      match = static_cast<char>(std::tolower(static_cast<unsigned char>(rest[i]))) == name[i];
    }
    if (match) {
      size_t i = name.size();
      while (i < rest.size() && rest[i] == ' ') ++i;
      const size_t end = rest.find_first_of("\r\n", i);
      return rest.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i);
    }
    line = head.find('\n', line + 1);
  }
  return std::nullopt;
}

// The value of Content-Length in `head`, when it has one that fits.
std::optional<size_t> ContentLength(std::string_view head) {
  auto v = HeaderValue(head, "content-length:");
  if (!v) return std::nullopt;
  size_t value = 0, digits = 0;
  for (size_t i = 0; i < v->size() && (*v)[i] >= '0' && (*v)[i] <= '9' && digits < 12; ++i, ++digits) {
    value = value * 10 + static_cast<size_t>((*v)[i] - '0');
  }
  return digits > 0 ? std::optional<size_t>(value) : std::nullopt;
}

// Whether an answer with this head may leave its connection usable for
// another request (Exchange also needs its whole body read): HTTP/1.1, no
// close asked for, and no Transfer-Encoding (the end is the Content-Length).
bool KeepsAlive(std::string_view head) {
  if (head.substr(0, 8) != "HTTP/1.1" || HeaderValue(head, "transfer-encoding:")) return false;
  if (auto c = HeaderValue(head, "connection:")) {
    std::string lower(*c);
    for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (lower.find("close") != std::string::npos) return false;
  }
  return true;
}

// The end of the first head in `in` at or after `from` (the offset after its
// blank line), searching only from `searched` on; npos when not there yet.
size_t HeadEnd(const std::string& in, size_t from, size_t searched) {
  size_t start = std::max(from, searched >= 3 ? searched - 3 : 0);
  for (size_t i = start; i < in.size(); ++i) {
    if (in[i] != '\n') continue;
    if (i >= 1 && in[i - 1] == '\n' && i - 1 >= from) return i + 1;
    if (i >= 3 && in[i - 1] == '\r' && in[i - 2] == '\n' && in[i - 3] == '\r' && i - 3 >= from) return i + 1;
  }
  return std::string::npos;
}

Result<Fd> Connect(const WebhookUrl& url, const SendLimits& limits, int cancel_fd) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | (url.ipv6 ? AI_NUMERICHOST : 0);
  addrinfo* found = nullptr;
  const int rc = getaddrinfo(url.host.c_str(), std::to_string(url.port).c_str(), &hints, &found);
  if (rc != 0) return Status::Internal(std::string("could not resolve the host: ") + gai_strerror(rc));
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owned(found, freeaddrinfo);
  const int64_t deadline = MonotonicMs() + limits.connect_timeout_ms;
  std::string last = "no address";
  for (const addrinfo* a = found; a; a = a->ai_next) {
    Fd fd(socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol));
    if (fd.get() < 0) {
      last = ErrnoText(errno);
      continue;
    }
    if (connect(fd.get(), a->ai_addr, a->ai_addrlen) == 0) return fd;
    if (errno != EINPROGRESS) {
      last = ErrnoText(errno);
      continue;
    }
    switch (WaitFor(fd.get(), POLLOUT, deadline, cancel_fd)) {
      case Wait::kAborted:
        return Status::Internal(kAborted);
      case Wait::kTimeout:
        return Status::Internal("no connection within " + Ms(limits.connect_timeout_ms));
      case Wait::kFailed:
        return Status::Internal("could not connect: " + ErrnoText(errno));
      case Wait::kReady:
        break;
    }
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0) return fd;
    last = ErrnoText(err);
  }
  return Status::Internal("could not connect: " + last);
}

// What one request on one connection came to.
struct Exchanged {
  Outcome outcome;
  bool reusable = false;    // the answer was read whole and the connection may carry another request
  bool unanswered = false;  // it failed before any byte of an answer came
};

Exchanged Unanswered(std::string why) { return Exchanged{Failed(std::move(why)), false, true}; }

// Sends `request` on connection `fd` and reads the answer.
Exchanged Exchange(int fd, const std::string& request, const SendLimits& limits, int cancel_fd) {
  const int64_t write_deadline = MonotonicMs() + limits.write_timeout_ms;
  for (size_t sent = 0; sent < request.size();) {
    const ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      Wait w = WaitFor(fd, POLLOUT, write_deadline, cancel_fd);
      if (w == Wait::kAborted) return {Failed(kAborted)};
      if (w == Wait::kTimeout) return {Failed("the request was not taken within " + Ms(limits.write_timeout_ms))};
      if (w == Wait::kFailed) return Unanswered("sending failed: " + ErrnoText(errno));
      continue;
    }
    return Unanswered("sending failed: " + ErrnoText(errno));
  }

  // The head: interim 1xx answers are skipped, all within the same budget.
  const int64_t read_deadline = MonotonicMs() + limits.read_timeout_ms;
  std::string in;
  size_t head_start = 0, searched = 0;
  int status = 0;
  size_t body_start = 0;
  char buf[4096];
  while (true) {
    const size_t end = HeadEnd(in, head_start, searched);
    if (end != std::string::npos) {
      status = StatusOf(std::string_view(in).substr(head_start, end - head_start));
      if (status == 0) return {Failed("the answer is not HTTP/1.x")};
      if (status >= 200) {
        body_start = end;
        break;
      }
      head_start = searched = end;  // the next head may already be in `in`
      continue;
    }
    searched = in.size();
    if (in.size() >= limits.max_response_head_bytes) {
      return {Failed("the answer's status line and headers exceed " + std::to_string(limits.max_response_head_bytes) +
                     " bytes")};
    }
    const ssize_t n = recv(fd, buf, std::min(sizeof buf, limits.max_response_head_bytes - in.size()), 0);
    if (n > 0) {
      in.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n == 0) {
      return in.empty() ? Unanswered("the connection was closed without an answer")
                        : Exchanged{Failed("the connection was closed in the middle of the answer")};
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      Wait w = WaitFor(fd, POLLIN, read_deadline, cancel_fd);
      if (w == Wait::kAborted) return {Failed(kAborted)};
      if (w == Wait::kTimeout) return {Failed("no answer within " + Ms(limits.read_timeout_ms))};
      if (w == Wait::kFailed) return {Failed("reading the answer failed: " + ErrnoText(errno))};
      continue;
    }
    if (in.empty()) return Unanswered("reading the answer failed: " + ErrnoText(errno));
    return {Failed("reading the answer failed: " + ErrnoText(errno))};
  }

  // The body, best effort and bounded: read and dropped.
  const std::string_view head = std::string_view(in).substr(head_start, body_start - head_start);
  const std::optional<size_t> length = ContentLength(head);
  const size_t want = std::min(length.value_or(limits.max_response_body_bytes), limits.max_response_body_bytes);
  size_t have = in.size() - body_start;
  while (have < want) {
    const ssize_t n = recv(fd, buf, std::min(sizeof buf, want - have), 0);
    if (n > 0) {
      have += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
        WaitFor(fd, POLLIN, read_deadline, cancel_fd) == Wait::kReady) {
      continue;
    }
    break;
  }
  // Exactly the body it announced, and nothing after it: any more bytes
  // would be read as the next request's answer.
  const bool reusable = length && have == *length && KeepsAlive(head);
  return {Outcome{status, std::nullopt}, reusable};
}

Outcome PostPlain(const WebhookUrl& url, const std::string& request, const SendLimits& limits, int cancel_fd,
                  IdleConnections& idle) {
  const std::string origin = url.host + ":" + std::to_string(url.port);
  if (const int kept = idle.Take(origin); kept >= 0) {
    Fd fd(kept);
    Exchanged ex = Exchange(fd.get(), request, limits, cancel_fd);
    if (!ex.unanswered) {
      if (ex.reusable) idle.Put(origin, fd.release());
      return ex.outcome;
    }
    // The receiver closed it while it was idle: on to a fresh connection.
  }
  auto connected = Connect(url, limits, cancel_fd);
  if (!connected.ok()) return Failed(connected.status().message());
  Exchanged ex = Exchange(connected->get(), request, limits, cancel_fd);
  if (ex.reusable) idle.Put(origin, connected->release());
  return ex.outcome;
}

// An SSLClient registered with InFlight while it lives.
class RegisteredClient {
 public:
  RegisteredClient(InFlight& in_flight, const WebhookUrl& url) : in_flight_(in_flight), client_(url.host, url.port) {
    in_flight_.Add(&client_);
  }
  ~RegisteredClient() { in_flight_.Remove(&client_); }
  httplib::SSLClient& get() { return client_; }

 private:
  InFlight& in_flight_;
  httplib::SSLClient client_;
};

Outcome PostTls(const WebhookUrl& url, const std::string& body, const httplib::Headers& headers,
                const SendLimits& limits, InFlight& in_flight) {
  // SSLClient(host, port): the constructor that parses nothing.
  RegisteredClient registered(in_flight, url);
  httplib::SSLClient& client = registered.get();
  client.set_connection_timeout(limits.connect_timeout_ms / 1000, (limits.connect_timeout_ms % 1000) * 1000);
  client.set_read_timeout(limits.read_timeout_ms / 1000, (limits.read_timeout_ms % 1000) * 1000);
  client.set_write_timeout(limits.write_timeout_ms / 1000, (limits.write_timeout_ms % 1000) * 1000);
  client.set_follow_location(false);
  client.set_keep_alive(false);
  client.set_url_encode(false);  // the target was checked: printable ASCII only
  httplib::Request req;
  req.method = "POST";
  req.path = url.target;
  req.headers = headers;
  req.set_header("Content-Type", "application/json");
  req.body = body;
  size_t received = 0;
  const size_t cap = limits.max_response_body_bytes;
  req.content_receiver = [&received, cap](const char*, size_t n, uint64_t, uint64_t) {
    received += n;
    return received <= cap;
  };
  httplib::Response res;
  httplib::Error error = httplib::Error::Success;
  const bool ok = client.send(req, res, error);
  // A body cut off at the cap still leaves the status it came with.
  if (res.status > 0 && (ok || error == httplib::Error::Canceled)) return Outcome{res.status, std::nullopt};
  return Failed("no answer: " + httplib::to_string(error));
}

}  // namespace

Transport HttpSender(SendLimits limits) {
  auto in_flight = std::make_shared<InFlight>();
  auto idle = std::make_shared<IdleConnections>();
  Transport t;
  t.send = [in_flight, idle, limits](const std::string& url, const std::string& body, const httplib::Headers& headers) {
    auto parsed = ParseWebhookUrl(url, kMaxDeliverableUrlBytes);
    if (!parsed.ok()) return Failed("invalid URL: " + parsed.status().message());
    if (parsed->scheme == "https") return PostTls(parsed.value(), body, headers, limits, *in_flight);
    auto request = RequestBytes(parsed.value(), body, headers);
    if (!request) return Failed("a header holds a line break");
    CancelFd cancel(*in_flight);
    if (cancel.get() < 0) return Failed("could not create an eventfd: " + ErrnoText(errno));
    return PostPlain(parsed.value(), *request, limits, cancel.get(), *idle);
  };
  t.abort = [in_flight] { in_flight->AbortAll(); };
  return t;
}

}  // namespace sandbox::webhooks
