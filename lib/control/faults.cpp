// The fault rules over HTTP (issue 13, docs/toolkit.md "Fault injection"):
// POST /_sandbox/faults declares a rule, GET lists them with how often each
// fired, DELETE removes one or all. A rule's JSON form, and how it matches
// and fires, are core/fault_rule.h; the registry is http/faults.h.
#include "control/respond.h"
#include "control/routes.h"
#include "http/body.h"
#include "http/faults.h"

namespace sandbox::control {

void CreateFault(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  auto body = http::ParseJsonObjectBody(req.body, d.limits);
  if (!body.ok()) return RespondStatus(res, body.status());
  auto rule = ParseFaultRule(body.value());
  if (!rule.ok()) return RespondStatus(res, rule.status());
  auto added = d.faults.Add(std::move(rule).value());
  if (!added) {
    // Appended, not `"..." + to_string`: GCC 12 warns on that (a false -Wstringop-overflow).
    std::string why = "There are already ";
    why += std::to_string(http::FaultRegistry::kMaxRules);
    why += " fault rules; DELETE /_sandbox/faults removes them";
    return RespondError(res, 409, why);
  }
  RespondJson(res, 201, FaultRuleJson(*added));
}

void ListFaults(const Deps& d, const httplib::Request&, httplib::Response& res) {
  OrderedJson data = OrderedJson::array();
  for (const auto& r : d.faults.List()) data.push_back(FaultRuleJson(r));
  RespondJson(res, 200, OrderedJson{{"data", data}});
}

void DeleteFault(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  std::string id = req.matches[1];
  if (!d.faults.Remove(id)) return RespondError(res, 404, "No fault rule `" + id + "`", "fault_id");
  RespondJson(res, 200, OrderedJson{{"deleted", OrderedJson::array({id})}});
}

void DeleteFaults(const Deps& d, const httplib::Request&, httplib::Response& res) {
  size_t n = d.faults.Clear();
  RespondJson(res, 200, OrderedJson{{"deleted_count", n}});
}

}  // namespace sandbox::control
