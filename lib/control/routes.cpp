// /_sandbox/ routes. Unauthenticated on purpose: they answer readiness probes
// and test harnesses, and the sandbox listens on loopback by default.
#include "control/routes.h"

#include "control/respond.h"

#include <nlohmann/json.hpp>

#include "core/time_format.h"
#include "http/sandbox_headers.h"
#include "http/request_notes.h"
#include "http/route_fields.h"

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

namespace {

using http::OptionalField;
using http::RequiredField;
using Fields = std::vector<http::RouteField>;

// The criteria of a verification (FilterFromBody in requests.cpp); a run's
// own verification has its run in the path.
Fields VerifyBody(bool run_scoped) {
  Fields f = {OptionalField("method", "string", "The request method"),
              OptionalField("path", "string", "The path, or a pattern"),
              OptionalField("status", http::kAnyJson, "A status code like 404, or a class like \"4xx\""),
              OptionalField("namespace", "string", "The namespace")};
  if (!run_scoped) f.push_back(OptionalField("run_id", "string", "The run"));
  for (auto& more : Fields{OptionalField("interaction", "string", "What the client did, e.g. polled"),
                           OptionalField("query", "object", "Query parameters the request had"),
                           OptionalField("headers", "object", "Headers the request had"),
                           OptionalField("body", http::kAnyJson, "What the request body contained"),
                           OptionalField("since", "string", "An ISO 8601 time"),
                           OptionalField("after", "integer", "A request id"),
                           OptionalField("count", http::kAnyJson, "A number, or {eq, gte, lte}")}) {
    f.push_back(std::move(more));
  }
  return f;
}

}  // namespace

