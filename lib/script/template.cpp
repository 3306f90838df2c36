// Template checking and rendering; see template.h.
#include "script/template.h"

#include <set>

namespace sandbox::script {
namespace {

std::string Trim(const std::string& s) {
  auto a = s.find_first_not_of(" \t");
  if (a == std::string::npos) return "";
  return s.substr(a, s.find_last_not_of(" \t") - a + 1);
}

std::vector<std::string> Split(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t dot = path.find('.', start);
    parts.push_back(path.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) return parts;
    start = dot + 1;
  }
}

// Calls fn(variable) for each {{ variable }}; returns false on an unclosed {{.
template <class F>
bool ForEachVariable(const std::string& text, F&& fn) {
  size_t pos = 0;
  while ((pos = text.find("{{", pos)) != std::string::npos) {
    size_t end = text.find("}}", pos + 2);
    if (end == std::string::npos) return false;
    fn(Trim(text.substr(pos + 2, end - pos - 2)), pos, end + 2);
    pos = end + 2;
  }
  return true;
}

std::string CheckVariable(const std::string& var) {
  static const std::set<std::string> kRun = {"id", "thread_id", "agent", "scenario"};
  static const std::set<std::string> kThread = {"id"};
  static const std::set<std::string> kAgent = {"type", "name"};
  auto parts = Split(var);
  for (const auto& p : parts) {
    if (p.empty()) return "malformed variable \"" + var + "\"";
  }
  const std::string& root = parts[0];
  bool ok = false;
  if (root == "now") ok = parts.size() == 1;
  else if (root == "request" || root == "resume") ok = parts.size() >= 2;
  else if (root == "run") ok = parts.size() == 2 && kRun.count(parts[1]);
  else if (root == "thread") ok = parts.size() == 2 && kThread.count(parts[1]);
  else if (root == "agent") ok = parts.size() == 2 && kAgent.count(parts[1]);
  if (ok) return "";
  return "unknown variable \"" + var +
         "\" (known: request.<field>, run.id, run.thread_id, run.agent, run.scenario, thread.id, agent.type, "
         "agent.name, resume.<field>, now)";
}

void CheckInto(const Json& v, std::vector<std::string>& out) {
  if (v.is_string()) {
    auto e = CheckTemplate(v.get<std::string>());
    out.insert(out.end(), e.begin(), e.end());
  } else if (v.is_structured()) {
    for (const auto& item : v) CheckInto(item, out);
  }
}

}  // namespace

std::vector<std::string> CheckTemplate(const std::string& text) {
  std::vector<std::string> errors;
  bool closed = ForEachVariable(text, [&](const std::string& var, size_t, size_t) {
    std::string e = CheckVariable(var);
    if (!e.empty()) errors.push_back(e);
  });
  if (!closed) errors.push_back("unclosed \"{{\" in \"" + text + "\"");
  return errors;
}

std::vector<std::string> CheckTemplates(const Json& value) {
  std::vector<std::string> out;
  CheckInto(value, out);
  return out;
}

std::string RenderTemplate(const std::string& text, const Json& context) {
  if (text.find("{{") == std::string::npos) return text;
  std::string out;
  size_t copied = 0;
  ForEachVariable(text, [&](const std::string& var, size_t begin, size_t end) {
    out += text.substr(copied, begin - copied);
    const Json* v = &context;
    for (const auto& p : Split(var)) {
      if (!v->is_object() || !v->contains(p)) {
        v = nullptr;
        break;
      }
      v = &(*v)[p];
    }
    if (v && v->is_string()) out += v->get<std::string>();
    else if (v && !v->is_null()) out += v->dump();
    copied = end;
  });
  out += text.substr(copied);
  return out;
}

Json RenderTemplates(const Json& value, const Json& context) {
  if (value.is_string()) return RenderTemplate(value.get<std::string>(), context);
  if (value.is_object()) {
    Json out = Json::object();
    for (auto it = value.begin(); it != value.end(); ++it) out[it.key()] = RenderTemplates(it.value(), context);
    return out;
  }
  if (value.is_array()) {
    Json out = Json::array();
    for (const auto& item : value) out.push_back(RenderTemplates(item, context));
    return out;
  }
  return value;
}

}  // namespace sandbox::script
