// JSON encoding of core values inside event payloads.
#include "core/event.h"

#include "core/json_object.h"

namespace sandbox {
namespace {

Json OptString(const std::optional<std::string>& s) { return s ? Json(*s) : Json(nullptr); }

bool ReadOptString(const Json& j, const char* key, std::optional<std::string>& out) {
  if (!j.contains(key) || j[key].is_null()) {
    out.reset();
    return true;
  }
  if (!j[key].is_string()) return false;
  out = j[key].get<std::string>();
  return true;
}

}  // namespace

Json SourceToJson(const Source& s) {
  return JsonObject("url", s.url, "source_name", OptString(s.source_name), "source_tier", OptString(s.source_tier),
                    "source_type", OptString(s.source_type));
}

Json ArtifactToJson(const Artifact& a) {
  Json sources = Json::array();
  for (const auto& s : a.sources) sources.push_back(SourceToJson(s));
  return JsonObject("id", a.id, "title", a.title, "type", a.type, "confidence", OptString(a.confidence), "summary",
                    OptString(a.summary), "sources", std::move(sources));
}

bool ArtifactFromJson(const Json& j, Artifact& out) {
  if (!j.is_object()) return false;
  if (!j.contains("id") || !j["id"].is_string()) return false;
  if (!j.contains("title") || !j["title"].is_string()) return false;
  if (!j.contains("type") || !j["type"].is_string()) return false;
  out.id = j["id"];
  out.title = j["title"];
  out.type = j["type"];
  if (!ReadOptString(j, "confidence", out.confidence)) return false;
  if (!ReadOptString(j, "summary", out.summary)) return false;
  out.sources.clear();
  if (j.contains("sources")) {
    if (!j["sources"].is_array()) return false;
    for (const auto& sj : j["sources"]) {
      Source s;
      if (!sj.is_object() || !sj.contains("url") || !sj["url"].is_string()) return false;
      s.url = sj["url"];
      if (!ReadOptString(sj, "source_name", s.source_name) || !ReadOptString(sj, "source_tier", s.source_tier) ||
          !ReadOptString(sj, "source_type", s.source_type)) {
        return false;
      }
      out.sources.push_back(std::move(s));
    }
  }
  return true;
}

Json PrincipalToJson(const std::optional<Principal>& p) {
  if (!p) return nullptr;
  return Json{{"kind", p->kind}, {"id", p->id}, {"name", p->name}, {"email", OptString(p->email)}};
}

bool PrincipalFromJson(const Json& j, std::optional<Principal>& out) {
  if (j.is_null()) {
    out.reset();
    return true;
  }
  if (!j.is_object()) return false;
  for (const char* k : {"kind", "id", "name"}) {
    if (!j.contains(k) || !j[k].is_string()) return false;
  }
  Principal p;
  p.kind = j["kind"];
  p.id = j["id"];
  p.name = j["name"];
  if (!ReadOptString(j, "email", p.email)) return false;
  out = std::move(p);
  return true;
}

std::string DescribeEvent(const Event& e) {
  return std::to_string(e.seq) + " " + e.type + "@" + std::to_string(e.at) + " " + e.payload.dump();
}

}  // namespace sandbox
