// ConnectionStream's gathered write (WriteAll): every byte of every part
// arrives, in order, however the socket splits the writes; a peer that stops
// reading fails it after the stall timeout, and a peer that has gone fails
// it at once.
#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include "http/connection_stream.h"

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
  std::string received;
  std::thread reader([&] {
    char buf[3000];
    ssize_t n;
    while ((n = ::read(pair.fds[1], buf, sizeof buf)) > 0) received.append(buf, static_cast<size_t>(n));
  });
  {
    ConnectionStream stream(pair.fds[0], StreamLimits{});
    auto parts = Parts(texts);
    CHECK(stream.WriteAll(parts));
  }
  ::shutdown(pair.fds[0], SHUT_WR);
  reader.join();
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
