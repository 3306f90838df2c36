// The run event log's record format (DESIGN.md "a run is an append-only event
// log"). Every change to a run is one Event; state is apply()'d from them.
//
// Log format, one row per event: (run_id, seq, type, at, payload). `seq` starts
// at 1 and has no gaps; `at` is the sandbox instant the event took effect;
// payload keys per type:
//   run.started      thread_id, agent, scenario, ordinal, requester (object|null),
//                    request (the create-run body, for templates; optional),
//                    agent_name (the agent's name then, for templates; optional),
//                    trigger_type (api | manual | schedule | webhook | slack; optional, api),
//                    agent_seq (the workflow's number among the agent's; optional),
//                    retry {of, first, attempt, delay_ms} (optional: this run retries the
//                    failed run `of`; its first instruction is due delay_ms after it starts)
//   step.started     step_id, parent_step_id (string|null), agent, type, name, label, ordinal
//   artifact.added   step_id, artifact {id,title,type,confidence,summary,sources}
//   step.completed   step_id, status ("completed"|"error"), result (any, optional)
//   run.interrupted  interrupt_id, step_id, agent (string|null), value (object)
//   run.resumed      interrupt_id, input (any), branch (string), segment (int)
//   interrupt.expired interrupt_id, segment (int)   (its timeout passed unanswered)
//   text.delta       step_id, text                  (one token of a streamed message)
//   tool.started     step_id, name, input
//   tool.completed   step_id, name, output
//   notice           step_id, text
//   run.completed    output {artifacts:[...]}, result (any, optional: Modus task result)
//   run.failed       message, reason (string, optional), retry_skipped (string, optional:
//                    why a scripted retry could not start)
//   run.cancelled    reason (string, optional)
// Every event except run.started, run.resumed, interrupt.expired and the terminal ones is one
// instruction of the scenario's compiled program and moves the cursor by one.
// Resolved facts (ids, the branch taken, absolute instants) are in the log,
// so replaying it never consults the clock, the fixtures or a random source.
#pragma once

#include <string>

#include "core/types.h"

namespace sandbox {

namespace event_type {
inline constexpr const char* kRunStarted = "run.started";
inline constexpr const char* kStepStarted = "step.started";
inline constexpr const char* kArtifactAdded = "artifact.added";
inline constexpr const char* kStepCompleted = "step.completed";
inline constexpr const char* kRunInterrupted = "run.interrupted";
inline constexpr const char* kRunResumed = "run.resumed";
inline constexpr const char* kRunCompleted = "run.completed";
inline constexpr const char* kRunFailed = "run.failed";
inline constexpr const char* kInterruptExpired = "interrupt.expired";
inline constexpr const char* kRunCancelled = "run.cancelled";
inline constexpr const char* kTextDelta = "text.delta";
inline constexpr const char* kToolStarted = "tool.started";
inline constexpr const char* kToolCompleted = "tool.completed";
inline constexpr const char* kNotice = "notice";
}  // namespace event_type

struct Event {
  std::string run_id;
  int64_t seq = 0;
  std::string type;
  Instant at = 0;
  Json payload;
  bool operator==(const Event&) const = default;
};

// The sandbox's own JSON encoding of core values, used inside event payloads.
Json ArtifactToJson(const Artifact& a);
Json SourceToJson(const Source& s);
Json PrincipalToJson(const std::optional<Principal>& p);
// These return false when `j` is not of the expected shape.
bool ArtifactFromJson(const Json& j, Artifact& out);
bool PrincipalFromJson(const Json& j, std::optional<Principal>& out);

// A one-line rendering for tests and logs: "3 step.started@1000 {...}".
std::string DescribeEvent(const Event& e);


}  // namespace sandbox
