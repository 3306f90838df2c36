// IdleConnections (webhooks/idle_connections.h): idle keep-alive connections
// are handed out per origin, newest first, only while the other side has
// neither closed them nor sent anything, and never past their bounds.
// Socket pairs stand in for TCP connections.
#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <vector>

#include "webhooks/idle_connections.h"

namespace webhooks_idle_connections_test {

using sandbox::webhooks::IdleConnections;

namespace {

// One connection: `ours` goes to the pool, `theirs` plays the receiver.
struct Pair {
  Pair() {
    int fds[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
    ours = fds[0];
    theirs = fds[1];
  }
  ~Pair() {
    if (theirs >= 0) close(theirs);
  }
  int ours, theirs;
};

}  // namespace

TEST_CASE("idle connections: handed out by origin, newest first, each once", "[webhooks]") {
  IdleConnections idle;
  Pair a, b, c;
  idle.Put("127.0.0.1:1", a.ours);
  idle.Put("127.0.0.1:1", b.ours);
  idle.Put("127.0.0.1:2", c.ours);
  CHECK(idle.Take("127.0.0.1:3") == -1);
  const int first = idle.Take("127.0.0.1:1");
  CHECK(first == b.ours);
  CHECK(idle.Take("127.0.0.1:1") == a.ours);
  CHECK(idle.Take("127.0.0.1:1") == -1);
  CHECK(idle.size() == 1);
  close(a.ours);
  close(b.ours);
}

TEST_CASE("idle connections: one the other side closed or wrote on is dropped, not handed out", "[webhooks]") {
  IdleConnections idle;
  Pair closed, talked, quiet;
  idle.Put("o", quiet.ours);
  idle.Put("o", talked.ours);
  idle.Put("o", closed.ours);
  close(closed.theirs);
  closed.theirs = -1;
  REQUIRE(write(talked.theirs, "x", 1) == 1);
  CHECK(idle.Take("o") == quiet.ours);
  CHECK(idle.size() == 0);
  close(quiet.ours);
}

TEST_CASE("idle connections: at most kMaxPerOrigin an origin and kMaxTotal in all, the oldest going first",
          "[webhooks]") {
  IdleConnections idle;
  std::vector<Pair> pairs(IdleConnections::kMaxPerOrigin + 1 + IdleConnections::kMaxTotal);
  for (size_t i = 0; i < IdleConnections::kMaxPerOrigin + 1; ++i) idle.Put("one", pairs[i].ours);
  CHECK(idle.size() == IdleConnections::kMaxPerOrigin);
  // The oldest of "one" was closed: its other side reads end of file.
  char byte;
  CHECK(read(pairs[0].theirs, &byte, 1) == 0);
  for (size_t i = IdleConnections::kMaxPerOrigin + 1; i < pairs.size(); ++i) {
    idle.Put("other" + std::to_string(i), pairs[i].ours);
  }
  CHECK(idle.size() == IdleConnections::kMaxTotal);
  CHECK(idle.Take("one") == -1);  // all four were the oldest, and went
}

}  // namespace webhooks_idle_connections_test
