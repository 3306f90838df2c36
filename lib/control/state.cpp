// /_sandbox/reset and /_sandbox/snapshots (issue 5): start over, or save the
// whole state under a name and bring it back, without restarting.
//   POST /_sandbox/reset                      everything gone; stepped time back to its start
//   GET  /_sandbox/snapshots                  {"object":"list","data":[{"name"}...]}
//   POST /_sandbox/snapshots {"name": "n"}    201 {"name","saved_at"}
//   POST /_sandbox/snapshots/{name}/restore   200 {"name","now"}; 404 for an unknown name
#include <nlohmann/json.hpp>

#include "control/respond.h"
#include "control/routes.h"
#include "core/time_format.h"

namespace sandbox::control {


// With X-Sandbox-Namespace: that namespace only; without: every namespace.
void ResetState(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  if (req.has_header("X-Sandbox-Namespace")) {
    engine::Engine* engine = NamespaceOrRespond(d, req, res);
    if (!engine) return;
    Status st = engine->Reset();
    if (!st.ok()) return RespondStatus(res, st);
    return RespondJson(res, 200, OrderedJson{{"ok", true}, {"now", FormatInstant(engine->Now())}});
  }
  Status st;
  d.spaces.ForEach([&](const std::string&, engine::Engine& e) {
    if (st.ok()) st = e.Reset();
  });
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
  Json body = Json::parse(req.body.empty() ? "{}" : req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return RespondError(res, 400, "Request body must be a JSON object", "body");
  }
  if (!body.contains("name") || !body["name"].is_string()) {
    return RespondError(res, 400, "Parameter `name` is missing", "name");
  }
  std::string name = body["name"];
  Status st = d.spaces.SaveSnapshot(name);
  if (!st.ok()) return RespondStatus(res, st);
  RespondJson(res, 201, OrderedJson{{"name", name}, {"saved_at", FormatInstant(d.spaces.Default().Now())}});
}

void RestoreSnapshot(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  std::string name = req.matches[1];
  Status st = d.spaces.RestoreSnapshot(name);
  if (!st.ok()) return RespondStatus(res, st);
  RespondJson(res, 200, OrderedJson{{"name", name}, {"now", FormatInstant(d.spaces.Default().Now())}});
}

}  // namespace sandbox::control
