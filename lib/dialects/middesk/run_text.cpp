// AppendRunText (render.h): a Middesk Run's JSON text written straight from
// the state. RenderRun builds an ordered_json tree (an allocation for every
// key and value, the pairs of each object made as arrays first) only for
// dump() to walk it: for a webhook body that was a third of a delivery's
// cost (issue 12). The bytes are RenderRun(...).dump()'s; the tests hold
// every run of the shipped fixtures, at every event, to that. RespondRun
// answers a request with that text.
#include <map>

#include "core/json_text.h"
#include "core/time_format.h"
#include "dialects/middesk/render.h"

namespace sandbox::middesk {
namespace {

// Writes `open item,item,... close`: Next() before each item, which the
// caller writes. The one place a JSON list's commas and brackets are made.
class Delimited {
 public:
  Delimited(std::string& out, char open, char close) : out_(out), close_(close) { out_.push_back(open); }
  ~Delimited() { out_.push_back(close_); }
  Delimited(const Delimited&) = delete;
  Delimited& operator=(const Delimited&) = delete;

  std::string& Next() {
    if (!first_) out_.push_back(',');
    first_ = false;
    return out_;
  }

 protected:
  std::string& out_;

 private:
  const char close_;
  bool first_ = true;
};

// Writes `[item,...]`.
class ArrayText : public Delimited {
 public:
  explicit ArrayText(std::string& out) : Delimited(out, '[', ']') {}
};

// Writes `{"key":value,...}` one member at a time.
class ObjectText : public Delimited {
 public:
  explicit ObjectText(std::string& out) : Delimited(out, '{', '}') {}

  // Starts the member `key` (plain ASCII, written as it is); the caller
  // writes its value.
  std::string& Key(const char* key) {
    Next().push_back('"');
    out_ += key;
    out_ += "\":";
    return out_;
  }
  void String(const char* key, const std::string& value) { AppendJsonString(Key(key), value); }
  void Literal(const char* key, const char* ascii) {
    Key(key).push_back('"');
    out_ += ascii;
    out_.push_back('"');
  }
  void OptString(const char* key, const std::optional<std::string>& value) {
    if (value) {
      String(key, *value);
    } else {
      Key(key) += "null";
    }
  }
  void Time(const char* key, Instant t) { Literal(key, FormatInstant(t).c_str()); }
  void OptTime(const char* key, const std::optional<Instant>& t) {
    if (t) {
      Time(key, *t);
    } else {
      Key(key) += "null";
    }
  }
  void Value(const char* key, const Json& value) { AppendJsonText(Key(key), value); }
};

void AppendSource(std::string& out, const Source& s) {
  ObjectText o(out);
  o.String("url", s.url);
  // Source fields are plain strings in the contract: absent rather than null.
  if (s.source_name) o.String("source_name", *s.source_name);
  if (s.source_tier) o.String("source_tier", *s.source_tier);
  if (s.source_type) o.String("source_type", *s.source_type);
}

void AppendArtifact(std::string& out, const Artifact& a) {
  ObjectText o(out);
  o.String("id", a.id);
  o.String("title", a.title);
  o.String("type", a.type);
  o.OptString("confidence", a.confidence);
  o.OptString("summary", a.summary);
  ArrayText sources(o.Key("sources"));
  for (const Source& source : a.sources) AppendSource(sources.Next(), source);
}

void AppendStep(std::string& out, const Step& s, const std::multimap<std::string, const Step*>& children) {
  ObjectText o(out);
  o.String("id", s.id);
  o.String("run_id", s.run_id);
  o.String("agent", s.agent);
  o.String("type", s.type);
  o.String("name", s.name);
  o.String("label", s.label);
  o.OptString("parent_step_id", s.parent_step_id);
  o.Literal("status", StepStatusName(s.status));
  o.Time("started_at", s.started_at);
  o.OptTime("completed_at", s.completed_at);
  {
    ArrayText kids(o.Key("steps"));
    auto range = children.equal_range(s.id);
    for (auto it = range.first; it != range.second; ++it) AppendStep(kids.Next(), *it->second, children);
  }
  if (!s.result.is_null()) o.Value("result", s.result);
  ArrayText artifacts(o.Key("artifacts"));
  for (const Artifact& a : s.artifacts) AppendArtifact(artifacts.Next(), a);
}

}  // namespace

void AppendRunText(std::string& out, const RunState& s, bool include_steps) {
  const Run& r = s.run;
  ObjectText o(out);
  o.Literal("object", "run");
  o.String("id", r.id);
  o.Time("created_at", r.created_at);
  o.Time("updated_at", r.updated_at);
  // The Middesk contract has no cancelled status: a cancelled run is an error.
  o.Literal("status", r.status == RunStatus::kCancelled ? "error" : RunStatusName(r.status));
  o.String("thread_id", r.thread_id);
  o.String("agent", r.agent);
  if (r.requester) {
    ObjectText p(o.Key("requester"));
    p.String("id", r.requester->id);
    p.String("name", r.requester->name);
    p.OptString("email", r.requester->email);
  } else {
    o.Key("requester") += "null";
  }
  o.OptTime("started_at", r.started_at);
  o.OptTime("ended_at", r.ended_at);
  if (r.status == RunStatus::kCompleted) {
    o.Value("output", r.output);
  } else {
    o.Key("output") += "null";
  }
  {
    ArrayText interrupts(o.Key("interrupts"));
    for (const auto& i : s.interrupts) {
      if (!i.pending) continue;
      ObjectText entry(interrupts.Next());
      entry.String("id", i.id);
      entry.Value("value", i.value);
      if (i.agent) entry.String("agent", *i.agent);
    }
  }
  // Sandbox extension: why a run ended in error (the contract has no field for it).
  if (r.status == RunStatus::kError || r.status == RunStatus::kCancelled) {
    ObjectText error(o.Key("error"));
    error.String("message", r.error_message.value_or("run failed"));
  }
  if (include_steps) {
    std::multimap<std::string, const Step*> children;
    for (const auto& st : s.steps) {
      if (st.parent_step_id) children.emplace(*st.parent_step_id, &st);
    }
    ArrayText top(o.Key("steps"));
    for (const auto& st : s.steps) {
      if (!st.parent_step_id) AppendStep(top.Next(), st, children);
    }
  }
}

void RespondRun(httplib::Response& res, int http_status, const RunState& run, bool include_steps) {
  std::string text;
  try {
    AppendRunText(text, run, include_steps);
  } catch (const OrderedJson::exception&) {
    return RespondJson(res, http_status, RenderRun(run, include_steps));
  }
  res.status = http_status;
  res.set_content(std::move(text), "application/json");
}

}  // namespace sandbox::middesk
