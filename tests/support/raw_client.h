// Test support: an HTTP client that sends bytes exactly as given, for what a
// well-behaved client library cannot send (invalid UTF-8 in a path, a header
// split across writes, a request that never ends) and for holding many
// connections open at once. Every wait is a poll() with a bound; nothing
// sleeps to wait.
#pragma once

#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

namespace sandbox::testing {

struct RawResponse {
  int status = 0;       // 0 when no complete response arrived; see `error`
  std::string head;     // status line and headers
  std::string body;     // de-chunked
  nlohmann::json json;  // the parsed body; discarded when it is not JSON
  std::string error;
  // The value of header `name` (case-insensitive), or "".
  std::string Header(const std::string& name) const;
};

class RawConnection {
 public:
  // Connects to 127.0.0.1:port; throws std::runtime_error on failure.
  explicit RawConnection(int port);
  ~RawConnection();
  RawConnection(RawConnection&& other) noexcept;
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool Send(const std::string& bytes);
  // Reads one response: headers, then a Content-Length or chunked body (or
  // until the server closes). With `head_only`, returns after the headers
  // (for event streams, which do not end).
  RawResponse ReadResponse(std::chrono::milliseconds limit = std::chrono::seconds(20), bool head_only = false);
  // True when the server closes the connection (end of file or reset)
  // within `limit`; data that arrives first is discarded.
  bool WaitClosed(std::chrono::milliseconds limit);
  int fd() const { return fd_; }

 private:
  // Reads more bytes into buffer_ before `deadline`; false on close or timeout.
  bool Fill(std::chrono::steady_clock::time_point deadline, std::string& error);
  int fd_ = -1;
  std::string buffer_;
};

// Sends `bytes` on a new connection and reads one response.
RawResponse RawExchange(int port, const std::string& bytes, std::chrono::milliseconds limit = std::chrono::seconds(20));

}  // namespace sandbox::testing
