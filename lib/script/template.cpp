// Template checking and rendering; see template.h.
//
// Robustness (issue 10): every pass over a template text is linear (each
// "{{" is matched with the next "}}" once), JSON values are walked with an
// explicit stack rather than recursion, messages echo at most
// limits::kMaxEchoBytes of the text, and what insertions add to one rendering
// is capped at limits::kMaxRenderedBytes, because a short template such as
// "{{request.note}}" repeated a thousand times would otherwise multiply a
// large request field a thousandfold.
#include "script/template.h"

#include <set>
#include <string_view>
#include <utility>

#include "script/excerpt.h"
#include "script/limits.h"

namespace sandbox::script {
namespace {

std::string_view Trim(std::string_view s) {
  auto a = s.find_first_not_of(" \t");
  if (a == std::string_view::npos) return {};
  return s.substr(a, s.find_last_not_of(" \t") - a + 1);
}

std::vector<std::string_view> Split(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t dot = path.find('.', start);
    parts.push_back(path.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) return parts;
    start = dot + 1;
  }
}

// Calls fn(variable, begin, end) for each {{ variable }}, where [begin, end)
// is the placeholder with its braces; returns false on an unclosed {{.
template <class F>
bool ForEachVariable(std::string_view text, F&& fn) {
  size_t pos = 0;
  while ((pos = text.find("{{", pos)) != std::string_view::npos) {
    size_t end = text.find("}}", pos + 2);
    if (end == std::string_view::npos) return false;
    fn(Trim(text.substr(pos + 2, end - pos - 2)), pos, end + 2);
    pos = end + 2;
  }
  return true;
}

std::string CheckVariable(std::string_view var) {
  static const std::set<std::string_view> kRun = {"id", "thread_id", "agent", "scenario"};
  static const std::set<std::string_view> kThread = {"id"};
  static const std::set<std::string_view> kAgent = {"type", "name"};
  auto parts = Split(var);
  for (const auto& p : parts) {
    if (p.empty()) return "malformed variable \"" + Excerpt(var) + "\"";
  }
  std::string_view root = parts[0];
  bool ok = false;
  if (root == "now")
    ok = parts.size() == 1;
  else if (root == "request" || root == "resume")
    ok = parts.size() >= 2;
  else if (root == "run")
    ok = parts.size() == 2 && kRun.count(parts[1]);
  else if (root == "thread")
    ok = parts.size() == 2 && kThread.count(parts[1]);
  else if (root == "agent")
    ok = parts.size() == 2 && kAgent.count(parts[1]);
  if (ok) return "";
  return "unknown variable \"" + Excerpt(var) +
         "\" (known: request.<field>, run.id, run.thread_id, run.agent, run.scenario, thread.id, agent.type, "
         "agent.name, resume.<field>, now)";
}

// True when `v` nests at most `max_depth` arrays and objects. Iterative: the
// value may be anything a client sent.
bool DepthWithin(const Json& v, int max_depth) {
  std::vector<std::pair<const Json*, int>> stack{{&v, v.is_structured() ? 1 : 0}};
  while (!stack.empty()) {
    auto [node, depth] = stack.back();
    stack.pop_back();
    if (depth > max_depth) return false;
    if (!node->is_structured()) continue;
    for (const auto& child : *node) {
      if (child.is_structured()) stack.emplace_back(&child, depth + 1);
    }
  }
  return true;
}

// Renders templates under one budget for what insertions add.
class Renderer {
 public:
  explicit Renderer(const ContextSource& context) : source_(context) {}

  std::string Render(const std::string& text) {
    if (text.find("{{") == std::string::npos) return text;
    std::string out;
    size_t copied = 0;
    ForEachVariable(text, [&](std::string_view var, size_t begin, size_t end) {
      out.append(text, copied, begin - copied);
      copied = end;
      if (budget_ == 0) return;
      const Json* v = Lookup(var);
      if (!v || v->is_null()) return;
      if (v->is_string()) {
        Insert(v->get_ref<const std::string&>(), out);
      } else if (DepthWithin(*v, limits::kMaxJsonDepth)) {
        // Never throws: invalid UTF-8 cannot be in a parsed value, and would be replaced.
        Insert(v->dump(-1, ' ', false, Json::error_handler_t::replace), out);
      }
    });
    out.append(text, copied, std::string::npos);
    return out;
  }

