// The byte stream of one client connection, as cpp-httplib reads requests
// from it and writes responses to it (issue 10: no client may hold a worker
// for long). The socket is non-blocking and every wait is a poll() with a
// bound:
//   - a request must arrive whole (head and body) within its read deadline,
//     counted from its first byte, however slowly the client trickles it;
//   - a request head (request line and headers) is at most max_head_bytes,
//     and what follows it (the body, chunked or not) max_body_bytes;
//   - a write that makes no progress for the stall timeout fails (a client
//     that stopped reading a stream is dropped).
// It also keeps the raw bytes of the current request's head, because the
// library percent-decodes header values and forgets the request line when it
// refuses one: http/request_guard.cpp reads the head as it was sent.
//
// Another thread may end the connection at any moment with
// ShutdownSocket() (server stop, too many idle connections): every poll
// then wakes, and reads and writes fail.
#pragma once

#include <httplib.h>

#include <sys/uio.h>

#include <cstdint>
#include <string>
#include <vector>

namespace sandbox::http {

struct StreamLimits {
  size_t max_head_bytes = 64 * 1024;
  // Bytes after the head: the body with its chunk framing. Content-Length is
  // checked before the body is read (request_guard.cpp); this bounds chunked
  // bodies, which the library reads without a limit.
  size_t max_body_bytes = (1 << 20) + 64 * 1024;
  int64_t request_read_ms = 10000;  // first byte to last byte of one request
  int64_t write_stall_ms = 10000;   // a write waiting this long for room fails
};

class ConnectionStream final : public httplib::Stream {
 public:
  // Takes over `fd` (made non-blocking) but does not close it.
  ConnectionStream(int fd, StreamLimits limits);

  // Waits up to `idle_ms` for the first byte of the next request. False when
  // the connection stayed idle that long, the peer closed it, or it was shut.
  bool WaitForRequest(int64_t idle_ms);
  // Starts reading a request: resets the head capture and starts the read
  // deadline.
  void BeginRequest();
  // The raw head of the current request as read so far (complete once the
  // library has parsed the headers).
  const std::string& head() const { return head_; }
  bool head_complete() const { return head_complete_; }
  bool head_too_large() const { return head_too_large_; }
  bool read_timed_out() const { return read_timed_out_; }
  bool body_too_large() const { return body_too_large_; }
  // Bytes of the next request already read into the buffer (pipelining).
  bool has_buffered_input() const { return buffer_pos_ < buffer_len_; }

  // True when the peer has closed the connection (or it was shut down).
  bool PeerClosed() const;
  // Ends the connection from any thread: wakes every wait.
  static void ShutdownSocket(int fd);

  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  // Writes every byte of `parts` in order, with as few system calls as the
  // socket allows (writev), under the same stall timeout as write(). False
  // when the peer is gone or stalled; how much was sent is then unknown,
  // and the connection must end. `parts` is consumed.
  [[nodiscard]] bool WriteAll(std::vector<iovec>& parts);
  // Sends `size` bytes of `file` from `offset` with sendfile() (the kernel
  // passes the file's pages to the socket without copying them), under the
  // same stall timeout. False as WriteAll.
  [[nodiscard]] bool SendFile(int file, int64_t offset, size_t size);
  // The same on `socket`, a connection's (non-blocking) from any thread,
  // without waiting: the bytes sent, 0 when there is no room, -1 when the
  // connection failed (http::SendFileNow).
  [[nodiscard]] static int64_t SendFileNow(int socket, int file, int64_t offset, size_t size);
  // Until the next write() (the library's own path: the chunk that ends a
  // body, for one), only full TCP segments leave (TCP_CORK); that write's
  // bytes join what is held, and all of it goes at once. Uncork() lets what
  // is held go without a write.
  void CorkUntilNextWrite();
  void Uncork();
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  int socket() const override { return fd_; }

 private:
  // Polls for `events` until `deadline_ms` (monotonic); true when ready.
  bool PollUntil(short events, int64_t deadline_ms) const;
  void Capture(const char* data, size_t n);

  int fd_;
  StreamLimits limits_;
  std::vector<char> buffer_;
  size_t buffer_pos_ = 0;
  size_t buffer_len_ = 0;
  int64_t read_deadline_ms_ = 0;
  std::string head_;
  bool capturing_ = false;
  bool head_complete_ = false;
  bool head_too_large_ = false;
  bool read_timed_out_ = false;
  bool body_too_large_ = false;
  size_t body_bytes_ = 0;
  bool corked_ = false;
};

}  // namespace sandbox::http
