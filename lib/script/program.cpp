// Scenario -> Program. The compiler walks the step tree with an explicit stack
// of open steps; at an interrupt it compiles each branch into a new segment
// followed by a copy of everything still pending on the stack (the
// continuation), so every segment is straight-line code.
#include "script/program.h"

#include <algorithm>

namespace sandbox::script {

namespace {
// Guards against a scenario whose branches nest so deeply that copying the
// continuation into every branch would explode.
constexpr size_t kMaxInstructions = 200000;
}  // namespace

class Compiler {
 public:
  explicit Compiler(Program& p) : p_(p) {}

  struct Frame {
    const StepList* nodes;
    size_t next = 0;
    const StepNode* parent = nullptr;  // the open step these nodes are children of
    int64_t parent_end = 0;            // parent start + duration, in this segment's time
  };

  Status CompileSegment(std::vector<Frame> stack, int segment_index, int64_t t) {
    while (!stack.empty()) {
      if (Size() > kMaxInstructions) return Status::InvalidArgument("scenario is too large to compile");
      Frame& top = stack.back();
      if (top.next < top.nodes->size()) {
        const StepNode& n = (*top.nodes)[top.next++];
        int parent_ref = ParentRef(stack);
        Emit(segment_index, {Op::kStartStep, t, &n, parent_ref});
        if (n.type == "interrupt") {
          for (size_t i = 0; i < n.artifacts.size(); ++i) Emit(segment_index, ArtifactAt(t, n, i));
          Instruction intr{Op::kInterrupt, t, &n};
          // Each branch: complete the interrupt step at the resume, run the
          // branch's steps, then whatever was still pending.
          std::map<std::string, const StepList*> branches;
          static const StepList kEmpty;
          for (const auto& [key, list] : n.interrupt->branches) branches[key] = &list;
          if (!branches.count("default")) branches["default"] = &kEmpty;
          for (const auto& [key, list] : branches) {
            int seg = NewSegment();
            intr.branches[key] = seg;
            Emit(seg, {Op::kCompleteStep, 0, &n});
            std::vector<Frame> cont = stack;
            // Durations of steps opened before the pause are already spent.
            for (auto& f : cont) f.parent_end = 0;
            cont.push_back(Frame{list, 0, nullptr, 0});
            Status st = CompileSegment(std::move(cont), seg, 0);
            if (!st.ok()) return st;
          }
          Emit(segment_index, std::move(intr));
          return Status::Ok();
        }
        if (n.type == "error") {
          t += n.duration_ms;
          for (size_t i = 0; i < n.artifacts.size(); ++i) Emit(segment_index, ArtifactAt(t, n, i));
          Emit(segment_index, {Op::kFailStep, t, &n});
          Emit(segment_index, {Op::kFailRun, t, &n});
          return Status::Ok();
        }
        if (!n.steps.empty()) {
          stack.push_back(Frame{&n.steps, 0, &n, t + n.duration_ms});
          continue;
        }
        t += n.duration_ms;
        for (size_t i = 0; i < n.artifacts.size(); ++i) Emit(segment_index, ArtifactAt(t, n, i));
        Emit(segment_index, {Op::kCompleteStep, t, &n});
        continue;
      }
      Frame done = stack.back();
      stack.pop_back();
      if (done.parent) {
        t = std::max(t, done.parent_end);
        for (size_t i = 0; i < done.parent->artifacts.size(); ++i) {
          Emit(segment_index, ArtifactAt(t, *done.parent, i));
        }
        Emit(segment_index, {Op::kCompleteStep, t, done.parent});
      }
    }
    Emit(segment_index, {Op::kCompleteRun, t, nullptr});
    return Status::Ok();
  }

  int NewSegment() {
    p_.segments_.emplace_back();
    return static_cast<int>(p_.segments_.size()) - 1;
  }

 private:
  static int ParentRef(const std::vector<Frame>& stack) {
    for (auto it = stack.rbegin(); it != stack.rend(); ++it) {
      if (it->parent) return it->parent->ref;
    }
    return -1;
  }
  static Instruction ArtifactAt(int64_t t, const StepNode& n, size_t i) {
    Instruction in{Op::kAddArtifact, t, &n};
    in.artifact_index = static_cast<int>(i);
    return in;
  }
  void Emit(int segment, Instruction in) {
    p_.segments_[segment].code.push_back(std::move(in));
    ++size_;
  }
  size_t Size() const { return size_; }

  Program& p_;
  size_t size_ = 0;
};

Result<std::shared_ptr<const Program>> Program::Compile(std::shared_ptr<const Scenario> scenario) {
  auto p = std::shared_ptr<Program>(new Program());
  p->scenario_ = std::move(scenario);
  Compiler c(*p);
  int root = c.NewSegment();
  Status st = c.CompileSegment({Compiler::Frame{&p->scenario_->steps, 0, nullptr, 0}}, root, 0);
  if (!st.ok()) return st;
  return std::shared_ptr<const Program>(p);
}

const Instruction* Program::At(int segment, int pc) const {
  if (segment < 0 || segment >= static_cast<int>(segments_.size())) return nullptr;
  const auto& code = segments_[segment].code;
  if (pc < 0 || pc >= static_cast<int>(code.size())) return nullptr;
  return &code[pc];
}

int Program::BranchFor(const Instruction& interrupt, const std::string& decision,
                       std::string& branch_taken) const {
  auto it = interrupt.branches.find(decision);
  if (it == interrupt.branches.end()) it = interrupt.branches.find("default");
  branch_taken = it->first;
  return it->second;
}

std::string DecisionOf(const Json& input) {
  if (input.is_string()) return input.get<std::string>();
  if (input.is_object() && input.contains("decision") && input["decision"].is_string()) {
    return input["decision"].get<std::string>();
  }
  return "default";
}

std::string Program::Describe() const {
  static const char* kNames[] = {"start", "artifact", "complete", "fail-step", "interrupt", "fail-run", "complete-run"};
  std::string out;
  for (size_t s = 0; s < segments_.size(); ++s) {
    for (const auto& in : segments_[s].code) {
      out += std::to_string(s) + " +" + std::to_string(in.offset_ms) + " " + kNames[static_cast<int>(in.op)];
      if (in.node) out += " " + in.node->name;
      if (in.op == Op::kAddArtifact) out += "#" + std::to_string(in.artifact_index);
      for (const auto& [k, seg] : in.branches) out += " " + k + "->" + std::to_string(seg);
      out += "\n";
    }
  }
  return out;
}

}  // namespace sandbox::script
