// The Modus management API dialect (first cut): agents and the run history of
// an agent, plus sandbox extensions to trigger, approve and cancel runs. Every
// route it serves is in one table (routes.cpp), registered explicitly from
// main. docs/modus.md lists every choice the vendor's contract leaves open.
#pragma once

#include <httplib.h>

#include "core/clock.h"
#include "dialects/shared_frames.h"
#include "engine/namespaces.h"
#include "http/limits.h"
#include "http/route_table.h"

namespace sandbox::modus {

struct Deps {
  engine::Namespaces& spaces;    // an org's data lives in namespace "org-<orgUuid>"
  Instant agents_created_at;     // agents come from fixtures; they exist from the clock's start
  int64_t heartbeat_ms = 15000;  // wall time between heartbeat frames on an idle runtime stream
  http::RequestLimits limits;    // JSON depth, string lengths (docs/operations.md)
  // Each followed run's stream frames, rendered once for all its clients.
  std::shared_ptr<dialects::SharedFramesRegistry> frames = std::make_shared<dialects::SharedFramesRegistry>();
};

void RegisterRoutes(http::RouteTable& table, const Deps& deps);

}  // namespace sandbox::modus
