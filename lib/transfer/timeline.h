// A run as it happened, in absolute instants, and the fixture scenario that
// reproduces it (docs/replay.md). export.cpp fills a Timeline from a run's
// event log, import.cpp from a Run captured from the API; this file owns the
// one translation into the scenario language, so both agree on the rules:
//
// - durations: a leaf lasts completed_at - started_at; a gap before the next
//   sequential sibling is added to it (so later steps keep their start); a
//   parent gets a duration only when its own span is longer than its children
//   take (the language cannot delay a first child, so that gap is lost);
// - siblings whose intervals overlap make their parent "parallel" (unless an
//   interrupt is inside: the language forbids that, they stay sequential);
// - an interrupt step ends its sibling list: every sibling that followed it
//   (inside the same parent) goes into the branch the answer took (with a
//   "branch_on" that finds the key in the answer when the default would
//   not), into "default" (branch unknown, or resolved by a policy), or into
//   on_timeout (expired). Steps after the parent stay where they are, since
//   the engine runs them after the branch anyway;
// - text that would read as a template ("{{") is written as "{ {".
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/types.h"

namespace sandbox::transfer {

struct TimelineInterrupt {
  enum class End { kPending, kAnswered, kExpired, kPolicy };
  Json value = Json::object();       // what the human was asked (an object)
  std::optional<std::string> agent;  // the interrupt's agent, when it is not value.agent
  End end = End::kPending;
  std::string branch = "default";      // kAnswered: the branch the answer took
  Json input;                          // kAnswered: the answer, when known
  Instant raised_at = 0;               // when the run paused
  std::optional<Instant> resolved_at;  // answered or expired
  bool failed_run = false;             // kExpired: the run failed with approval_timeout
};

struct TimelineStep {
  std::string name;
  std::string label;
  std::string type = "activity";  // activity | output | interrupt | error
  std::string agent;
  std::string status = "completed";  // running | completed | error
  Instant started_at = 0;
  std::optional<Instant> completed_at;
  Json result;                         // null: none
  Json artifacts = Json::array();      // each already in fixture form (ArtifactForFixture)
  std::optional<std::string> message;  // streamed text, concatenated
  Json tool;                           // null, or {name, input?, output?}
  std::optional<std::string> notice;
  std::optional<TimelineInterrupt> interrupt;  // type interrupt
  std::optional<std::string> error_message;    // type error: why the run failed
  std::optional<std::string> error_reason;
  std::vector<TimelineStep> steps;  // children, in start order
};

struct Timeline {
  std::string run_id;
  std::string agent;   // the run's agent type
  std::string status;  // the run's status when captured
  std::vector<TimelineStep> steps;
  Json result;                                  // the run's task result (scenario "result"); null: none
  std::optional<std::string> interrupt_policy;  // auto_approve | skip, when a policy resolved interrupts
};

// The names the fixture document gives the agent and its one scenario.
struct FixtureLabels {
  std::string agent_description;
  std::string scenario_name;
  std::string scenario_description;
};

// {"agents": [{"type", "name", "description", "scenarios": [{...}]}]}.
Json FixtureFromTimeline(const Timeline& timeline, const FixtureLabels& labels);

// An artifact (Middesk or event-log JSON) in fixture form: no id, no nulls or
// empty strings, sources without a url dropped, templates neutralised.
Json ArtifactForFixture(const Json& artifact);

// True when `result` is only {"resolution": "auto_approve" | "skip"}: the mark
// an interrupt policy leaves on the step it resolved (sets `policy`).
bool IsPolicyMarker(const Json& result, std::string& policy);

// A run that failed needs an error step saying why. When no step of type
// error (nor an expired interrupt that failed the run) explains the failure,
// the last leaf the failure closed (status error) becomes the error step;
// failing that, an error step is added as the last child of the innermost
// parent it closed, or at the end of the run. `at` is when the run failed.
void ExplainFailure(Timeline& timeline, const std::string& message, const std::optional<std::string>& reason,
                    std::optional<Instant> at);

}  // namespace sandbox::transfer
