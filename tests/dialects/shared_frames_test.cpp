// Shared stream frames: rendered once per commit for every follower of a run,
// dropped once every follower has had them, and never dropped under a
// follower that still needs them; a late follower that asks for dropped
// frames is turned away to render its own.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <chrono>
#include <optional>
#include <span>
#include <string_view>
#include <thread>

#include "core/clock.h"
#include "dialects/shared_frames.h"
#include "engine/engine.h"
#include "script/loader.h"

namespace dialects_shared_frames_test {

using namespace sandbox;

namespace {

constexpr Instant kStart = 1767225600000;  // 2026-01-01T00:00:00Z

const char* kFixture = R"({"agents":[{"type":"kyb","name":"KYB","description":"d","scenarios":[
  {"name":"default","steps":[
    {"name":"a","label":"A","duration":"1s"},
    {"name":"b","label":"B","duration":"1s"}]}]}]})";

struct Followed {
  Followed() : ids(0), clock(ClockMode::kManual, kStart) {
    auto s = store::Store::Open(":memory:");
    REQUIRE(s.ok());
    store = std::move(s).value();
    auto set = script::ParseFixtureText(kFixture, "t.json", ids);
    REQUIRE(set.ok());
    engine = std::make_unique<engine::Engine>(*store, clock, ids,
                                              std::make_shared<const script::FixtureSet>(std::move(set).value()));
    REQUIRE(engine->Start().ok());
    auto run = engine->CreateRun({Json::object(), "kyb", "business", "11111111-1111-4111-8111-111111111111",
                                  std::nullopt, std::nullopt, std::nullopt});
    REQUIRE(run.ok());
    run_id = run.value().run.id;
    frames = Make();
  }
  // One frame per event: its seq as the id, its type as the text.
  std::shared_ptr<dialects::SharedFrames> Make() {
    auto seq = std::make_shared<int64_t>(0);
    auto done = std::make_shared<bool>(false);
    return std::make_shared<dialects::SharedFrames>(
        run_id, engine->bus().Watch(run_id),
        [seq, done, folds = folds](const Event& e, std::vector<dialects::WireFrame>& out) {
          ++*folds;
          *seq = e.seq;
          *done = *done || e.type == "run.completed";
          out.push_back({e.seq, e.type + "\n"});
          return true;
        },
        [seq] { return *seq; }, [done] { return *done; });
  }
  std::string Follow(dialects::SharedFrames::Reader& reader) {
    dialects::WireParts wire;
    REQUIRE(frames->Follow(*engine, reader, wire));
    std::optional<std::string> text = wire.Joined();
    REQUIRE(text);
    return *text;
  }

  IdGenerator ids;
  SteppedClock clock;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<engine::Engine> engine;
  std::string run_id;
  std::shared_ptr<dialects::SharedFrames> frames;
  // Events folded, by every SharedFrames Make() made.
  std::shared_ptr<std::atomic<int>> folds = std::make_shared<std::atomic<int>>(0);
};

}  // namespace

TEST_CASE("shared frames are dropped once every follower has had them", "[dialects][frames]") {
  Followed f;
  auto first = f.frames->Join(0);
  auto second = f.frames->Join(0);
  REQUIRE(first);
  REQUIRE(second);
  CHECK(f.Follow(*first) == "run.started\nstep.started\n");
  REQUIRE(f.engine->AdvanceClock(kStart + 1000).ok());
  // `second` has had nothing yet: nothing may be dropped under it.
  CHECK(f.Follow(*first) == "step.completed\nstep.started\n");
  CHECK(f.Follow(*second) == "run.started\nstep.started\nstep.completed\nstep.started\n");
  // Both have had frames 1-4, so they are gone: a newcomer that wants them
  // cannot join, and one past them can.
  REQUIRE(f.engine->AdvanceClock(kStart + 2000).ok());
  CHECK(f.Follow(*first) == "step.completed\nrun.completed\n");
  CHECK_FALSE(f.frames->Join(0));
  CHECK_FALSE(f.frames->Join(3));
  auto late = f.frames->Join(4);
  REQUIRE(late);
  CHECK(f.Follow(*late) == "step.completed\nrun.completed\n");
  CHECK(f.Follow(*second) == "step.completed\nrun.completed\n");
  CHECK(f.frames->Done(*first));
  CHECK(f.frames->Done(*second));
  CHECK(f.frames->Done(*late));
}

