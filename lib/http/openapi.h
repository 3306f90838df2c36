// The OpenAPI 3.1 document of a route table (issue 13), generated from the
// same entries that register the handlers (http/route_table.h), so it names
// exactly the routes, path parameters, query parameters and top-level body
// fields the server answers and reads. Served by the control API
// (control/openapi.cpp) as JSON and as YAML.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "http/route_table.h"

namespace sandbox::http {

// What the document says about the routes of one Route::tag (an API).
struct OpenApiTag {
  std::string name;  // a Route::tag, e.g. "Middesk"
  std::string description;
  // Non-empty: the tag's routes need a bearer token, described so
  // (security scheme "<name>Bearer").
  std::string bearer_description;
  // The body of the tag's error answers (component schema "<name>Error").
  nlohmann::ordered_json error_schema;
};

struct OpenApiInfo {
  std::string title = "agent-sandbox";
  std::string version;
  // Strict mode (http/strict.h): request bodies refuse undeclared fields
  // (additionalProperties false) instead of allowing them.
  bool strict = false;
  std::vector<OpenApiTag> tags;  // in the document's order; routes of other tags get no tag entry
};

// The document: paths in the order their first route was added, each
// route's method beneath its path.
nlohmann::ordered_json OpenApiDocument(const std::vector<const Route*>& routes, const OpenApiInfo& info);
nlohmann::ordered_json OpenApiDocument(const RouteTable& table, const OpenApiInfo& info);

// "get_v1_runs_run_id_resume": the method and the path's words; a path that
// ends in "/" gets "_index", so /_sandbox/ and /_sandbox differ.
std::string OperationId(const Route& route);

// `doc` as YAML 1.2 in block style. Every string (keys included) is written
// double-quoted with JSON's escapes, which YAML's double-quoted scalars share,
// so no value can be read back as another type or break the layout.
std::string ToYaml(const nlohmann::ordered_json& doc);

}  // namespace sandbox::http
