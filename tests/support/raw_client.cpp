// RawConnection; see raw_client.h.
#include "support/raw_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <stdexcept>

namespace sandbox::testing {
namespace {

using Clock = std::chrono::steady_clock;

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::string RawResponse::Header(const std::string& name) const {
  std::string want = Lower(name) + ":";
  size_t pos = head.find("\r\n");
  while (pos != std::string::npos && pos + 2 < head.size()) {
    size_t start = pos + 2;
    size_t end = head.find("\r\n", start);
    std::string line = head.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (Lower(line).rfind(want, 0) == 0) {
      std::string v = line.substr(want.size());
      v.erase(0, v.find_first_not_of(' '));
      return v;
    }
    pos = end;
  }
  return "";
}

RawConnection::RawConnection(int port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd_);
    fd_ = -1;
    throw std::runtime_error("connect() to port " + std::to_string(port) + " failed: errno " + std::to_string(errno));
  }
  int yes = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
}

RawConnection::~RawConnection() {
  if (fd_ >= 0) ::close(fd_);
}

RawConnection::RawConnection(RawConnection&& other) noexcept : fd_(other.fd_), buffer_(std::move(other.buffer_)) {
  other.fd_ = -1;
}

bool RawConnection::Send(const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

bool RawConnection::Fill(Clock::time_point deadline, std::string& error) {
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      error = "timed out";
      return false;
    }
    pollfd p{fd_, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(left));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) continue;
    char buf[16384];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error = n == 0 ? "connection closed" : "connection reset";
      return false;
    }
    buffer_.append(buf, static_cast<size_t>(n));
    return true;
  }
}

RawResponse RawConnection::ReadResponse(std::chrono::milliseconds limit, bool head_only) {
  RawResponse out;
  out.json = nlohmann::json::value_t::discarded;
  const auto deadline = Clock::now() + limit;
  size_t end;
  while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (!Fill(deadline, out.error)) return out;
  }
  out.head = buffer_.substr(0, end + 2);
  buffer_.erase(0, end + 4);
  int status = 0;
  if (std::sscanf(out.head.c_str(), "HTTP/1.%*d %d", &status) != 1) {
    out.error = "malformed status line";
    return out;
  }
  if (head_only) {
    out.status = status;
    return out;
  }
  std::string length = out.Header("Content-Length");
  if (Lower(out.Header("Transfer-Encoding")) == "chunked") {
    while (true) {
      size_t eol;
      while ((eol = buffer_.find("\r\n")) == std::string::npos) {
        if (!Fill(deadline, out.error)) return out;
      }
      size_t size = std::stoul(buffer_.substr(0, eol), nullptr, 16);
      while (buffer_.size() < eol + 2 + size + 2) {
        if (!Fill(deadline, out.error)) return out;
      }
      out.body += buffer_.substr(eol + 2, size);
      buffer_.erase(0, eol + 2 + size + 2);
      if (size == 0) break;
    }
  } else if (!length.empty()) {
    size_t n = std::stoul(length);
    while (buffer_.size() < n) {
      if (!Fill(deadline, out.error)) return out;
    }
    out.body = buffer_.substr(0, n);
    buffer_.erase(0, n);
  } else {
    std::string ignored;
    while (Fill(deadline, ignored)) {
    }
    out.body = buffer_;
    buffer_.clear();
  }
  out.status = status;
  out.error.clear();
  out.json = nlohmann::json::parse(out.body, nullptr, /*allow_exceptions=*/false);
  return out;
}

bool RawConnection::WaitClosed(std::chrono::milliseconds limit) {
  const auto deadline = Clock::now() + limit;
  std::string error;
  while (Fill(deadline, error)) buffer_.clear();
  return error != "timed out";
}

RawResponse RawExchange(int port, const std::string& bytes, std::chrono::milliseconds limit) {
  RawConnection c(port);
  if (!c.Send(bytes)) {
    RawResponse r;
    r.error = "send failed";
    return r;
  }
  return c.ReadResponse(limit);
}

}  // namespace sandbox::testing
