// Fixture parsing and validation (the scenario language, docs/scenarios.md).
// Validation is strict (unknown keys are errors, with a suggestion) because a
// misspelt key silently ignored is the most expensive kind of fixture bug.
// Every problem is collected with its JSON pointer; the file's text then
// turns each pointer into line:column.
//
// Hostile files (issue 10): before nlohmann sees a text, json_prescan.h
// measures it (UTF-8, depth, string lengths, members, numbers); the walk
// below then enforces the scenario limits of limits.h (steps, nesting,
// interrupts, rules, retries, ranges of numbers), compiles every regular
// expression with RE2 and every clean scenario into its program, and every
// message echoes input through excerpt.h. Nothing here throws on bad input;
// LoadFixtures still turns an unexpected exception (an allocation failure)
// into a Status, so that a reload can never take the server down.
#include "script/loader.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include "core/time_format.h"
#include "script/duration.h"
#include "script/excerpt.h"
#include "script/fixture_files.h"
#include "script/json_locator.h"
#include "script/json_prescan.h"
#include "script/limits.h"
#include "script/match_regex.h"
#include "script/program.h"
#include "script/suggest.h"
#include "script/template.h"

namespace sandbox::script {
namespace {

const std::vector<std::string> kStepTypes = {"activity", "output", "interrupt", "error"};
// Branch keys an answer can select when branch_on is the default "decision":
// what a resume sends, and what an action on the run sends (engine/actions.cpp).
const std::vector<std::string> kDecisionBranches = {"approve",        "reject",     "default",  "add_sources",
                                                    "add_attributes", "verify_tin", "dismissal"};

struct Problem {
  std::string pointer;  // where the problem is
  std::string message;
  bool at_key = false;  // the position is the key the pointer's last token names
  std::string shown;    // the pointer the message names, when not `pointer`
};

std::string EscapePointerToken(const std::string& key) {
  std::string out;
  for (char c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

std::string Quoted(const std::vector<std::string>& words) { return ExcerptList(words); }

std::string Count(size_t n) { return std::to_string(n); }

class Checker {
 public:
  void Error(const std::string& pointer, const std::string& what) { problems_.push_back({pointer, what, false, {}}); }
  const std::vector<Problem>& problems() const { return problems_; }

  // Reports keys of `obj` that are not in `allowed`, suggesting the closest.
  void OnlyKeys(const Json& obj, const std::string& at, const std::vector<std::string>& allowed) {
    for (auto it = obj.begin(); it != obj.end(); ++it) {
      if (std::find(allowed.begin(), allowed.end(), it.key()) != allowed.end()) continue;
      UnknownKey(at, it.key(), allowed);
    }
  }

  void UnknownKey(const std::string& at, const std::string& key, const std::vector<std::string>& allowed) {
    auto near = ClosestMatch(key, allowed);
    std::string what = "unknown key \"" + Excerpt(key) + "\"";
    what += near ? " (did you mean \"" + *near + "\"?)" : " (expected one of: " + Quoted(allowed) + ")";
    // The message names the object; the position is the key's.
    problems_.push_back({at + "/" + EscapePointerToken(key), what, true, at.empty() ? "/" : at});
  }

  bool RequireString(const Json& obj, const std::string& at, const char* key, std::string& out) {
    if (!obj.contains(key)) {
      Error(at, std::string("missing required key \"") + key + "\"");
      return false;
    }
    return String(obj[key], at + "/" + key, out);
  }

  bool String(const Json& v, const std::string& at, std::string& out) {
    if (!v.is_string()) {
      Error(at, std::string("expected a string, got ") + v.type_name());
      return false;
    }
    out = v.get<std::string>();
    if (out.empty()) {
      Error(at, "expected a non-empty string");
      return false;
    }
    return true;
  }

  // A string that may hold templates.
  bool TemplateString(const Json& v, const std::string& at, std::string& out) {
    if (!String(v, at, out)) return false;
    Templates(v, at);
    return true;
  }

  void Templates(const Json& v, const std::string& at) {
    for (const auto& e : CheckTemplates(v)) Error(at, e);
  }

  void OptionalString(const Json& obj, const std::string& at, const char* key, std::optional<std::string>& out,
                      bool templated = false) {
    if (!obj.contains(key) || obj[key].is_null()) return;
    std::string s;
    if (templated ? TemplateString(obj[key], at + "/" + key, s) : String(obj[key], at + "/" + key, s)) out = s;
  }

  bool Object(const Json& v, const std::string& at) {
    if (v.is_object()) return true;
    Error(at, std::string("expected an object, got ") + v.type_name());
    return false;
  }

  bool Array(const Json& v, const std::string& at) {
    if (v.is_array()) return true;
    Error(at, std::string("expected an array, got ") + v.type_name());
    return false;
  }

  bool OneOf(const Json& v, const std::string& at, const std::vector<std::string>& options, std::string& out) {
    if (!String(v, at, out)) return false;
    if (std::find(options.begin(), options.end(), out) != options.end()) return true;
    auto near = ClosestMatch(out, options);
    Error(at, "expected one of " + Quoted(options) + ", got \"" + Excerpt(out) + "\"" +
                  (near ? " (did you mean \"" + *near + "\"?)" : ""));
    return false;
  }

  // A duration of at most limits::kMaxDurationMs (and above zero when
  // `positive`), in whole milliseconds.
  std::optional<int64_t> Duration(const Json& v, const std::string& at, bool positive = false) {
    auto ms = DurationMagnitudeMs(v);
    if (!ms) {
      Error(at, "expected a duration such as \"250ms\", \"2s\", \"1.5m\", \"1h\" or a number of milliseconds, got " +
                    ExcerptJson(v));
      return std::nullopt;
    }
    if (*ms > static_cast<double>(limits::kMaxDurationMs)) {
      Error(at, "duration too long: at most 365 days (" + std::to_string(limits::kMaxDurationMs) + " ms), got " +
                    ExcerptJson(v));
      return std::nullopt;
    }
    auto rounded = static_cast<int64_t>(std::llround(*ms));
    if (positive && rounded <= 0) {
      Error(at, "expected a duration above zero");
      return std::nullopt;
    }
    return rounded;
  }

 private:
  std::vector<Problem> problems_;
};

const std::vector<std::string> kPolicies = {"manual", "auto_approve", "skip"};

InterruptPolicy PolicyFromName(const std::string& s) {
  if (s == "auto_approve") return InterruptPolicy::kAutoApprove;
  if (s == "skip") return InterruptPolicy::kSkip;
  return InterruptPolicy::kManual;
}

void ParseArtifacts(Checker& c, const Json& arr, const std::string& at, std::vector<ArtifactSpec>& out) {
  if (!c.Array(arr, at)) return;
  for (size_t i = 0; i < arr.size(); ++i) {
    std::string ap = at + "/" + std::to_string(i);
    const Json& a = arr[i];
    if (!c.Object(a, ap)) continue;
    c.OnlyKeys(a, ap, {"title", "type", "confidence", "summary", "sources"});
    ArtifactSpec spec;
    if (a.contains("title"))
      c.TemplateString(a["title"], ap + "/title", spec.title);
    else
      c.Error(ap, "missing required key \"title\"");
    c.RequireString(a, ap, "type", spec.type);
    c.OptionalString(a, ap, "confidence", spec.confidence);
    c.OptionalString(a, ap, "summary", spec.summary, /*templated=*/true);
    if (a.contains("sources") && c.Array(a["sources"], ap + "/sources")) {
      for (size_t j = 0; j < a["sources"].size(); ++j) {
        std::string sp = ap + "/sources/" + std::to_string(j);
        const Json& s = a["sources"][j];
        if (!c.Object(s, sp)) continue;
        c.OnlyKeys(s, sp, {"url", "source_name", "source_tier", "source_type"});
        Source src;
        if (s.contains("url"))
          c.TemplateString(s["url"], sp + "/url", src.url);
        else
          c.Error(sp, "missing required key \"url\"");
        c.OptionalString(s, sp, "source_name", src.source_name, true);
        c.OptionalString(s, sp, "source_tier", src.source_tier, true);
        c.OptionalString(s, sp, "source_type", src.source_type, true);
        spec.sources.push_back(std::move(src));
      }
    }
    out.push_back(std::move(spec));
  }
}

struct StepContext {
  std::string agent;
  bool in_parallel = false;
  int depth = 1;  // a top-level step is at depth 1
};

// What one scenario has used of the limits on steps, and which limits have
// been reported already (once each: the rest of the scenario is not read).
struct ScenarioBudget {
  int next_ref = 0;  // steps so far, and the next step's ref
  size_t interrupts = 0;
  bool too_many_steps = false;
  bool too_deep = false;
  bool too_many_interrupts = false;
};

// What all the files of one load have used of the limits that span them.
struct LoadBudget {
  // Parsing a script stored with a run (ParseScenario), not a fixture: its
  // match rules chose that run long ago and are never evaluated again, so a
  // pattern RE2 refuses (a lookahead accepted by the std::regex of older
  // versions) must not stop the run from being recovered.
  bool stored = false;
  size_t regex_rules = 0;
  size_t instructions = 0;
  bool too_many_regexes = false;
  bool too_many_instructions = false;
  bool too_many_agents = false;
};

void ParseSteps(Checker& c, const Json& arr, const std::string& at, const StepContext& ctx, ScenarioBudget& b,
                StepList& out);

void ParseInterrupt(Checker& c, const Json& i, const std::string& ip, const StepNode& n, const StepContext& ctx,
                    ScenarioBudget& b, InterruptSpec& spec) {
  c.OnlyKeys(i, ip, {"value", "agent", "branch_on", "branches", "timeout", "on_timeout"});
  if (!i.contains("value")) {
    c.Error(ip, "missing required key \"value\"");
  } else if (c.Object(i["value"], ip + "/value")) {
    spec.value = i["value"];
    c.Templates(spec.value, ip + "/value");
  }
  c.OptionalString(i, ip, "agent", spec.agent);
  if (!spec.agent && spec.value.is_object() && spec.value.contains("agent") && spec.value["agent"].is_string()) {
    spec.agent = spec.value["agent"].get<std::string>();
  }
  bool custom_branch_on = i.contains("branch_on");
  if (custom_branch_on) c.String(i["branch_on"], ip + "/branch_on", spec.branch_on);
  StepContext child{n.agent, false, ctx.depth + 1};
  if (i.contains("branches") && c.Object(i["branches"], ip + "/branches")) {
    for (auto it = i["branches"].begin(); it != i["branches"].end(); ++it) {
      if (!custom_branch_on &&
          std::find(kDecisionBranches.begin(), kDecisionBranches.end(), it.key()) == kDecisionBranches.end()) {
        c.UnknownKey(ip + "/branches", it.key(), kDecisionBranches);
        continue;
      }
      StepList branch;
      ParseSteps(c, it.value(), ip + "/branches/" + EscapePointerToken(it.key()), child, b, branch);
      spec.branches.emplace(it.key(), std::move(branch));
    }
  }
  if (i.contains("timeout")) spec.timeout_ms = c.Duration(i["timeout"], ip + "/timeout", /*positive=*/true);
  if (i.contains("on_timeout")) {
    if (!i.contains("timeout")) c.Error(ip + "/on_timeout", "on_timeout needs a timeout");
    StepList steps;
    ParseSteps(c, i["on_timeout"], ip + "/on_timeout", child, b, steps);
    spec.on_timeout = std::move(steps);
  }
}

void ParseStep(Checker& c, const Json& s, const std::string& at, const StepContext& ctx, ScenarioBudget& b,
               StepList& out) {
  if (!c.Object(s, at)) return;
  // Past a limit the step is not read: its children would only repeat it.
  if (ctx.depth > limits::kMaxStepDepth) {
    if (!b.too_deep) c.Error(at, "steps nested more than " + Count(limits::kMaxStepDepth) + " levels deep");
    b.too_deep = true;
    return;
  }
  if (static_cast<size_t>(b.next_ref) >= limits::kMaxStepsPerScenario) {
    if (!b.too_many_steps) c.Error(at, "more than " + Count(limits::kMaxStepsPerScenario) + " steps in one scenario");
    b.too_many_steps = true;
    return;
  }
  c.OnlyKeys(s, at,
             {"name", "label", "type", "agent", "duration", "artifacts", "result", "steps", "parallel", "message",
              "tool", "notice", "interrupt", "error"});
  StepNode n;
  n.ref = b.next_ref++;
  c.RequireString(s, at, "name", n.name);
  if (s.contains("label"))
    c.TemplateString(s["label"], at + "/label", n.label);
  else
    c.Error(at, "missing required key \"label\"");
  if (s.contains("type")) {
    std::string t;
    if (c.OneOf(s["type"], at + "/type", kStepTypes, t)) n.type = t;
  }
  n.agent = ctx.agent;
  if (s.contains("agent")) c.String(s["agent"], at + "/agent", n.agent);
  if (s.contains("duration")) n.duration_ms = c.Duration(s["duration"], at + "/duration").value_or(0);
  if (s.contains("artifacts")) ParseArtifacts(c, s["artifacts"], at + "/artifacts", n.artifacts);
  if (s.contains("result") && c.Object(s["result"], at + "/result")) {
    n.result = s["result"];
    c.Templates(n.result, at + "/result");
  }
  if (s.contains("parallel")) {
    if (!s["parallel"].is_boolean())
      c.Error(at + "/parallel", "expected true or false");
    else
      n.parallel = s["parallel"].get<bool>();
  }
  c.OptionalString(s, at, "message", n.message, /*templated=*/true);
  c.OptionalString(s, at, "notice", n.notice, /*templated=*/true);
  if (s.contains("tool") && c.Object(s["tool"], at + "/tool")) {
    const Json& t = s["tool"];
    c.OnlyKeys(t, at + "/tool", {"name", "input", "output"});
    ToolSpec tool;
    c.RequireString(t, at + "/tool", "name", tool.name);
    tool.input = t.value("input", Json());
    tool.output = t.value("output", Json());
    c.Templates(tool.input, at + "/tool/input");
    c.Templates(tool.output, at + "/tool/output");
    n.tool = std::move(tool);
  }
  if (s.contains("interrupt")) {
    std::string ip = at + "/interrupt";
    if (n.type != "interrupt") c.Error(ip, "only a step of type \"interrupt\" may have an interrupt");
    if (ctx.in_parallel) c.Error(ip, "an interrupt cannot be inside parallel steps");
    if (n.type == "interrupt" && ++b.interrupts > limits::kMaxInterruptsPerScenario) {
      if (!b.too_many_interrupts) {
        c.Error(at, "more than " + Count(limits::kMaxInterruptsPerScenario) + " interrupt steps in one scenario");
      }
      b.too_many_interrupts = true;
    } else if (c.Object(s["interrupt"], ip)) {
      InterruptSpec spec;
      ParseInterrupt(c, s["interrupt"], ip, n, ctx, b, spec);
      n.interrupt = std::move(spec);
    }
  } else if (n.type == "interrupt") {
    c.Error(at, "a step of type \"interrupt\" needs an \"interrupt\" object");
  }
  if (s.contains("error")) {
    std::string ep = at + "/error";
    if (n.type != "error") c.Error(ep, "only a step of type \"error\" may have an error");
    if (c.Object(s["error"], ep)) {
      c.OnlyKeys(s["error"], ep, {"message", "reason"});
      std::string msg;
      if (s["error"].contains("message") && c.TemplateString(s["error"]["message"], ep + "/message", msg)) {
        n.error_message = msg;
      } else if (!s["error"].contains("message")) {
        c.Error(ep, "missing required key \"message\"");
      }
      c.OptionalString(s["error"], ep, "reason", n.error_reason);
    }
  } else if (n.type == "error") {
    c.Error(at, "a step of type \"error\" needs an \"error\" object with a message");
  }
  if (s.contains("steps")) {
    if (n.type == "interrupt" || n.type == "error") {
      c.Error(at + "/steps", "a step of type \"" + n.type + "\" cannot have child steps");
    } else {
      ParseSteps(c, s["steps"], at + "/steps", StepContext{n.agent, ctx.in_parallel || n.parallel, ctx.depth + 1}, b,
                 n.steps);
    }
  }
  if (n.parallel && n.steps.empty()) c.Error(at + "/parallel", "a parallel step needs child steps");
  if (n.message && !n.steps.empty()) c.Error(at + "/message", "only a step without child steps may stream a message");
  out.push_back(std::move(n));
}

void ParseSteps(Checker& c, const Json& arr, const std::string& at, const StepContext& ctx, ScenarioBudget& b,
                StepList& out) {
  if (!c.Array(arr, at)) return;
  for (size_t i = 0; i < arr.size() && !b.too_many_steps; ++i) {
    ParseStep(c, arr[i], at + "/" + std::to_string(i), ctx, b, out);
  }
}

void ParseMatch(Checker& c, const Json& arr, const std::string& at, LoadBudget& load, std::vector<MatchRule>& out) {
  if (!c.Array(arr, at)) return;
  if (arr.size() > limits::kMaxMatchRulesPerScenario) {
    c.Error(at, "more than " + Count(limits::kMaxMatchRulesPerScenario) + " rules");
    return;
  }
  static const std::vector<std::string> kOps = {"equals", "contains", "matches", "exists"};
  for (size_t i = 0; i < arr.size(); ++i) {
    std::string rp = at + "/" + std::to_string(i);
    const Json& r = arr[i];
    if (!c.Object(r, rp)) continue;
    std::vector<std::string> allowed = {"field"};
    allowed.insert(allowed.end(), kOps.begin(), kOps.end());
    c.OnlyKeys(r, rp, allowed);
    MatchRule rule;
    c.RequireString(r, rp, "field", rule.field);
    int ops = 0;
    for (const auto& op : kOps) {
      if (!r.contains(op)) continue;
      ++ops;
      rule.op = op;
      rule.operand = r[op];
      std::string op_at = rp + "/" + op;
      if (op == "equals" && rule.operand.is_structured()) c.Error(op_at, "expected a string, number, boolean or null");
      if (op == "contains" && !rule.operand.is_string()) c.Error(op_at, "expected a string");
      if (op == "exists" && !rule.operand.is_boolean()) c.Error(op_at, "expected true or false");
      if (op != "matches") continue;
      if (!rule.operand.is_string()) {
        c.Error(op_at, "expected a regular expression string");
      } else if (++load.regex_rules > limits::kMaxRegexRules) {
        if (!load.too_many_regexes) {
          c.Error(op_at, "more than " + Count(limits::kMaxRegexRules) + " \"matches\" rules in all fixture files");
        }
        load.too_many_regexes = true;
      } else {
        auto re = CompileMatchPattern(rule.operand.get_ref<const std::string&>());
        if (re.ok())
          rule.regex = std::move(re).value();
        else if (!load.stored)
          c.Error(op_at, re.status().message());
      }
    }
    if (ops != 1) c.Error(rp, "a rule needs exactly one of equals, contains, matches, exists");
    out.push_back(std::move(rule));
  }
}

// The scenario's fault rules, in the form POST /_sandbox/faults takes; an
// error points at the offending field.
void ParseFaults(Checker& c, const Json& faults, const std::string& at, Scenario& out) {
  if (!c.Array(faults, at)) return;
  if (faults.size() > limits::kMaxFaultsPerScenario) {
    c.Error(at, "more than " + Count(limits::kMaxFaultsPerScenario) + " fault rules");
  }
  for (size_t i = 0; i < faults.size() && i < limits::kMaxFaultsPerScenario; ++i) {
    const std::string rp = at + "/" + std::to_string(i);
    if (!c.Object(faults[i], rp)) continue;
    auto rule = ParseFaultRule(faults[i]);
    if (!rule.ok()) {
      const std::string& field = rule.status().parameter();
      std::string what = rule.status().message();  // worded for the API: "Unknown field ..."
      what[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(what[0])));
      c.Error(!field.empty() && faults[i].contains(field) ? rp + "/" + field : rp, what);
      continue;
    }
    rule->id = out.name + "/faults/" + std::to_string(i);
    out.faults.push_back(std::move(rule).value());
  }
}

// {"tool_id", "tool_name"}: which workflow action the scenario scripts.
void ParseWorkflowAction(Checker& c, const Json& wa, const std::string& at, Scenario& out) {
  if (!c.Object(wa, at)) return;
  c.OnlyKeys(wa, at, {"tool_id", "tool_name"});
  WorkflowActionSelector selector;
  for (const char* key : {"tool_id", "tool_name"}) {
    if (!wa.contains(key)) continue;
    std::string v;
    if (!c.String(wa[key], at + "/" + key, v)) continue;  // (refuses "" as well)
    (std::string(key) == "tool_id" ? selector.tool_id : selector.tool_name) = std::move(v);
  }
  if (!wa.contains("tool_id") && !wa.contains("tool_name")) {
    c.Error(at, "give `tool_id`, `tool_name` or both: the workflow action this scenario scripts");
  }
  out.workflow_action = std::move(selector);
}

void ParseScenarioInto(Checker& c, const Json& sc, const std::string& at, const std::string& agent_type,
                       LoadBudget& load, Scenario& out) {
  if (!c.Object(sc, at)) return;
  c.OnlyKeys(sc, at,
             {"name", "description", "match", "interrupt_policy", "steps", "result", "retries", "faults",
              "workflow_action"});
  c.RequireString(sc, at, "name", out.name);
  if (sc.contains("description")) c.String(sc["description"], at + "/description", out.description);
  if (sc.contains("match")) ParseMatch(c, sc["match"], at + "/match", load, out.match);
  if (sc.contains("interrupt_policy")) {
    std::string p;
    if (c.OneOf(sc["interrupt_policy"], at + "/interrupt_policy", kPolicies, p))
      out.interrupt_policy = PolicyFromName(p);
  }
  if (sc.contains("result") && c.Object(sc["result"], at + "/result")) {
    const Json& r = sc["result"];
    c.OnlyKeys(r, at + "/result", {"summary", "task_result", "task_error"});
    if (r.contains("summary") && !r["summary"].is_string()) c.Error(at + "/result/summary", "expected a string");
    if (r.contains("task_error") && !r["task_error"].is_string() && !r["task_error"].is_null()) {
      c.Error(at + "/result/task_error", "expected a string or null");
    }
    c.Templates(r, at + "/result");
    out.result = r;
  }
  if (sc.contains("retries") && c.Array(sc["retries"], at + "/retries")) {
    if (sc["retries"].size() > limits::kMaxRetriesPerScenario) {
      c.Error(at + "/retries", "more than " + Count(limits::kMaxRetriesPerScenario) + " retries");
    }
    for (size_t i = 0; i < sc["retries"].size() && i < limits::kMaxRetriesPerScenario; ++i) {
      std::string rp = at + "/retries/" + std::to_string(i);
      const Json& r = sc["retries"][i];
      if (!c.Object(r, rp)) continue;
      c.OnlyKeys(r, rp, {"after", "scenario"});
      Retry retry;
      if (!r.contains("after")) {
        c.Error(rp, "missing required key \"after\"");
      } else if (auto ms = c.Duration(r["after"], rp + "/after")) {
        retry.after_ms = *ms;
      }
      if (r.contains("scenario")) c.String(r["scenario"], rp + "/scenario", retry.scenario);
      out.retries.push_back(std::move(retry));
    }
  }
  if (sc.contains("faults")) ParseFaults(c, sc["faults"], at + "/faults", out);
  if (sc.contains("workflow_action")) ParseWorkflowAction(c, sc["workflow_action"], at + "/workflow_action", out);
  if (!sc.contains("steps")) {
    c.Error(at, "missing required key \"steps\"");
  } else {
    ScenarioBudget budget;
    ParseSteps(c, sc["steps"], at + "/steps", StepContext{agent_type, false, 1}, budget, out.steps);
    if (sc["steps"].is_array() && sc["steps"].empty()) c.Error(at + "/steps", "a scenario needs at least one step");
    out.node_count = budget.next_ref;
  }
  out.source = sc;
}

// A retry names a scenario of its own agent (checked once all are read).
void CheckRetryTargets(Checker& c, const Json& scenarios, const std::string& at, const Agent& agent) {
  std::vector<std::string> names;
  for (const auto& sc : agent.scenarios) names.push_back(sc.name);
  for (size_t j = 0; j < agent.scenarios.size() && j < scenarios.size(); ++j) {
    const auto& retries = agent.scenarios[j].retries;
    for (size_t i = 0; i < retries.size(); ++i) {
      const std::string& target = retries[i].scenario;
      if (target.empty() || agent.FindScenario(target)) continue;
      auto near = ClosestMatch(target, names);
      c.Error(at + "/" + std::to_string(j) + "/retries/" + std::to_string(i) + "/scenario",
              "no scenario \"" + Excerpt(target) + "\" in agent " + Excerpt(agent.type) +
                  (near ? " (did you mean \"" + Excerpt(*near) + "\"?)" : " (scenarios: " + Quoted(names) + ")"));
    }
  }
}

void ParseModus(Checker& c, const Json& m, const std::string& at, ModusIdentity& out) {
  if (!c.Object(m, at)) return;
  c.OnlyKeys(m, at, {"id", "agent_type", "enabled", "triggers"});
  if (!m.contains("id")) {
    c.Error(at, "missing required key \"id\"");
  } else {
    // Read as unsigned or signed by what it is: get<int64_t>() of an
    // unsigned above INT64_MAX would wrap (nlohmann reads 7 as unsigned).
    const Json& id = m["id"];
    std::optional<int64_t> v;
    if (id.is_number_unsigned()) {
      if (id.get<uint64_t>() <= static_cast<uint64_t>(limits::kMaxModusId))
        v = static_cast<int64_t>(id.get<uint64_t>());
    } else if (id.is_number_integer()) {
      v = id.get<int64_t>();
    }
    if (!v || *v < 1 || *v > limits::kMaxModusId) {
      c.Error(at + "/id", "expected an integer from 1 to " + std::to_string(limits::kMaxModusId));
    } else {
      out.id = *v;
    }
  }
  if (!m.contains("agent_type"))
    c.Error(at, "missing required key \"agent_type\"");
  else
    c.OneOf(m["agent_type"], at + "/agent_type", {"task", "workflow"}, out.agent_type);
  if (m.contains("enabled")) {
    if (!m["enabled"].is_boolean())
      c.Error(at + "/enabled", "expected true or false");
    else
      out.enabled = m["enabled"];
  }
  if (m.contains("triggers") && c.Array(m["triggers"], at + "/triggers")) {
    for (size_t i = 0; i < m["triggers"].size(); ++i) {
      std::string tp = at + "/triggers/" + std::to_string(i);
      const Json& t = m["triggers"][i];
      if (!c.Object(t, tp)) continue;
      c.OnlyKeys(t, tp, {"type", "every", "start"});
      ModusTrigger trig;
      if (!t.contains("type"))
        c.Error(tp, "missing required key \"type\"");
      else
        c.OneOf(t["type"], tp + "/type", {"manual", "schedule", "webhook", "api"}, trig.type);
      if (t.contains("every")) trig.every_ms = c.Duration(t["every"], tp + "/every", /*positive=*/true);
      if (t.contains("start")) {
        std::string s;
        if (c.String(t["start"], tp + "/start", s)) {
          trig.start = ParseInstant(s);
          if (!trig.start) {
            c.Error(tp + "/start", "expected an ISO 8601 UTC time like 2026-01-01T00:00:00Z");
          } else if (*trig.start < 0 || *trig.start > limits::kMaxInstantMs) {
            c.Error(tp + "/start", "expected a time from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z");
            trig.start.reset();
          }
        }
      }
      if (trig.type == "schedule" && !t.contains("every")) c.Error(tp, "a schedule trigger needs \"every\"");
      if (trig.type != "schedule" && (t.contains("every") || t.contains("start"))) {
        c.Error(tp, "only a schedule trigger takes \"every\" and \"start\"");
      }
      out.triggers.push_back(std::move(trig));
    }
  }
}

// Compiles a scenario that parsed cleanly, so that `validate` finds what a run
// would only find when it starts: a scenario too large to compile.
void CompileAtLoad(Checker& c, const Scenario& sc, const std::string& at, LoadBudget& load) {
  if (load.too_many_instructions) return;
  auto program = Program::Compile(std::make_shared<const Scenario>(sc));
  if (!program.ok()) {
    c.Error(at, program.status().message());
    return;
  }
  load.instructions += program.value()->InstructionCount();
  if (load.instructions > limits::kMaxTotalInstructions) {
    c.Error(at, "all the scenarios together compile to more than " + Count(limits::kMaxTotalInstructions) +
                    " instructions");
    load.too_many_instructions = true;
  }
}

void ParseDocument(Checker& c, const Json& doc, const std::string& file, const IdGenerator& ids, LoadBudget& load,
                   FixtureSet& set) {
  if (!c.Object(doc, "")) return;
  // "$schema" lets editors find docs/scenario.schema.json; it means nothing here.
  c.OnlyKeys(doc, "", {"$schema", "agents"});
  if (!doc.contains("agents")) {
    c.Error("", "missing required key \"agents\"");
    return;
  }
  if (!c.Array(doc["agents"], "/agents")) return;
  for (size_t i = 0; i < doc["agents"].size(); ++i) {
    std::string at = "/agents/" + std::to_string(i);
    const Json& a = doc["agents"][i];
    if (!c.Object(a, at)) continue;
    if (set.agents.size() >= limits::kMaxAgents) {
      if (!load.too_many_agents) c.Error(at, "more than " + Count(limits::kMaxAgents) + " agents in all fixture files");
      load.too_many_agents = true;
      return;
    }
    c.OnlyKeys(a, at,
               {"type", "name", "description", "version", "interrupt_policy", "context", "modus", "scenarios"});
    Agent agent;
    agent.file = file;
    c.RequireString(a, at, "type", agent.type);
    c.RequireString(a, at, "name", agent.name);
    c.RequireString(a, at, "description", agent.description);
    if (a.contains("version")) c.String(a["version"], at + "/version", agent.version);
    if (a.contains("interrupt_policy")) {
      std::string p;
      if (c.OneOf(a["interrupt_policy"], at + "/interrupt_policy", kPolicies, p))
        agent.interrupt_policy = PolicyFromName(p);
    }
    if (a.contains("context")) {
      static const std::vector<std::string> kContextRules = {"business", "any", "optional"};
      std::string rule;
      if (c.OneOf(a["context"], at + "/context", kContextRules, rule)) {
        agent.context = rule == "business" ? Agent::ContextRule::kBusiness
                        : rule == "any"    ? Agent::ContextRule::kAny
                                           : Agent::ContextRule::kOptional;
      }
    }
    if (a.contains("modus")) {
      ModusIdentity m;
      ParseModus(c, a["modus"], at + "/modus", m);
      for (const auto& other : set.agents) {
        if (other.modus && m.id != 0 && other.modus->id == m.id) {
          c.Error(at + "/modus/id", "modus id " + std::to_string(m.id) + " is already used by " + Excerpt(other.type));
        }
      }
      // The engine starts runs on the first schedule trigger of an enabled identity.
      if (m.enabled) {
        for (const auto& t : m.triggers) {
          if (t.type != "schedule" || !t.every_ms || *t.every_ms <= 0) continue;
          agent.schedule = Schedule{.every_ms = *t.every_ms, .start = t.start};
          break;
        }
      }
      agent.modus = std::move(m);
    }
    agent.id = ids.Uuid("agent", agent.type, 0);
    if (!a.contains("scenarios")) {
      c.Error(at, "missing required key \"scenarios\"");
    } else if (c.Array(a["scenarios"], at + "/scenarios")) {
      if (a["scenarios"].empty()) c.Error(at + "/scenarios", "an agent needs at least one scenario");
      if (a["scenarios"].size() > limits::kMaxScenariosPerAgent) {
        c.Error(at + "/scenarios", "more than " + Count(limits::kMaxScenariosPerAgent) + " scenarios");
      }
      std::set<std::string> names;
      for (size_t j = 0; j < a["scenarios"].size() && j < limits::kMaxScenariosPerAgent; ++j) {
        Scenario sc;
        std::string sp = at + "/scenarios/" + std::to_string(j);
        const size_t problems_before = c.problems().size();
        ParseScenarioInto(c, a["scenarios"][j], sp, agent.type, load, sc);
        if (!sc.name.empty() && !names.insert(sc.name).second) {
          c.Error(sp + "/name", "duplicate scenario name \"" + Excerpt(sc.name) + "\"");
        }
        // The run keeps the policy in force when it started.
        InterruptPolicy policy = sc.interrupt_policy.value_or(agent.interrupt_policy);
        if (sc.source.is_object()) sc.source["interrupt_policy"] = InterruptPolicyName(policy);
        sc.interrupt_policy = policy;
        if (c.problems().size() == problems_before) CompileAtLoad(c, sc, sp, load);
        if (sc.workflow_action && !agent.modus) {
          c.Error(sp + "/workflow_action",
                  "a workflow action is a Modus call: the agent needs a `modus` identity to script one");
        }
        agent.scenarios.push_back(std::move(sc));
      }
      CheckRetryTargets(c, a["scenarios"], at + "/scenarios", agent);
    }
    if (!agent.type.empty() && set.FindAgentByType(agent.type)) {
      c.Error(at + "/type", "agent type \"" + Excerpt(agent.type) + "\" is already declared in " +
                                set.FindAgentByType(agent.type)->file);
      continue;
    }
    set.agents.push_back(std::move(agent));
  }
}

std::string Joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += (out.empty() ? "" : "\n") + l;
  return out;
}

std::string Shown(const std::string& pointer) { return pointer.empty() ? "/" : Printable(pointer); }

// nlohmann's parse_error text, from "syntax error" on, with the token it
// quotes ("last read: '...'", which can be a whole 64 KiB string) excerpted.
std::string SyntaxMessage(const std::string& what) {
  auto from = what.find("syntax error");
  std::string m = from == std::string::npos ? what : what.substr(from);
  const std::string kLastRead = "; last read: '";
  auto token = m.find(kLastRead);
  if (token == std::string::npos) return Excerpt(m, 400);
  token += kLastRead.size();
  auto expected = m.rfind("'; expected ");
  auto token_end = expected != std::string::npos && expected >= token ? expected : m.size() - 1;
  if (token_end < token) token_end = token;
  return Excerpt(m.substr(0, token), 400) + Excerpt(m.substr(token, token_end - token)) +
         Excerpt(m.substr(token_end), 200);
}

// One file's text: measured, parsed, checked. Problems are appended to
// `errors` as "FILE:LINE:COL: /pointer: message" lines.
void ParseInto(const std::string& text, const std::string& file, const IdGenerator& ids, LoadBudget& load,
               FixtureSet& set, std::vector<std::string>& errors) {
  if (text.size() > limits::kMaxFileBytes) {
    errors.push_back(file + ":1:1: /: a fixture file larger than " + Count(limits::kMaxFileBytes) + " bytes (4 MiB)");
    return;
  }
  if (auto problem = PrescanJson(text)) {
    errors.push_back(FormatPosition(file, PositionAt(text, problem->offset)) + ": " + Shown(problem->pointer) + ": " +
                     problem->message);
    return;
  }
  Json doc;
  try {
    doc = Json::parse(text);
  } catch (const Json::parse_error& e) {
    // Line and column of the byte where parsing stopped.
    size_t offset = e.byte == 0 ? 0 : e.byte - 1;
    errors.push_back(FormatPosition(file, PositionAt(text, offset)) + ": " + SyntaxMessage(e.what()));
    return;
  } catch (const Json::exception& e) {
    // out_of_range and the like: the prescan should have caught them.
    errors.push_back(file + ":1:1: " + Excerpt(e.what(), 400));
    return;
  }
  Checker c;
  ParseDocument(c, doc, file, ids, load, set);
  const auto& problems = c.problems();
  // Each position costs a scan of the text: only so many are worth it.
  for (size_t i = 0; i < problems.size() && i < limits::kMaxProblemsPerFile; ++i) {
    const Problem& p = problems[i];
    TextPosition where = LocatePointer(text, p.pointer, p.at_key);
    errors.push_back(FormatPosition(file, where) + ": " + Shown(!p.shown.empty() ? p.shown : p.pointer) + ": " +
                     p.message);
  }
  if (problems.size() > limits::kMaxProblemsPerFile) {
    errors.push_back(file + ":1:1: /: " + Count(problems.size() - limits::kMaxProblemsPerFile) +
                     " more problems not shown (the first " + Count(limits::kMaxProblemsPerFile) + " are above)");
  }
}

Result<FixtureSet> LoadFixturesUnguarded(const std::string& path, const IdGenerator& ids) {
  auto files = ReadFixtureFiles(path);
  if (!files.ok()) return files.status();
  FixtureSet set;
  LoadBudget load;
  std::vector<std::string> errors;
  for (const auto& f : files.value()) {
    if (!f.problem.empty())
      errors.push_back(f.problem);
    else
      ParseInto(f.text, f.name, ids, load, set, errors);
  }
  if (!errors.empty()) return Status::InvalidArgument(Joined(errors));
  return set;
}

}  // namespace

const char* InterruptPolicyName(InterruptPolicy p) {
  switch (p) {
    case InterruptPolicy::kManual:
      return "manual";
    case InterruptPolicy::kAutoApprove:
      return "auto_approve";
    case InterruptPolicy::kSkip:
      return "skip";
  }
  return "manual";
}

bool Scenario::Matches(const Json& request) const {
  for (const auto& rule : match) {
    const Json* v = &request;
    const std::string& path = rule.field;
    size_t start = 0;
    while (v) {
      size_t dot = path.find('.', start);
      std::string key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      auto it = v->is_object() ? v->find(key) : v->end();
      v = v->is_object() && it != v->end() ? &*it : nullptr;
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    bool present = v && !v->is_null();
    bool ok = false;
    // Operands were checked when the scenario was parsed; the type tests
    // below only keep a bad one from throwing.
    if (rule.op == "exists") {
      ok = rule.operand.is_boolean() && present == rule.operand.get<bool>();
    } else if (rule.op == "equals") {
      ok = v && *v == rule.operand;
    } else if (rule.op == "contains") {
      ok = present && v->is_string() && rule.operand.is_string() &&
           v->get_ref<const std::string&>().find(rule.operand.get_ref<const std::string&>()) != std::string::npos;
    } else if (rule.op == "matches") {
      ok = present && v->is_string() && rule.regex && SearchMatch(*rule.regex, v->get_ref<const std::string&>());
    }
    if (!ok) return false;
  }
  return true;
}

const Scenario* Agent::FindScenario(const std::string& name) const {
  for (const auto& s : scenarios) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

const Scenario& Agent::SelectScenario(const Json& request) const {
  for (const auto& s : scenarios) {
    if (!s.workflow_action && !s.match.empty() && s.Matches(request)) return s;
  }
  for (const auto& s : scenarios) {
    if (!s.workflow_action && s.match.empty()) return s;
  }
  return scenarios.front();
}

bool WorkflowActionSelector::Selects(const Json& action) const {
  auto same = [&](const char* key, const std::optional<std::string>& want) {
    if (!want) return true;
    auto it = action.is_object() ? action.find(key) : action.end();
    return it != action.end() && it->is_string() && it->get_ref<const std::string&>() == *want;
  };
  return same("toolId", tool_id) && same("toolName", tool_name);
}

const Scenario* Agent::SelectWorkflowAction(const Json& request) const {
  auto action = request.is_object() ? request.find("workflowAction") : request.end();
  if (action == request.end()) return nullptr;
  for (const auto& s : scenarios) {
    if (s.workflow_action && s.workflow_action->Selects(*action) && s.Matches(request)) return &s;
  }
  return nullptr;
}

const Agent* FixtureSet::FindAgentByType(const std::string& type) const {
  for (const auto& a : agents) {
    if (a.type == type) return &a;
  }
  return nullptr;
}

const Agent* FixtureSet::FindAgentById(const std::string& id) const {
  for (const auto& a : agents) {
    if (a.id == id) return &a;
  }
  return nullptr;
}

size_t FixtureSet::ScenarioCount() const {
  size_t n = 0;
  for (const auto& a : agents) n += a.scenarios.size();
  return n;
}

Result<FixtureSet> ParseFixtureText(const std::string& text, const std::string& file, const IdGenerator& ids) {
  FixtureSet set;
  LoadBudget load;
  std::vector<std::string> errors;
  ParseInto(text, Printable(file), ids, load, set, errors);
  if (!errors.empty()) return Status::InvalidArgument(Joined(errors));
  return set;
}

Result<FixtureSet> LoadFixtures(const std::string& path, const IdGenerator& ids) {
  // Nothing below throws on any input; an exception here is an allocation
  // failure or a bug, and a running server must survive both (its watcher
  // thread would otherwise end the process).
  try {
    return LoadFixturesUnguarded(path, ids);
  } catch (const std::exception& e) {
    return Status::Internal(Printable(path) + ": the fixtures could not be loaded: " + Excerpt(e.what(), 400));
  }
}

Result<Scenario> ParseScenario(const Json& scenario, const std::string& agent_type) {
  Checker c;
  Scenario sc;
  LoadBudget load;
  load.stored = true;
  ParseScenarioInto(c, scenario, "", agent_type, load, sc);
  if (!c.problems().empty()) {
    std::vector<std::string> lines;
    for (const auto& p : c.problems()) lines.push_back(Shown(p.shown.empty() ? p.pointer : p.shown) + ": " + p.message);
    return Status::Internal("stored scenario is invalid: " + Joined(lines));
  }
  return sc;
}

}  // namespace sandbox::script
