// The sandbox's own control API under /_sandbox/ (DESIGN.md "control/"):
// everything a test or a demo needs to ask the sandbox about itself.
#pragma once

#include <httplib.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/log.h"
#include "control/fixtures.h"
#include "engine/namespaces.h"
#include "http/faults.h"
#include "http/journal.h"
#include "http/limits.h"
#include "http/route_table.h"
#include "store/store.h"

namespace sandbox::control {

// The tenant (http/sandbox_headers.h) of the credentials a request carries,
// if any: a control call made with the same headers as an API call
// addresses the same namespace. Supplied by main, from the dialects.
using TenantResolver = std::function<std::optional<std::string>(const httplib::Request&)>;

// A run as the API of the dialect that owns its namespace shows it (the
// dashboard's dialect view): the dialect's name and the JSON, as its run
// detail (`detail`, the run's steps loaded) or as a row of its run list;
// nullopt when no dialect renders it. Supplied by main, from the dialects.
struct DialectView {
  std::string dialect;
  nlohmann::ordered_json body;
};
using DialectViewer = std::function<std::optional<DialectView>(const std::string& ns, engine::Engine& engine,
                                                               const RunState& run, bool detail)>;

// The signature header a webhook delivery's `body` was sent with: its name
// and value. Supplied by main, from the dialect that owns webhooks.
struct DeliverySignature {
  std::string header;
  std::string value;
};
using DeliverySigner = std::function<DeliverySignature(const Webhook& webhook, const std::string& body)>;

struct Deps {
  engine::Namespaces& spaces;
  std::string version;
  FixtureReloader& fixtures;
  TenantResolver tenant_of;
  http::RequestLimits limits;  // for request bodies, as in the dialects
  http::RequestJournal& journal;
  const http::RouteTable& table;  // every route served, for the OpenAPI document
  http::FaultRegistry& faults;  // fault injection rules (faults.cpp)
  bool strict = false;            // --strict (http/strict.h), for the document's additionalProperties
  Logger log;                     // clock moves, at info
  DialectViewer dialect_view;     // GET /_sandbox/runs/{id}'s `view`
  DeliverySigner sign_delivery;   // the deliveries' `signature`
};

void RegisterRoutes(http::RouteTable& table, const Deps& deps);

// The engine of the request's namespace: with an API key or token, the
// namespace X-Sandbox-Namespace names inside the caller's tenant, as the
// API would pick it; without, X-Sandbox-Namespace is a full name as
// GET /_sandbox/namespaces lists it. nullptr after an error response was
// written.
engine::Engine* NamespaceOrRespond(const Deps& d, const httplib::Request& req, httplib::Response& res);

// Handlers in clock.cpp.
void GetClock(const Deps& d, const httplib::Request& req, httplib::Response& res);
void AdvanceClock(const Deps& d, const httplib::Request& req, httplib::Response& res);
// Handlers in state.cpp.
void ResetState(const Deps& d, const httplib::Request& req, httplib::Response& res);
void ListSnapshots(const Deps& d, const httplib::Request& req, httplib::Response& res);
void SaveSnapshot(const Deps& d, const httplib::Request& req, httplib::Response& res);
void RestoreSnapshot(const Deps& d, const httplib::Request& req, httplib::Response& res);
// Handlers in runs.cpp (what the dashboard reads).
void ListNamespaces(const Deps& d, const httplib::Request& req, httplib::Response& res);
void ListRunsOfNamespace(const Deps& d, const httplib::Request& req, httplib::Response& res);
void GetRunOfNamespace(const Deps& d, const httplib::Request& req, httplib::Response& res);
// Acting on runs from the dashboard (runs.cpp): the fixtures' agents, a new
// run of one, an answer to a run's pending interrupt.
void ListAgentsOfNamespace(const Deps& d, const httplib::Request& req, httplib::Response& res);
void StartRunInNamespace(const Deps& d, const httplib::Request& req, httplib::Response& res);
void ResumeRunInNamespace(const Deps& d, const httplib::Request& req, httplib::Response& res);
// Handler in stream.cpp: a namespace's changes as Server-Sent Events.
void StreamNamespaceChanges(const Deps& d, const httplib::Request& req, httplib::Response& res);
// Handler in dashboard.cpp: the page itself.
void Dashboard(const Deps& d, const httplib::Request& req, httplib::Response& res);
// Handlers in requests.cpp: the request journal and a run's interactions.
void ListRequests(const Deps& d, const httplib::Request& req, httplib::Response& res);
void ClearRequests(const Deps& d, const httplib::Request& req, httplib::Response& res);
void VerifyRequests(const Deps& d, const httplib::Request& req, httplib::Response& res);
void ListInteractions(const Deps& d, const httplib::Request& req, httplib::Response& res);
void VerifyInteractions(const Deps& d, const httplib::Request& req, httplib::Response& res);
// Handlers in openapi.cpp: the document generated from `table`.
void OpenApiJson(const Deps& d, const httplib::Request& req, httplib::Response& res);
void OpenApiYaml(const Deps& d, const httplib::Request& req, httplib::Response& res);
// Handlers in faults.cpp: fault injection rules.
void CreateFault(const Deps& d, const httplib::Request& req, httplib::Response& res);
void ListFaults(const Deps& d, const httplib::Request& req, httplib::Response& res);
void DeleteFault(const Deps& d, const httplib::Request& req, httplib::Response& res);
void DeleteFaults(const Deps& d, const httplib::Request& req, httplib::Response& res);
// Handler in webhooks.cpp.
void ListWebhookDeliveries(const Deps& d, const httplib::Request& req, httplib::Response& res);

}  // namespace sandbox::control
