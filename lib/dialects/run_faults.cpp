// RunFaultOrContinue; see run_faults.h.
#include "dialects/run_faults.h"

#include "http/faults.h"

namespace sandbox::dialects {

bool RunFaultOrContinue(engine::Engine& engine, const std::string& run_id, const httplib::Request& req,
                        httplib::Response& res) {
  if (!engine.AnyScenarioFaults(FaultPhase::kRequest) || run_id.empty()) return true;
  return http::ApplyRequestFaultToThisRequest(
      [&](const FaultRequest& r) { return engine.ScenarioFault(run_id, r, FaultPhase::kRequest); }, req, res);
}

}  // namespace sandbox::dialects