void RegisterRoutes(http::RouteTable& t, const Deps& d) {
  using Handler = void (*)(const Deps&, const httplib::Request&, httplib::Response&);
  auto add = [&t, &d](http::Route r, Handler h) {
    r.tag = "Sandbox";
    t.Add(std::move(r), [&d, h](const httplib::Request& req, httplib::Response& res) { h(d, req, res); });
  };
  add({.method = "GET", .path = "/_sandbox/health", .summary = "Readiness and the default clock"}, Health);
  // Fault injection (faults.cpp); the kinds' parameters are described in docs/toolkit.md.
  add({.method = "POST",
       .path = "/_sandbox/faults",
       .summary = "Declare a fault injection rule",
       .body = {{"fault", "string", "latency, status, rate_limit, empty, reset, stall_after, drop_after, "
                                    "duplicate_frame or heartbeat_delay", true},
                {"namespace", "string", "Only requests with this X-Sandbox-Namespace (\"\": none)"},
                {"method", "string", "Only this method"},
                {"path", "string", "Only paths matching this pattern (* one segment, ** any)"},
                {"count", "integer", "Fires on the next N matching requests"},
                {"probability", "number", "Fires on each matching request with this probability"},
                {"seed", "integer", "Seeds the rule's random choices"},
                {"status", "integer", "status: the status, 400 to 599"},
                {"ms", "integer", "latency, heartbeat_delay: milliseconds"},
                {"min_ms", "integer", "latency: random from"},
                {"max_ms", "integer", "latency: random to"},
                {"retry_after_s", "integer", "rate_limit: Retry-After seconds (1)"},
                {"frames", "integer", "stall_after, drop_after: frames sent first"},
                {"frame", "integer", "duplicate_frame: the frame sent twice (1-based)"}}},
      CreateFault);
  add({.method = "GET", .path = "/_sandbox/faults", .summary = "Fault rules, with how often each fired"}, ListFaults);
  add({.method = "DELETE", .path = "/_sandbox/faults/{fault_id}", .summary = "Remove a fault rule"}, DeleteFault);
  add({.method = "DELETE", .path = "/_sandbox/faults", .summary = "Remove every fault rule"}, DeleteFaults);
  add({.method = "GET", .path = "/_sandbox/fixtures", .summary = "The loaded fixtures"}, FixturesStatus);
  add({.method = "POST", .path = "/_sandbox/fixtures/reload", .summary = "Reload the fixtures"}, ReloadFixtures);
  add({.method = "GET", .path = "/_sandbox/clock", .summary = "A namespace's clock"}, GetClock);
  add({.method = "POST",
       .path = "/_sandbox/clock/advance",
       .summary = "Move a namespace's clock",
       .body = {OptionalField("by", http::kAnyJson, "A duration such as \"90s\", \"15m\" or \"2h\" (or `to`)"),
                OptionalField("to", "string", "An ISO 8601 UTC time (or `by`)")}},
      AdvanceClock);
  add({.method = "POST", .path = "/_sandbox/reset", .summary = "Empty a namespace"}, ResetState);
  add({.method = "GET", .path = "/_sandbox/snapshots", .summary = "List snapshots"}, ListSnapshots);
  add({.method = "POST",
       .path = "/_sandbox/snapshots",
       .summary = "Save a snapshot",
       .body = {RequiredField("name", "string", "The snapshot's name")}},
      SaveSnapshot);
  add({.method = "POST", .path = "/_sandbox/snapshots/{snapshot_id}/restore", .summary = "Restore a snapshot"},
      RestoreSnapshot);
  add({.method = "GET",
       .path = "/_sandbox/webhooks/deliveries",
       .summary = "Webhook deliveries and attempts",
       .query = {OptionalField("webhook_id", "string", "One endpoint's deliveries"),
                 OptionalField("limit", "integer", "How many"),
                 OptionalField("order", "string", "asc or desc"),
                 OptionalField("cursor", "string", "The next_cursor of the previous page")}},
      ListWebhookDeliveries);
  add({.method = "GET", .path = "/_sandbox/namespaces", .summary = "List namespaces"}, ListNamespaces);
  add({.method = "GET",
       .path = "/_sandbox/runs",
       .summary = "A namespace's runs, for the dashboard",
       .query = {OptionalField("limit", "integer", "1 to 200 (default 50)")}},
      ListRunsOfNamespace);
  add({.method = "GET", .path = "/_sandbox/runs/{run_id}", .summary = "A run with its events, for the dashboard"},
      GetRunOfNamespace);
  add({.method = "GET", .path = "/_sandbox/agents", .summary = "The fixtures' agents and their scenarios"},
      ListAgentsOfNamespace);
  add({.method = "POST",
       .path = "/_sandbox/runs",
       .summary = "Start a run of an agent, from the dashboard",
       .body = {RequiredField("agent", "string", "The agent type"),
                OptionalField("scenario", "string", "The scenario (else the agent's own choice)"),
                OptionalField("request", "object", "The create-run body the scenario's templates read")}},
      StartRunInNamespace);
  add({.method = "POST",
       .path = "/_sandbox/runs/{run_id}/resume",
       .summary = "Answer a run's pending interrupt, from the dashboard",
       .body = {RequiredField("input", http::kAnyJson, "The answer, e.g. {\"decision\":\"approve\"}"),
                OptionalField("interrupt_id", "string", "The interrupt (else the pending one)")}},
      ResumeRunInNamespace);
  add({.method = "GET",
       .path = "/_sandbox/stream",
       .summary = "A namespace's changes, as Server-Sent Events",
       .query = {OptionalField("namespace", "string", "The namespace (EventSource cannot send headers)")},
       .journaled = false},
      StreamNamespaceChanges);
  add({.method = "GET",
       .path = "/_sandbox/requests",
       .summary = "The request journal, filtered and paged",
       .query = {OptionalField("method", "string", "The request method"),
                 OptionalField("path", "string", "The path, or a pattern"),
                 OptionalField("status", "string", "A status code like 404, or a class like 4xx"),
                 OptionalField("since", "string", "An ISO 8601 UTC time"),
                 OptionalField("after", "integer", "A request id: the requests after it"),
                 OptionalField("namespace", "string", "The namespace"),
                 OptionalField("run_id", "string", "The run"),
                 OptionalField("interaction", "string", "What the client did, e.g. polled"),
                 OptionalField("limit", "integer", "How many"),
                 OptionalField("order", "string", "asc (oldest first) or desc")},
       .journaled = false},
      ListRequests);
  add({.method = "DELETE", .path = "/_sandbox/requests", .summary = "Empty the request journal", .journaled = false},
      ClearRequests);
  add({.method = "POST",
       .path = "/_sandbox/requests/verify",
       .summary = "Check how many journaled requests match, with the nearest misses",
       .body = VerifyBody(false),
       .journaled = false},
      VerifyRequests);
  add({.method = "GET",
       .path = "/_sandbox/runs/{run_id}/interactions",
       .summary = "What clients did to a run, in order",
       .query = {OptionalField("namespace", "string", "The namespace")},
       .journaled = false},
      ListInteractions);
  add({.method = "POST",
       .path = "/_sandbox/runs/{run_id}/interactions/verify",
       .summary = "Check a run's interactions",
       .body = VerifyBody(true),
       .journaled = false},
      VerifyInteractions);
  // The page reads ?namespace= itself (dashboard.html).
  add({.method = "GET",
       .path = "/_sandbox/",
       .summary = "The dashboard",
       .query = {OptionalField("namespace", "string", "The namespace to show")}},
      Dashboard);
  add({.method = "GET", .path = "/_sandbox", .summary = "Redirects to the dashboard"},
      [](const Deps&, const httplib::Request&, httplib::Response& res) { res.set_redirect("/_sandbox/"); });
  // The OpenAPI document of every route above and the dialects' (openapi.cpp).
  // The first two are outside /_sandbox/ so that client generators reach them
  // without the admin token: they describe the API and hold no data.
  add({.method = "GET", .path = "/openapi.json", .summary = "This server's OpenAPI document"}, OpenApiJson);
  add({.method = "GET", .path = "/openapi.yaml", .summary = "This server's OpenAPI document, as YAML"}, OpenApiYaml);
  add({.method = "GET", .path = "/_sandbox/openapi.json", .summary = "This server's OpenAPI document"}, OpenApiJson);
}

}  // namespace sandbox::control
