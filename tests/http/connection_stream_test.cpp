// ConnectionStream's gathered write (WriteAll) and its send from a file
// (SendFile): every byte arrives, in order, however the socket splits the
// writes; a peer that stops reading fails it after the stall timeout, and a
// peer that has gone fails it at once, without a SIGPIPE for the process.
// And the cork that joins a stream's last bytes to the end of its body.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <functional>

#include <string>
#include <thread>
#include <vector>

#include "http/connection_stream.h"
#include "http/server.h"

namespace http_connection_stream_test {

using sandbox::http::ConnectionStream;
using sandbox::http::StreamLimits;

namespace {

struct SocketPair {
  SocketPair() {
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
    int small = 4096;  // many partial writes
    ::setsockopt(fds[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
  }
  ~SocketPair() {
    for (int fd : fds) {
      if (fd >= 0) ::close(fd);
    }
  }
  int fds[2] = {-1, -1};
};

// What the peer reads while `send` writes on a stream over the pair's first
// socket, until that socket's writing side is shut.
std::string Received(SocketPair& pair, const std::function<void(ConnectionStream&)>& send) {
  std::string received;
  std::thread reader([&] {
    char buf[3000];
    ssize_t n;
    while ((n = ::read(pair.fds[1], buf, sizeof buf)) > 0) received.append(buf, static_cast<size_t>(n));
  });
  {
    ConnectionStream stream(pair.fds[0], StreamLimits{});
    send(stream);
  }
  ::shutdown(pair.fds[0], SHUT_WR);
  reader.join();
  return received;
}

// A connected TCP pair on loopback, as clients connect: `client`, and
// `served` (the accepted end).
struct TcpPair {
  TcpPair() {
    const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(listener, 1) == 0);
    REQUIRE(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(::connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    served = ::accept(listener, nullptr, nullptr);
    ::close(listener);
    REQUIRE(served >= 0);
  }
  ~TcpPair() {
    for (int fd : {client, served}) {
      if (fd >= 0) ::close(fd);
    }
  }
  // Reads from `client` until `size` bytes came (or 10 s passed).
  std::string Read(size_t size) const {
    std::string got;
    char buf[256];
    for (int polls = 0; got.size() < size && polls < 1000; ++polls) {
      pollfd p{client, POLLIN, 0};
      if (::poll(&p, 1, 10) <= 0) continue;
      const ssize_t n = ::recv(client, buf, sizeof buf, 0);
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
    }
    return got;
  }
  int client = -1;
  int served = -1;
};

bool Corked(int fd) {
  int on = 0;
  socklen_t len = sizeof on;
  REQUIRE(::getsockopt(fd, IPPROTO_TCP, TCP_CORK, &on, &len) == 0);
  return on != 0;
}

// An anonymous file holding `text`, as dialects/frame_file.h makes them.
int FileOf(const std::string& text) {
  const int fd = memfd_create("test-frames", MFD_CLOEXEC);
  REQUIRE(fd >= 0);
  REQUIRE(::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  return fd;
}

// Points into `texts`, which must outlive the parts.
std::vector<iovec> Parts(const std::vector<std::string>& texts) {
  std::vector<iovec> parts;
  for (const std::string& t : texts) parts.push_back({const_cast<char*>(t.data()), t.size()});
  return parts;
}

}  // namespace

TEST_CASE("WriteAll sends every part in order across partial writes", "[http][stream]") {
  SocketPair pair;
  std::vector<std::string> texts;
  std::string expected;
  for (int i = 0; i < 300; ++i) {
    // Parts of many sizes, some empty, some far larger than the socket's buffer.
    texts.push_back(std::string(static_cast<size_t>((i * 7919) % 20000), static_cast<char>('a' + i % 26)));
    expected += texts.back();
  }
  const std::string received = Received(pair, [&](ConnectionStream& stream) {
    auto parts = Parts(texts);
    CHECK(stream.WriteAll(parts));
  });
  CHECK(received.size() == expected.size());
  CHECK(received == expected);
}

TEST_CASE("WriteAll fails when the peer stops reading for the stall timeout, or has gone", "[http][stream]") {
  SECTION("stalled") {
    SocketPair pair;
    StreamLimits limits;
    limits.write_stall_ms = 50;
    ConnectionStream stream(pair.fds[0], limits);
    const std::vector<std::string> texts{std::string(8 << 20, 'x')};  // far more than both buffers hold
    auto parts = Parts(texts);
    CHECK_FALSE(stream.WriteAll(parts));
  }
  SECTION("gone") {
    SocketPair pair;
    ::close(pair.fds[1]);
    pair.fds[1] = -1;
    ConnectionStream stream(pair.fds[0], StreamLimits{});
    const std::vector<std::string> texts{"frame one\n\n", "frame two\n\n"};
    auto parts = Parts(texts);
    CHECK_FALSE(stream.WriteAll(parts));
  }
}

TEST_CASE("SendFile sends the asked range of a file across partial writes", "[http][stream]") {
  SocketPair pair;
  std::string text;
  for (int i = 0; i < 200000; ++i) text += static_cast<char>('a' + i % 26);
  const int file = FileOf(text);
  const std::string received = Received(pair, [&](ConnectionStream& stream) {
    CHECK(stream.SendFile(file, 7, text.size() - 7 - 11));
    CHECK_FALSE(stream.SendFile(file, static_cast<int64_t>(text.size()) - 5, 10));  // past the file's end
  });
  ::close(file);
  REQUIRE(received.size() >= text.size() - 18);
  CHECK(received.substr(0, text.size() - 18) == text.substr(7, text.size() - 18));
  CHECK(received.substr(text.size() - 18) == text.substr(text.size() - 5));  // what went before the end
}

TEST_CASE("SendFile fails when the peer stops reading, or has gone, and the process lives on", "[http][stream]") {
  // sendfile() has no MSG_NOSIGNAL: a server ignores SIGPIPE once it is made,
  // so that a client gone mid-stream ends its stream, not the process.
  std::signal(SIGPIPE, SIG_DFL);
  sandbox::http::Server server(sandbox::http::ServerOptions{});
  const int file = FileOf(std::string(8 << 20, 'x'));  // far more than both buffers hold
  SECTION("stalled") {
    SocketPair pair;
    StreamLimits limits;
    limits.write_stall_ms = 50;
    ConnectionStream stream(pair.fds[0], limits);
    CHECK_FALSE(stream.SendFile(file, 0, 8 << 20));
  }
  SECTION("gone") {
    // TCP, as clients connect: a send after the peer closed draws its RST,
    // and the send after that EPIPE (where the signal would come).
    TcpPair pair;
    ::close(pair.client);
    pair.client = -1;
    ConnectionStream stream(pair.served, StreamLimits{});
    bool failed = false;
    for (int i = 0; i < 3 && !failed; ++i) failed = !stream.SendFile(file, 0, 100);
    CHECK(failed);
    CHECK_FALSE(stream.SendFile(file, 0, 100));  // and again: still no signal
  }
  ::close(file);
}

TEST_CASE("SendFileNow sends what the connection takes at once, 0 when full, -1 once the peer is gone",
          "[http][stream]") {
  std::signal(SIGPIPE, SIG_DFL);
  sandbox::http::Server server(sandbox::http::ServerOptions{});  // ignores SIGPIPE, as in the sandbox
  const int file = FileOf(std::string(8 << 20, 'x'));
  TcpPair pair;
  ConnectionStream stream(pair.served, StreamLimits{});  // makes the socket non-blocking
  CHECK(ConnectionStream::SendFileNow(pair.served, file, 0, 10) == 10);
  CHECK(pair.Read(10) == std::string(10, 'x'));
  // Far more than both buffers hold, with nobody reading: part goes, then
  // nothing, and never a wait.
  const int64_t first = ConnectionStream::SendFileNow(pair.served, file, 0, 8 << 20);
  CHECK(first > 0);
  CHECK(first < (8 << 20));
  int64_t more = 0;
  for (int i = 0; i < 100 && (more = ConnectionStream::SendFileNow(pair.served, file, 0, 8 << 20)) > 0; ++i) {
  }
  CHECK(more == 0);
  ::close(pair.client);
  pair.client = -1;
  int64_t sent = 0;
  for (int i = 0; i < 3 && sent >= 0; ++i) sent = ConnectionStream::SendFileNow(pair.served, file, 0, 100);
  CHECK(sent == -1);
  ::close(file);
}

TEST_CASE("a stream corked for its end holds partial segments until the library's next write, then sends all",
          "[http][stream]") {
  // The last frames of a stream (our writes) and the chunk that ends its
  // body (the library's write()) leave together.
  TcpPair pair;
  ConnectionStream stream(pair.served, StreamLimits{});
  const std::string text = "data: last frame\n\n";
  const int file = FileOf(text);
  stream.CorkUntilNextWrite();
  CHECK(Corked(pair.served));
  const std::vector<std::string> texts{"id: 45\n", "event: RUN_FINISHED\n"};
  auto parts = Parts(texts);
  REQUIRE(stream.WriteAll(parts));
  REQUIRE(stream.SendFile(file, 0, text.size()));
  CHECK(Corked(pair.served));  // our own writes keep it
  SECTION("the library's write ends it") {
    REQUIRE(stream.write("0\r\n\r\n", 5) == 5);
    CHECK_FALSE(Corked(pair.served));
    const std::string all = "id: 45\nevent: RUN_FINISHED\n" + text + "0\r\n\r\n";
    CHECK(pair.Read(all.size()) == all);
    // Writes after it are not held.
    REQUIRE(stream.write("x", 1) == 1);
    CHECK(pair.Read(1) == "x");
  }
  SECTION("a response that ends without it is uncorked by the server") {
    stream.Uncork();
    CHECK_FALSE(Corked(pair.served));
    const std::string all = "id: 45\nevent: RUN_FINISHED\n" + text;
    CHECK(pair.Read(all.size()) == all);
  }
  ::close(file);
}

}  // namespace http_connection_stream_test
