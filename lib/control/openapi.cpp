// GET /openapi.json, /openapi.yaml and /_sandbox/openapi.json: the OpenAPI
// document of every route this server answers (http/openapi.h), generated
// per request from the route table, so it always matches what is served.
// Under strict mode (the --strict flag, or X-Sandbox-Strict on this request)
// request bodies are documented without additional properties, as they are
// then checked.
#include "control/respond.h"
#include "control/routes.h"
#include "http/openapi.h"
#include "http/strict.h"

namespace sandbox::control {
namespace {

// The Middesk error body, which the control API shares (respond.h).
OrderedJson ErrorsSchema() {
  return {{"type", "object"},
          {"required", {"errors"}},
          {"properties",
           {{"errors",
             {{"type", "array"},
              {"items",
               {{"type", "object"},
                {"required", {"message"}},
                {"properties", {{"message", {{"type", "string"}}}, {"parameter", {{"type", "string"}}}}}}}}}}}};
}

// The Modus error body (dialects/modus/errors.cpp).
OrderedJson ModusErrorSchema() {
  return {{"type", "object"},
          {"required", {"error"}},
          {"properties",
           {{"error",
             {{"type", "object"},
              {"required", {"code", "message"}},
              {"properties",
               {{"code", {{"type", "string"}}}, {"message", {{"type", "string"}}}, {"field", {{"type", "string"}}}}}}}}}};
}

// The document, or false after a 400 for a bad X-Sandbox-Strict.
bool DocumentOrRespond(const Deps& d, const httplib::Request& req, httplib::Response& res, OrderedJson& doc) {
  auto strict = http::StrictFor(req, d.strict);
  if (!strict.ok()) {
    RespondStatus(res, strict.status());
    return false;
  }
  http::OpenApiInfo info;
  info.version = d.version;
  info.strict = strict.value();
  info.tags = {
      {"Middesk", "The Middesk agents API (/v1/)",
       "A Middesk API key (HTTP Basic with the key as user name also works)", ErrorsSchema()},
      {"Modus", "The Modus agents API (/api/v1/, /agent/, and sandbox extensions under /_sandbox/modus/)",
       "A Modus API token", ModusErrorSchema()},
      {"Sandbox", "The sandbox's own control API (/_sandbox/) and this document", "", ErrorsSchema()},
  };
  doc = http::OpenApiDocument(d.table, info);
  return true;
}

}  // namespace

void OpenApiJson(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  OrderedJson doc;
  if (!DocumentOrRespond(d, req, res, doc)) return;
  RespondJson(res, 200, doc);
}

void OpenApiYaml(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  OrderedJson doc;
  if (!DocumentOrRespond(d, req, res, doc)) return;
  res.status = 200;
  res.set_content(http::ToYaml(doc), "application/yaml");
}

}  // namespace sandbox::control
