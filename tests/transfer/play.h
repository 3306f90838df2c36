// Test support for tests/transfer: plays a fixture's scenario in a fresh
// in-memory sandbox (virtual clock, seed 0), answering its interrupts, and
// describes a log or a rendered run in the terms a reproduction must keep
// (names, types, statuses, labels, instants, artifacts; never ids).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "core/event.h"
#include "core/ids.h"
#include "dialects/middesk/render.h"
#include "engine/engine.h"
#include "script/loader.h"
#include "store/store.h"

namespace sandbox::transfer_test {

inline constexpr Instant kStart = 1767225600000;  // 2026-01-01T00:00:00Z

struct Played {
  std::vector<Event> log;
  RunState state;
};

// Plays `scenario` (empty: the agent's default) of the first agent of
// `fixture`: each pause is answered with the next of `answers`; then the
// clock moves on by `advance_ms` (to let timeouts expire).
inline Played Play(const std::string& fixture, const std::string& scenario, const std::vector<Json>& answers,
                   int64_t advance_ms = 0) {
  IdGenerator ids(0);
  SteppedClock clock(ClockMode::kVirtual, kStart);
  auto store = store::Store::Open(":memory:");
  REQUIRE(store.ok());
  auto set = script::ParseFixtureText(fixture, "play.json", ids);
  INFO(set.status().message());
  REQUIRE(set.ok());
  const std::string agent = set->agents[0].type;
  engine::Engine engine(*store.value(), clock, ids, std::make_shared<const script::FixtureSet>(std::move(set).value()));
  REQUIRE(engine.Start().ok());
  Json request = {{"type", agent}, {"business_id", "11111111-1111-4111-8111-111111111111"}};
  auto run = engine.CreateRun({request, agent, "business", "11111111-1111-4111-8111-111111111111", std::nullopt,
                               scenario.empty() ? std::nullopt : std::optional<std::string>(scenario), std::nullopt});
  INFO(run.status().message());
  REQUIRE(run.ok());
  const std::string id = run->run.id;
  for (const Json& answer : answers) {
    auto now = store.value()->GetRun(id);
    REQUIRE(now.ok());
    const Interrupt* pending = now.value()->PendingInterrupt();
    if (!pending) break;
    auto resumed = engine.Resume({id, pending->id, answer});
    INFO(resumed.status().message());
    REQUIRE(resumed.ok());
  }
  if (advance_ms > 0) REQUIRE(engine.AdvanceClock(engine.Now() + advance_ms).ok());
  Played p;
  auto log = store.value()->Events(id);
  REQUIRE(log.ok());
  p.log = log.value();
  auto state = store.value()->GetRun(id);
  REQUIRE(state.ok());
  p.state = *state.value();
  engine.Stop();
  return p;
}

inline Json WithoutIds(Json j) {
  if (j.is_object()) {
    j.erase("id");
    j.erase("parent_step_id");  // a step's id depends on where the scenario puts it
    for (auto& [k, v] : j.items()) v = WithoutIds(v);
  } else if (j.is_array()) {
    for (auto& v : j) v = WithoutIds(v);
  }
  return j;
}

// One line per event: what it did, when, to which step (by name).
inline std::vector<std::string> Signature(const std::vector<Event>& log) {
  std::map<std::string, std::string> names;
  std::vector<std::string> out;
  for (const Event& e : log) {
    const Json& p = e.payload;
    std::string line = e.type + " +" + std::to_string(e.at - kStart);
    if (e.type == event_type::kStepStarted) {
      names[p["step_id"]] = p["name"];
      std::string parent = p["parent_step_id"].is_string() ? names[p["parent_step_id"].get<std::string>()] : "-";
      line += " " + p["name"].get<std::string>() + " type=" + p["type"].get<std::string>() +
              " agent=" + p["agent"].get<std::string>() + " label=" + p["label"].get<std::string>() +
              " parent=" + parent;
    } else if (p.contains("step_id")) {
      line += " " + names[p["step_id"].get<std::string>()];
    }
    for (const char* k : {"status", "result", "artifact", "value", "agent", "input", "branch", "text", "name", "output",
                          "message", "reason"}) {
      if (e.type == event_type::kStepStarted && (std::string(k) == "agent" || std::string(k) == "name")) continue;
      if (p.contains(k)) line += std::string(" ") + k + "=" + WithoutIds(p[k]).dump();
    }
    out.push_back(line);
  }
  return out;
}

// The run as GET /v1/runs/{id}?include=steps shows it, without ids.
inline Json Rendered(const RunState& s) { return WithoutIds(middesk::RenderRun(s, /*include_steps=*/true)); }

// The step tree's shape and instants: name, type, status, label, agent,
// started_at, completed_at, artifact titles, children.
inline Json Shape(const Json& steps) {
  Json out = Json::array();
  for (const auto& s : steps) {
    Json titles = Json::array();
    for (const auto& a : s["artifacts"]) titles.push_back(a["title"]);
    out.push_back({s["name"], s["type"], s["status"], s["label"], s["agent"], s["started_at"], s["completed_at"],
                   titles, Shape(s["steps"])});
  }
  return out;
}

}  // namespace sandbox::transfer_test
