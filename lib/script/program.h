// A scenario compiled for the engine: a set of straight-line segments of
// timed instructions. Segment 0 runs when the run starts; a segment that ends
// in an interrupt names, per branch, the segment that runs after the resume.
// Each instruction becomes exactly one event, which is why the run's Cursor
// (segment, pc) can be rebuilt from the log alone.
//
// Timing: a step starts at t, its children run one after another from t, and
// it completes (artifacts first, then the completion) at the later of
// t + duration and the end of its last child. Offsets are relative to the
// segment's base instant (the run's start, or the resume).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "script/fixture.h"

namespace sandbox::script {

enum class Op {
  kStartStep,     // step.started
  kAddArtifact,   // artifact.added
  kCompleteStep,  // step.completed (status completed)
  kFailStep,      // step.completed (status error)
  kInterrupt,     // run.interrupted; the segment ends here
  kFailRun,       // run.failed; the run ends
  kCompleteRun,   // run.completed; the run ends
  kTextDelta,     // text.delta: one token of a streamed message
  kToolStart,     // tool.started
  kToolEnd,       // tool.completed
  kNotice,        // notice
};

// What only interrupts, failures and completions of a step need: kept
// apart, so that the common instruction (a token, a step's start) stays 72
// bytes. All the scenarios together compile to up to 2,000,000 instructions.
struct InstructionDetail {
  Json result;                          // kCompleteStep/kFailStep: replaces the node's result when not null
  std::map<std::string, int> branches;  // kInterrupt: answer -> segment; always has "default"
  int timeout_segment = -1;             // kInterrupt with a timeout: where the run goes when it expires
  std::optional<int64_t> timeout_ms;
  std::optional<std::string> fail_reason;  // kFailRun: a machine-readable reason (approval_timeout)
};

struct Instruction {
  Instruction(Op o, int64_t offset, const StepNode* n, int parent = -1)
      : op(o), parent_ref(parent), offset_ms(offset), node(n) {}
  Instruction(const Instruction& other)
      : op(other.op),
        parent_ref(other.parent_ref),
        artifact_index(other.artifact_index),
        offset_ms(other.offset_ms),
        node(other.node),
        text(other.text),
        detail_(other.detail_ ? std::make_unique<InstructionDetail>(*other.detail_) : nullptr) {}
  Instruction(Instruction&&) noexcept = default;
  Instruction& operator=(Instruction&&) noexcept = default;
  Instruction& operator=(const Instruction& other) {
    if (this != &other) *this = Instruction(other);
    return *this;
  }

  Op op;
  int parent_ref = -1;      // kStartStep: the enclosing step, -1 at top level
  int artifact_index = 0;   // kAddArtifact
  int64_t offset_ms = 0;
  const StepNode* node = nullptr;  // the step concerned (none for kCompleteRun)
  std::string text;                // kTextDelta: the token

  // The details, read (an empty default when none were set) or written.
  const InstructionDetail& detail() const { return detail_ ? *detail_ : kNoDetail; }
  InstructionDetail& detail() {
    if (!detail_) detail_ = std::make_unique<InstructionDetail>();
    return *detail_;
  }

 private:
  static const InstructionDetail kNoDetail;
  std::unique_ptr<InstructionDetail> detail_;
};

struct Segment {
  std::vector<Instruction> code;
};

class Program {
 public:
  // Compiles `scenario` (kept alive by the program: instructions point into
  // it) under its interrupt policy. InvalidArgument when it would take more
  // than limits::kMaxProgramInstructions. The compiler recurses once per
  // interrupt on a path through the scenario and once per level of parallel
  // steps: the loader's limits (kMaxInterruptsPerScenario, kMaxStepDepth)
  // bound its stack.
  static Result<std::shared_ptr<const Program>> Compile(std::shared_ptr<const Scenario> scenario);
  const Scenario& scenario() const { return *scenario_; }
  const std::vector<Segment>& segments() const { return segments_; }
  // The instruction at `cursor`, or nullptr past the end of a segment.
  const Instruction* At(int segment, int pc) const;
  // The segment a resume with this decision continues in, after `interrupt_at`.
  int BranchFor(const Instruction& interrupt, const std::string& decision, std::string& branch_taken) const;
  // A one-line-per-instruction rendering for tests: "0 +1500 start verify_sos".
  std::string Describe() const;
  // Instructions in all segments together (at most limits::kMaxProgramInstructions).
  size_t InstructionCount() const;

 private:
  std::shared_ptr<const Scenario> scenario_;
  std::vector<Segment> segments_;
  friend class Compiler;
};

// The branch key a resume input selects: the value at `branch_on` (a dotted
// path) when it is a string, number or boolean; the input itself when it is
// a string; else "default".
std::string DecisionOf(const Json& input, const std::string& branch_on = "decision");

}  // namespace sandbox::script