 private:
  const Json* Lookup(std::string_view var) {
    if (!context_) context_ = &source_();
    const Json* v = context_;
    for (const auto& p : Split(var)) {
      if (!v->is_object()) return nullptr;
      auto it = v->find(std::string(p));
      if (it == v->end()) return nullptr;
      v = &*it;
    }
    return v;
  }

  // Appends `piece`, or as much of it as the budget allows (then nothing more).
  void Insert(std::string_view piece, std::string& out) {
    if (piece.size() > budget_) {
      out.append(Utf8Prefix(piece, budget_));
      budget_ = 0;
      return;
    }
    out.append(piece);
    budget_ -= piece.size();
  }

  const ContextSource& source_;
  const Json* context_ = nullptr;  // asked of source_ at the first variable
  size_t budget_ = limits::kMaxRenderedBytes;
};

}  // namespace

std::vector<std::string> CheckTemplate(const std::string& text) {
  std::vector<std::string> errors;
  bool closed = ForEachVariable(text, [&](std::string_view var, size_t, size_t) {
    std::string e = CheckVariable(var);
    if (!e.empty()) errors.push_back(e);
  });
  if (!closed) errors.push_back("unclosed \"{{\" in \"" + Excerpt(text) + "\"");
  return errors;
}

std::vector<std::string> CheckTemplates(const Json& value) {
  std::vector<std::string> out;
  std::vector<const Json*> stack{&value};
  while (!stack.empty()) {
    const Json* v = stack.back();
    stack.pop_back();
    if (v->is_string()) {
      auto e = CheckTemplate(v->get_ref<const std::string&>());
      out.insert(out.end(), e.begin(), e.end());
    } else if (v->is_structured()) {
      // Reversed, so that strings are checked in document order.
      std::vector<const Json*> children;
      for (const auto& item : *v) children.push_back(&item);
      stack.insert(stack.end(), children.rbegin(), children.rend());
    }
  }
  return out;
}

std::string RenderTemplate(const std::string& text, const Json& context) {
  return RenderTemplate(text, ContextSource([&]() -> const Json& { return context; }));
}

Json RenderTemplates(const Json& value, const Json& context) {
  return RenderTemplates(value, ContextSource([&]() -> const Json& { return context; }));
}

std::string RenderTemplate(const std::string& text, const ContextSource& context) {
  return Renderer(context).Render(text);
}

Json RenderTemplates(const Json& value, const ContextSource& context) {
  // A copy of `value` built top-down from an explicit stack: each container
  // gets all its members first (so their addresses no longer move), then each
  // member is filled in, in document order.
  Renderer renderer(context);
  Json out;
  std::vector<std::pair<const Json*, Json*>> stack{{&value, &out}};
  while (!stack.empty()) {
    auto [src, dst] = stack.back();
    stack.pop_back();
    if (src->is_string()) {
      *dst = renderer.Render(src->get_ref<const std::string&>());
    } else if (src->is_object()) {
      // (operator[] is linear in ordered_json; objects in fixtures have at
      // most limits::kMaxObjectMembers members.)
      *dst = Json::object();
      for (auto it = src->begin(); it != src->end(); ++it) (*dst)[it.key()] = nullptr;
      std::vector<std::pair<const Json*, Json*>> members;
      auto d = dst->begin();
      for (auto s = src->begin(); s != src->end(); ++s, ++d) members.emplace_back(&*s, &*d);
      stack.insert(stack.end(), members.rbegin(), members.rend());
    } else if (src->is_array()) {
      *dst = Json::array();
      dst->get_ref<Json::array_t&>().resize(src->size());
      for (size_t i = src->size(); i-- > 0;) stack.emplace_back(&(*src)[i], &(*dst)[i]);
    } else {
      *dst = *src;
    }
  }
  return out;
}

}  // namespace sandbox::script
