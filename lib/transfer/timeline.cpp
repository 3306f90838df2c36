// Timeline -> fixture scenario; the rules are in timeline.h. The writer walks
// the step tree once, returning with each step how long it takes in a re-run,
// so a parent knows whether it needs a duration of its own.
#include "transfer/timeline.h"

#include <algorithm>
#include <functional>
#include <limits>

#include "script/program.h"

namespace sandbox::transfer {
namespace {

constexpr Instant kOpenEnd = std::numeric_limits<Instant>::max();

// Keys an answer can select with the default branch_on ("decision").
const std::vector<std::string> kBranchKeys = {"approve",        "reject",     "default",  "add_sources",
                                              "add_attributes", "verify_tin", "dismissal"};

// The language has no escape for a literal "{{": write "{ {" instead.
std::string Literal(std::string s) {
  size_t pos = 0;
  while ((pos = s.find("{{", pos)) != std::string::npos) {
    s.replace(pos, 2, "{ {");
    pos += 2;
  }
  return s;
}

Json Literals(const Json& v) {
  if (v.is_string()) return Literal(v.get<std::string>());
  if (v.is_object()) {
    Json out = Json::object();
    for (auto it = v.begin(); it != v.end(); ++it) out[it.key()] = Literals(it.value());
    return out;
  }
  if (v.is_array()) {
    Json out = Json::array();
    for (const auto& item : v) out.push_back(Literals(item));
    return out;
  }
  return v;
}

std::string NonEmpty(const std::string& s, const std::string& fallback) { return s.empty() ? fallback : s; }

std::optional<std::string> StringField(const Json& obj, const char* key) {
  if (!obj.is_object() || !obj.contains(key) || !obj[key].is_string()) return std::nullopt;
  std::string s = obj[key].get<std::string>();
  if (s.empty()) return std::nullopt;
  return s;
}

// "1500ms", "3s", "2m", "24h": the largest unit that divides `ms` exactly.
std::string FormatDuration(int64_t ms) {
  if (ms % 3600000 == 0) return std::to_string(ms / 3600000) + "h";
  if (ms % 60000 == 0) return std::to_string(ms / 60000) + "m";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

bool IsInterrupt(const TimelineStep& s) { return s.type == "interrupt" && s.interrupt && s.steps.empty(); }
bool IsError(const TimelineStep& s) { return s.type == "error" && s.error_message && s.steps.empty(); }

bool Contains(const TimelineStep& s, const std::function<bool(const TimelineStep&)>& pred) {
  if (pred(s)) return true;
  return std::any_of(s.steps.begin(), s.steps.end(), [&](const TimelineStep& c) { return Contains(c, pred); });
}

// Siblings (in start order) of which one starts before the previous ends.
bool Overlap(const std::vector<TimelineStep>& list) {
  for (size_t i = 1; i < list.size(); ++i) {
    Instant prev_end = list[i - 1].completed_at.value_or(kOpenEnd);
    if (list[i].started_at < prev_end) return true;
  }
  return false;
}

// A dotted path under which `input` holds `want` (as DecisionOf reads it).
std::optional<std::string> PathTo(const Json& input, const std::string& want, const std::string& prefix = "") {
  if (!prefix.empty()) {
    if (input.is_string() && input.get<std::string>() == want) return prefix;
    if ((input.is_number() || input.is_boolean()) && input.dump() == want) return prefix;
  }
  if (!input.is_object()) return std::nullopt;
  for (auto it = input.begin(); it != input.end(); ++it) {
    if (it.key().empty() || it.key().find('.') != std::string::npos) continue;
    if (auto p = PathTo(it.value(), want, prefix.empty() ? it.key() : prefix + "." + it.key())) return p;
  }
  return std::nullopt;
}

// The branch key (and branch_on, when the default would not find it) that
// sends the same answer down the same branch again.
std::string BranchKey(const TimelineInterrupt& in, Json& spec) {
  const bool standard = std::find(kBranchKeys.begin(), kBranchKeys.end(), in.branch) != kBranchKeys.end();
  if (script::DecisionOf(in.input) == in.branch) {
    if (!standard) spec["branch_on"] = "decision";
    return in.branch;
  }
  if (in.branch == "default") return "default";
  if (auto path = PathTo(in.input, in.branch)) {
    spec["branch_on"] = *path;
    return in.branch;
  }
  return "default";
}

class Writer {
 public:
  // Steps list[from..], run one after another (or together); `length` is
  // how long they take in a re-run.
  Json List(const std::vector<TimelineStep>& list, size_t from, const std::string& ctx_agent, bool parallel,
            int64_t& length) {
    Json out = Json::array();
    length = 0;
    for (size_t i = from; i < list.size(); ++i) {
      const TimelineStep& s = list[i];
      if (IsInterrupt(s)) {
        out.push_back(Interrupt(s, ctx_agent, list, i + 1));
        break;  // the siblings that followed are in its branch
      }
      std::optional<Instant> end = s.completed_at;
      if (!parallel && end && i + 1 < list.size() && list[i + 1].started_at > *end) end = list[i + 1].started_at;
      int64_t step_length = 0;
      out.push_back(Step(s, ctx_agent, end, step_length));
      length = parallel ? std::max(length, step_length) : length + step_length;
    }
    return out;
  }

 private:
  Json Head(const TimelineStep& s, const std::string& type, const std::string& ctx_agent) {
    Json j = Json::object();
    j["name"] = NonEmpty(s.name, "step");
    j["label"] = Literal(NonEmpty(s.label, j["name"].get<std::string>()));
    if (type != "activity") j["type"] = type;
    if (!s.agent.empty() && s.agent != ctx_agent) j["agent"] = s.agent;
    return j;
  }

  void Extras(const TimelineStep& s, Json& j, bool leaf) {
    if (!s.artifacts.empty()) j["artifacts"] = s.artifacts;
    if (!s.result.is_null())
      j["result"] = s.result.is_object() ? Literals(s.result) : Json{{"value", Literals(s.result)}};
    if (leaf && s.message && !s.message->empty()) j["message"] = Literal(*s.message);
    if (s.tool.is_object()) {
      Json tool = {{"name", NonEmpty(StringField(s.tool, "name").value_or(""), "tool")}};
      if (s.tool.contains("input") && !s.tool["input"].is_null()) tool["input"] = Literals(s.tool["input"]);
      if (s.tool.contains("output") && !s.tool["output"].is_null()) tool["output"] = Literals(s.tool["output"]);
      j["tool"] = tool;
    }
    if (s.notice && !s.notice->empty()) j["notice"] = Literal(*s.notice);
  }

  Json Step(const TimelineStep& s, const std::string& ctx_agent, std::optional<Instant> end, int64_t& length) {
    const bool error = IsError(s);
    std::string type = s.type;
    if ((type == "error" && !error) || type == "interrupt") type = "activity";  // nothing to fail or ask with
    Json j = Head(s, type, ctx_agent);
    const std::string own_agent = s.agent.empty() ? ctx_agent : s.agent;
    int64_t span = end ? std::max<int64_t>(0, *end - s.started_at) : 0;
    length = 0;
    if (s.steps.empty()) {
      length = span;
      if (span > 0) j["duration"] = FormatDuration(span);
      Extras(s, j, /*leaf=*/true);
    } else {
      const bool parallel = s.steps.size() > 1 && !Contains(s, IsInterrupt) && Overlap(s.steps);
      int64_t children = 0;
      Json kids = List(s.steps, 0, own_agent, parallel, children);
      length = children;
      // Once an interrupt or a failure is inside, the engine ignores the
      // parent's own duration: it ends with its children or the run.
      const bool open_ended = Contains(s, IsInterrupt) || Contains(s, IsError);
      if (!open_ended && end && span > children) {
        j["duration"] = FormatDuration(span);
        length = span;
      }
      if (parallel) j["parallel"] = true;
      Extras(s, j, /*leaf=*/false);
      j["steps"] = kids;
    }
    if (error) {
      Json e = {{"message", Literal(NonEmpty(*s.error_message, "run failed"))}};
      if (s.error_reason && !s.error_reason->empty()) e["reason"] = *s.error_reason;
      j["error"] = e;
    }
    return j;
  }

  Json Interrupt(const TimelineStep& s, const std::string& ctx_agent, const std::vector<TimelineStep>& list,
                 size_t rest) {
    const TimelineInterrupt& in = *s.interrupt;
    Json j = Head(s, "interrupt", ctx_agent);
    Extras(s, j, /*leaf=*/true);
    j.erase("message");  // an interrupt step does no work of its own
    Json value = in.value.is_object() ? Literals(in.value) : Json{{"value", Literals(in.value)}};
    Json spec = {{"value", value}};
    auto value_agent = StringField(value, "agent");
    if (in.agent && !in.agent->empty() && in.agent != value_agent) spec["agent"] = *in.agent;
    // Branch (and on_timeout) steps take the interrupt step's agent.
    const std::string branch_agent = s.agent.empty() ? ctx_agent : s.agent;
    int64_t unused = 0;
    const bool has_rest = rest < list.size();
    switch (in.end) {
      case TimelineInterrupt::End::kAnswered:
        if (has_rest) {
          std::string key = BranchKey(in, spec);
          spec["branches"] = {{key, List(list, rest, branch_agent, false, unused)}};
        }
        break;
      case TimelineInterrupt::End::kPending:
      case TimelineInterrupt::End::kPolicy:
        if (has_rest) spec["branches"] = {{"default", List(list, rest, branch_agent, false, unused)}};
        break;
      case TimelineInterrupt::End::kExpired: {
        int64_t waited = in.resolved_at ? *in.resolved_at - in.raised_at : 0;
        spec["timeout"] = FormatDuration(std::max<int64_t>(1, waited));
        if (has_rest || !in.failed_run) spec["on_timeout"] = List(list, rest, branch_agent, false, unused);
        break;
      }
    }
    j["interrupt"] = spec;
    return j;
  }
};

// Every step in pre-order, with its depth.
void Walk(std::vector<TimelineStep>& list, int depth, const std::function<void(TimelineStep&, int)>& fn) {
  for (auto& s : list) {
    fn(s, depth);
    Walk(s.steps, depth + 1, fn);
  }
}

}  // namespace

Json ArtifactForFixture(const Json& a) {
  Json out = Json::object();
  out["title"] = Literal(StringField(a, "title").value_or("Untitled artifact"));
  out["type"] = StringField(a, "type").value_or("artifact");
  if (auto c = StringField(a, "confidence")) out["confidence"] = *c;
  if (auto s = StringField(a, "summary")) out["summary"] = Literal(*s);
  Json sources = Json::array();
  if (a.is_object() && a.contains("sources") && a["sources"].is_array()) {
    for (const auto& src : a["sources"]) {
      auto url = StringField(src, "url");
      if (!url) continue;
      Json s = {{"url", Literal(*url)}};
      for (const char* k : {"source_name", "source_tier", "source_type"}) {
        if (auto v = StringField(src, k)) s[k] = Literal(*v);
      }
      sources.push_back(s);
    }
  }
  if (!sources.empty()) out["sources"] = sources;
  return out;
}

bool IsPolicyMarker(const Json& result, std::string& policy) {
  if (!result.is_object() || result.size() != 1 || !result.contains("resolution")) return false;
  const Json& r = result["resolution"];
  if (!r.is_string() || (r != "auto_approve" && r != "skip")) return false;
  policy = r.get<std::string>();
  return true;
}

void ExplainFailure(Timeline& t, const std::string& message, const std::optional<std::string>& reason,
                    std::optional<Instant> at) {
  bool explained = false;
  TimelineStep* error_leaf = nullptr;  // the last to start, of each kind
  TimelineStep* failed_leaf = nullptr;
  TimelineStep* failed_parent = nullptr;
  int failed_parent_depth = -1;
  Walk(t.steps, 0, [&](TimelineStep& s, int depth) {
    if (s.interrupt && s.interrupt->end == TimelineInterrupt::End::kExpired && s.interrupt->failed_run)
      explained = true;
    if (!s.steps.empty()) {
      if (s.status == "error" && depth >= failed_parent_depth) {
        failed_parent = &s;
        failed_parent_depth = depth;
      }
      return;
    }
    if (s.type == "error" && (!error_leaf || s.started_at >= error_leaf->started_at)) error_leaf = &s;
    if (s.type != "interrupt" && s.status == "error" && (!failed_leaf || s.started_at >= failed_leaf->started_at)) {
      failed_leaf = &s;
    }
  });
  if (explained) return;
  TimelineStep* leaf = error_leaf ? error_leaf : failed_leaf;
  if (leaf) {
    leaf->type = "error";
    leaf->error_message = message;
    leaf->error_reason = reason;
    return;
  }
  std::vector<TimelineStep>& siblings = failed_parent ? failed_parent->steps : t.steps;
  TimelineStep e;
  e.name = "run_failed";
  e.label = "Run failed";
  e.type = "error";
  e.agent = failed_parent ? failed_parent->agent : t.agent;
  e.status = "error";
  e.started_at = failed_parent ? failed_parent->started_at : 0;
  if (!siblings.empty()) {
    const TimelineStep& last = siblings.back();
    e.started_at = last.completed_at.value_or(last.started_at);
  }
  e.completed_at = std::max(e.started_at, at.value_or(e.started_at));
  e.error_message = message;
  e.error_reason = reason;
  siblings.push_back(std::move(e));
}

Json FixtureFromTimeline(const Timeline& t, const FixtureLabels& labels) {
  const std::string agent = NonEmpty(t.agent, "imported_agent");
  Writer w;
  int64_t length = 0;
  Json scenario = {{"name", NonEmpty(labels.scenario_name, "reproduced")},
                   {"description", NonEmpty(labels.scenario_description, "Reproduces a captured run.")}};
  if (t.interrupt_policy) scenario["interrupt_policy"] = *t.interrupt_policy;
  scenario["steps"] = w.List(t.steps, 0, agent, /*parallel=*/false, length);
  if (!t.result.is_null()) {
    const Json& r = t.result;
    bool fits = r.is_object();
    for (auto it = r.begin(); fits && it != r.end(); ++it) {
      fits = it.key() == "task_result" || (it.key() == "summary" && it->is_string()) ||
             (it.key() == "task_error" && (it->is_string() || it->is_null()));
    }
    scenario["result"] = fits ? Literals(r) : Json{{"task_result", Literals(r)}};
  }
  Json a = {{"type", agent},
            {"name", agent},
            {"description", NonEmpty(labels.agent_description, "Reproduces a captured run.")},
            {"scenarios", Json::array({scenario})}};
  return Json{{"agents", Json::array({a})}};
}

}  // namespace sandbox::transfer
