// Scenario -> Program. The compiler walks the step tree with an explicit stack
// of open steps; at an interrupt it compiles each branch (and the timeout
// path) into a new segment followed by a copy of everything still pending on
// the stack (the continuation), so every segment is straight-line code.
// Parallel children are emitted one after another from the same instant and
// each segment is then stably sorted by offset; a failure inside parallel
// children cuts the segment after the run's failure.
#include "script/program.h"

#include <algorithm>

#include "script/limits.h"

namespace sandbox::script {

const InstructionDetail Instruction::kNoDetail;

namespace {

// Splits a message into tokens: each word with the whitespace after it. A
// template ({{ ... }}) stays whole, so it streams as one token once rendered.
std::vector<std::string> Tokens(const std::string& text) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    size_t word_end = i;
    while (word_end < text.size() && text[word_end] != ' ' && text[word_end] != '\n' && text[word_end] != '\t') {
      if (text.compare(word_end, 2, "{{") == 0) {
        size_t close = text.find("}}", word_end + 2);
        word_end = close == std::string::npos ? text.size() : close + 2;
      } else {
        ++word_end;
      }
    }
    size_t next = text.find_first_not_of(" \n\t", word_end);
    if (next == std::string::npos) next = text.size();
    out.push_back(text.substr(i, next - i));
    i = next;
  }
  return out;
}
}  // namespace

class Compiler {
 public:
  Compiler(Program& p, InterruptPolicy policy) : p_(p), policy_(policy) {}

  struct Frame {
    const StepList* nodes;
    size_t next = 0;
    const StepNode* parent = nullptr;  // the open step these nodes are children of
    int64_t parent_end = 0;            // parent start + duration, in this segment's time
  };

  Status CompileSegment(std::vector<Frame> stack, int seg, int64_t t) {
    while (!stack.empty()) {
      // Guards against branches nested so that copying the continuation into
      // every branch explodes.
      if (TooLarge()) return TooLargeStatus();
      Frame& top = stack.back();
      if (top.next < top.nodes->size()) {
        const StepNode& n = (*top.nodes)[top.next++];
        int parent_ref = ParentRef(stack);
        if (n.type == "interrupt") {
          Begin(seg, n, parent_ref, t);
          for (size_t i = 0; i < n.artifacts.size(); ++i) Emit(seg, ArtifactAt(t, n, i));
          if (policy_ != InterruptPolicy::kManual) {
            // Resolved by policy: no pause; the step records how.
            bool approve = policy_ == InterruptPolicy::kAutoApprove;
            Instruction done(Op::kCompleteStep, t, &n);
            done.detail().result = Json{{"resolution", approve ? "auto_approve" : "skip"}};
            Emit(seg, std::move(done));
            static const StepList kEmpty;
            const auto& b = n.interrupt->branches;
            const StepList* branch = &kEmpty;
            if (approve && b.count("approve"))
              branch = &b.at("approve");
            else if (b.count("default"))
              branch = &b.at("default");
            stack.push_back(Frame{branch, 0, nullptr, 0});
            continue;
          }
          Instruction intr(Op::kInterrupt, t, &n);
          std::map<std::string, const StepList*> branches;
          static const StepList kEmpty;
          for (const auto& [key, list] : n.interrupt->branches) branches[key] = &list;
          if (!branches.count("default")) branches["default"] = &kEmpty;
          for (const auto& [key, list] : branches) {
            int s = NewSegment();
            intr.detail().branches[key] = s;
            Emit(s, Instruction(Op::kCompleteStep, 0, &n));
            Status st = CompileContinuation(stack, list, s);
            if (!st.ok()) return st;
          }
          if (n.interrupt->timeout_ms) {
            intr.detail().timeout_ms = n.interrupt->timeout_ms;
            int s = NewSegment();
            intr.detail().timeout_segment = s;
            Emit(s, Instruction(Op::kFailStep, 0, &n));
            if (n.interrupt->on_timeout) {
              Status st = CompileContinuation(stack, &*n.interrupt->on_timeout, s);
              if (!st.ok()) return st;
            } else {
              Instruction fail(Op::kFailRun, 0, &n);
              fail.detail().fail_reason = "approval_timeout";
              Emit(s, std::move(fail));
            }
          }
          Emit(seg, std::move(intr));
          return Status::Ok();
        }
        if (n.parallel) {
          // Children side by side: each subtree from t; the sort puts them in order.
          Begin(seg, n, parent_ref, t);
          int64_t end = t + n.duration_ms;
          for (const auto& child : n.steps) end = std::max(end, EmitSubtree(seg, child, n.ref, t));
          Finish(seg, n, end);
          t = end;
          continue;
        }
        if (n.type == "error") {
          Begin(seg, n, parent_ref, t);
          t += n.duration_ms;
          for (size_t i = 0; i < n.artifacts.size(); ++i) Emit(seg, ArtifactAt(t, n, i));
          EmitFailure(seg, n, t);
          return Status::Ok();
        }
        Begin(seg, n, parent_ref, t);
        if (!n.steps.empty()) {
          stack.push_back(Frame{&n.steps, 0, &n, t + n.duration_ms});
          continue;
        }
        t += n.duration_ms;
        Finish(seg, n, t);
        continue;
      }
      Frame done = stack.back();
      stack.pop_back();
      if (done.parent) {
        t = std::max(t, done.parent_end);
        Finish(seg, *done.parent, t);
      }
    }
    Emit(seg, Instruction(Op::kCompleteRun, t, nullptr));
    return Status::Ok();
  }

