// The whole sandbox in one object: everything `agent-sandbox serve` runs,
// wired layer to layer (fixtures, store, namespaces, both dialects, the
// control API, webhooks, the HTTP server). main.cpp builds one from the
// command line; the request fuzzer (fuzz/http_request_fuzzer.cpp) builds one
// in memory, so that what it exercises is exactly what a client reaches.
//
// Lifetime: Open, Start, Bind, then Run on one thread until Stop (from any
// thread, e.g. a signal thread) makes it return.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "cli/options.h"
#include "core/status.h"
#include "engine/namespaces.h"
#include "http/server.h"
#include "script/fixture.h"

namespace sandbox::app {

// How the descriptors under `limit` are shared: 256 kept for the database,
// the listener and the logs; connections next, up to `wanted_connections`
// (fewer, at least 16, when the limit is lower); the streams' frame files
// (dialects/frame_file.h) get what is left, up to their cap, so that they
// never take a descriptor a connection could have had.
struct DescriptorShares {
  uint64_t connections;
  int frame_files;
};
DescriptorShares ShareDescriptors(uint64_t limit, uint64_t wanted_connections);

class SandboxApp {
 public:
  // Loads the fixtures and opens (and locks) the database; the error says
  // which failed and why.
  static Result<std::unique_ptr<SandboxApp>> Open(const cli::Options& options);
  ~SandboxApp();
  SandboxApp(const SandboxApp&) = delete;
  SandboxApp& operator=(const SandboxApp&) = delete;

  // Resumes every run the database holds (starts the namespaces' writers).
  Status Start();
  // Binds the listening socket; the port bound.
  Result<int> Bind();
  // Serves until Stop(): watches the fixtures, sends webhooks, answers HTTP.
  void Run();
  // Ends open streams and long-polls, then makes Run() return. Any thread.
  // False when the server could not stop in time (http::Server::Stop).
  bool Stop();

  http::Server& server();
  engine::Namespaces& spaces();
  const script::FixtureSet& fixtures() const;

 private:
  struct Parts;
  explicit SandboxApp(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace sandbox::app
