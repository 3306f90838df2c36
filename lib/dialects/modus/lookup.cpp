// Run lookup for the Modus dialect; see lookup.h.
#include "dialects/modus/lookup.h"

#include <map>

#include "dialects/modus/errors.h"
#include "dialects/modus/render.h"

namespace sandbox::modus {

std::optional<NumberedRun> RunOrRespond(engine::Engine& engine, const script::Agent& agent,
                                        const std::string& workflow_id,
                                        const std::optional<std::string>& temporal_run_id, httplib::Response& res) {
  auto not_found = [&res] {
    RespondError(res, Status::NotFound("run not found", "runId"));
    return std::nullopt;
  };
  const std::string prefix = "wf_" + std::to_string(agent.modus->id) + "_run_";
  if (workflow_id.compare(0, prefix.size(), prefix) != 0) return not_found();
  std::string digits = workflow_id.substr(prefix.size());
  if (digits.empty() || digits.size() > 12 || digits[0] == '0' ||
      digits.find_first_not_of("0123456789") != std::string::npos) {
    return not_found();
  }
  int64_t n = std::stoll(digits);
  auto runs = engine.store().RunsOfAgent(agent.type, /*with_steps=*/false);
  if (!runs.ok()) {
    RespondError(res, runs.status());
    return std::nullopt;
  }
  std::vector<int64_t> numbers = WorkflowNumbers(runs.value());
  std::string id;  // the chosen execution; oldest first, so the last match is the latest
  bool any = false;
  for (size_t i = 0; i < numbers.size(); ++i) {
    if (numbers[i] != n) continue;
    any = true;
    const std::string& candidate = runs.value()[i].run.id;
    if (!temporal_run_id || *temporal_run_id == candidate) id = candidate;
  }
  if (!any) return not_found();
  if (id.empty()) {
    RespondError(res, Status::NotFound("run not found", "temporalRunId"));
    return std::nullopt;
  }
  auto full = engine.store().GetRun(id, /*with_steps=*/true);
  if (!full.ok()) {
    RespondError(res, full.status());
    return std::nullopt;
  }
  if (!full.value()) return not_found();
  return NumberedRun{std::move(*full.value()), n};
}

std::vector<int64_t> WorkflowNumbers(const std::vector<RunState>& runs) {
  std::map<std::string, int64_t> by_first;  // first execution id -> n
  std::vector<int64_t> numbers;
  numbers.reserve(runs.size());
  for (const auto& s : runs) {
    const Run& r = s.run;
    if (r.first_attempt.empty()) {
      int64_t n = static_cast<int64_t>(by_first.size()) + 1;
      by_first[r.id] = n;
      numbers.push_back(n);
    } else {
      auto it = by_first.find(r.first_attempt);
      numbers.push_back(it == by_first.end() ? 0 : it->second);  // 0: its first execution is not the agent's
    }
  }
  return numbers;
}

void RespondWithRun(engine::Engine& engine, const script::Agent& agent, const std::string& run_id, int64_t n,
                    int http_status, httplib::Response& res) {
  auto full = engine.store().GetRun(run_id, /*with_steps=*/true);
  if (!full.ok()) return RespondError(res, full.status());
  if (!full.value()) return RespondError(res, Status::NotFound("run not found", "runId"));
  RespondJson(res, http_status, RenderRun(agent, *full.value(), n, /*detail=*/true));
}

}  // namespace sandbox::modus