TEST_CASE("a run's only follower holds only what it has not had", "[dialects][frames]") {
  Followed f;
  auto only = f.frames->Join(0);
  CHECK(f.Follow(*only) == "run.started\nstep.started\n");
  CHECK_FALSE(f.frames->Join(0));
  CHECK(f.frames->Join(2));
}

TEST_CASE("a follower that left holds no frames back, a newcomer renders its own", "[dialects][frames]") {
  Followed f;
  auto keeper = f.frames->Join(0);
  auto leaver = f.frames->Join(0);
  CHECK(f.Follow(*keeper) == "run.started\nstep.started\n");
  CHECK(f.frames->Join(0));  // `leaver` has not had them
  leaver.reset();
  REQUIRE(f.engine->AdvanceClock(kStart + 1000).ok());
  CHECK(f.Follow(*keeper) == "step.completed\nstep.started\n");
  CHECK_FALSE(f.frames->Join(0));

  // What the stream handlers do then: frames of its own, from the store.
  f.frames = f.Make();
  auto own = f.frames->Join(0);
  REQUIRE(own);
  CHECK(f.Follow(*own) == "run.started\nstep.started\nstep.completed\nstep.started\n");
  CHECK_FALSE(f.frames->Done(*own));
}

TEST_CASE("under their budget, frames stay for followers who join late, over it they go", "[dialects][frames]") {
  Followed f;
  auto budget = std::make_shared<dialects::FrameBudget>(1 << 20);
  f.frames->set_budget(budget);
  auto first = f.frames->Join(0);
  CHECK(f.Follow(*first) == "run.started\nstep.started\n");
  CHECK(budget->held == static_cast<int64_t>(std::string("run.started\nstep.started\n").size()));
  auto late = f.frames->Join(0);
  REQUIRE(late);
  CHECK(f.Follow(*late) == "run.started\nstep.started\n");

  // Another run's frames spend the budget: delivered frames go at the next send.
  auto tight = std::make_shared<dialects::FrameBudget>(0);
  f.frames->set_budget(tight);
  CHECK(budget->held == 0);
  REQUIRE(f.engine->AdvanceClock(kStart + 1000).ok());
  CHECK(f.Follow(*first) == "step.completed\nstep.started\n");
  CHECK(f.Follow(*late) == "step.completed\nstep.started\n");
  CHECK_FALSE(f.frames->Join(0));
  CHECK(tight->held == 0);
  first.reset();
  late.reset();
  f.frames.reset();
  CHECK(tight->held == 0);
}

TEST_CASE("followers that a commit wakes together each get every frame once, rendered once for all",
          "[dialects][frames]") {
  Followed f;
  constexpr int kFollowers = 16;
  // All join before any frame is sent, so none is dropped under a latecomer.
  std::vector<std::unique_ptr<dialects::SharedFrames::Reader>> readers;
  for (int i = 0; i < kFollowers; ++i) readers.push_back(f.frames->Join(0));
  std::vector<std::string> got(kFollowers);
  std::vector<int> failed(kFollowers, 0);
  std::vector<std::thread> threads;
  for (int i = 0; i < kFollowers; ++i) {
    threads.emplace_back([&, i] {
      // What a stream does: take the version, follow, wait for the next
      // commit when there was nothing new; bounded, not timed.
      const int64_t give_up = sandbox::MonotonicMs() + 60000;
      engine::EventBus& bus = f.engine->bus();
      while (!f.frames->Done(*readers[i]) && sandbox::MonotonicMs() < give_up) {
        const uint64_t seen = bus.version(*f.frames->watch());
        dialects::WireParts wire;
        if (!f.frames->Follow(*f.engine, *readers[i], wire)) {
          failed[i] = 1;
          return;
        }
        got[i] += wire.Joined().value_or("<a frame file could not be read>");
        if (wire.empty()) (void)bus.Wait(*f.frames->watch(), seen, std::chrono::milliseconds(100));
      }
    });
  }
  REQUIRE(f.engine->AdvanceClock(kStart + 1000).ok());
  REQUIRE(f.engine->AdvanceClock(kStart + 2000).ok());
  for (auto& t : threads) t.join();
  for (int i = 0; i < kFollowers; ++i) {
    INFO("follower " << i);
    CHECK(failed[i] == 0);
    CHECK(got[i] == "run.started\nstep.started\nstep.completed\nstep.started\nstep.completed\nrun.completed\n");
  }
  // Six events, each folded once whoever woke first.
  CHECK(f.folds->load() == 6);
}

