// Fixture parsing and validation. Validation is strict (unknown keys are
// errors) because a misspelt key silently ignored is the most expensive kind
// of fixture bug. All problems are collected, not just the first.
#include "script/loader.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "script/duration.h"

namespace sandbox::script {
namespace {

namespace fs = std::filesystem;

const std::set<std::string> kStepTypes = {"activity", "output", "interrupt", "error"};

class Checker {
 public:
  explicit Checker(std::string file) : file_(std::move(file)) {}

  void Error(const std::string& pointer, const std::string& what) {
    errors_.push_back((file_.empty() ? "" : file_ + ": ") + (pointer.empty() ? "/" : pointer) + ": " + what);
  }
  const std::vector<std::string>& errors() const { return errors_; }

  // Reports keys of `obj` that are not in `allowed`.
  void OnlyKeys(const Json& obj, const std::string& at, std::initializer_list<const char*> allowed) {
    for (auto it = obj.begin(); it != obj.end(); ++it) {
      bool known = std::any_of(allowed.begin(), allowed.end(), [&](const char* k) { return it.key() == k; });
      if (!known) {
        std::string list;
        for (const char* k : allowed) list += std::string(list.empty() ? "" : ", ") + k;
        Error(at, "unknown key \"" + it.key() + "\" (expected one of: " + list + ")");
      }
    }
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

  void OptionalString(const Json& obj, const std::string& at, const char* key, std::optional<std::string>& out) {
    if (!obj.contains(key) || obj[key].is_null()) return;
    std::string s;
    if (String(obj[key], at + "/" + key, s)) out = s;
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

 private:
  std::string file_;
  std::vector<std::string> errors_;
};

std::string EscapePointerToken(const std::string& key) {
  std::string out;
  for (char c : key) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

void ParseArtifacts(Checker& c, const Json& arr, const std::string& at, std::vector<ArtifactSpec>& out) {
  if (!c.Array(arr, at)) return;
  for (size_t i = 0; i < arr.size(); ++i) {
    std::string ap = at + "/" + std::to_string(i);
    const Json& a = arr[i];
    if (!c.Object(a, ap)) continue;
    c.OnlyKeys(a, ap, {"title", "type", "confidence", "summary", "sources"});
    ArtifactSpec spec;
    c.RequireString(a, ap, "title", spec.title);
    c.RequireString(a, ap, "type", spec.type);
    c.OptionalString(a, ap, "confidence", spec.confidence);
    c.OptionalString(a, ap, "summary", spec.summary);
    if (a.contains("sources") && c.Array(a["sources"], ap + "/sources")) {
      for (size_t j = 0; j < a["sources"].size(); ++j) {
        std::string sp = ap + "/sources/" + std::to_string(j);
        const Json& s = a["sources"][j];
        if (!c.Object(s, sp)) continue;
        c.OnlyKeys(s, sp, {"url", "source_name", "source_tier", "source_type"});
        Source src;
        c.RequireString(s, sp, "url", src.url);
        c.OptionalString(s, sp, "source_name", src.source_name);
        c.OptionalString(s, sp, "source_tier", src.source_tier);
        c.OptionalString(s, sp, "source_type", src.source_type);
        spec.sources.push_back(std::move(src));
      }
    }
    out.push_back(std::move(spec));
  }
}

void ParseSteps(Checker& c, const Json& arr, const std::string& at, const std::string& parent_agent,
                int& next_ref, StepList& out);

void ParseStep(Checker& c, const Json& s, const std::string& at, const std::string& parent_agent,
               int& next_ref, StepList& out) {
  if (!c.Object(s, at)) return;
  c.OnlyKeys(s, at, {"name", "label", "type", "agent", "duration", "artifacts", "result", "steps", "interrupt", "error"});
  StepNode n;
  n.ref = next_ref++;
  c.RequireString(s, at, "name", n.name);
  c.RequireString(s, at, "label", n.label);
  if (s.contains("type")) {
    std::string t;
    if (c.String(s["type"], at + "/type", t)) {
      if (kStepTypes.count(t)) {
        n.type = t;
      } else {
        c.Error(at + "/type", "expected one of activity, output, interrupt, error, got \"" + t + "\"");
      }
    }
  }
  n.agent = parent_agent;
  if (s.contains("agent")) c.String(s["agent"], at + "/agent", n.agent);
  if (s.contains("duration")) {
    auto d = ParseDurationMs(s["duration"]);
    if (d) {
      n.duration_ms = *d;
    } else {
      c.Error(at + "/duration", "expected a duration such as \"250ms\", \"2s\", \"1.5m\", \"1h\" or a number of milliseconds, got " + s["duration"].dump());
    }
  }
  if (s.contains("artifacts")) ParseArtifacts(c, s["artifacts"], at + "/artifacts", n.artifacts);
  if (s.contains("result")) {
    if (c.Object(s["result"], at + "/result")) n.result = s["result"];
  }
  if (s.contains("interrupt")) {
    std::string ip = at + "/interrupt";
    if (n.type != "interrupt") c.Error(ip, "only a step of type \"interrupt\" may have an interrupt");
    const Json& i = s["interrupt"];
    if (c.Object(i, ip)) {
      c.OnlyKeys(i, ip, {"value", "agent", "branches"});
      InterruptSpec spec;
      if (!i.contains("value")) {
        c.Error(ip, "missing required key \"value\"");
      } else if (c.Object(i["value"], ip + "/value")) {
        spec.value = i["value"];
      }
      std::optional<std::string> agent;
      c.OptionalString(i, ip, "agent", agent);
      if (!agent && spec.value.is_object() && spec.value.contains("agent") && spec.value["agent"].is_string()) {
        agent = spec.value["agent"].get<std::string>();
      }
      spec.agent = agent;
      if (i.contains("branches") && c.Object(i["branches"], ip + "/branches")) {
        for (auto it = i["branches"].begin(); it != i["branches"].end(); ++it) {
          StepList branch;
          ParseSteps(c, it.value(), ip + "/branches/" + EscapePointerToken(it.key()), n.agent, next_ref, branch);
          spec.branches.emplace(it.key(), std::move(branch));
        }
      }
      n.interrupt = std::move(spec);
    }
  } else if (n.type == "interrupt") {
    c.Error(at, "a step of type \"interrupt\" needs an \"interrupt\" object");
  }
  if (s.contains("error")) {
    std::string ep = at + "/error";
    if (n.type != "error") c.Error(ep, "only a step of type \"error\" may have an error");
    if (c.Object(s["error"], ep)) {
      c.OnlyKeys(s["error"], ep, {"message"});
      std::string msg;
      if (c.RequireString(s["error"], ep, "message", msg)) n.error_message = msg;
    }
  } else if (n.type == "error") {
    c.Error(at, "a step of type \"error\" needs an \"error\" object with a message");
  }
  if (s.contains("steps")) {
    if (n.type == "interrupt" || n.type == "error") {
      c.Error(at + "/steps", "a step of type \"" + n.type + "\" cannot have child steps");
    } else {
      ParseSteps(c, s["steps"], at + "/steps", n.agent, next_ref, n.steps);
    }
  }
  out.push_back(std::move(n));
}

void ParseSteps(Checker& c, const Json& arr, const std::string& at, const std::string& parent_agent,
                int& next_ref, StepList& out) {
  if (!c.Array(arr, at)) return;
  for (size_t i = 0; i < arr.size(); ++i) {
    ParseStep(c, arr[i], at + "/" + std::to_string(i), parent_agent, next_ref, out);
  }
}

void ParseScenarioInto(Checker& c, const Json& sc, const std::string& at, const std::string& agent_type,
                       Scenario& out) {
  if (!c.Object(sc, at)) return;
  c.OnlyKeys(sc, at, {"name", "description", "steps"});
  c.RequireString(sc, at, "name", out.name);
  if (sc.contains("description")) c.String(sc["description"], at + "/description", out.description);
  if (!sc.contains("steps")) {
    c.Error(at, "missing required key \"steps\"");
  } else {
    int next_ref = 0;
    ParseSteps(c, sc["steps"], at + "/steps", agent_type, next_ref, out.steps);
    if (sc["steps"].is_array() && sc["steps"].empty()) c.Error(at + "/steps", "a scenario needs at least one step");
    out.node_count = next_ref;
  }
  out.source = sc;
}

std::string Joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += (out.empty() ? "" : "\n") + l;
  return out;
}

// Line and column (1-based) of a byte offset, for syntax errors.
std::string LineCol(const std::string& text, size_t offset) {
  size_t line = 1, col = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return std::to_string(line) + ":" + std::to_string(col);
}

void ParseDocument(Checker& c, const Json& doc, const std::string& file, const IdGenerator& ids,
                   FixtureSet& set) {
  if (!c.Object(doc, "")) return;
  c.OnlyKeys(doc, "", {"agents"});
  if (!doc.contains("agents")) {
    c.Error("", "missing required key \"agents\"");
    return;
  }
  if (!c.Array(doc["agents"], "/agents")) return;
  for (size_t i = 0; i < doc["agents"].size(); ++i) {
    std::string at = "/agents/" + std::to_string(i);
    const Json& a = doc["agents"][i];
    if (!c.Object(a, at)) continue;
    c.OnlyKeys(a, at, {"type", "name", "description", "scenarios"});
    Agent agent;
    agent.file = file;
    c.RequireString(a, at, "type", agent.type);
    c.RequireString(a, at, "name", agent.name);
    c.RequireString(a, at, "description", agent.description);
    agent.id = ids.Uuid("agent", agent.type, 0);
    if (!a.contains("scenarios")) {
      c.Error(at, "missing required key \"scenarios\"");
    } else if (c.Array(a["scenarios"], at + "/scenarios")) {
      if (a["scenarios"].empty()) c.Error(at + "/scenarios", "an agent needs at least one scenario");
      std::set<std::string> names;
      for (size_t j = 0; j < a["scenarios"].size(); ++j) {
        Scenario sc;
        std::string sp = at + "/scenarios/" + std::to_string(j);
        ParseScenarioInto(c, a["scenarios"][j], sp, agent.type, sc);
        if (!sc.name.empty() && !names.insert(sc.name).second) {
          c.Error(sp + "/name", "duplicate scenario name \"" + sc.name + "\"");
        }
        agent.scenarios.push_back(std::move(sc));
      }
    }
    if (!agent.type.empty() && set.FindAgentByType(agent.type)) {
      c.Error(at + "/type", "agent type \"" + agent.type + "\" is already declared in " +
                                set.FindAgentByType(agent.type)->file);
      continue;
    }
    set.agents.push_back(std::move(agent));
  }
}

Status ParseInto(const std::string& text, const std::string& file, const IdGenerator& ids, FixtureSet& set,
                 std::vector<std::string>& errors) {
  Json doc;
  try {
    doc = Json::parse(text);
  } catch (const Json::parse_error& e) {
    std::string what = e.what();
    auto pos = what.find("syntax error");
    errors.push_back(file + ":" + LineCol(text, e.byte == 0 ? 0 : e.byte - 1) + ": " +
                     (pos == std::string::npos ? what : what.substr(pos)));
    return Status::Ok();
  }
  Checker c(file);
  ParseDocument(c, doc, file, ids, set);
  errors.insert(errors.end(), c.errors().begin(), c.errors().end());
  return Status::Ok();
}

}  // namespace

const Scenario* Agent::FindScenario(const std::string& name) const {
  for (const auto& s : scenarios) {
    if (s.name == name) return &s;
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
  std::vector<std::string> errors;
  ParseInto(text, file, ids, set, errors);
  if (!errors.empty()) return Status::InvalidArgument(Joined(errors));
  return set;
}

Result<FixtureSet> LoadFixtures(const std::string& path, const IdGenerator& ids) {
  std::error_code ec;
  std::vector<fs::path> files;
  if (fs::is_directory(path, ec)) {
    for (const auto& entry : fs::directory_iterator(path, ec)) {
      if (entry.is_regular_file() && entry.path().extension() == ".json") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    if (files.empty()) return Status::InvalidArgument(path + ": no .json fixture files in this folder");
  } else if (fs::is_regular_file(path, ec)) {
    files.push_back(path);
  } else {
    return Status::NotFound(path + ": no such fixture file or folder");
  }
  FixtureSet set;
  std::vector<std::string> errors;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) {
      errors.push_back(f.string() + ": cannot be read");
      continue;
    }
    std::stringstream buf;
    buf << in.rdbuf();
    ParseInto(buf.str(), f.string(), ids, set, errors);
  }
  if (!errors.empty()) return Status::InvalidArgument(Joined(errors));
  return set;
}

Result<Scenario> ParseScenario(const Json& scenario, const std::string& agent_type) {
  Checker c("");
  Scenario sc;
  ParseScenarioInto(c, scenario, "", agent_type, sc);
  if (!c.errors().empty()) return Status::Internal("stored scenario is invalid: " + Joined(c.errors()));
  return sc;
}

}  // namespace sandbox::script
