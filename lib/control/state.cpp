// /_sandbox/reset and /_sandbox/snapshots (issue 5): start over, or save the
// whole state under a name and bring it back, without restarting.
//   POST /_sandbox/reset                      everything gone; stepped time back to its start
//                                             (the caller's namespace only, given credentials)
//   GET  /_sandbox/snapshots                  {"object":"list","data":[{"name"}...]}
//   POST /_sandbox/snapshots {"name": "n"}    201 {"name","saved_at"} (the addressed namespace's clock)
//   POST /_sandbox/snapshots/{name}/restore   200 {"name","now"}; 404 for an unknown name
// They are safe under load (issue 10): engine::Namespaces quiesces every
// writer around them, so calls that arrive meanwhile wait and then run
// against the new state (docs/control.md, "Snapshots and reset under load").
#include <nlohmann/json.hpp>

#include "control/respond.h"
#include "control/routes.h"
#include "core/time_format.h"
#include "http/body.h"
#include "http/sandbox_headers.h"

namespace sandbox::control {

namespace {

// Whether a request names one namespace: by the credentials it carries (the
// caller's own), or by X-Sandbox-Namespace.
bool AddressesOneNamespace(const Deps& d, const httplib::Request& req) {
  return req.has_header(http::kNamespaceHeader) || (d.tenant_of && d.tenant_of(req));
}

// The clock a whole-sandbox call reports: the addressed namespace's, else the
// default namespace's. nullptr after an error response was written.
engine::Engine* ReportingEngineOrRespond(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  if (AddressesOneNamespace(d, req)) return NamespaceOrRespond(d, req, res);
  return &d.spaces.Default();
}

}  // namespace

// With credentials or X-Sandbox-Namespace: that namespace only, so that one
// CI job resetting its account never empties another's. With neither: every
// namespace.
void ResetState(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  if (AddressesOneNamespace(d, req)) {
    engine::Engine* engine = NamespaceOrRespond(d, req, res);
    if (!engine) return;
    Status st = engine->Reset();
    if (!st.ok()) return RespondStatus(res, st);
    return RespondJson(res, 200, OrderedJson{{"ok", true}, {"now", FormatInstant(engine->Now())}});
  }
  Status st = d.spaces.ResetAll();
  if (!st.ok()) return RespondStatus(res, st);
  RespondJson(res, 200, OrderedJson{{"ok", true}, {"now", FormatInstant(d.spaces.Default().Now())}});
}

void ListSnapshots(const Deps& d, const httplib::Request&, httplib::Response& res) {
  auto names = d.spaces.Snapshots();
  if (!names.ok()) return RespondStatus(res, names.status());
  OrderedJson data = OrderedJson::array();
  for (const auto& n : names.value()) data.push_back({{"name", n}});
  RespondJson(res, 200, OrderedJson{{"object", "list"}, {"data", data}});
}

void SaveSnapshot(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  auto parsed = http::ParseJsonObjectBody(req.body, d.limits);
  if (!parsed.ok()) return RespondStatus(res, parsed.status());
  const OrderedJson& body = parsed.value();
  if (!body.contains("name") || !body["name"].is_string()) {
    return RespondError(res, 400, "Parameter `name` is missing", "name");
  }
  std::string name = body["name"];
  engine::Engine* reporting = ReportingEngineOrRespond(d, req, res);
  if (!reporting) return;
  Status st = d.spaces.SaveSnapshot(name);
  if (!st.ok()) return RespondStatus(res, st);
  RespondJson(res, 201, OrderedJson{{"name", name}, {"saved_at", FormatInstant(reporting->Now())}});
}

void RestoreSnapshot(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  std::string name = req.matches[1];
  engine::Engine* reporting = ReportingEngineOrRespond(d, req, res);
  if (!reporting) return;
  Status st = d.spaces.RestoreSnapshot(name);
  if (!st.ok()) return RespondStatus(res, st);
  RespondJson(res, 200, OrderedJson{{"name", name}, {"now", FormatInstant(reporting->Now())}});
}

}  // namespace sandbox::control
