// Waiting for a run's log to move, for the handlers that answer later than
// they are asked (a long-poll, a buffered chat) and for streams between
// frames; shared by the dialects. A wait ends when the caller's condition
// holds, when its wall-time budget is spent, when the server stops, or when
// the client has gone (issue 10: no worker waits for a client that left).
#pragma once

#include <cstdint>
#include <functional>

#include "engine/bus.h"

namespace sandbox::dialects {

enum class WaitEnd { kDone, kTimedOut, kShutdown, kClientGone };

// Calls `done` now and after every commit `bus` announces to the run that
// `watch` follows, until it returns true or the wait ends otherwise;
// `wait_ms` is wall time. `done` reads the store: the watch's version is
// taken before each call, so that a commit landing in between still wakes
// the wait.
WaitEnd WaitForLog(engine::EventBus& bus, const engine::RunWatch& watch, int64_t wait_ms,
                   const std::function<bool()>& done);

// How often a wait looks for a client that has gone, in wall milliseconds.
inline constexpr int64_t kClientCheckMs = 250;

}  // namespace sandbox::dialects
