// Engine::DefineAgent (script/agent_definition.h): a definition is stored in
// one commit and laid over the fixtures for every later command; a failed
// commit or a refusal of the rules changes nothing; a fixture reload keeps
// the definitions laid over the new files.
#include <catch2/catch.hpp>

#include "engine/namespaces.h"
#include "script/loader.h"
#include "store/faulty_store.h"
#include "support/scratch_dir.h"

namespace engine_agent_definitions_test {

using namespace sandbox;
using sandbox::testing::ScratchDir;

namespace {

constexpr Instant kStart = 1767225600000;  // 2026-01-01T00:00:00Z

const char* kFixture = R"({"agents":[{"type":"kyb","name":"KYB","description":"d",
  "modus":{"id":7,"agent_type":"task"},
  "scenarios":[{"name":"default","steps":[{"name":"check","label":"Check","duration":"2s"}]},
               {"name":"slow","steps":[{"name":"wait","label":"Wait","duration":"1h"}]}]}]})";

std::shared_ptr<const script::FixtureSet> Fixtures(const std::string& name = "KYB") {
  std::string text = kFixture;
  text.replace(text.find("\"KYB\""), 5, "\"" + name + "\"");
  auto set = script::ParseFixtureText(text, "t.json", IdGenerator(0));
  REQUIRE(set.ok());
  return std::make_shared<const script::FixtureSet>(std::move(set).value());
}

struct Sandbox {
  Sandbox(const std::string& db, std::shared_ptr<store::StoreFaults> faults) {
    auto s = store::Store::Open(db);
    REQUIRE(s.ok());
    root = std::make_unique<store::FaultyStore>(std::move(s).value(), std::move(faults));
    spaces = std::make_unique<engine::Namespaces>(
        *root, [] { return std::make_unique<SteppedClock>(ClockMode::kManual, kStart); }, 0, Fixtures());
    REQUIRE(spaces->Start().ok());
  }
  ~Sandbox() { spaces->Stop(); }
  engine::Engine& Default() { return spaces->Default(); }
  std::unique_ptr<store::FaultyStore> root;
  std::unique_ptr<engine::Namespaces> spaces;
};

// A new agent "api-1" (Modus id 8) playing `scenario`.
engine::AgentDefinitionRules NewAgent(std::optional<std::string> scenario) {
  return [scenario](const engine::AgentDefinitionContext&) -> Result<script::AgentDefinition> {
    script::AgentDefinition d;
    d.type = "api-1";
    d.name = "From the API";
    d.modus = script::ModusIdentity{.id = 8, .agent_type = "task"};
    d.scenario = scenario;
    d.record = Json{{"note", "kept as given"}};
    return d;
  };
}

}  // namespace

TEST_CASE("a defined agent runs the fixture scenario it names, and its definition is stored", "[engine]") {
  ScratchDir dir("define");
  const std::string db = (dir.path / "x.db").string();
  {
    Sandbox sb(db, std::make_shared<store::StoreFaults>(store::StoreFaultPlan{}));
    auto def = sb.Default().DefineAgent(NewAgent("kyb/slow"));
    REQUIRE(def.ok());
    const script::Agent* agent = sb.Default().fixtures()->FindAgentByType("api-1");
    REQUIRE(agent);
    CHECK(agent->name == "From the API");
    REQUIRE(agent->scenarios.size() == 1);
    CHECK(agent->scenarios[0].name == "slow");
    CHECK(agent->record == Json{{"note", "kept as given"}});
    CHECK(agent->file.empty());
    auto run = sb.Default().CreateRun({.request = Json::object(), .agent_type = "api-1"});
    REQUIRE(run.ok());
    CHECK(run.value().run.scenario == "slow");
    // The files alone do not have it.
    CHECK_FALSE(sb.Default().file_fixtures()->FindAgentByType("api-1"));
  }
  // A restart reads it back.
  Sandbox again(db, std::make_shared<store::StoreFaults>(store::StoreFaultPlan{}));
  const script::Agent* agent = again.Default().fixtures()->FindAgentByType("api-1");
  REQUIRE(agent);
  CHECK(agent->scenarios[0].name == "slow");
}

TEST_CASE("a definition whose commit fails, or whose rules refuse, changes nothing", "[engine][store]") {
  ScratchDir dir("define-fail");
  auto faults = std::make_shared<store::StoreFaults>(store::StoreFaultPlan{});
  Sandbox sb((dir.path / "x.db").string(), faults);
  const uint64_t version = sb.Default().read_stamp().fixtures;
  faults->Arm({.write = "PutAgentDefinition", .nth = 1});
  auto failed = sb.Default().DefineAgent(NewAgent(std::nullopt));
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.status().message().find("PutAgentDefinition") != std::string::npos);
  CHECK_FALSE(sb.Default().fixtures()->FindAgentByType("api-1"));
  CHECK(sb.Default().read_stamp().fixtures == version);
  CHECK(sb.root->ListAgentDefinitions().value().empty());
  CHECK(sb.spaces->Health().ok());  // a command's failure, not the engine's

  auto refused = sb.Default().DefineAgent(
      [](const engine::AgentDefinitionContext&) -> Result<script::AgentDefinition> {
        return Status::InvalidArgument("no", "name");
      });
  CHECK(refused.status().code() == Code::kInvalidArgument);
  CHECK(sb.root->ListAgentDefinitions().value().empty());

  // Without the default scenario named, a new agent plays the built-in one.
  REQUIRE(sb.Default().DefineAgent(NewAgent(std::nullopt)).ok());
  const script::Agent* agent = sb.Default().fixtures()->FindAgentByType("api-1");
  REQUIRE(agent);
  CHECK(agent->scenarios.at(0).name == "default");
  CHECK(agent->scenarios.at(0).steps.at(0).name == "work");
  CHECK(sb.Default().read_stamp().fixtures > version);
}

TEST_CASE("a fixture reload keeps the definitions laid over the new files", "[engine]") {
  ScratchDir dir("define-reload");
  Sandbox sb((dir.path / "x.db").string(), std::make_shared<store::StoreFaults>(store::StoreFaultPlan{}));
  // A definition of the fixture agent's own type changes that agent.
  REQUIRE(sb.Default()
              .DefineAgent([](const engine::AgentDefinitionContext& ctx) -> Result<script::AgentDefinition> {
                const script::Agent* kyb = ctx.files.FindAgentByType("kyb");
                REQUIRE(kyb);
                script::AgentDefinition d;
                d.type = "kyb";
                d.name = "Renamed";
                d.modus = *kyb->modus;
                d.modus.enabled = false;
                return d;
              })
              .ok());
  sb.spaces->ReplaceFixtures(Fixtures("KYB v2"));
  auto fixtures = sb.Default().fixtures();
  REQUIRE(fixtures->agents.size() == 1);
  CHECK(fixtures->agents[0].name == "Renamed");
  CHECK(fixtures->agents[0].scenarios.size() == 2);  // its own scenarios stay
  CHECK(sb.Default().file_fixtures()->agents[0].name == "KYB v2");
}

}  // namespace engine_agent_definitions_test
