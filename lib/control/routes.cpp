// /_sandbox/ routes. Unauthenticated on purpose: they answer readiness probes
// and test harnesses, and the sandbox listens on loopback by default.
#include "control/routes.h"

#include "control/respond.h"

#include <nlohmann/json.hpp>

#include "core/time_format.h"
#include "http/sandbox_headers.h"
#include "http/request_notes.h"

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
  http::NoteNamespace(ns, tenant.value_or(""));
  auto e = d.spaces.For(ns, seed);
  if (!e.ok()) {
    RespondStatus(res, e.status());
    return nullptr;
  }
  return e.value();
}

void RegisterRoutes(http::RouteTable& t, const Deps& d) {
  using Handler = void (*)(const Deps&, const httplib::Request&, httplib::Response&);
  auto add = [&t, &d](http::Route r, Handler h) {
    r.tag = "Sandbox";
    t.Add(std::move(r), [&d, h](const httplib::Request& req, httplib::Response& res) { h(d, req, res); });
  };
  add({.method = "GET", .path = "/_sandbox/health", .summary = "Readiness and the default clock"}, Health);
  add({.method = "GET", .path = "/_sandbox/fixtures", .summary = "The loaded fixtures"}, FixturesStatus);
  add({.method = "POST", .path = "/_sandbox/fixtures/reload", .summary = "Reload the fixtures"}, ReloadFixtures);
  add({.method = "GET", .path = "/_sandbox/clock", .summary = "A namespace's clock"}, GetClock);
  add({.method = "POST", .path = "/_sandbox/clock/advance", .summary = "Move a namespace's clock"}, AdvanceClock);
  add({.method = "POST", .path = "/_sandbox/reset", .summary = "Empty a namespace"}, ResetState);
  add({.method = "GET", .path = "/_sandbox/snapshots", .summary = "List snapshots"}, ListSnapshots);
  add({.method = "POST", .path = "/_sandbox/snapshots", .summary = "Save a snapshot"}, SaveSnapshot);
  add({.method = "POST", .path = "/_sandbox/snapshots/{snapshot_id}/restore", .summary = "Restore a snapshot"},
      RestoreSnapshot);
  add({.method = "GET", .path = "/_sandbox/webhooks/deliveries", .summary = "Webhook deliveries and attempts"},
      ListWebhookDeliveries);
  add({.method = "GET", .path = "/_sandbox/namespaces", .summary = "List namespaces"}, ListNamespaces);
  add({.method = "GET", .path = "/_sandbox/runs", .summary = "A namespace's runs, for the dashboard"},
      ListRunsOfNamespace);
  add({.method = "GET", .path = "/_sandbox/runs/{run_id}", .summary = "A run with its events, for the dashboard"},
      GetRunOfNamespace);
  add({.method = "GET",
       .path = "/_sandbox/requests",
       .summary = "The request journal, filtered and paged",
       .journaled = false},
      ListRequests);
  add({.method = "DELETE", .path = "/_sandbox/requests", .summary = "Empty the request journal", .journaled = false},
      ClearRequests);
  add({.method = "POST",
       .path = "/_sandbox/requests/verify",
       .summary = "Check how many journaled requests match, with the nearest misses",
       .journaled = false},
      VerifyRequests);
  add({.method = "GET",
       .path = "/_sandbox/runs/{run_id}/interactions",
       .summary = "What clients did to a run, in order",
       .journaled = false},
      ListInteractions);
  add({.method = "POST",
       .path = "/_sandbox/runs/{run_id}/interactions/verify",
       .summary = "Check a run's interactions",
       .journaled = false},
      VerifyInteractions);
  add({.method = "GET", .path = "/_sandbox/", .summary = "The dashboard"}, Dashboard);
  add({.method = "GET", .path = "/_sandbox", .summary = "Redirects to the dashboard"},
      [](const Deps&, const httplib::Request&, httplib::Response& res) { res.set_redirect("/_sandbox/"); });
}

}  // namespace sandbox::control
