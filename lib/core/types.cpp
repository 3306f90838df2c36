// Names of the status enums and the thread-status rule.
#include "core/types.h"

namespace sandbox {

const char* RunStatusName(RunStatus s) {
  switch (s) {
    case RunStatus::kRunning:
      return "running";
    case RunStatus::kInterrupted:
      return "interrupted";
    case RunStatus::kCompleted:
      return "completed";
    case RunStatus::kError:
      return "error";
    case RunStatus::kCancelled:
      return "cancelled";
  }
  return "running";
}

std::optional<RunStatus> ParseRunStatus(const std::string& s) {
  if (s == "running") return RunStatus::kRunning;
  if (s == "interrupted") return RunStatus::kInterrupted;
  if (s == "completed") return RunStatus::kCompleted;
  if (s == "error") return RunStatus::kError;
  if (s == "cancelled") return RunStatus::kCancelled;
  return std::nullopt;
}

const char* StepStatusName(StepStatus s) {
  switch (s) {
    case StepStatus::kRunning:
      return "running";
    case StepStatus::kCompleted:
      return "completed";
    case StepStatus::kError:
      return "error";
  }
  return "running";
}

std::optional<StepStatus> ParseStepStatus(const std::string& s) {
  if (s == "running") return StepStatus::kRunning;
  if (s == "completed") return StepStatus::kCompleted;
  if (s == "error") return StepStatus::kError;
  return std::nullopt;
}

const char* ThreadStatusName(ThreadStatus s) {
  switch (s) {
    case ThreadStatus::kRunning:
      return "running";
    case ThreadStatus::kInterrupted:
      return "interrupted";
    case ThreadStatus::kCompleted:
      return "completed";
    case ThreadStatus::kError:
      return "error";
  }
  return "running";
}

std::optional<ThreadStatus> ParseThreadStatus(const std::string& s) {
  if (s == "running") return ThreadStatus::kRunning;
  if (s == "interrupted") return ThreadStatus::kInterrupted;
  if (s == "completed") return ThreadStatus::kCompleted;
  if (s == "error") return ThreadStatus::kError;
  return std::nullopt;
}

ThreadStatus DeriveThreadStatus(const std::vector<RunStatus>& runs) {
  if (runs.empty()) return ThreadStatus::kRunning;
  bool running = false;
  for (RunStatus s : runs) {
    if (s == RunStatus::kInterrupted) return ThreadStatus::kInterrupted;
    if (s == RunStatus::kRunning) running = true;
  }
  if (running) return ThreadStatus::kRunning;
  // A cancelled run did not finish its work: the thread reports it as an error.
  RunStatus last = runs.back();
  return last == RunStatus::kError || last == RunStatus::kCancelled ? ThreadStatus::kError : ThreadStatus::kCompleted;
}

bool IsTerminal(RunStatus s) {
  return s == RunStatus::kCompleted || s == RunStatus::kError || s == RunStatus::kCancelled;
}

const Step* RunState::FindStep(const std::string& id) const {
  for (const Step& s : steps) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

Step* RunState::MutableStep(const std::string& id) {
  for (size_t i = 0; i < steps.size(); ++i) {
    if (steps[i].id == id) return &steps.Mutable(i);
  }
  return nullptr;
}

Interrupt* RunState::FindInterrupt(const std::string& id) {
  for (auto& i : interrupts) {
    if (i.id == id) return &i;
  }
  return nullptr;
}

const Interrupt* RunState::PendingInterrupt() const {
  for (const auto& i : interrupts) {
    if (i.pending) return &i;
  }
  return nullptr;
}

bool Webhook::Subscribes(const std::string& type) const {
  if (deleted_at || disabled_at || !enabled_events.is_array()) return false;
  for (const auto& e : enabled_events) {
    if (e == "*" || e == type) return true;
  }
  return false;
}

}  // namespace sandbox
