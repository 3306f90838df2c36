// Captured text -> Run JSON -> Timeline -> fixture. A Run JSON lacks what
// only the log knows, so: an answered interrupt's value becomes
// {"label": <its step's label>} and the steps after it go into the
// "default" branch (any answer reproduces the run); pending interrupts take
// their value from run.interrupts; a failed run gets an error step carrying
// error.message.
#include "transfer/import.h"

#include <algorithm>
#include <functional>
#include <set>

#include "core/json_depth.h"
#include "core/time_format.h"
#include "transfer/json_fields.h"

namespace sandbox::transfer {
namespace {

Status Bad(const std::string& why) { return Status::InvalidArgument(why); }

std::optional<Instant> Time(const Json& obj, const char* key) {
  std::string s = StringOrEmpty(obj, key);
  if (s.empty()) return std::nullopt;
  return ParseCapturedInstant(s);
}

// The run in a parsed capture (a Run, or one STATE_SNAPSHOT event).
Result<Json> RunIn(const Json& j) {
  const Json& run = j.is_object() && j.contains("snapshot") && j["snapshot"].is_object() ? j["snapshot"] : j;
  const std::string expected = "expected the body of GET /v1/runs/{id}?include=steps";
  if (!run.is_object()) return Bad(std::string("not a run: the JSON is ") + run.type_name() + "; " + expected);
  std::string object = StringOrEmpty(run, "object");
  if (run.contains("object") && object != "run") {
    return Bad("not a run: its \"object\" is " + run["object"].dump() + "; " + expected);
  }
  if (StringOrEmpty(run, "status").empty() || (object.empty() && StringOrEmpty(run, "id").empty())) {
    return Bad("not a run: no \"id\" and \"status\"; " + expected);
  }
  if (!run.contains("steps") || !run["steps"].is_array()) {
    return Bad("the run has no \"steps\": capture it with GET /v1/runs/{id}?include=steps");
  }
  return run;
}

// A saved SSE stream: the last STATE_SNAPSHOT frame's snapshot.
// Captured runs nest a few levels (run, steps, artifacts, sources); fixture
// data inside them is bounded like any request body.
constexpr int kMaxCapturedDepth = 128;

Result<Json> RunInStream(const std::string& text) {
  std::optional<Json> last;
  bool any_data = false;
  std::string event, data;
  bool has_data = false;
  Status problem;
  auto dispatch = [&] {
    if (has_data && problem.ok()) {
      any_data = true;
      // Deeper than any captured frame: refused before parsing (json_depth.h).
      Json d = JsonDepthWithin(data, kMaxCapturedDepth) ? Json::parse(data, nullptr, /*allow_exceptions=*/false)
                                                        : Json(Json::value_t::discarded);
      bool snapshot = event == "STATE_SNAPSHOT" || (event.empty() && StringOrEmpty(d, "type") == "STATE_SNAPSHOT");
      if (snapshot) {
        if (d.is_discarded())
          problem = Bad("a STATE_SNAPSHOT frame's data is not JSON");
        else if (!d.contains("snapshot") || !d["snapshot"].is_object())
          problem = Bad("a STATE_SNAPSHOT frame has no \"snapshot\" object");
        else
          last = d["snapshot"];
      }
    }
    event.clear();
    data.clear();
    has_data = false;
  };
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    std::string line = text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) {
      dispatch();
    } else if (line[0] != ':') {
      size_t colon = line.find(':');
      std::string field = line.substr(0, colon);
      std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
      if (!value.empty() && value[0] == ' ') value.erase(0, 1);
      if (field == "event") event = value;
      if (field == "data") {
        if (has_data) data += "\n";
        data += value;
        has_data = true;
      }
    }
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  dispatch();
  if (!problem.ok()) return problem;
  if (!any_data) return Bad("not JSON, nor an event stream (no \"data:\" lines)");
  if (!last) return Bad("no STATE_SNAPSHOT in the stream");
  return RunIn(*last);
}

const std::vector<std::string> kStepTypes = {"activity", "output", "interrupt", "error"};

struct Flat {
  std::string id;
  std::string parent;
  TimelineStep step;
  bool has_start = false;
};

void Flatten(const Json& arr, const std::string& nest_parent, std::set<std::string>& seen, std::vector<Flat>& out) {
  for (const Json& s : arr) {
    if (!s.is_object()) continue;
    Flat f;
    f.id = StringOrEmpty(s, "id");
    if (f.id.empty() || seen.count(f.id)) f.id += "#" + std::to_string(out.size());
    seen.insert(f.id);
    f.parent = nest_parent.empty() ? StringOrEmpty(s, "parent_step_id") : nest_parent;
    TimelineStep& ts = f.step;
    ts.name = StringOrEmpty(s, "name");
    ts.label = StringOrEmpty(s, "label");
    std::string type = StringOrEmpty(s, "type");
    ts.type = std::find(kStepTypes.begin(), kStepTypes.end(), type) != kStepTypes.end() ? type : "activity";
    ts.agent = StringOrEmpty(s, "agent");
    ts.status = StringOrEmpty(s, "status").empty() ? "completed" : StringOrEmpty(s, "status");
    auto started = Time(s, "started_at");
    f.has_start = started.has_value();
    ts.started_at = started.value_or(0);
    ts.completed_at = Time(s, "completed_at");
    if (s.contains("result") && !s["result"].is_null()) ts.result = s["result"];
    if (s.contains("artifacts") && s["artifacts"].is_array()) {
      for (const Json& a : s["artifacts"]) {
        if (a.is_object()) ts.artifacts.push_back(ArtifactForFixture(a));
      }
    }
    std::string id = f.id;
    out.push_back(std::move(f));
    if (s.contains("steps") && s["steps"].is_array()) Flatten(s["steps"], id, seen, out);
  }
}

// Children of `parent`, in start order; a step without a start time starts
// with its parent.
std::vector<TimelineStep> Build(std::vector<Flat>& flat, std::vector<bool>& used, const std::string& parent,
                                Instant parent_start) {
  std::vector<TimelineStep> out;
  for (size_t i = 0; i < flat.size(); ++i) {
    if (used[i] || flat[i].parent != parent) continue;
    used[i] = true;
    TimelineStep s = flat[i].step;
    if (!flat[i].has_start) s.started_at = parent_start;
    s.steps = Build(flat, used, flat[i].id, s.started_at);
    out.push_back(std::move(s));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const TimelineStep& a, const TimelineStep& b) { return a.started_at < b.started_at; });
  return out;
}

