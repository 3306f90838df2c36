// The sandbox's own control API under /_sandbox/ (DESIGN.md "control/"):
// everything a test or a demo needs to ask the sandbox about itself.
#pragma once

#include <httplib.h>

#include <string>

#include "control/fixtures.h"
#include "engine/namespaces.h"
#include "store/store.h"

namespace sandbox::control {

struct Deps {
  engine::Namespaces& spaces;
  std::string version;
  FixtureReloader& fixtures;
};

void RegisterRoutes(httplib::Server& server, const Deps& deps);

// The engine of the request's namespace (X-Sandbox-Namespace); nullptr
// after an error response was written.
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
// Handler in dashboard.cpp: the page itself.
void Dashboard(const Deps& d, const httplib::Request& req, httplib::Response& res);
// Handler in webhooks.cpp.
void ListWebhookDeliveries(const Deps& d, const httplib::Request& req, httplib::Response& res);

}  // namespace sandbox::control