TEST_CASE("a log whose rendering throws breaks the frames for every follower, none waits for it",
          "[dialects][frames]") {
  Followed f;
  // What a string that is not UTF-8 does to the JSON writer.
  auto throwing = std::make_shared<dialects::SharedFrames>(
      f.run_id, f.engine->bus().Watch(f.run_id),
      [](const Event& e, std::vector<dialects::WireFrame>& out) -> bool {
        if (e.seq == 2) throw std::runtime_error("invalid UTF-8");
        out.push_back({e.seq, e.type + "\n"});
        return true;
      },
      [] { return int64_t{0}; }, [] { return false; });
  auto first = throwing->Join(0);
  auto second = throwing->Join(0);
  dialects::WireParts wire;
  CHECK_FALSE(throwing->Follow(*f.engine, *first, wire));
  CHECK_FALSE(throwing->Follow(*f.engine, *second, wire));
  CHECK(wire.empty());
}

namespace {

// The bytes of `frames` as they go on the wire: each frame file's chunks,
// read back, and frames in memory as they are.
std::string ChunksOf(const dialects::WireParts& wire) {
  std::string bytes;
  for (const dialects::FrameRef& frame : wire.shared) {
    if (!frame.file) {
      bytes += *frame.text;
      continue;
    }
    std::string chunk(frame.chunk_size(), '\0');
    REQUIRE(pread(frame.file->fd(), chunk.data(), chunk.size(), frame.chunk_at) == static_cast<ssize_t>(chunk.size()));
    bytes += chunk;
  }
  return bytes;
}

}  // namespace

TEST_CASE("with several followers, a read's frames go into one sealed file as HTTP chunks, side by side",
          "[dialects][frames]") {
  Followed f;
  auto reader = f.frames->Join(0);
  auto other = f.frames->Join(0);
  dialects::WireParts wire;
  REQUIRE(f.frames->Follow(*f.engine, *reader, wire));
  REQUIRE(wire.shared.size() == 2);
  const dialects::FrameRef& first = wire.shared[0];
  const dialects::FrameRef& second = wire.shared[1];
  REQUIRE(first.file);
  CHECK(second.file == first.file);
  CHECK_FALSE(first.text);
  CHECK(first.chunk_at == 0);
  CHECK(second.chunk_at == static_cast<int64_t>(first.chunk_size()));
  // "run.started\n" is 12 bytes, "step.started\n" 13: sizes in hex.
  CHECK(ChunksOf(wire) == "c\r\nrun.started\n\r\nd\r\nstep.started\n\r\n");
  CHECK(wire.Joined() == std::optional<std::string>("run.started\nstep.started\n"));
  // Sealed: nothing may change a page the kernel may still be sending.
  CHECK(pwrite(first.file->fd(), "x", 1, 0) == -1);
  CHECK(ftruncate(first.file->fd(), 0) == -1);

  // The next read's frames are a file of their own.
  REQUIRE(f.engine->AdvanceClock(kStart + 1000).ok());
  dialects::WireParts next;
  REQUIRE(f.frames->Follow(*f.engine, *reader, next));
  REQUIRE(next.shared.size() == 2);
  CHECK(next.shared[0].file != first.file);
  CHECK(ChunksOf(next) == "f\r\nstep.completed\n\r\nd\r\nstep.started\n\r\n");
}

TEST_CASE("with one follower, or when no file can be made, frames stay in memory and read the same",
          "[dialects][frames]") {
  Followed alone;
  auto only = alone.frames->Join(0);
  const int files = dialects::FrameFile::live_files();
  dialects::WireParts its;
  REQUIRE(alone.frames->Follow(*alone.engine, *only, its));
  REQUIRE(its.shared.size() == 2);
  CHECK_FALSE(its.shared[0].file);
  CHECK(dialects::FrameFile::live_files() == files);
  CHECK(its.Joined() == std::optional<std::string>("run.started\nstep.started\n"));

  Followed f;
  int asked = 0;
  f.frames->set_frame_files([&asked](std::span<const std::string_view>) -> std::shared_ptr<const dialects::FrameFile> {
    ++asked;
    return nullptr;  // what FrameFile::Write says with no descriptor or memory left
  });
  auto reader = f.frames->Join(0);
  auto other = f.frames->Join(0);
  dialects::WireParts wire;
  REQUIRE(f.frames->Follow(*f.engine, *reader, wire));
  CHECK(asked == 1);
  REQUIRE(wire.shared.size() == 2);
  CHECK_FALSE(wire.shared[0].file);
  REQUIRE(wire.shared[0].text);
  CHECK(*wire.shared[0].text == "run.started\n");
  CHECK(wire.Joined() == std::optional<std::string>("run.started\nstep.started\n"));

  // With no maker at all, none is asked for.
  Followed g;
  g.frames->set_frame_files({});
  auto first = g.frames->Join(0);
  auto second = g.frames->Join(0);
  CHECK(g.Follow(*first) == "run.started\nstep.started\n");
}

