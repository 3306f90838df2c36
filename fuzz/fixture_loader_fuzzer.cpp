// libFuzzer target (issue 10): any bytes, as a fixture file, through the
// loader's entry point for text (script::ParseFixtureText), which runs every
// check a file gets from `validate` and from a hot reload: the prescan, the
// parse, the scenario rules, RE2, compiling each scenario.
//
// Besides "no crash, no leak, no hang", it checks what callers rely on:
// - a refusal is lines of valid UTF-8, each naming the file (they go into
//   the JSON of GET /_sandbox/fixtures, which refuses invalid UTF-8);
// - a loaded scenario, stored with a run and parsed again as the engine does
//   (script::ParseScenario), parses and compiles, and its match rules and
//   templates can be evaluated against a request.
// Seed corpus: fuzz/corpus/fixture_loader/ (the shipped fixtures, the broken
// corpus, small hostile cases).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "core/ids.h"
#include "core/utf8.h"
#include "script/loader.h"
#include "script/program.h"
#include "script/template.h"

namespace {

using namespace sandbox;

void Require(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const IdGenerator ids(0);
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto loaded = script::ParseFixtureText(text, "fuzz.json", ids);
  if (!loaded.ok()) {
    const std::string& message = loaded.status().message();
    Require(IsValidUtf8(message));
    for (size_t start = 0; start <= message.size();) {
      size_t end = message.find('\n', start);
      if (end == std::string::npos) end = message.size();
      Require(message.compare(start, 10, "fuzz.json:") == 0);
      start = end + 1;
    }
    return 0;
  }
  const Json request = {{"business_id", "b-1"}, {"input", "urgent: NV filing"}, {"message", "hello"}};
  const Json context = {
      {"request", request}, {"run", {{"id", "r"}, {"thread_id", "t"}}}, {"now", "2026-01-01T00:00:00Z"}};
  for (const auto& agent : loaded.value().agents) {
    (void)agent.SelectScenario(request);
    for (const auto& scenario : agent.scenarios) {
      auto stored = script::ParseScenario(Json::parse(scenario.source.dump()), agent.type);
      Require(stored.ok());
      auto program = script::Program::Compile(std::make_shared<const script::Scenario>(std::move(stored).value()));
      Require(program.ok());
      for (const auto& segment : program.value()->segments()) {
        for (const auto& in : segment.code) {
          if (in.node) (void)script::RenderTemplate(in.node->label, context);
          if (!in.text.empty()) (void)script::RenderTemplate(in.text, context);
        }
      }
      (void)script::RenderTemplates(scenario.result, context);
    }
  }
  return 0;
}
