// agent-sandbox entry point: parses the command line and wires the layers
// together (DESIGN.md). Nothing else lives here.
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>
#include <thread>

#include "cli/options.h"
#include "control/routes.h"
#include "core/clock.h"
#include "core/ids.h"
#include "core/time_format.h"
#include "dialects/middesk/errors.h"
#include "dialects/middesk/routes.h"
#include "dialects/middesk/webhook_events.h"
#include "dialects/modus/errors.h"
#include "dialects/modus/routes.h"
#include "engine/namespaces.h"
#include "http/auth.h"
#include "http/fallback.h"
#include "http/server.h"
#include "script/loader.h"
#include "store/store.h"
#include "transfer/commands.h"
#include "webhooks/dispatcher.h"

namespace {

using namespace sandbox;

int Fail(const std::string& what) {
  std::cerr << "agent-sandbox: " << what << "\n";
  return 1;
}

// SIGINT/SIGTERM are taken by a thread of their own (not an async handler),
// which can then stop the server safely.
void StopOnSignal(http::Server& server, engine::Namespaces& spaces, sigset_t signals) {
  std::thread([&server, &spaces, signals] {
    int sig = 0;
    sigwait(&signals, &sig);
    // Ends open streams, which would otherwise hold the server.
    spaces.ForEach([](const std::string&, engine::Engine& e) { e.bus().Shutdown(); });
    server.Stop();
  }).detach();
}

// `agent-sandbox validate PATH`: the same checks the server makes at start.
int Validate(const cli::Options& o) {
  auto fixtures = script::LoadFixtures(o.fixtures, IdGenerator(o.seed));
  if (!fixtures.ok()) {
    std::cout << fixtures.status().message() << "\n";
    return 1;
  }
  std::cout << o.fixtures << ": ok (" << fixtures->agents.size() << " agents, " << fixtures->ScenarioCount()
            << " scenarios)\n";
  return 0;
}

int Serve(const cli::Options& o) {
  IdGenerator ids(o.seed);
  auto fixtures = script::LoadFixtures(o.fixtures, ids);
  if (!fixtures.ok()) return Fail("invalid fixtures:\n" + fixtures.status().message());
  auto store = store::Store::Open(o.db);
  if (!store.ok()) return Fail(store.status().message());

  // Every namespace gets a clock of its own, alike at the start.
  auto make_clock = [&o]() -> std::unique_ptr<Clock> {
    if (o.clock == ClockMode::kRealtime) return MakeRealtimeClock(o.clock_start, o.speed);
    return std::make_unique<SteppedClock>(o.clock, o.clock_start.value_or(cli::kDefaultClockStart));
  };
  auto fixture_set = std::make_shared<const script::FixtureSet>(std::move(fixtures).value());
  const Instant agents_created_at = make_clock()->now();
  // Schedule triggers fire in the Modus organisations' namespaces.
  auto is_modus_org = [](const std::string& ns) { return ns.rfind("org-", 0) == 0; };
  engine::Namespaces spaces(*store.value(), make_clock, o.seed, fixture_set, is_modus_org);

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // inherited by every thread started below

  Status started = spaces.Start();
  if (!started.ok()) return Fail("cannot resume the runs in " + o.db + ": " + started.message());

  http::Server server({o.host, o.port, o.threads});
  http::KeyPolicy keys(o.api_keys);
  bool feedback_enabled = std::find(o.disabled_features.begin(), o.disabled_features.end(), "operator_feedback") ==
                          o.disabled_features.end();
  middesk::Deps middesk_deps{spaces, keys, agents_created_at, o.heartbeat_ms, feedback_enabled};
  middesk::RegisterRoutes(server.routes(), middesk_deps);
  modus::Deps modus_deps{spaces, agents_created_at, o.heartbeat_ms};
  modus::RegisterRoutes(server.routes(), modus_deps);
  control::FixtureReloader reloader(spaces, o.fixtures, ids);
  control::Deps control_deps{spaces, AGENT_SANDBOX_VERSION, reloader};
  control::RegisterRoutes(server.routes(), control_deps);
  http::InstallErrorBodies(server.routes(),
                           {{"/api/", modus::WriteError}, {"/agent/", modus::WriteError}},
                           middesk::WriteError);
  if (o.log_level == cli::LogLevel::kDebug) {
    server.routes().set_logger([](const httplib::Request& req, const httplib::Response& res) {
      std::fprintf(stderr, "%s %s -> %d\n", req.method.c_str(), req.path.c_str(), res.status);
    });
  }

  auto port = server.Bind();
  if (!port.ok()) return Fail(port.status().message());
  StopOnSignal(server, spaces, signals);
  if (o.log_level != cli::LogLevel::kError) {
    std::printf("agent-sandbox %s serving the Middesk and Modus APIs on http://%s:%d (database %s; %zu agents, %zu scenarios "
                "from %s; clock %s at %s; seed %llu)\n",
                AGENT_SANDBOX_VERSION, o.host.c_str(), port.value(), o.db.c_str(), fixture_set->agents.size(),
                fixture_set->ScenarioCount(), o.fixtures.c_str(), ClockModeName(o.clock),
                FormatInstant(spaces.Default().Now()).c_str(), static_cast<unsigned long long>(o.seed));
    std::fflush(stdout);
  }
  reloader.StartWatching(o.watch_ms);
  webhooks::Dispatcher dispatcher(spaces, middesk::RenderWebhookEvent, webhooks::HttpSender());
  dispatcher.Start();
  server.Listen();
  dispatcher.Stop();
  reloader.Stop();
  spaces.Stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  auto options = cli::ParseOptions(std::vector<std::string>(argv + 1, argv + argc));
  if (!options.ok()) {
    std::cerr << "agent-sandbox: " << options.status().message() << "\n";
    return 2;
  }
  if (options->help) {
    std::cout << cli::HelpText();
    return 0;
  }
  if (options->version) {
    std::cout << "agent-sandbox " << AGENT_SANDBOX_VERSION << "\n";
    return 0;
  }
  if (options->command == "validate") return Validate(options.value());
  const cli::Options& o = options.value();
  if (o.command == "replay") return transfer::ReplayCommand(o.db, o.run_id, std::cout, std::cerr);
  if (o.command == "export") return transfer::ExportCommand(o.db, o.run_id, o.out_path, std::cout, std::cerr);
  if (o.command == "import") return transfer::ImportCommand(o.input_path, o.out_path, o.agent_type, std::cout, std::cerr);
  return Serve(options.value());
}
