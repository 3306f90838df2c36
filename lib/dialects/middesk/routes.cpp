// The route table of the Middesk dialect. Paths and methods as in
// ../shared/spec/openapi/middesk-*.yml; the fields each route reads are
// declared beside it (http/route_table.h), for strict mode and the served
// OpenAPI document.
#include "dialects/middesk/routes.h"

#include "dialects/middesk/errors.h"
#include "dialects/middesk/handlers.h"
#include "http/route_fields.h"

namespace sandbox::middesk {
namespace {

using http::OptionalField;
using http::RequiredField;
using Fields = std::vector<http::RouteField>;

// ?page=&per_page= (http/pagination.h).
Fields PageQuery() {
  return {OptionalField("page", "integer", "1-based page number"),
          OptionalField("per_page", "integer", "Items per page, 1 to 100 (default 100)")};
}

// ?include=steps (IncludesOrRespond in request.cpp).
Fields IncludeStepsQuery() { return {OptionalField("include", "string", "`steps` to include the steps")}; }

// The context of a thread or run (ContextOrRespond in threads.cpp).
Fields ContextFields() {
  return {OptionalField("business_id", "string", "The business (a UUID); same as context_type business"),
          OptionalField("context_type", "string", "The context's type, with context_id"),
          OptionalField("context_id", "string", "The context's id (a UUID), with context_type")};
}

// Both required on list and retrieve (ObjectQueryOrRespond in actions.cpp).
Fields ObjectQuery() {
  return {RequiredField("object_type", "string", "businesses or watchlist_result"),
          RequiredField("object_id", "string", "The object's id (a UUID)")};
}

// A webhook endpoint's settings (webhooks.cpp); POST requires url and enabled_events.
Fields WebhookFields(bool create) {
  Fields f = {create ? RequiredField("url", "string", "Where deliveries go (https, or http to loopback)")
                     : OptionalField("url", "string", "Where deliveries go (https, or http to loopback)"),
              create ? RequiredField("enabled_events", "array", "The event types delivered")
                     : OptionalField("enabled_events", "array", "The event types delivered"),
              OptionalField("secret", "string", "The signing secret"),
              OptionalField("include", "string", "`*`, or a comma-separated list of associations")};
  if (!create) f.push_back(OptionalField("disabled_at", "string", "An ISO 8601 time to disable at, or null"));
  for (const char* key : {"oidc_auth_method", "oidc_client_id", "oidc_client_secret", "oidc_token_endpoint",
                          "oidc_resource_uri", "oidc_scope"}) {
    f.push_back(OptionalField(key, "string", "OIDC setting"));
  }
  f.push_back(OptionalField("oidc_access_token_ttl_seconds", "integer", "OIDC setting"));
  return f;
}

}  // namespace

void RegisterRoutes(http::RouteTable& t, const Deps& d) {
  using Handler = void (*)(const Deps&, const httplib::Request&, httplib::Response&);
  auto add = [&t, &d](http::Route r, Handler h) {
    r.tag = "Middesk";
    t.Add(std::move(r), [&d, h](const httplib::Request& req, httplib::Response& res) { h(d, req, res); });
  };
  add({.method = "GET", .path = "/v1/agents", .summary = "List agents"}, ListAgents);
  add({.method = "GET", .path = "/v1/agents/{agent_id}", .summary = "Get an agent"}, GetAgent);
  {
    Fields query = PageQuery();
    query.push_back(OptionalField("business_id", "string", "Only this business's threads (a UUID)"));
    add({.method = "GET", .path = "/v1/threads", .summary = "List threads", .query = query}, ListThreads);
  }
  {
    Fields body = {RequiredField("type", "string", "The agent type")};
    for (auto& f : ContextFields()) body.push_back(f);
    add({.method = "POST",
         .path = "/v1/threads",
         .summary = "Create a thread",
         .interaction = "created",
         .body = body},
        CreateThread);
  }
  add({.method = "GET", .path = "/v1/threads/{thread_id}", .summary = "Get a thread", .query = IncludeStepsQuery()},
      GetThread);
  add({.method = "GET", .path = "/v1/runs", .summary = "List runs", .query = PageQuery()}, ListRuns);
  {
    // The whole body is also the run's `request`, which fixture templates
    // read ({{request.<field>}}); strict mode holds it to these fields.
    Fields body = {RequiredField("type", "string", "The agent type"),
                   OptionalField("thread_id", "string", "An existing thread to run in (a UUID)"),
                   OptionalField("input", http::kAnyJson,
                              "Any JSON: a prompt (older contract versions), or data that scenario templates "
                              "and match rules read ({{request.input.note}})")};
    for (auto& f : ContextFields()) body.push_back(f);
    add({.method = "POST", .path = "/v1/runs", .summary = "Create a run", .interaction = "created", .body = body},
        CreateRun);
  }
  add({.method = "GET",
       .path = "/v1/runs/{run_id}",
       .summary = "Get a run",
       .run_param = "run_id",
       .interaction = "polled",
       .query = IncludeStepsQuery()},
      GetRun);
  add({.method = "POST",
       .path = "/v1/runs/{run_id}/resume",
       .summary = "Resume an interrupted run",
       .run_param = "run_id",
       .interaction = "resumed",
       .query = IncludeStepsQuery(),
       .body = {OptionalField("interrupt_id", "string", "The interrupt answered (required, or its alias id)"),
                OptionalField("id", "string", "Alias of interrupt_id"),
                OptionalField("input", http::kAnyJson, "The answer, as the interrupt asks for it")}},
      ResumeRun);
  add({.method = "POST",
       .path = "/v1/runs/{run_id}/feedback",
       .summary = "Rate a run's artifact",
       .run_param = "run_id",
       .interaction = "rated",
       .body = {RequiredField("rating", "string", "POSITIVE or NEGATIVE"),
                RequiredField("artifact_id", "string", "The artifact rated (a UUID)"),
                OptionalField("comment", "string", "At most 5000 characters, or null")}},
      SubmitFeedback);
  add({.method = "GET",
       .path = "/v1/runs/{run_id}/stream",
       .summary = "Stream a run's AG-UI events",
       .run_param = "run_id",
       .interaction = "streamed",
       .query = {OptionalField("last_event_id", "string", "Resume after this frame (as Last-Event-ID)"),
                 OptionalField("through_interrupts", "boolean",
                               "Sandbox extension: keep the stream open while the run waits for an answer, "
                               "and follow it through the resume (default false: end with RUN_FINISHED)")},
       .streams = true},
      StreamRun);
  add({.method = "GET", .path = "/v1/actions", .summary = "List actions", .query = ObjectQuery()}, ListActions);
  add({.method = "POST",
       .path = "/v1/actions",
       .summary = "Take an action on an object",
       .body = {RequiredField("object_type", "string", "businesses or watchlist_result"),
                RequiredField("object_id", "string", "The object's id (a UUID)"),
                RequiredField("type", "string", "add_sources, add_attributes, verify_tin, decision or dismissal"),
                OptionalField("note", "string", "A note"),
                OptionalField("thread_id", "string", "The thread it belongs to (a UUID)"),
                OptionalField("run_id", "string", "The run it belongs to (a UUID)"),
                RequiredField("payload", "object", "The action's content, by type")}},
      CreateAction);
  add({.method = "GET", .path = "/v1/actions/{action_id}", .summary = "Get an action", .query = ObjectQuery()},
      GetAction);
  {
    // `account` is in the vendor's contract; the key already names the account.
    Fields query = PageQuery();
    query.push_back(OptionalField("account", "string", "Accepted and ignored: the API key names the account"));
    add({.method = "GET", .path = "/v1/webhooks", .summary = "List webhook endpoints", .query = query},
        ListWebhooks);
  }
  add({.method = "POST", .path = "/v1/webhooks", .summary = "Create a webhook endpoint", .body = WebhookFields(true)},
      CreateWebhook);
  // Before /{webhook_id}: the first match wins.
  add({.method = "GET", .path = "/v1/webhooks/oidc_keys", .summary = "Get the webhook signing keys"}, GetOidcKeys);
  add({.method = "GET", .path = "/v1/webhooks/{webhook_id}", .summary = "Get a webhook endpoint"}, GetWebhook);
  add({.method = "PUT",
       .path = "/v1/webhooks/{webhook_id}",
       .summary = "Update a webhook endpoint",
       .body = WebhookFields(false)},
      UpdateWebhook);
  add({.method = "DELETE", .path = "/v1/webhooks/{webhook_id}", .summary = "Delete a webhook endpoint"},
      DeleteWebhook);
}

}  // namespace sandbox::middesk
