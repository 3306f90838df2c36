// /_sandbox/ routes. Unauthenticated on purpose: they answer readiness probes
// and test harnesses, and the sandbox listens on loopback by default.
#include "control/routes.h"

#include <nlohmann/json.hpp>

#include "core/time_format.h"

namespace sandbox::control {
namespace {

using OrderedJson = nlohmann::ordered_json;

void Health(const Deps& d, const httplib::Request&, httplib::Response& res) {
  Status engine = d.engine.health();
  OrderedJson body = {{"status", engine.ok() ? "ok" : "failing"},
                      {"version", d.version},
                      {"uptime_ms", ProcessUptimeMs()},
                      {"database", d.store.path()},
                      {"clock", {{"mode", ClockModeName(d.engine.clock_mode())}, {"now", FormatInstant(d.engine.Now())}}}};
  if (!engine.ok()) body["error"] = engine.message();
  res.status = engine.ok() ? 200 : 503;
  res.set_content(body.dump(), "application/json");
}

}  // namespace

void RegisterRoutes(httplib::Server& s, const Deps& d) {
  s.Get("/_sandbox/health", [&d](const httplib::Request& req, httplib::Response& res) { Health(d, req, res); });
}

}  // namespace sandbox::control
