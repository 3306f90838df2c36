// The HTTP server every dialect registers its routes on (issue 10: no request
// can crash or wedge it). cpp-httplib 0.11.4 parses requests and routes them;
// this server owns everything around that:
//   - connections: a pool that grows with them (worker_pool.h), each served
//     through a ConnectionStream with read and write deadlines; idle
//     keep-alive connections are closed after keep_alive_ms, and the longest
//     idle ones first when every worker is busy (connections.h);
//   - requests: GuardRequest (request_guard.h) before routing, and every
//     error answer in the error shape of the dialect owning the path
//     (error_shapes.h), including the library's own (400, 414, 431, 408);
//   - failures: an exception from a handler is a 500 in the dialect's shape;
//     one escaping anything else ends that connection, never the process;
//   - stopping: Stop() refuses new connections, closes idle ones at once,
//     lets busy ones finish for a grace period, then shuts the rest.
// The whole model is written down in docs/architecture.md "Connections".
#pragma once

#include <httplib.h>

#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <string>
#include <vector>

#include "core/log.h"
#include "core/status.h"
#include "http/error_shapes.h"
#include "http/faults.h"
#include "http/journal.h"
#include "http/limits.h"
#include "http/route_table.h"

namespace sandbox::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;                  // 0 picks a free port
  size_t max_connections = 4096;    // served at once (one worker each); more wait
  int64_t keep_alive_ms = 5000;     // an idle keep-alive connection is closed after this
  int64_t request_read_ms = 10000;  // a request must arrive whole within this of its first byte
  int64_t write_stall_ms = 10000;   // a client that takes no bytes for this long is dropped
  int64_t stop_grace_ms = 1000;     // busy connections may finish this long after Stop()
  RequestLimits limits;
  // When set, every path under /_sandbox/ requires it (admin_gate.h).
  std::string admin_token;
  size_t journal_size = kDefaultJournalSize;  // requests kept (journal.h); 0 keeps none
  Logger log;  // one line per request at info: method, path, status, ms, namespace, run
};

// True when the client of the request this thread is serving has closed its
// connection. Handlers that wait (streams, long-polls, buffered chat) check
// it, so that nobody's worker waits for a client that has gone. False on a
// thread that is not serving a request.
bool ClientGone();

// Sends one chunk of the chunked response this thread is writing, made of
// `parts` in order, straight to the connection in one gathered write.
// DataSink::write copies its data twice (into a payload, then into the
// chunk) and allocates for both: 1,000 streams on one run each sent ~145 KB
// at a resume, and the copies and the allocator's page returns were most of
// the fan-out's time (issue 12). Only for a response the library does not
// compress (text/event-stream never is): the chunk goes out as given.
// nullopt on a thread that is not serving a request (write through the sink
// instead); false when the client is gone or stalled, after which the
// connection must end.
[[nodiscard]] std::optional<bool> WriteChunk(std::span<const std::string_view> parts);
// The same for bytes that are already chunks, `size` of them from `offset`
// in `file` (dialects/frame_file.h), sent with sendfile().
[[nodiscard]] std::optional<bool> WriteChunksFromFile(int file, int64_t offset, size_t size);
// Says that the response this thread is writing ends after its next
// WriteChunk or WriteChunksFromFile: the bytes of that write that do not
// fill a TCP segment wait for the chunk that ends the body (the library's
// write) and leave with it, one segment instead of two. Each segment wakes
// the client and is acknowledged, and 1,000 streams of one run all end at
// once (issue 12). No-op on a thread that is not serving a request.
void EndsWithNextWrite();
// The socket of the connection this thread answers, for another thread to
// send on while this one waits (dialects/shared_frames.h: the follower that
// renders a run's frames sends them to the followers asleep on the run, and
// 1,000 of them no longer wake to send their own, issue 12); -1 on a thread
// that answers no request, or whose answer a fault mutes.
int ThisConnectionSocket();
// Sends what `socket` takes at once of `size` bytes from `offset` in `file`
// (chunks already, as WriteChunksFromFile), never waiting for room: the bytes
// sent, 0 when its buffer is full, -1 when the connection failed.
[[nodiscard]] int64_t SendFileNow(int socket, int file, int64_t offset, size_t size);

class Server {
 public:
  explicit Server(ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  httplib::Server& routes();
  // The route table every dialect registers on (route_table.h).
  RouteTable& table();
  RequestJournal& journal();
  // The fault rules applied to requests and streams (faults.h).
  FaultRegistry& faults();
  // The error bodies of every path prefix (call before Listen()).
  void SetErrorShapes(ErrorShapes shapes);
  // Binds the socket; returns the port actually bound. A port already in use
  // is an error (no SO_REUSEPORT: a second server must not share it).
  Result<int> Bind();
  // Serves until Stop(); call after Bind().
  bool Listen();
  // Makes Listen() return, whether it is already serving or not yet called;
  // may be called from any thread (a signal-handling one, typically). False
  // when Listen() had still not returned 3 s after every socket was shut:
  // something other than a client holds a worker.
  bool Stop();

  // Serves an already-connected socket on the calling thread, exactly as an
  // accepted connection is served, until it closes (then closes it). The
  // request fuzzer's way in.
  void ServeSocket(int fd);

  struct Stats {
    size_t idle_connections = 0;
    size_t busy_connections = 0;
    size_t workers = 0;
    size_t queued_connections = 0;
  };
  Stats stats() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sandbox::http