  bool TooLarge() const { return size_ > limits::kMaxProgramInstructions; }
  static Status TooLargeStatus() {
    return Status::InvalidArgument("the scenario compiles to more than " +
                                   std::to_string(limits::kMaxProgramInstructions) +
                                   " instructions (each branch of an interrupt repeats every step after it)");
  }

  int NewSegment() {
    p_.segments_.emplace_back();
    return static_cast<int>(p_.segments_.size()) - 1;
  }

  // Orders each segment by time and cuts it after a failure of the run.
  void Normalise() {
    for (auto& seg : p_.segments_) {
      std::stable_sort(seg.code.begin(), seg.code.end(),
                       [](const Instruction& a, const Instruction& b) { return a.offset_ms < b.offset_ms; });
      for (size_t i = 0; i < seg.code.size(); ++i) {
        if (seg.code[i].op == Op::kFailRun) {
          seg.code.erase(seg.code.begin() + static_cast<long>(i) + 1, seg.code.end());
          break;
        }
      }
    }
  }

 private:
  // A branch (or timeout path) in segment `s`: its steps, then what was pending.
  Status CompileContinuation(const std::vector<Frame>& stack, const StepList* steps, int s) {
    std::vector<Frame> cont = stack;
    // Durations of steps opened before the pause are already spent.
    for (auto& f : cont) f.parent_end = 0;
    cont.push_back(Frame{steps, 0, nullptr, 0});
    return CompileSegment(std::move(cont), s, 0);
  }

  // A subtree with no interrupts (inside parallel steps), from `t`; returns its end.
  int64_t EmitSubtree(int seg, const StepNode& n, int parent_ref, int64_t t) {
    Begin(seg, n, parent_ref, t);
    int64_t end = t + n.duration_ms;
    if (n.type == "error") {
      for (size_t i = 0; i < n.artifacts.size(); ++i) Emit(seg, ArtifactAt(end, n, i));
      EmitFailure(seg, n, end);
      return end;
    }
    int64_t child_t = t;
    for (const auto& child : n.steps) {
      int64_t child_end = EmitSubtree(seg, child, n.ref, n.parallel ? t : child_t);
      if (n.parallel)
        end = std::max(end, child_end);
      else
        child_t = child_end;
    }
    if (!n.parallel) end = std::max(end, child_t);
    Finish(seg, n, end);
    return end;
  }

  // Start of a step, with its notice, tool start and message tokens.
  void Begin(int seg, const StepNode& n, int parent_ref, int64_t t) {
    Emit(seg, Instruction(Op::kStartStep, t, &n, parent_ref));
    if (n.notice) Emit(seg, Instruction(Op::kNotice, t, &n));
    if (n.tool) Emit(seg, Instruction(Op::kToolStart, t, &n));
    if (n.message) {
      auto tokens = Tokens(*n.message);
      for (size_t i = 0; i < tokens.size(); ++i) {
        Instruction tok(Op::kTextDelta,
                        t + n.duration_ms * static_cast<int64_t>(i) / static_cast<int64_t>(tokens.size()), &n);
        tok.text = tokens[i];
        Emit(seg, std::move(tok));
      }
    }
  }

  // End of a step: artifacts, tool end, completion.
  void Finish(int seg, const StepNode& n, int64_t t) {
    for (size_t i = 0; i < n.artifacts.size(); ++i) Emit(seg, ArtifactAt(t, n, i));
    if (n.tool) Emit(seg, Instruction(Op::kToolEnd, t, &n));
    Emit(seg, Instruction(Op::kCompleteStep, t, &n));
  }

