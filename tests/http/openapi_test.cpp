// The OpenAPI generator (issue 13, http/openapi.h): the exact document of a
// small table, strict mode's additionalProperties, operation ids, and YAML.
#include "http/openapi.h"

#include <catch2/catch.hpp>

namespace sandbox::http::http_openapi_test {
namespace {

using OrderedJson = nlohmann::ordered_json;

std::vector<Route> SmallTable() {
  Route get;
  get.method = "GET";
  get.path = "/v1/things/{thing_id}";
  get.summary = "Get a thing";
  get.tag = "Things";
  get.query = {{"include", "string", "steps", false}};
  Route stream = get;
  stream.path = "/v1/things/{thing_id}/stream";
  stream.summary = "";
  stream.query.clear();
  stream.streams = true;
  Route post;
  post.method = "POST";
  post.path = "/_sandbox/things";
  post.tag = "Sandbox";
  post.body = {{"name", "string", "", true}, {"input", "", "any JSON", false}};
  return {get, stream, post};
}

OpenApiInfo SmallInfo(bool strict) {
  OpenApiInfo info;
  info.version = "1.2.3";
  info.strict = strict;
  info.tags = {{"Things", "The things API", "A key", OrderedJson{{"type", "object"}}},
               {"Sandbox", "Control", "", nullptr}};
  return info;
}

OrderedJson Generate(bool strict) {
  auto table = SmallTable();
  std::vector<const Route*> routes;
  for (const auto& r : table) routes.push_back(&r);
  return OpenApiDocument(routes, SmallInfo(strict));
}

TEST_CASE("openapi: the document of a small table, exactly", "[http]") {
  const std::string want = R"({
"openapi":"3.1.0",
"info":{"title":"agent-sandbox","version":"1.2.3"},
"tags":[{"name":"Things","description":"The things API"},{"name":"Sandbox","description":"Control"}],
"paths":{
"/v1/things/{thing_id}":{"get":{"tags":["Things"],"operationId":"get_v1_things_thing_id","summary":"Get a thing",
"parameters":[{"name":"thing_id","in":"path","required":true,"schema":{"type":"string"}},
{"name":"include","in":"query","description":"steps","schema":{"type":"string"}}],
"responses":{"2XX":{"description":"Success"},
"default":{"description":"An error","content":{"application/json":{"schema":{"$ref":"#/components/schemas/ThingsError"}}}}},
"security":[{"ThingsBearer":[]}]}},
"/v1/things/{thing_id}/stream":{"get":{"tags":["Things"],"operationId":"get_v1_things_thing_id_stream",
"parameters":[{"name":"thing_id","in":"path","required":true,"schema":{"type":"string"}}],
"responses":{"2XX":{"description":"A stream of Server-Sent Events","content":{"text/event-stream":{"schema":{"type":"string"}}}},
"default":{"description":"An error","content":{"application/json":{"schema":{"$ref":"#/components/schemas/ThingsError"}}}}},
"security":[{"ThingsBearer":[]}]}},
"/_sandbox/things":{"post":{"tags":["Sandbox"],"operationId":"post_sandbox_things",
"requestBody":{"content":{"application/json":{"schema":{"type":"object",
"properties":{"name":{"type":"string"},"input":{"description":"any JSON"}},"required":["name"],
"additionalProperties":true}}},"required":true},
"responses":{"2XX":{"description":"Success"}},
"security":[{},{"SandboxAdminToken":[]}]}}},
"components":{"schemas":{"ThingsError":{"type":"object"}},
"securitySchemes":{"ThingsBearer":{"type":"http","scheme":"bearer","description":"A key"},
"SandboxAdminToken":{"type":"apiKey","in":"header","name":"X-Sandbox-Admin-Token",
"description":"Needed under /_sandbox/ when the server runs with --admin-token"}}}
})";
  std::string compact;
  for (char c : want) {
    if (c != '\n') compact += c;
  }
  CHECK(Generate(false).dump() == compact);
}

TEST_CASE("openapi: strict mode documents bodies without additional properties", "[http]") {
  auto schema = Generate(true)["paths"]["/_sandbox/things"]["post"]["requestBody"]["content"]["application/json"]
                                ["schema"];
  CHECK(schema["additionalProperties"] == false);
}

TEST_CASE("openapi: operation ids tell /_sandbox/ from /_sandbox", "[http]") {
  Route a;
  a.method = "GET";
  a.path = "/_sandbox/";
  Route b = a;
  b.path = "/_sandbox";
  Route c = a;
  c.method = "POST";
  c.path = "/_sandbox/snapshots/{snapshot_id}/restore";
  CHECK(OperationId(a) == "get_sandbox_index");
  CHECK(OperationId(b) == "get_sandbox");
  CHECK(OperationId(c) == "post_sandbox_snapshots_snapshot_id_restore");
}

TEST_CASE("openapi: YAML quotes every string and nests in blocks", "[http]") {
  OrderedJson doc = {{"a", "x: \"y\"\n#z"},
                     {"list", {1, true, nullptr, OrderedJson::object(), OrderedJson::array(), {{"k", "v"}}}},
                     {"empty", OrderedJson::object()},
                     {"nested", {{"inner", {"s"}}}}};
  CHECK(ToYaml(doc) ==
        "\"a\": \"x: \\\"y\\\"\\n#z\"\n"
        "\"list\":\n"
        "  - 1\n"
        "  - true\n"
        "  - null\n"
        "  - {}\n"
        "  - []\n"
        "  -\n"
        "    \"k\": \"v\"\n"
        "\"empty\": {}\n"
        "\"nested\":\n"
        "  \"inner\":\n"
        "    - \"s\"\n");
}

}  // namespace
}  // namespace sandbox::http::http_openapi_test
