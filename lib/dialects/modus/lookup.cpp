// Run lookup for the Modus dialect; see lookup.h.
#include "dialects/modus/lookup.h"

#include "http/request_notes.h"

#include "dialects/modus/errors.h"
#include "dialects/modus/render.h"
#include "core/decimal.h"
#include "dialects/run_faults.h"

namespace sandbox::modus {

std::optional<NumberedRun> RunOrRespond(engine::Engine& engine, const script::Agent& agent,
                                        const std::string& workflow_id,
                                        const std::optional<std::string>& temporal_run_id, const httplib::Request& req,
                                        httplib::Response& res) {
  auto not_found = [&res] {
    RespondError(res, Status::NotFound("run not found", "runId"));
    return std::nullopt;
  };
  const std::string prefix = "wf_" + std::to_string(agent.modus->id) + "_run_";
  if (workflow_id.compare(0, prefix.size(), prefix) != 0) return not_found();
  std::string digits = workflow_id.substr(prefix.size());
  // No leading zero: wf_202_run_01 is not run 1.
  auto number = digits.empty() || digits[0] == '0' ? std::nullopt : ParseDecimalInt(digits, 999'999'999'999);
  if (!number) return not_found();
  const int64_t n = *number;
  auto executions = engine.store().WorkflowExecutions(agent.type, n);
  if (!executions.ok()) {
    RespondError(res, executions.status());
    return std::nullopt;
  }
  if (executions->empty()) return not_found();
  std::string id;  // the chosen execution: first attempt first, so the last match is the latest
  for (const auto& e : executions.value()) {
    if (!temporal_run_id || *temporal_run_id == e.run.id) id = e.run.id;
  }
  if (id.empty()) {
    RespondError(res, Status::NotFound("run not found", "temporalRunId"));
    return std::nullopt;
  }
  // The journal records the execution, not the workflow id in the path: a
  // run's interactions (docs/toolkit.md) then include its polls, approvals
  // and cancels by workflow.
  http::NoteRun(id);
  if (!dialects::RunFaultOrContinue(engine, id, req, res)) return std::nullopt;
  auto full = engine.store().GetRun(id, /*with_steps=*/true);
  if (!full.ok()) {
    RespondError(res, full.status());
    return std::nullopt;
  }
  if (!full.value()) return not_found();
  return NumberedRun{std::move(*full.value()), n};
}

void RespondWithRun(engine::Engine& engine, const script::Agent& agent, const std::string& run_id, int64_t n,
                    int http_status, httplib::Response& res) {
  auto full = engine.store().GetRun(run_id, /*with_steps=*/true);
  if (!full.ok()) return RespondError(res, full.status());
  if (!full.value()) return RespondError(res, Status::NotFound("run not found", "runId"));
  RespondJson(res, http_status, RenderRun(agent, *full.value(), n, /*detail=*/true));
}

}  // namespace sandbox::modus
