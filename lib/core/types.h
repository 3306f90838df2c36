// Domain types shared by every layer: threads, runs, steps, artifacts, sources,
// interrupts. They describe the sandbox's own model; each dialect maps them to
// its vendor's wire format. Payloads an agent defines (interrupt values, step
// results, resume input) are kept as JSON values because their shape is the
// scenario author's, not ours.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/step_list.h"

namespace sandbox {

// ordered_json keeps keys in the order they were written (by a fixture author, a
// client or the sandbox), so every rendering is stable and reads naturally.
using Json = nlohmann::ordered_json;

struct Source {
  std::string url;
  std::optional<std::string> source_name;
  std::optional<std::string> source_tier;
  std::optional<std::string> source_type;
  bool operator==(const Source&) const = default;
};

struct Artifact {
  std::string id;
  std::string title;
  std::string type;
  std::optional<std::string> confidence;
  std::optional<std::string> summary;
  std::vector<Source> sources;
  bool operator==(const Artifact&) const = default;
};

enum class StepStatus { kRunning, kCompleted, kError };

struct Step {
  std::string id;
  std::string run_id;
  std::optional<std::string> parent_step_id;
  int64_t ordinal = 0;  // order of starting within the run; the tree is rebuilt in this order
  std::string agent;
  std::string type;  // activity | output | interrupt | error
  std::string name;
  std::string label;
  StepStatus status = StepStatus::kRunning;
  Instant started_at = 0;
  std::optional<Instant> completed_at;
  Json result;  // null when the step has no structured result
  std::vector<Artifact> artifacts;
  std::string text;  // the message streamed so far, for chat-style steps
  bool operator==(const Step&) const = default;
};

struct Interrupt {
  std::string id;
  std::string run_id;
  std::string step_id;
  std::optional<std::string> agent;
  Json value;
  bool pending = true;
  Instant created_at = 0;
  std::optional<Instant> resolved_at;
  Json input;            // the answer given on resume; null while pending
  bool expired = false;  // its timeout passed unanswered
  bool operator==(const Interrupt&) const = default;
};

// Who asked for something: the Account behind an API key, or a User.
struct Principal {
  std::string kind;  // "Account" | "User"
  std::string id;
  std::string name;
  std::optional<std::string> email;
  bool operator==(const Principal&) const = default;
};

enum class RunStatus { kRunning, kInterrupted, kCompleted, kError, kCancelled };
// Completed, error and cancelled runs never change again.
bool IsTerminal(RunStatus s);

const char* RunStatusName(RunStatus s);
const char* StepStatusName(StepStatus s);
std::optional<RunStatus> ParseRunStatus(const std::string& s);
std::optional<StepStatus> ParseStepStatus(const std::string& s);

// Where the interpreter stands in the run's compiled program; moved only by
// apply(), so it is always what the log says.
struct Cursor {
  int segment = 0;
  int pc = 0;
  Instant segment_base = 0;  // the instant the current segment began
  bool operator==(const Cursor&) const = default;
};

struct Run {
  std::string id;
  std::string thread_id;
  int64_t ordinal = 0;               // global creation order; breaks ties between runs due at one instant
  std::string agent;                 // agent type, e.g. "cip_orchestrator"
  std::string agent_name;            // the agent's name when the run started (templates)
  std::string trigger_type = "api";  // what started it: api | manual | schedule | webhook | slack
  std::string scenario;
  // Workflow retries: a run that retries a failed one is another execution
  // of the same workflow. attempt counts executions from 1; the links are
  // empty on a first execution.
  int64_t attempt = 1;
  std::string retry_of;       // the failed execution this one retries
  std::string first_attempt;  // the workflow's first execution
  // The workflow's number among the agent's workflows in the namespace (from
  // 1); the Modus dialect's wf_<agentId>_run_<agent_seq>. 0 when unknown.
  int64_t agent_seq = 0;
  std::optional<Principal> requester;
  RunStatus status = RunStatus::kRunning;
  Instant created_at = 0;
  Instant updated_at = 0;
  std::optional<Instant> started_at;
  std::optional<Instant> ended_at;
  Json output;  // null unless completed: {"artifacts": [...]}
  Json result;  // the scenario's task result once completed (Modus); null otherwise
  std::optional<std::string> error_message;
  std::optional<std::string> failure_reason;  // e.g. approval_timeout
  Json request;                               // the create-run request body, for templates
  Cursor cursor;
  int64_t last_seq = 0;
  bool operator==(const Run&) const = default;
};

// A run with everything projected from its log.
struct RunState {
  Run run;
  StepList steps;                     // ordered by ordinal; shared between copies
  std::vector<Interrupt> interrupts;  // ordered by creation
  const Step* FindStep(const std::string& id) const;
  // The step to change, unshared from other copies of the state.
  Step* MutableStep(const std::string& id);
  Interrupt* FindInterrupt(const std::string& id);
  const Interrupt* PendingInterrupt() const;
  bool operator==(const RunState&) const = default;
};

enum class ThreadStatus { kRunning, kInterrupted, kCompleted, kError };
const char* ThreadStatusName(ThreadStatus s);
std::optional<ThreadStatus> ParseThreadStatus(const std::string& s);

// A thread's status follows its runs: interrupted if any run waits for input,
// else running if any runs, else error if the latest run failed, else
// completed. A thread with no runs yet reports running, as the vendor's
// create-thread example does.
ThreadStatus DeriveThreadStatus(const std::vector<RunStatus>& runs_oldest_first);

struct Thread {
  std::string id;
  int64_t ordinal = 0;
  std::string agent;  // agent type the thread is for
  std::optional<std::string> context_type;
  std::optional<std::string> context_id;
  ThreadStatus status = ThreadStatus::kRunning;
  std::optional<Principal> requester;
  Json metadata;  // null unless set
  Instant created_at = 0;
  Instant updated_at = 0;
  bool operator==(const Thread&) const = default;
};

// A rating of one artifact of a run by a reviewer. A new rating by the same
// reviewer of the same artifact supersedes (deactivates) the earlier one.
struct Feedback {
  std::string id;
  std::string run_id;
  std::string artifact_id;
  std::string rating;  // POSITIVE | NEGATIVE
  std::optional<std::string> comment;
  Principal reviewer;
  bool superseded_prior = false;
  Instant created_at = 0;
  bool operator==(const Feedback&) const = default;
};

// An action a client took on an object a dialect names (its type and id
// mean nothing here), possibly on behalf of a run whose interrupt it
// answered. Effects and actors are JSON the dialect wrote; they are kept as
// given.
struct ActionRecord {
  std::string id;
  int64_t ordinal = 0;
  std::string object_type;
  std::string object_id;
  std::string type;
  std::optional<std::string> note;
  Json payload;
  Json effects;  // [{operation, diff, target}]
  Json actors;   // [{actor_type, data}]
  std::optional<std::string> run_id;
  std::optional<std::string> thread_id;
  Instant created_at = 0;
  bool operator==(const ActionRecord&) const = default;
};

// An endpoint that receives notifications of run lifecycle events (which
// events, and what they are called, the dialect decides).
struct Webhook {
  std::string id;
  int64_t ordinal = 0;
  std::string url;
  std::string secret;                  // signs every body (HMAC-SHA256)
  Json enabled_events;                 // array of event types; "*" stands for all
  std::optional<std::string> include;  // what the run in a body carries; the dialect reads it
  Json oidc;  // the oidc_* settings as given (stored, never used: no OIDC here); null when none
  std::optional<Instant> disabled_at;
  std::optional<Instant> deleted_at;
  Instant created_at = 0;
  Instant updated_at = 0;
  // True when the endpoint takes notifications of `type` now.
  bool Subscribes(const std::string& type) const;
  bool operator==(const Webhook&) const = default;
};

struct WebhookAttempt {
  int64_t attempt = 0;  // from 1
  Instant at = 0;       // the sandbox instant it was due
  std::optional<int64_t> status_code;
  std::optional<std::string> error;
  bool operator==(const WebhookAttempt&) const = default;
};

// One notification to one endpoint, and how its delivery went.
struct WebhookDelivery {
  std::string webhook_id;
  std::string run_id;
  int64_t seq = 0;  // the run event it announces
  std::string event_type;
  Instant created_at = 0;
  std::string status;  // pending | delivered | failed | cancelled
  std::optional<Instant> next_attempt_at;
  std::optional<std::string> body;
  std::vector<WebhookAttempt> attempts;
  // Which life of its namespace's outbox it was read in (the store counts
  // resets and restores): a reset gives the same seed the same ids again,
  // so an outcome read before it must not land on a row written after it.
  uint64_t outbox_life = 0;
  bool operator==(const WebhookDelivery&) const = default;
};

}  // namespace sandbox
