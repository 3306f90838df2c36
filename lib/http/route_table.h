// A route table as data (issue 13): each dialect and the control API declare
// their routes here, once, with what a client may send them. The same entries
// register the handlers with cpp-httplib, name the route a request matched
// (the request journal, http/journal.h), check strict mode's unknown
// parameters, and generate the served OpenAPI document, so none of these can
// drift from what the server answers.
#pragma once

#include <httplib.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace sandbox::http {

struct RouteField {
  std::string name;
  std::string type = "string";  // a JSON Schema type: string | integer | number | boolean | object | array;
                                // empty: any JSON value
  std::string description;
  bool required = false;
};

struct Route {
  std::string method;  // GET, POST, PUT, DELETE
  // An OpenAPI path template: /v1/runs/{run_id}/resume. Each {param} matches
  // one path segment.
  std::string path;
  std::string summary;
  std::string tag;  // the API it belongs to: "Middesk", "Modus", "Sandbox"
  // Where the route acts on a run: which path parameter names it, and what a
  // client did by calling it (GET /_sandbox/runs/{id}/interactions), e.g.
  // "polled". Routes that create a run name the action with run_param empty
  // and note the new run themselves (NoteRun in http/request_notes.h).
  std::string run_param;
  std::string interaction;
  std::vector<RouteField> query;
  std::vector<RouteField> body;  // the top-level fields of a JSON object body
  // The body is not a JSON object with known fields (free-form), so strict
  // mode leaves it alone.
  bool open_body = false;
  // The response is a stream of Server-Sent Events.
  bool streams = false;
  // Kept in the request journal; false for the journal's own routes, so that
  // reading it does not change it.
  bool journaled = true;

  // The path parameters, in order: {run_id} -> "run_id".
  std::vector<std::string> PathParams() const;
};

using RouteHandler = std::function<void(const httplib::Request&, httplib::Response&)>;

// Called before a route's handler, with the route; a false return means it
// wrote the response itself (strict mode's refusals) and the handler is skipped.
using RouteGate = std::function<bool(const Route&, const httplib::Request&, httplib::Response&)>;

class RouteTable {
 public:
  explicit RouteTable(httplib::Server& server) : server_(server) {}
  RouteTable(const RouteTable&) = delete;
  RouteTable& operator=(const RouteTable&) = delete;

  // Registers `handler` for the route. Routes are matched in the order added.
  void Add(Route route, RouteHandler handler);
  // The gate every route's request passes before its handler (set before the
  // server listens).
  void SetGate(RouteGate gate) { gate_ = std::move(gate); }

  // Every route, in the order added; entries never move once added.
  const std::vector<std::unique_ptr<Route>>& routes() const { return routes_; }

 private:
  httplib::Server& server_;
  std::vector<std::unique_ptr<Route>> routes_;
  RouteGate gate_;
};

// The regular expression cpp-httplib matches a path template with:
// /v1/runs/{run_id} -> /v1/runs/([^/]+).
std::string PathPattern(const std::string& path_template);

}  // namespace sandbox::http