std::vector<TimelineStep> StepTree(const Json& steps, Instant run_start) {
  std::vector<Flat> flat;
  std::set<std::string> seen;
  Flatten(steps, "", seen, flat);
  for (auto& f : flat) {
    if (f.parent == f.id || !seen.count(f.parent)) f.parent.clear();
  }
  std::vector<bool> used(flat.size(), false);
  std::vector<TimelineStep> top = Build(flat, used, "", run_start);
  // Steps whose parent ids form a cycle are unreachable: keep them at the top.
  for (size_t i = 0; i < flat.size(); ++i) {
    if (used[i]) continue;
    flat[i].parent.clear();
    auto more = Build(flat, used, "", run_start);
    top.insert(top.end(), more.begin(), more.end());
  }
  std::stable_sort(top.begin(), top.end(),
                   [](const TimelineStep& a, const TimelineStep& b) { return a.started_at < b.started_at; });
  return top;
}

void Walk(std::vector<TimelineStep>& list, const std::function<void(TimelineStep&)>& fn) {
  for (auto& s : list) {
    fn(s);
    Walk(s.steps, fn);
  }
}

}  // namespace

std::optional<Instant> ParseCapturedInstant(const std::string& s) {
  if (auto t = ParseInstant(s)) return t;
  if (s.size() < 25) return std::nullopt;
  const size_t z = s.size() - 6;  // "+HH:MM"
  const char sign = s[z];
  if ((sign != '+' && sign != '-') || s[z + 3] != ':') return std::nullopt;
  for (size_t i : {z + 1, z + 2, z + 4, z + 5}) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
  }
  auto base = ParseInstant(s.substr(0, z) + "Z");
  if (!base) return std::nullopt;
  int64_t offset =
      ((s[z + 1] - '0') * 10 + (s[z + 2] - '0')) * 3600000LL + ((s[z + 4] - '0') * 10 + (s[z + 5] - '0')) * 60000LL;
  return sign == '+' ? *base - offset : *base + offset;
}

Result<Json> CapturedRun(const std::string& text) {
  size_t i = 0;
  if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) i = 3;  // a UTF-8 byte order mark
  i = text.find_first_not_of(" \t\r\n", i);
  if (i == std::string::npos) return Bad("the file is empty");
  if (text[i] != '{' && text[i] != '[') return RunInStream(text);
  if (!JsonDepthWithin(std::string_view(text).substr(i), kMaxCapturedDepth)) {
    return Bad("JSON nested deeper than " + std::to_string(kMaxCapturedDepth) + " levels");
  }
  Json j;
  try {
    j = Json::parse(text.begin() + static_cast<long>(i), text.end());
  } catch (const Json::parse_error& e) {
    std::string what = e.what();
    auto close = what.find("] ");
    return Bad("not JSON: " + (close == std::string::npos ? what : what.substr(close + 2)));
  }
  return RunIn(j);
}