  void EmitFailure(int seg, const StepNode& n, int64_t t) {
    if (n.tool) Emit(seg, Instruction(Op::kToolEnd, t, &n));
    Emit(seg, Instruction(Op::kFailStep, t, &n));
    Instruction fail(Op::kFailRun, t, &n);
    fail.detail().fail_reason = n.error_reason;
    Emit(seg, std::move(fail));
  }

  static int ParentRef(const std::vector<Frame>& stack) {
    for (auto it = stack.rbegin(); it != stack.rend(); ++it) {
      if (it->parent) return it->parent->ref;
    }
    return -1;
  }
  static Instruction ArtifactAt(int64_t t, const StepNode& n, size_t i) {
    Instruction in(Op::kAddArtifact, t, &n);
    in.artifact_index = static_cast<int>(i);
    return in;
  }
  void Emit(int segment, Instruction in) {
    p_.segments_[segment].code.push_back(std::move(in));
    ++size_;
  }

  Program& p_;
  InterruptPolicy policy_;
  size_t size_ = 0;
};

Result<std::shared_ptr<const Program>> Program::Compile(std::shared_ptr<const Scenario> scenario) {
  auto p = std::shared_ptr<Program>(new Program());
  p->scenario_ = std::move(scenario);
  Compiler c(*p, p->scenario_->interrupt_policy.value_or(InterruptPolicy::kManual));
  int root = c.NewSegment();
  Status st = c.CompileSegment({Compiler::Frame{&p->scenario_->steps, 0, nullptr, 0}}, root, 0);
  if (!st.ok()) return st;
  // Parallel subtrees are emitted between checks: check the total too.
  if (c.TooLarge()) return Compiler::TooLargeStatus();
  c.Normalise();
  return std::shared_ptr<const Program>(p);
}

const Instruction* Program::At(int segment, int pc) const {
  if (segment < 0 || segment >= static_cast<int>(segments_.size())) return nullptr;
  const auto& code = segments_[segment].code;
  if (pc < 0 || pc >= static_cast<int>(code.size())) return nullptr;
  return &code[pc];
}

int Program::BranchFor(const Instruction& interrupt, const std::string& decision, std::string& branch_taken) const {
  auto it = interrupt.detail().branches.find(decision);
  if (it == interrupt.detail().branches.end()) it = interrupt.detail().branches.find("default");
  branch_taken = it->first;
  return it->second;
}

size_t Program::InstructionCount() const {
  size_t n = 0;
  for (const auto& seg : segments_) n += seg.code.size();
  return n;
}

std::string DecisionOf(const Json& input, const std::string& branch_on) {
  if (input.is_string()) return input.get<std::string>();
  const Json* v = &input;
  size_t start = 0;
  while (true) {
    size_t dot = branch_on.find('.', start);
    std::string key = branch_on.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!v->is_object() || !v->contains(key)) return "default";
    v = &(*v)[key];
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (v->is_string()) return v->get<std::string>();
  if (v->is_number() || v->is_boolean()) return v->dump();
  return "default";
}

std::string Program::Describe() const {
  static const char* kNames[] = {"start",        "artifact", "complete",   "fail-step", "interrupt", "fail-run",
                                 "complete-run", "text",     "tool-start", "tool-end",  "notice"};
  std::string out;
  for (size_t s = 0; s < segments_.size(); ++s) {
    for (const auto& in : segments_[s].code) {
      out += std::to_string(s) + " +" + std::to_string(in.offset_ms) + " " + kNames[static_cast<int>(in.op)];
      if (in.node) out += " " + in.node->name;
      if (in.op == Op::kAddArtifact) out += "#" + std::to_string(in.artifact_index);
      if (in.op == Op::kTextDelta) out += " \"" + in.text + "\"";
      if (!in.detail().result.is_null()) out += " " + in.detail().result.dump();
      for (const auto& [k, seg] : in.detail().branches) out += " " + k + "->" + std::to_string(seg);
      if (in.detail().timeout_segment >= 0)
        out += " timeout(" + std::to_string(*in.detail().timeout_ms) + ")->" + std::to_string(in.detail().timeout_segment);
      if (in.detail().fail_reason) out += " reason=" + *in.detail().fail_reason;
      out += "\n";
    }
  }
  return out;
}

}  // namespace sandbox::script
