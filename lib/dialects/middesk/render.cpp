// Rendering of Middesk objects. Steps are stored flat with parent ids and
// rebuilt into a tree here, in start order.
#include "dialects/middesk/render.h"

#include <map>
#include <utility>

#include "core/time_format.h"

namespace sandbox::middesk {
namespace {

OrderedJson OptString(const std::optional<std::string>& s) { return s ? OrderedJson(*s) : OrderedJson(); }

OrderedJson RenderSource(const Source& s) {
  OrderedJson j = {{"url", s.url}};
  // Source fields are plain strings in the contract: absent rather than null.
  if (s.source_name) j["source_name"] = *s.source_name;
  if (s.source_tier) j["source_tier"] = *s.source_tier;
  if (s.source_type) j["source_type"] = *s.source_type;
  return j;
}

OrderedJson RenderArtifact(const Artifact& a) {
  OrderedJson sources = OrderedJson::array();
  for (const auto& s : a.sources) sources.push_back(RenderSource(s));
  return OrderedJson{{"id", a.id},
                     {"title", a.title},
                     {"type", a.type},
                     {"confidence", OptString(a.confidence)},
                     {"summary", OptString(a.summary)},
                     {"sources", std::move(sources)}};
}

OrderedJson RenderStep(const Step& s, const std::multimap<std::string, const Step*>& children) {
  OrderedJson kids = OrderedJson::array();
  auto range = children.equal_range(s.id);
  for (auto it = range.first; it != range.second; ++it) kids.push_back(RenderStep(*it->second, children));
  OrderedJson artifacts = OrderedJson::array();
  for (const auto& a : s.artifacts) artifacts.push_back(RenderArtifact(a));
  OrderedJson j = {{"id", s.id},
                   {"run_id", s.run_id},
                   {"agent", s.agent},
                   {"type", s.type},
                   {"name", s.name},
                   {"label", s.label},
                   {"parent_step_id", OptString(s.parent_step_id)},
                   {"status", StepStatusName(s.status)},
                   {"started_at", FormatInstant(s.started_at)},
                   {"completed_at", InstantOrNull(s.completed_at)},
                   {"steps", std::move(kids)}};
  if (!s.result.is_null()) j["result"] = s.result;
  j["artifacts"] = std::move(artifacts);
  return j;
}

// Appends the run's top-level steps, each with its subtree, to `out`.
void AppendStepTree(const RunState& s, OrderedJson& out) {
  std::multimap<std::string, const Step*> children;
  for (const auto& st : s.steps) {
    if (st.parent_step_id) children.emplace(*st.parent_step_id, &st);
  }
  for (const auto& st : s.steps) {
    if (!st.parent_step_id) out.push_back(RenderStep(st, children));
  }
}

}  // namespace

OrderedJson RenderInterrupt(const Interrupt& i) {
  OrderedJson j = {{"id", i.id}, {"value", i.value}};
  if (i.agent) j["agent"] = *i.agent;
  return j;
}

OrderedJson RenderRequester(const std::optional<Principal>& p) {
  if (!p) return nullptr;
  return OrderedJson{{"id", p->id}, {"name", p->name}, {"email", OptString(p->email)}};
}

OrderedJson RenderRun(const RunState& s, bool include_steps) {
  const Run& r = s.run;
  OrderedJson interrupts = OrderedJson::array();
  for (const auto& i : s.interrupts) {
    if (i.pending) interrupts.push_back(RenderInterrupt(i));
  }
  OrderedJson j = {{"object", "run"},
                   {"id", r.id},
                   {"created_at", FormatInstant(r.created_at)},
                   {"updated_at", FormatInstant(r.updated_at)},
                   // The Middesk contract has no cancelled status: a cancelled run is an error.
                   {"status", r.status == RunStatus::kCancelled ? "error" : RunStatusName(r.status)},
                   {"thread_id", r.thread_id},
                   {"agent", r.agent},
                   {"requester", RenderRequester(r.requester)},
                   {"started_at", InstantOrNull(r.started_at)},
                   {"ended_at", InstantOrNull(r.ended_at)},
                   {"output", r.status == RunStatus::kCompleted ? r.output : OrderedJson()},
                   {"interrupts", std::move(interrupts)}};
  // Sandbox extension: why a run ended in error (the contract has no field for it).
  if (r.status == RunStatus::kError || r.status == RunStatus::kCancelled) {
    j["error"] = {{"message", r.error_message.value_or("run failed")}};
  }
  if (include_steps) {
    OrderedJson top = OrderedJson::array();
    AppendStepTree(s, top);
    j["steps"] = std::move(top);
  }
  return j;
}

OrderedJson RenderThread(const Thread& t, const std::vector<RunState>* runs) {
  OrderedJson j = {{"object", "thread"},
                   {"id", t.id},
                   {"created_at", FormatInstant(t.created_at)},
                   {"updated_at", FormatInstant(t.updated_at)},
                   {"status", ThreadStatusName(t.status)},
                   {"metadata", t.metadata.is_null() ? OrderedJson() : t.metadata},
                   {"requester", RenderRequester(t.requester)}};
  if (runs) {
    OrderedJson steps = OrderedJson::array();
    for (const auto& r : *runs) AppendStepTree(r, steps);
    j["steps"] = std::move(steps);
  }
  return j;
}

OrderedJson RenderAgent(const script::Agent& a, Instant created_at) {
  return OrderedJson{{"object", "agent"},
                     {"id", a.id},
                     {"type", a.type},
                     {"name", a.name},
                     {"description", a.description},
                     {"created_at", FormatInstant(created_at)},
                     {"updated_at", FormatInstant(created_at)}};
}

OrderedJson RenderList(OrderedJson data, bool has_more, int64_t total_count) {
  return OrderedJson{
      {"object", "list"}, {"data", std::move(data)}, {"has_more", has_more}, {"total_count", total_count}};
}

}  // namespace sandbox::middesk
