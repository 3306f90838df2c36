// /_sandbox/ routes. Unauthenticated on purpose: they answer readiness probes
// and test harnesses, and the sandbox listens on loopback by default.
#include "control/routes.h"

#include "control/respond.h"

#include <nlohmann/json.hpp>

#include "core/time_format.h"
#include "http/sandbox_headers.h"

namespace sandbox::control {
namespace {

void Health(const Deps& d, const httplib::Request&, httplib::Response& res) {
  engine::Engine& def = d.spaces.Default();
  Status engine = d.spaces.Health();  // any namespace's storage failure
  OrderedJson body = {{"status", engine.ok() ? "ok" : "failing"},
                      {"version", d.version},
                      {"uptime_ms", ProcessUptimeMs()},
                      {"database", def.store().path()},
                      {"clock", {{"mode", ClockModeName(def.clock_mode())}, {"now", FormatInstant(def.Now())}}}};
  if (!engine.ok()) body["error"] = engine.message();
  res.status = engine.ok() ? 200 : 503;
  res.set_content(body.dump(), "application/json");
}

OrderedJson RenderReport(const FixtureReloader& f, const ReloadReport& r) {
  OrderedJson errors = OrderedJson::array();
  for (const auto& e : r.errors) errors.push_back({{"message", e}});
  OrderedJson body = {
      {"path", f.path()}, {"ok", r.ok}, {"agents", r.agents}, {"scenarios", r.scenarios}, {"generation", r.generation}};
  if (!r.ok) body["errors"] = errors;
  return body;
}

// GET /_sandbox/fixtures: what is loaded, and how the last reload went.
void FixturesStatus(const Deps& d, const httplib::Request&, httplib::Response& res) {
  res.set_content(RenderReport(d.fixtures, d.fixtures.last()).dump(), "application/json");
}

// POST /_sandbox/fixtures/reload: 200 when applied; 422 with every problem
// (and the previous fixtures still in force) when not.
void ReloadFixtures(const Deps& d, const httplib::Request&, httplib::Response& res) {
  ReloadReport r = d.fixtures.Reload();
  res.status = r.ok ? 200 : 422;
  res.set_content(RenderReport(d.fixtures, r).dump(), "application/json");
}

}  // namespace

engine::Engine* NamespaceOrRespond(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  std::optional<std::string> tenant = d.tenant_of ? d.tenant_of(req) : std::nullopt;
  std::string ns;
  std::optional<uint64_t> seed;
  if (tenant) {
    auto choice = http::NamespaceChoiceOf(req);
    if (!choice.ok()) {
      RespondStatus(res, choice.status());
      return nullptr;
    }
    ns = http::TenantNamespace(*tenant, choice->name);
    seed = choice->seed;
  } else {
    ns = req.get_header_value(http::kNamespaceHeader);
    if (!http::ValidQualifiedNamespace(ns)) {
      RespondError(res, 400,
                   "Header `X-Sandbox-Namespace` must name a namespace as GET /_sandbox/namespaces lists it "
                   "(or send the API key or token whose namespace you mean)",
                   http::kNamespaceHeader);
      return nullptr;
    }
  }
  auto e = d.spaces.For(ns, seed);
  if (!e.ok()) {
    RespondStatus(res, e.status());
    return nullptr;
  }
  return e.value();
}

void RegisterRoutes(httplib::Server& s, const Deps& d) {
  auto bind = [&d](void (*h)(const Deps&, const httplib::Request&, httplib::Response&)) {
    return [&d, h](const httplib::Request& req, httplib::Response& res) { h(d, req, res); };
  };
  s.Get("/_sandbox/health", bind(Health));
  s.Get("/_sandbox/fixtures", bind(FixturesStatus));
  s.Post("/_sandbox/fixtures/reload", bind(ReloadFixtures));
  s.Get("/_sandbox/clock", bind(GetClock));
  s.Post("/_sandbox/clock/advance", bind(AdvanceClock));
  s.Post("/_sandbox/reset", bind(ResetState));
  s.Get("/_sandbox/snapshots", bind(ListSnapshots));
  s.Post("/_sandbox/snapshots", bind(SaveSnapshot));
  s.Post(R"(/_sandbox/snapshots/([^/]+)/restore)", bind(RestoreSnapshot));
  s.Get("/_sandbox/webhooks/deliveries", bind(ListWebhookDeliveries));
  s.Get("/_sandbox/namespaces", bind(ListNamespaces));
  s.Get("/_sandbox/runs", bind(ListRunsOfNamespace));
  s.Get(R"(/_sandbox/runs/([^/]+))", bind(GetRunOfNamespace));
  s.Get("/_sandbox/", bind(Dashboard));
  s.Get("/_sandbox", [](const httplib::Request&, httplib::Response& res) { res.set_redirect("/_sandbox/"); });
}

}  // namespace sandbox::control