TEST_CASE("a frame file closes once its frames are dropped and no follower holds them", "[dialects][frames]") {
  const int before = dialects::FrameFile::live_files();
  {
    Followed f;
    auto reader = f.frames->Join(0);
    auto other = f.frames->Join(0);
    dialects::WireParts held, others;
    REQUIRE(f.frames->Follow(*f.engine, *reader, held));
    REQUIRE(f.frames->Follow(*f.engine, *other, others));
    others = {};
    CHECK(dialects::FrameFile::live_files() == before + 1);
    // Both followers have had them: with no budget they are dropped at the
    // next read, but `held` (a send in progress) keeps the file open.
    REQUIRE(f.engine->AdvanceClock(kStart + 1000).ok());
    dialects::WireParts next;
    REQUIRE(f.frames->Follow(*f.engine, *reader, next));
    CHECK_FALSE(f.frames->Join(0));  // the first read's frames are gone
    CHECK(dialects::FrameFile::live_files() == before + 2);
    held = {};
    CHECK(dialects::FrameFile::live_files() == before + 1);
  }
  CHECK(dialects::FrameFile::live_files() == before);
}

TEST_CASE("frame files stop at their cap, and a file holds each frame as its chunk", "[dialects][frames]") {
  const std::string big(0x1234, 'b');
  const std::string_view frames[] = {"hello", big};
  auto file = dialects::FrameFile::Write(frames);
  REQUIRE(file);
  std::string text = "<";
  REQUIRE(file->Read(0, 10, text));
  CHECK(text == "<5\r\nhello\r\n");
  text.clear();
  REQUIRE(file->Read(10, 6, text));
  CHECK(text == "1234\r\n");
  CHECK(dialects::FrameFile::ChunkHeadSize(5) == 3);
  CHECK(dialects::FrameFile::ChunkHeadSize(15) == 3);
  CHECK(dialects::FrameFile::ChunkHeadSize(16) == 4);
  CHECK(dialects::FrameFile::ChunkHeadSize(big.size()) == 6);
  text = "<";
  CHECK_FALSE(file->Read(10, 0x1234 + 50, text));  // past its end
  CHECK(text == "<");
  const std::string_view x[] = {"x"};
  // The cap (the app sets it to the descriptors its connections leave).
  const int cap = dialects::FrameFile::max_live_files();
  dialects::FrameFile::set_max_live_files(dialects::FrameFile::live_files() + 3);
  std::vector<std::shared_ptr<const dialects::FrameFile>> many;
  for (int i = 0; i < 3; ++i) {
    auto one = dialects::FrameFile::Write(x);
    REQUIRE(one);
    many.push_back(std::move(one));
  }
  CHECK_FALSE(dialects::FrameFile::Write(x));
  many.pop_back();
  CHECK(dialects::FrameFile::Write(x));  // a closed file makes room
  dialects::FrameFile::set_max_live_files(0);
  CHECK_FALSE(dialects::FrameFile::Write(x));
  dialects::FrameFile::set_max_live_files(cap);
  many.clear();
  CHECK(dialects::FrameFile::Write(x));
}

