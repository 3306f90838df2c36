// OpenApiDocument and ToYaml; see openapi.h.
#include "http/openapi.h"

#include <cctype>

#include "http/admin_gate.h"

namespace sandbox::http {
namespace {

using OrderedJson = nlohmann::ordered_json;

OrderedJson SchemaOfType(const std::string& type) {
  return type.empty() ? OrderedJson::object() : OrderedJson{{"type", type}};
}

OrderedJson Parameter(const std::string& in, const RouteField& f) {
  OrderedJson p = {{"name", f.name}, {"in", in}};
  if (!f.description.empty()) p["description"] = f.description;
  if (f.required) p["required"] = true;
  p["schema"] = SchemaOfType(f.type);
  return p;
}

OrderedJson RequestBody(const Route& r, bool strict) {
  OrderedJson schema = {{"type", "object"}};
  bool required = false;
  if (!r.open_body) {
    OrderedJson properties = OrderedJson::object();
    OrderedJson names = OrderedJson::array();
    for (const auto& f : r.body) {
      OrderedJson s = SchemaOfType(f.type);
      if (!f.description.empty()) s["description"] = f.description;
      properties[f.name] = std::move(s);
      if (f.required) names.push_back(f.name);
    }
    required = !names.empty();
    schema["properties"] = std::move(properties);
    if (required) schema["required"] = std::move(names);
    schema["additionalProperties"] = !strict;
  }
  OrderedJson body = {{"content", {{"application/json", {{"schema", std::move(schema)}}}}}};
  if (required) body["required"] = true;
  return body;
}

const OpenApiTag* TagOf(const OpenApiInfo& info, const std::string& name) {
  for (const auto& t : info.tags) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

OrderedJson Operation(const Route& r, const OpenApiInfo& info) {
  OrderedJson op = OrderedJson::object();
  const OpenApiTag* tag = TagOf(info, r.tag);
  if (tag) op["tags"] = OrderedJson::array({r.tag});
  op["operationId"] = OperationId(r);
  if (!r.summary.empty()) op["summary"] = r.summary;
  OrderedJson params = OrderedJson::array();
  for (const auto& name : r.PathParams()) {
    params.push_back({{"name", name}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}});
  }
  for (const auto& f : r.query) params.push_back(Parameter("query", f));
  if (!params.empty()) op["parameters"] = std::move(params);
  if (r.open_body || !r.body.empty()) op["requestBody"] = RequestBody(r, info.strict);
  OrderedJson ok = {{"description", r.streams ? "A stream of Server-Sent Events" : "Success"}};
  if (r.streams) ok["content"] = {{"text/event-stream", {{"schema", {{"type", "string"}}}}}};
  OrderedJson responses = {{"2XX", std::move(ok)}};
  if (tag && !tag->error_schema.is_null()) {
    responses["default"] = {
        {"description", "An error"},
        {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/" + r.tag + "Error"}}}}}}}};
  }
  op["responses"] = std::move(responses);
  // A bearer token where the tag needs one; the control API's paths take the
  // admin token when the server has one (--admin-token), so it is optional.
  if (tag && !tag->bearer_description.empty()) {
    op["security"] = OrderedJson::array({{{r.tag + "Bearer", OrderedJson::array()}}});
  } else if (IsAdminPath(r.path)) {
    op["security"] = OrderedJson::array({OrderedJson::object(), {{"SandboxAdminToken", OrderedJson::array()}}});
  }
  return op;
}

void AppendQuoted(const std::string& s, std::string& out) {
  out += OrderedJson(s).dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
}

bool IsNonEmptyContainer(const OrderedJson& v) { return (v.is_object() || v.is_array()) && !v.empty(); }

void AppendScalar(const OrderedJson& v, std::string& out) {
  if (v.is_string()) return AppendQuoted(v.get_ref<const std::string&>(), out);
  out += v.dump(-1, ' ', false, OrderedJson::error_handler_t::replace);  // numbers, booleans, null, {} and []
}

// A non-empty object or array at `indent` spaces, one entry per line.
void AppendBlock(const OrderedJson& v, size_t indent, std::string& out) {
  const std::string pad(indent, ' ');
  auto value = [&](const OrderedJson& item) {
    if (IsNonEmptyContainer(item)) {
      out += '\n';
      AppendBlock(item, indent + 2, out);
    } else {
      out += ' ';
      AppendScalar(item, out);
      out += '\n';
    }
  };
  if (v.is_object()) {
    for (auto it = v.begin(); it != v.end(); ++it) {
      out += pad;
      AppendQuoted(it.key(), out);
      out += ':';
      value(it.value());
    }
  } else {
    for (const auto& item : v) {
      out += pad;
      out += '-';
      value(item);
    }
  }
}

}  // namespace

std::string OperationId(const Route& route) {
  std::string id;
  for (char c : route.method) id += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  bool gap = true;
  for (char c : route.path) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      if (gap) id += '_';
      id += c;
      gap = false;
    } else {
      gap = true;
    }
  }
  if (route.path.size() > 1 && route.path.back() == '/') id += "_index";
  return id;
}

OrderedJson OpenApiDocument(const std::vector<const Route*>& routes, const OpenApiInfo& info) {
  OrderedJson doc = {{"openapi", "3.1.0"}, {"info", {{"title", info.title}, {"version", info.version}}}};
  OrderedJson tags = OrderedJson::array();
  OrderedJson schemas = OrderedJson::object();
  OrderedJson security = OrderedJson::object();
  bool admin = false;
  for (const Route* r : routes) admin = admin || IsAdminPath(r->path);
  for (const auto& t : info.tags) {
    bool used = false;
    for (const Route* r : routes) used = used || r->tag == t.name;
    if (!used) continue;
    tags.push_back({{"name", t.name}, {"description", t.description}});
    if (!t.error_schema.is_null()) schemas[t.name + "Error"] = t.error_schema;
    if (!t.bearer_description.empty()) {
      security[t.name + "Bearer"] = {{"type", "http"}, {"scheme", "bearer"}, {"description", t.bearer_description}};
    }
  }
  if (admin) {
    security["SandboxAdminToken"] = {
        {"type", "apiKey"},
        {"in", "header"},
        {"name", kAdminTokenHeader},
        {"description", "Needed under /_sandbox/ when the server runs with --admin-token"}};
  }
  if (!tags.empty()) doc["tags"] = std::move(tags);
  OrderedJson paths = OrderedJson::object();
  for (const Route* r : routes) {
    std::string method;
    for (char c : r->method) method += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    paths[r->path][method] = Operation(*r, info);
  }
  doc["paths"] = std::move(paths);
  OrderedJson components = OrderedJson::object();
  if (!schemas.empty()) components["schemas"] = std::move(schemas);
  if (!security.empty()) components["securitySchemes"] = std::move(security);
  if (!components.empty()) doc["components"] = std::move(components);
  return doc;
}

OrderedJson OpenApiDocument(const RouteTable& table, const OpenApiInfo& info) {
  std::vector<const Route*> routes;
  routes.reserve(table.routes().size());
  for (const auto& r : table.routes()) routes.push_back(r.get());
  return OpenApiDocument(routes, info);
}

std::string ToYaml(const OrderedJson& doc) {
  std::string out;
  if (IsNonEmptyContainer(doc)) {
    AppendBlock(doc, 0, out);
  } else {
    AppendScalar(doc, out);
    out += '\n';
  }
  return out;
}

}  // namespace sandbox::http
