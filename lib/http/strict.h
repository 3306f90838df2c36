// Strict mode (issue 13): a request naming a query parameter or a top-level
// JSON body field that its route does not declare (http/route_table.h) is
// refused with 400 naming it, in the error shape of the dialect that owns the
// path, instead of being ignored as the vendors' APIs do. Off by default;
// --strict turns it on, and the header `X-Sandbox-Strict: true|false`
// overrides the flag for one request. Installed as the route table's gate,
// so it runs before every handler: when strict mode is off it costs one
// header lookup.
#pragma once

#include <httplib.h>

#include <optional>
#include <string>

#include "core/status.h"
#include "http/error_shapes.h"
#include "http/limits.h"
#include "http/request_guard.h"
#include "http/route_table.h"

namespace sandbox::http {

inline constexpr const char* kStrictHeader = "X-Sandbox-Strict";

// Whether `req` is held to strict mode: its X-Sandbox-Strict header if it has
// one, else `by_default`. A header that is neither true nor false is a 400.
Result<bool> StrictFor(const httplib::Request& req, bool by_default);

// The refusal of a request that names something `route` does not declare:
// the first unknown query parameter, else the first unknown top-level field
// of a JSON object body (a body that is not one is left to the handler).
// The admin token's query parameter is accepted on every /_sandbox/ path.
std::optional<Refusal> CheckDeclared(const Route& route, const httplib::Request& req, const RequestLimits& limits);

// The gate for RouteTable::SetGate: StrictFor, then CheckDeclared; refusals
// are written by shapes.For(path).
RouteGate StrictGate(bool by_default, ErrorShapes shapes, RequestLimits limits);

}  // namespace sandbox::http
