// AppendRunText writes the bytes RenderRun(...).dump() writes, for every run
// of the shipped fixtures at every event, with and without steps, and for
// the hand-made states of the golden tests (failed, cancelled, odd strings).
#include <catch2/catch.hpp>

#include "core/projection.h"
#include "core/time_format.h"
#include "dialects/middesk/render.h"
#include "dialects/middesk/webhook_events.h"
#include "engine/engine.h"
#include "script/loader.h"

namespace dialects_middesk_run_text_test {

using namespace sandbox;
using sandbox::middesk::OrderedJson;

namespace {

constexpr Instant kStart = 1767225600000;  // 2026-01-01T00:00:00Z

std::string Text(const RunState& s, bool steps) {
  std::string out = "prefix:";
  middesk::AppendRunText(out, s, steps);
  return out.substr(7);
}

// An engine over the shipped fixtures, on a store in memory and a manual clock.
struct ShippedFixtures {
  ShippedFixtures() : ids(7), clock(ClockMode::kManual, kStart) {
    auto opened = store::Store::Open(":memory:");
    REQUIRE(opened.ok());
    store = std::move(opened).value();
    auto set = script::LoadFixtures(FIXTURES_DIR, ids);
    REQUIRE(set.ok());
    fixtures = std::make_shared<const script::FixtureSet>(std::move(set).value());
    engine = std::make_unique<engine::Engine>(*store, clock, ids, fixtures);
    REQUIRE(engine->Start().ok());
  }
  IdGenerator ids;
  SteppedClock clock;
  std::unique_ptr<store::Store> store;
  std::shared_ptr<const script::FixtureSet> fixtures;
  std::unique_ptr<engine::Engine> engine;
};

}  // namespace

TEST_CASE("a run's text is RenderRun's dump at every event of every shipped scenario", "[dialects]") {
  ShippedFixtures shipped;
  engine::Engine& engine = *shipped.engine;
  store::Store* store = shipped.store.get();

  std::vector<std::string> run_ids;
  for (const auto& agent : shipped.fixtures->agents) {
    for (const auto& scenario : agent.scenarios) {
      engine::CreateRunCommand cmd{Json{{"business_id", "8d1c4f0e-2b6a-4c1e-9f7d-3a5b6c7d8e9f"}}, agent.type};
      cmd.context_type = "business";
      cmd.context_id = "8d1c4f0e-2b6a-4c1e-9f7d-3a5b6c7d8e9f";
      cmd.scenario = scenario.name;
      cmd.requester = Principal{"User", "5d0c1e2f-3a4b-4c5d-8e6f-708192a3b4c5", "ana \"the\" tester", "ana@example.com"};
      auto run = engine.CreateRun(cmd);
      if (run.ok()) run_ids.push_back(run.value().run.id);
    }
  }
  // Every run as far as its script goes without an answer.
  REQUIRE(engine.AdvanceClock(kStart + 24 * 3600 * 1000LL).ok());
  REQUIRE(run_ids.size() >= 10);

  int compared = 0, completed = 0, interrupted = 0, failed = 0;
  for (const std::string& id : run_ids) {
    auto log = store->Events(id, 0);
    REQUIRE(log.ok());
    RunState state;
    for (const Event& e : log.value()) {
      REQUIRE(Apply(state, e).ok());
      INFO("run " << id << " after event " << e.seq << " (" << e.type << ")");
      CHECK(Text(state, true) == middesk::RenderRun(state, true).dump());
      CHECK(Text(state, false) == middesk::RenderRun(state, false).dump());
      ++compared;
    }
    completed += state.run.status == RunStatus::kCompleted;
    interrupted += state.run.status == RunStatus::kInterrupted;
    failed += state.run.status == RunStatus::kError;
  }
  // The runs cover the shapes that render differently.
  CHECK(compared > 100);
  CHECK(completed > 0);
  CHECK(interrupted > 0);
  CHECK(failed > 0);
}

TEST_CASE("a run's text escapes what dump escapes and refuses what dump refuses", "[dialects]") {
  RunState s;
  s.run.id = "r1";
  s.run.thread_id = "t\"1\\";
  s.run.agent = "kyb\n\x01 caf\xc3\xa9";
  s.run.status = RunStatus::kCancelled;
  s.run.error_message = "cancelled \xe2\x9c\x93";
  s.run.output = Json{{"b", 1.5}, {"a", {nullptr, true, -3, 18446744073709551615ULL}}};
  Interrupt pending;
  pending.id = "i1";
  pending.value = Json{{"type", "approval"}, {"label", "Approve?"}};
  pending.agent = "sub";
  Interrupt answered = pending;
  answered.id = "i2";
  answered.pending = false;
  s.interrupts = {answered, pending};
  Step parent;
  parent.id = "p";
  parent.run_id = "r1";
  parent.status = StepStatus::kError;
  parent.result = Json{{"x", "y"}};
  parent.artifacts.push_back(Artifact{"a1", "T", "kind", std::nullopt, "sum", {Source{"u", "n", std::nullopt, "t"}}});
  Step child;
  child.id = "c";
  child.parent_step_id = "p";
  child.completed_at = kStart;
  s.steps.push_back(parent);
  s.steps.push_back(child);
  CHECK(Text(s, true) == middesk::RenderRun(s, true).dump());
  s.run.status = RunStatus::kCompleted;
  s.run.requester.reset();
  CHECK(Text(s, true) == middesk::RenderRun(s, true).dump());

  s.run.agent = "bad \xff";
  CHECK_THROWS_AS(middesk::RenderRun(s, false).dump(), nlohmann::json::type_error);
  CHECK_THROWS_AS(Text(s, false), nlohmann::json::type_error);
}

TEST_CASE("a webhook body is the event envelope around RenderRun's run, byte for byte, for every include",
          "[dialects]") {
  ShippedFixtures shipped;
  engine::Engine& engine = *shipped.engine;
  store::Store* store = shipped.store.get();
  engine::CreateRunCommand cmd{Json{{"business_id", "8d1c4f0e-2b6a-4c1e-9f7d-3a5b6c7d8e9f"}}, "cip_orchestrator"};
  cmd.scenario = "auto_approved";
  auto created = engine.CreateRun(cmd);
  REQUIRE(created.ok());
  REQUIRE(engine.AdvanceClock(kStart + 24 * 3600 * 1000LL).ok());
  auto run = store->GetRun(created.value().run.id, /*with_steps=*/true);
  REQUIRE(run.ok());
  REQUIRE(run.value());
  const RunState& state = *run.value();
  REQUIRE(state.run.status == RunStatus::kCompleted);
  REQUIRE(state.steps.size() > 1);

  WebhookDelivery delivery;
  delivery.webhook_id = "w1";
  delivery.run_id = state.run.id;
  delivery.seq = state.run.last_seq;
  delivery.event_type = "run.completed";
  delivery.created_at = kStart + 5000;
  const std::string event_id =
      IdGenerator(engine.seed()).Uuid("webhook_event", delivery.run_id, static_cast<uint64_t>(delivery.seq));
  const auto expected = [&](const OrderedJson& run_json) {
    return OrderedJson{{"object", "event"},
                       {"id", event_id},
                       {"type", "run.completed"},
                       {"data", {{"object", run_json}}},
                       {"created_at", FormatInstant(delivery.created_at)}}
        .dump();
  };
  OrderedJson identifiers = OrderedJson::object();
  const OrderedJson scalars_of = middesk::RenderRun(state, false);
  for (const auto& [key, value] : scalars_of.items()) {
    if (!value.is_object() && !value.is_array()) identifiers[key] = value;
  }
  const std::vector<std::pair<std::optional<std::string>, std::string>> cases = {
      {std::nullopt, expected(middesk::RenderRun(state, true))},
      {"*", expected(middesk::RenderRun(state, true))},
      {"steps", expected(middesk::RenderRun(state, true))},
      {"outputs, steps", expected(middesk::RenderRun(state, true))},
      {"outputs", expected(middesk::RenderRun(state, false))},
      {"identifiers", expected(identifiers)},
  };
  for (const auto& [include, body] : cases) {
    INFO("include " << include.value_or("(none)"));
    Webhook webhook;
    webhook.id = "w1";
    webhook.include = include;
    auto rendered = middesk::RenderWebhookEvent(engine, webhook, delivery);
    REQUIRE(rendered.ok());
    CHECK(rendered.value() == body);
  }
}

}  // namespace dialects_middesk_run_text_test
