// libFuzzer target (issue 10): template checking and rendering
// (script/template.h) against any text and any value. The input is a
// template text, then optionally a NUL byte and a JSON text; when that JSON
// passes the fixture prescan and parses, it is rendered as a template value
// (RenderTemplates) and also placed in the context as request.value, so
// templates can insert it.
//
// Checks besides "no crash, no leak, no hang": a valid UTF-8 template renders
// to valid UTF-8; a rendering adds at most limits::kMaxRenderedBytes to its
// text; check messages are one line of valid UTF-8.
// Seed corpus: fuzz/corpus/template/.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/utf8.h"
#include "script/json_prescan.h"
#include "script/limits.h"
#include "script/template.h"

namespace {

using namespace sandbox;

void Require(bool ok) {
  if (!ok) __builtin_trap();
}

size_t StringBytes(const Json& v) {
  size_t n = 0;
  std::vector<const Json*> stack{&v};
  while (!stack.empty()) {
    const Json* j = stack.back();
    stack.pop_back();
    if (j->is_string())
      n += j->get_ref<const std::string&>().size();
    else if (j->is_structured())
      for (const auto& c : *j) stack.push_back(&c);
  }
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const size_t nul = input.find('\0');
  const std::string text = input.substr(0, nul);
  Json value;  // null unless the rest is acceptable JSON
  if (nul != std::string::npos) {
    const std::string json = input.substr(nul + 1);
    if (!script::PrescanJson(json)) value = Json::parse(json, nullptr, /*allow_exceptions=*/false);
    if (value.is_discarded()) value = nullptr;
  }
  Json context = {{"request", {{"business_id", "b-1"}, {"n", 7}, {"obj", {{"k", "v"}}}, {"value", value}}},
                  {"run", {{"id", "r-1"}, {"thread_id", "t-1"}, {"agent", "a"}, {"scenario", "s"}}},
                  {"thread", {{"id", "t-1"}}},
                  {"agent", {{"type", "a"}, {"name", "A"}}},
                  {"resume", {{"decision", "approve"}}},
                  {"now", "2026-01-01T00:00:00.000Z"}};

  for (const auto& e : script::CheckTemplate(text)) {
    Require(IsValidUtf8(e));
    Require(e.find('\n') == std::string::npos);
  }
  const std::string rendered = script::RenderTemplate(text, context);
  Require(rendered.size() <= text.size() + script::limits::kMaxRenderedBytes);
  if (IsValidUtf8(text)) Require(IsValidUtf8(rendered));

  if (!value.is_null()) {
    for (const auto& e : script::CheckTemplates(value)) Require(IsValidUtf8(e));
    Json out = script::RenderTemplates(value, context);
    Require(StringBytes(out) <= StringBytes(value) + script::limits::kMaxRenderedBytes);
    Require(out.size() == value.size());
  }
  return 0;
}
