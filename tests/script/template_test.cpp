// Templates against any text and any value (issue 10): checking and
// rendering stay linear, never recurse, echo little, and a rendering's
// insertions are capped (limits::kMaxRenderedBytes) however often a template
// repeats a large field.
#include <catch2/catch.hpp>

#include <string>

#include "core/utf8.h"
#include "script/limits.h"
#include "script/template.h"

namespace script_template_test {

using namespace sandbox;
using namespace sandbox::script;

namespace {

Json Context() {
  return Json{{"request", {{"business_id", "b-1"}, {"n", 7}, {"obj", {{"k", "v"}}}, {"nothing", nullptr}}},
              {"run", {{"id", "r-1"}}},
              {"now", "2026-01-01T00:00:00.000Z"}};
}

std::string Repeat(const std::string& s, size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

}  // namespace

TEST_CASE("templates render strings, JSON values and missing values", "[script]") {
  CHECK(RenderTemplate("{{ request.business_id }} at {{now}}", Context()) == "b-1 at 2026-01-01T00:00:00.000Z");
  CHECK(RenderTemplate("{{request.n}} {{request.obj}} [{{request.nothing}}] [{{request.absent.deeper}}]", Context()) ==
        R"(7 {"k":"v"} [] [])");
  CHECK(RenderTemplate("no braces", Context()) == "no braces");
  CHECK(RenderTemplate("{{ unclosed", Context()) == "{{ unclosed");
  Json value = {{"a", "{{run.id}}"}, {"b", {1, "{{request.n}}", {{"c", "{{now}}"}}}}};
  CHECK(RenderTemplates(value, Context()) ==
        Json({{"a", "r-1"}, {"b", {1, "7", {{"c", "2026-01-01T00:00:00.000Z"}}}}}));
}

TEST_CASE("a rendering's insertions stop at 1 MiB, cut at a character boundary", "[script]") {
  Json ctx = Context();
  ctx["request"]["big"] = Repeat("\xC3\xA9", 300000);  // 600,000 bytes of 'é'
  // Two insertions fit 1,048,576 bytes only partly: the second is cut on a
  // character boundary and the literal text around them is kept.
  // "7" first leaves an odd budget, so the cut backs up one byte.
  std::string out = RenderTemplate("<{{request.n}}{{request.big}}|{{request.big}}|{{request.big}}>", ctx);
  CHECK(out.size() == 1 + 1 + 600000 + 1 + 448574 + 1 + 1);
  CHECK(IsValidUtf8(out));
  CHECK(out.back() == '>');
  // The budget spans all the strings of one value.
  Json value = Json::array();
  for (int i = 0; i < 1000; ++i) value.push_back("{{request.big}}");
  Json rendered = RenderTemplates(value, ctx);
  size_t total = 0;
  for (const auto& s : rendered) total += s.get<std::string>().size();
  CHECK(total == 1048576);
  CHECK(rendered[0].get<std::string>().size() == 600000);
  CHECK(rendered[999] == "");
}

TEST_CASE("a context value nested too deep renders as nothing instead of recursing", "[script]") {
  Json deep = "leaf";
  for (int i = 0; i < limits::kMaxJsonDepth; ++i) deep = Json::array({deep});
  Json ctx = Context();
  ctx["request"]["ok"] = deep;
  ctx["request"]["deep"] = Json::array({deep});
  CHECK(RenderTemplate("{{request.deep}}", ctx).empty());
  CHECK(RenderTemplate("{{request.ok}}", ctx).size() == 2 * 64 + 6);
}

TEST_CASE("template values of any shape render without recursion", "[script]") {
  // 100,000 levels: built and destroyed by nlohmann without recursion,
  // rendered here with an explicit stack.
  Json deep = "{{request.n}}";
  for (int i = 0; i < 100000; ++i) {
    Json wrapper = Json::array();
    wrapper.push_back(std::move(deep));
    deep = std::move(wrapper);
  }
  Json rendered = RenderTemplates(deep, Context());
  const Json* v = &rendered;
  int levels = 0;
  while (v->is_array()) {
    v = &(*v)[0];
    ++levels;
  }
  CHECK(levels == 100000);
  CHECK(*v == "7");
  CHECK(CheckTemplates(deep).empty());
  // (nlohmann destroys values iteratively, so both go without recursion too.)
}

TEST_CASE("template checks are linear and echo at most 80 bytes", "[script]") {
  const std::string braces = Repeat("{{", 100000);
  auto errors = CheckTemplate(braces);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0] == "unclosed \"{{\" in \"" + Repeat("{{", 40) + "...\"");
  const std::string long_name = "run." + std::string(100000, 'x');
  errors = CheckTemplate("{{" + long_name + "}}");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].size() < 300);
  CHECK(errors[0].rfind("unknown variable \"run.xxx", 0) == 0);
  CHECK(CheckTemplate(Repeat("{{now}}", 100000)).empty());
  CHECK(CheckTemplate("{{request.}}") == std::vector<std::string>{"malformed variable \"request.\""});
  CHECK(CheckTemplate("{{a\nb}}")[0].rfind("unknown variable \"a\\nb\"", 0) == 0);
  // 100,000 insertions of 24 bytes: capped at 1 MiB like any other.
  std::string rendered = RenderTemplate(Repeat("{{now}}", 100000), Context());
  CHECK(rendered.size() == limits::kMaxRenderedBytes);
  CHECK(RenderTemplate(Repeat("{{now}}", 1000), Context()).size() == 24 * 1000);
}

TEST_CASE("a lazy context is made once, at the first variable, and never for text without one", "[script]") {
  int made = 0;
  const Json context = Context();
  const ContextSource source = [&]() -> const Json& {
    ++made;
    return context;
  };
  CHECK(RenderTemplate("no variable here, not even { { this", source) == "no variable here, not even { { this");
  CHECK(RenderTemplates(Json{{"a", "plain"}, {"b", {1, "two", nullptr}}}, source) ==
        Json{{"a", "plain"}, {"b", {1, "two", nullptr}}});
  CHECK(made == 0);
  CHECK(RenderTemplates(Json{{"a", "{{run.id}}"}, {"b", {"{{request.n}} and {{request.business_id}}"}}}, source) ==
        Json{{"a", "r-1"}, {"b", {"7 and b-1"}}});
  CHECK(made == 1);
}

}  // namespace script_template_test
