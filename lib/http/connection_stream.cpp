// ConnectionStream; see connection_stream.h.
#include "http/connection_stream.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include "core/clock.h"

namespace sandbox::http {
namespace {

constexpr size_t kBufferBytes = 16 * 1024;

void AddressOf(const sockaddr_storage& addr, std::string& ip, int& port) {
  char text[INET6_ADDRSTRLEN] = {0};
  if (addr.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&addr);
    inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
    port = ntohs(in->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&addr);
    inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
    port = ntohs(in6->sin6_port);
  }
  ip = text;
}

}  // namespace

ConnectionStream::ConnectionStream(int fd, StreamLimits limits) : fd_(fd), limits_(limits), buffer_(kBufferBytes) {
  int flags = fcntl(fd_, F_GETFL, 0);
  if (flags >= 0) fcntl(fd_, F_SETFL, flags | O_NONBLOCK);
}

void ConnectionStream::ShutdownSocket(int fd) { ::shutdown(fd, SHUT_RDWR); }

bool ConnectionStream::PollUntil(short events, int64_t deadline_ms) const {
  while (true) {
    int64_t left = deadline_ms - MonotonicMs();
    if (left <= 0) return false;
    pollfd p{fd_, events, 0};
    int r = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 1 << 30)));
    if (r > 0) return true;  // ready, or hung up / shut down: the next call says which
    if (r < 0 && errno != EINTR) return false;
  }
}

bool ConnectionStream::WaitForRequest(int64_t idle_ms) {
  if (has_buffered_input()) return true;
  if (!PollUntil(POLLIN, MonotonicMs() + idle_ms)) return false;
  // Readable may mean closed: peek so that a clean close ends the loop here.
  char byte;
  ssize_t n = ::recv(fd_, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n > 0;
}

void ConnectionStream::BeginRequest() {
  head_.clear();
  capturing_ = true;
  head_complete_ = false;
  head_too_large_ = false;
  read_timed_out_ = false;
  body_too_large_ = false;
  body_bytes_ = 0;
  read_deadline_ms_ = MonotonicMs() + limits_.request_read_ms;
}

void ConnectionStream::Capture(const char* data, size_t n) {
  if (!capturing_) return;
  for (size_t i = 0; i < n && capturing_; ++i) {
    head_.push_back(data[i]);
    size_t k = head_.size();
    // The library ends a head at an empty CRLF line.
    if (k >= 4 && head_.compare(k - 4, 4, "\r\n\r\n") == 0) {
      capturing_ = false;
      head_complete_ = true;
    } else if (k == 2 && head_ == "\r\n") {
      // A blank line before the request line: the library skips nothing,
      // so neither do we; it is the (empty) head of a bad request.
      capturing_ = false;
      head_complete_ = true;
    }
  }
}

bool ConnectionStream::is_readable() const { return has_buffered_input() || PollUntil(POLLIN, read_deadline_ms_); }

ssize_t ConnectionStream::read(char* ptr, size_t size) {
  if (size == 0) return 0;
  if (!has_buffered_input()) {
    while (true) {
      ssize_t n = ::recv(fd_, buffer_.data(), buffer_.size(), 0);
      if (n > 0) {
        buffer_pos_ = 0;
        buffer_len_ = static_cast<size_t>(n);
        break;
      }
      if (n == 0) return 0;
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
      if (!PollUntil(POLLIN, read_deadline_ms_)) {
        read_timed_out_ = MonotonicMs() >= read_deadline_ms_;
        return -1;
      }
    }
  }
  size_t n = std::min(size, buffer_len_ - buffer_pos_);
  if (capturing_ && head_.size() + n > limits_.max_head_bytes) {
    head_too_large_ = true;
    capturing_ = false;
    return -1;
  }
  if (head_complete_) {
    if (body_bytes_ + n > limits_.max_body_bytes) {
      body_too_large_ = true;
      return -1;
    }
    body_bytes_ += n;
  }
  std::memcpy(ptr, buffer_.data() + buffer_pos_, n);
  buffer_pos_ += n;
  Capture(ptr, n);
  return static_cast<ssize_t>(n);
}

bool ConnectionStream::PeerClosed() const {
  char byte;
  ssize_t n = ::recv(fd_, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

bool ConnectionStream::is_writable() const {
  return PollUntil(POLLOUT, MonotonicMs() + limits_.write_stall_ms) && !PeerClosed();
}

ssize_t ConnectionStream::write(const char* ptr, size_t size) {
  const int64_t deadline = MonotonicMs() + limits_.write_stall_ms;
  while (true) {
    ssize_t n = ::send(fd_, ptr, size, MSG_NOSIGNAL);
    if (n >= 0) {
      Uncork();
      return n;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
    if (!PollUntil(POLLOUT, deadline)) return -1;
  }
}

bool ConnectionStream::WriteAll(std::vector<iovec>& parts) {
  const int64_t deadline = MonotonicMs() + limits_.write_stall_ms;
  size_t first = 0;
  while (true) {
    while (first < parts.size() && parts[first].iov_len == 0) ++first;
    if (first == parts.size()) return true;
    msghdr msg{};
    msg.msg_iov = parts.data() + first;
    msg.msg_iovlen = std::min<size_t>(parts.size() - first, IOV_MAX);
    ssize_t n = ::sendmsg(fd_, &msg, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return false;
      if (!PollUntil(POLLOUT, deadline)) return false;
      continue;
    }
    // Skip what went out: whole parts, then the front of a partial one.
    auto sent = static_cast<size_t>(n);
    for (; first < parts.size() && sent >= parts[first].iov_len; ++first) sent -= parts[first].iov_len;
    if (sent > 0) {
      parts[first].iov_base = static_cast<char*>(parts[first].iov_base) + sent;
      parts[first].iov_len -= sent;
    }
  }
}

bool ConnectionStream::SendFile(int file, int64_t offset, size_t size) {
  const int64_t deadline = MonotonicMs() + limits_.write_stall_ms;
  while (size > 0) {
    const int64_t n = SendFileNow(fd_, file, offset, size);
    if (n < 0) return false;
    if (n == 0 && !PollUntil(POLLOUT, deadline)) return false;
    offset += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

int64_t ConnectionStream::SendFileNow(int socket, int file, int64_t offset, size_t size) {
  auto at = static_cast<off_t>(offset);
  while (true) {
    const ssize_t n = ::sendfile(socket, file, &at, size);
    if (n >= 0) return n == 0 && size > 0 ? -1 : n;  // 0: the file is short, never for a frame file
    if (errno == EINTR) continue;
    return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
  }
}

void ConnectionStream::CorkUntilNextWrite() {
  const int on = 1;
  corked_ = setsockopt(fd_, IPPROTO_TCP, TCP_CORK, &on, sizeof on) == 0;
}

void ConnectionStream::Uncork() {
  if (!corked_) return;
  corked_ = false;
  const int off = 0;
  (void)setsockopt(fd_, IPPROTO_TCP, TCP_CORK, &off, sizeof off);
}

void ConnectionStream::get_remote_ip_and_port(std::string& ip, int& port) const {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (getpeername(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) AddressOf(addr, ip, port);
}

void ConnectionStream::get_local_ip_and_port(std::string& ip, int& port) const {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) AddressOf(addr, ip, port);
}

}  // namespace sandbox::http