namespace {

// The first read's frames as chunks: what a follower is sent first.
constexpr char kFirstChunks[] = "c\r\nrun.started\n\r\nd\r\nstep.started\n\r\n";

// One end of a connection (non-blocking, as the server's are) and the
// client's end, for followers that park on it.
struct Connection {
  Connection() {
    int fds[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
    server = fds[0];
    client = fds[1];
    REQUIRE(fcntl(server, F_SETFL, fcntl(server, F_GETFL, 0) | O_NONBLOCK) == 0);
  }
  ~Connection() {
    if (server >= 0) close(server);
    if (client >= 0) close(client);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  // What the client has been sent and not read yet.
  std::string Unread() const {
    std::string bytes;
    char buf[4096];
    for (ssize_t n; (n = recv(client, buf, sizeof buf, MSG_DONTWAIT)) > 0;) bytes.append(buf, static_cast<size_t>(n));
    return bytes;
  }
  // Writes until the connection takes nothing more, as a client that
  // stopped reading leaves it; returns the bytes written.
  size_t Fill() const {
    const std::string block(4096, 'z');
    size_t total = 0;
    for (size_t size : {size_t{4096}, size_t{64}, size_t{1}}) {
      for (ssize_t n; (n = send(server, block.data(), size, MSG_DONTWAIT)) > 0;) total += static_cast<size_t>(n);
    }
    return total;
  }
  int server = -1;
  int client = -1;
};

// The bytes a follower has left to send: the rest of a send begun for it,
// then its frames' chunks.
std::string LeftToSend(const dialects::WireParts& wire) {
  std::string bytes;
  if (wire.rest.size > 0) REQUIRE(wire.rest.file->Read(wire.rest.at, wire.rest.size, bytes));
  return bytes + ChunksOf(wire);
}

// A run with two followers: one that renders, and one that will park on
// `connection`.
struct RendererAndParked : Followed {
  Connection connection;
  std::unique_ptr<dialects::SharedFrames::Reader> renderer = frames->Join(0);
  std::unique_ptr<dialects::SharedFrames::Reader> parked = frames->Join(0);
  // Parks `parked`, then has `renderer` follow: what comes back to it.
  dialects::WireParts RenderWithParked() {
    frames->Park(*parked, connection.server);
    dialects::WireParts wire;
    REQUIRE(frames->Follow(*engine, *renderer, wire));
    return wire;
  }
};

}  // namespace

TEST_CASE("a parked follower gets the frames another follower renders on its connection, and wakes to nothing",
          "[dialects][frames]") {
  RendererAndParked f;
  Connection& asleep = f.connection;
  auto& renderer = f.renderer;
  auto& parked = f.parked;
  const dialects::WireParts wire = f.RenderWithParked();
  // The renderer never parked, so it has no connection to send on: its own
  // frames come back to it as before.
  CHECK(ChunksOf(wire) == kFirstChunks);
  CHECK(asleep.Unread() == kFirstChunks);
  dialects::WireParts woke;
  REQUIRE(f.frames->Unpark(*parked, woke));
  REQUIRE(f.frames->Follow(*f.engine, *parked, woke));
  CHECK(woke.empty());

  // Awake (unparked), it is not sent to: it sends the next frames itself.
  REQUIRE(f.engine->AdvanceClock(kStart + 1000).ok());
  dialects::WireParts next;
  REQUIRE(f.frames->Follow(*f.engine, *renderer, next));
  CHECK(asleep.Unread().empty());
  dialects::WireParts own;
  REQUIRE(f.frames->Follow(*f.engine, *parked, own));
  CHECK(ChunksOf(own) == "f\r\nstep.completed\n\r\nd\r\nstep.started\n\r\n");
}

TEST_CASE("the follower that renders sends its own frames on its connection too, first", "[dialects][frames]") {
  Followed f;
  Connection mine, theirs;
  auto renderer = f.frames->Join(0);
  auto parked = f.frames->Join(0);
  // A stream parks between frames; its connection is known from then on.
  f.frames->Park(*renderer, mine.server);
  dialects::WireParts none;
  REQUIRE(f.frames->Unpark(*renderer, none));
  CHECK(none.empty());
  f.frames->Park(*parked, theirs.server);
  dialects::WireParts wire;
  REQUIRE(f.frames->Follow(*f.engine, *renderer, wire));
  CHECK(wire.empty());  // sent already
  CHECK(mine.Unread() == kFirstChunks);
  CHECK(theirs.Unread() == kFirstChunks);
  CHECK_FALSE(f.frames->Done(*renderer));
}

TEST_CASE("what a full connection does not take is left to its follower, in order, and not sent to meanwhile",
          "[dialects][frames]") {
  RendererAndParked f;
  Connection& full = f.connection;
  auto& renderer = f.renderer;
  auto& parked = f.parked;
  const size_t filler = full.Fill();
  REQUIRE(filler > 0);
  const dialects::WireParts first = f.RenderWithParked();
  // The next read comes while the rest of the first is still pending: the
  // renderer must not send it ahead of that rest.
  REQUIRE(f.engine->AdvanceClock(kStart + 1000).ok());
  dialects::WireParts second;
  REQUIRE(f.frames->Follow(*f.engine, *renderer, second));
  dialects::WireParts left;
  REQUIRE(f.frames->Unpark(*parked, left));
  REQUIRE(f.frames->Follow(*f.engine, *parked, left));
  std::string unread = full.Unread();
  REQUIRE(unread.size() >= filler);
  CHECK(unread.substr(filler) + LeftToSend(left) ==
        "c\r\nrun.started\n\r\nd\r\nstep.started\n\r\nf\r\nstep.completed\n\r\nd\r\nstep.started\n\r\n");
  CHECK(left.rest.size > 0);
  CHECK(left.Joined() == std::nullopt);  // chunks only its connection takes
}

TEST_CASE("a send to a parked follower that fails ends its stream when it wakes", "[dialects][frames]") {
  // The server ignores SIGPIPE (http/server.cpp); sendfile() cannot say
  // MSG_NOSIGNAL.
  const auto previous = std::signal(SIGPIPE, SIG_IGN);
  RendererAndParked f;
  Connection& gone = f.connection;
  close(gone.client);
  gone.client = -1;
  auto& parked = f.parked;
  const dialects::WireParts wire = f.RenderWithParked();
  CHECK(ChunksOf(wire) == kFirstChunks);
  dialects::WireParts left;
  CHECK_FALSE(f.frames->Unpark(*parked, left));
  CHECK(left.empty());
  std::signal(SIGPIPE, previous);
}

TEST_CASE("a follower that leaves while parked is not sent to, and one whose send is under way waits for it",
          "[dialects][frames]") {
  Followed f;
  Connection gone, stayed;
  auto renderer = f.frames->Join(0);
  auto leaving = f.frames->Join(0);
  auto parked = f.frames->Join(0);
  f.frames->Park(*leaving, gone.server);
  f.frames->Park(*parked, stayed.server);
  leaving.reset();
  dialects::WireParts wire;
  REQUIRE(f.frames->Follow(*f.engine, *renderer, wire));
  CHECK(gone.Unread().empty());
  CHECK(stayed.Unread() == kFirstChunks);

  // Many followers parked while one renders on another thread: each that
  // wakes meanwhile takes its connection back before or after the send for
  // it, never during, and its bytes are whole and in order either way.
  Followed g;
  constexpr int kParked = 8;
  std::vector<std::unique_ptr<Connection>> connections;
  std::vector<std::unique_ptr<dialects::SharedFrames::Reader>> readers;
  auto rendering = g.frames->Join(0);
  for (int i = 0; i < kParked; ++i) {
    connections.push_back(std::make_unique<Connection>());
    readers.push_back(g.frames->Join(0));
    g.frames->Park(*readers.back(), connections.back()->server);
  }
  bool rendered = false;  // checked after the join: Catch2 asserts on one thread only
  std::thread render([&] {
    dialects::WireParts its;
    rendered = g.frames->Follow(*g.engine, *rendering, its);
  });
  std::vector<std::string> left(kParked);
  for (int i = 0; i < kParked; i += 2) {  // every other one wakes at once
    dialects::WireParts woke;
    REQUIRE(g.frames->Unpark(*readers[static_cast<size_t>(i)], woke));
    REQUIRE(g.frames->Follow(*g.engine, *readers[static_cast<size_t>(i)], woke));
    left[static_cast<size_t>(i)] = LeftToSend(woke);
  }
  render.join();
  CHECK(rendered);
  for (int i = 0; i < kParked; ++i) {
    INFO("follower " << i);
    dialects::WireParts woke;
    REQUIRE(g.frames->Unpark(*readers[static_cast<size_t>(i)], woke));
    REQUIRE(g.frames->Follow(*g.engine, *readers[static_cast<size_t>(i)], woke));
    left[static_cast<size_t>(i)] += LeftToSend(woke);
    CHECK(connections[static_cast<size_t>(i)]->Unread() + left[static_cast<size_t>(i)] == kFirstChunks);
  }
}

}  // namespace dialects_shared_frames_test
