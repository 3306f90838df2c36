// /_sandbox/clock: reading and moving sandbox time (issue 5).
//   GET  /_sandbox/clock            {"mode", "now"}
//   POST /_sandbox/clock/advance    {"by": "90s"} or {"to": "2026-01-01T01:00:00Z"}
// An advance fires everything that falls due on the way, in order, each at
// its own instant (interrupt timeouts included), and answers with what fired.
// The realtime clock cannot be moved (409); time never moves back (422).
#include <nlohmann/json.hpp>

#include "control/respond.h"
#include "control/routes.h"
#include "core/time_format.h"
#include "http/body.h"
#include "script/duration.h"

namespace sandbox::control {
namespace {

void Fail(httplib::Response& res, int status, const std::string& message, const std::string& parameter) {
  RespondError(res, status, message, parameter);
}

}  // namespace

void GetClock(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  engine::Engine* engine = NamespaceOrRespond(d, req, res);
  if (!engine) return;
  RespondJson(res, 200,
              OrderedJson{{"mode", ClockModeName(engine->clock_mode())}, {"now", FormatInstant(engine->Now())}});
}

void AdvanceClock(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  engine::Engine* engine = NamespaceOrRespond(d, req, res);
  if (!engine) return;
  auto parsed = http::ParseJsonObjectBody(req.body, d.limits);
  if (!parsed.ok()) return RespondStatus(res, parsed.status());
  const OrderedJson& body = parsed.value();
  bool by = body.contains("by"), to = body.contains("to");
  if (by == to) return Fail(res, 400, "Give exactly one of `by` (a duration) or `to` (an ISO 8601 time)", "by");
  Instant from = engine->Now();
  Instant target;
  if (by) {
    auto ms = script::ParseDurationMs(Json(body["by"]));
    if (!ms) return Fail(res, 422, "Parameter `by` must be a duration such as \"90s\", \"15m\" or \"2h\"", "by");
    if (*ms > kMaxInstant - from) {
      return Fail(res, 422, "Parameter `by` would move the clock past " + FormatInstant(kMaxInstant), "by");
    }
    target = from + *ms;
  } else {
    auto t = body["to"].is_string() ? ParseInstant(body["to"].get<std::string>()) : std::nullopt;
    if (!t) return Fail(res, 422, "Parameter `to` must be an ISO 8601 UTC time like 2026-01-01T01:00:00Z", "to");
    if (*t > kMaxInstant) return Fail(res, 422, "Parameter `to` is past " + FormatInstant(kMaxInstant), "to");
    target = *t;
  }
  auto fired = engine->AdvanceClock(target);
  if (!fired.ok()) return RespondStatus(res, fired.status());
  d.log.Log(LogLevel::kInfo, "clock moved",
            {{"namespace", engine->store().ns()},
             {"from", FormatInstant(from)},
             {"to", FormatInstant(engine->Now())},
             {"fired", fired.value().size()}});
  OrderedJson events = OrderedJson::array();
  for (const auto& e : fired.value()) {
    events.push_back({{"run_id", e.run_id}, {"seq", e.seq}, {"type", e.type}, {"at", FormatInstant(e.at)}});
  }
  RespondJson(res, 200,
              OrderedJson{{"from", FormatInstant(from)}, {"now", FormatInstant(engine->Now())}, {"fired", events}});
}

}  // namespace sandbox::control
