// The Middesk Agents API dialect: every route it serves, in one table
// (routes.cpp), registered explicitly from main.
#pragma once

#include <httplib.h>

#include "dialects/shared_frames.h"
#include "engine/namespaces.h"
#include "http/auth.h"
#include "http/limits.h"
#include "http/route_table.h"
#include "store/store.h"

namespace sandbox::middesk {

struct Deps {
  engine::Namespaces& spaces;  // each request is served by its namespace's engine and store
  const http::KeyPolicy& keys;
  Instant agents_created_at;      // agents come from fixtures; they exist from the clock's start
  int64_t heartbeat_ms = 15000;   // wall time between keep-alive comments on an idle stream
  bool operator_feedback = true;  // the account feature feedback needs; off gives the vendor's 403
  http::RequestLimits limits;     // JSON depth, string lengths (docs/operations.md)
  // Each followed run's stream frames, rendered once for all its clients.
  std::shared_ptr<dialects::SharedFramesRegistry> frames = std::make_shared<dialects::SharedFramesRegistry>();
};

void RegisterRoutes(http::RouteTable& table, const Deps& deps);

// "20 requests per second per customer" (../shared/spec/middesk-agents.md
// 1.6): what --rate-limit vendor enforces.
inline constexpr uint64_t kDocumentedRequestsPerSecond = 20;

}  // namespace sandbox::middesk
