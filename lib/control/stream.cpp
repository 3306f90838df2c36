// GET /_sandbox/stream?namespace=NAME: a namespace's changes as Server-Sent
// Events, so that the dashboard redraws when something happened instead of
// polling. One `change` event at once, then one after each change of what a
// read of the namespace would answer (its commits, a reset or reload, its
// fixtures: the read cache's stamp), at most one per wake; a keep-alive
// comment after 15 s of quiet. The namespace comes from the query, as
// EventSource cannot send headers; without it, from the usual headers.
#include "control/respond.h"
#include "control/routes.h"
#include "core/thread_cache.h"
#include "http/sandbox_headers.h"
#include "http/server.h"
#include "http/sse.h"

namespace sandbox::control {
namespace {

constexpr int64_t kKeepAliveMs = 15000;
// How often a quiet stream checks that its client is still there.
constexpr int64_t kClientCheckMs = 1000;

std::string ChangeFrame(const std::string& ns, int64_t version) {
  return http::SseFrame("", "change", OrderedJson{{"namespace", ns}, {"version", version}}.dump());
}

}  // namespace

void StreamNamespaceChanges(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  engine::Engine* engine = nullptr;
  if (req.has_param("namespace")) {
    httplib::Request scoped = req;
    scoped.headers.erase(http::kNamespaceHeader);
    scoped.headers.emplace(http::kNamespaceHeader, req.get_param_value("namespace"));
    engine = NamespaceOrRespond(d, scoped, res);
  } else {
    engine = NamespaceOrRespond(d, req, res);
  }
  if (!engine) return;
  const std::string ns = engine->store().ns();
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Accel-Buffering", "no");
  res.set_chunked_content_provider("text/event-stream", [engine, ns](size_t, httplib::DataSink& sink) {
    // The thread mostly waits from here on: it keeps no allocator cache.
    GiveUpThreadAllocatorCache();
    int64_t version = 1;
    // The bus's version before the stamp: a commit between the two wakes
    // the next wait at once, and is never missed.
    uint64_t seen = engine->bus().version();
    engine::ReadStamp sent = engine->read_stamp();
    std::string first = ChangeFrame(ns, version);
    if (!sink.write(first.data(), first.size())) return false;
    int64_t quiet_ms = 0;
    while (true) {
      auto wake = engine->bus().Wait(seen, std::chrono::milliseconds(kClientCheckMs));
      if (wake == engine::EventBus::Wake::kShutdown) {
        sink.done();
        return true;
      }
      if (http::ClientGone()) return false;
      seen = engine->bus().version();
      engine::ReadStamp now = engine->read_stamp();
      if (!(now == sent)) {
        sent = now;
        quiet_ms = 0;
        std::string frame = ChangeFrame(ns, ++version);
        if (!sink.write(frame.data(), frame.size())) return false;
        continue;
      }
      if (wake == engine::EventBus::Wake::kTimeout) quiet_ms += kClientCheckMs;
      if (quiet_ms >= kKeepAliveMs) {
        quiet_ms = 0;
        std::string beat = http::SseComment("keep-alive");
        if (!sink.write(beat.data(), beat.size())) return false;
      }
    }
  });
}

}  // namespace sandbox::control