Result<Timeline> TimelineFromRun(const Json& run, const std::string& agent) {
  if (!run.is_object()) return Bad(std::string("not a run: the JSON is ") + run.type_name());
  Timeline t;
  t.run_id = StringOrEmpty(run, "id");
  t.agent = agent.empty() ? StringOrEmpty(run, "agent") : agent;
  t.status = StringOrEmpty(run, "status");
  Instant run_start = Time(run, "started_at").value_or(Time(run, "created_at").value_or(0));
  t.steps = StepTree(run.contains("steps") && run["steps"].is_array() ? run["steps"] : Json::array(), run_start);

  std::vector<Json> pending;
  if (run.contains("interrupts") && run["interrupts"].is_array()) {
    for (const Json& i : run["interrupts"]) {
      if (i.is_object()) pending.push_back(i);
    }
  }
  Instant last_start = run_start;
  Walk(t.steps, [&](TimelineStep& s) { last_start = std::max(last_start, s.started_at); });
  const std::string error_message = run.contains("error") ? StringOrEmpty(run["error"], "message") : "";
  size_t next_pending = 0;
  bool manual = false;
  std::optional<std::string> policy;
  Walk(t.steps, [&](TimelineStep& s) {
    if (s.type != "interrupt" || !s.steps.empty()) return;
    TimelineInterrupt in;
    in.raised_at = s.started_at;
    in.resolved_at = s.completed_at;
    in.value = Json{{"label", s.label}};
    std::string marker;
    if (s.status == "completed" && IsPolicyMarker(s.result, marker)) {
      in.end = TimelineInterrupt::End::kPolicy;
      s.result = nullptr;
      if (!policy) policy = marker;
    } else if (s.status == "running") {
      in.end = TimelineInterrupt::End::kPending;
      manual = true;
      if (next_pending < pending.size()) {
        const Json& p = pending[next_pending++];
        if (p.contains("value") && !p["value"].is_null()) in.value = p["value"];
        if (!StringOrEmpty(p, "agent").empty()) in.agent = StringOrEmpty(p, "agent");
      }
    } else if (s.status == "error") {
      in.end = TimelineInterrupt::End::kExpired;
      manual = true;
      in.failed_run = t.status == "error" && (error_message == "approval_timeout" || s.started_at >= last_start);
    } else {
      in.end = TimelineInterrupt::End::kAnswered;
      manual = true;
    }
    s.interrupt = std::move(in);
  });
  // Pending interrupts no step shows: the run ends by asking them.
  for (; next_pending < pending.size(); ++next_pending) {
    const Json& p = pending[next_pending];
    TimelineStep s;
    s.name = "awaiting_input";
    s.type = "interrupt";
    s.status = "running";
    s.agent = StringOrEmpty(p, "agent");
    Json value = p.contains("value") && !p["value"].is_null() ? p["value"] : Json::object();
    s.label = value.is_object() && !StringOrEmpty(value, "label").empty() ? StringOrEmpty(value, "label")
                                                                          : "Waiting for input";
    s.started_at = t.steps.empty() ? run_start : t.steps.back().completed_at.value_or(t.steps.back().started_at);
    TimelineInterrupt in;
    in.value = value;
    if (!s.agent.empty()) in.agent = s.agent;
    in.raised_at = s.started_at;
    s.interrupt = std::move(in);
    manual = true;
    t.steps.push_back(std::move(s));
  }
  if (policy && !manual) {
    t.interrupt_policy = policy;
  } else if (policy) {
    // Mixed with manual interrupts: one policy per scenario, so all pause.
    Walk(t.steps, [](TimelineStep& s) {
      if (s.interrupt && s.interrupt->end == TimelineInterrupt::End::kPolicy)
        s.interrupt->end = TimelineInterrupt::End::kAnswered;
    });
  }
  if (t.status == "error") {
    ExplainFailure(t, error_message.empty() ? "imported run failed" : error_message, std::nullopt,
                   Time(run, "ended_at"));
  }
  if (t.steps.empty()) return Bad("the run has no steps to reproduce");
  return t;
}

Result<Json> ImportRun(const Json& run, const std::string& agent) {
  auto t = TimelineFromRun(run, agent);
  if (!t.ok()) return t.status();
  const std::string& id = t->run_id;
  FixtureLabels labels;
  labels.agent_description = "Imported from run " + (id.empty() ? std::string("(no id)") : id);
  labels.scenario_name = id.empty() ? "imported_run" : "imported_" + id.substr(0, 8);
  labels.scenario_description = "Reproduces run " + (id.empty() ? std::string("(no id)") : id) + " of " +
                                (t->agent.empty() ? std::string("an unnamed agent") : t->agent) + " (" +
                                (t->status.empty() ? std::string("unknown status") : t->status) +
                                "), captured from the API and written by agent-sandbox import.";
  return FixtureFromTimeline(t.value(), labels);
}

}  // namespace sandbox::transfer
