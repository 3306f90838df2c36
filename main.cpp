// agent-sandbox entry point: parses the command line, runs the offline
// commands (validate, replay, export, import), and for `serve` hands the
// options to app::SandboxApp, which wires the layers together (DESIGN.md).
// Nothing else lives here.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstdio>
#include <iostream>
#include <memory>
#include <thread>

#include "app/ready_file.h"
#include "app/sandbox_app.h"
#include "cli/options.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/thread_name.h"
#include "core/time_format.h"
#include "script/loader.h"
#include "transfer/commands.h"

// jemalloc's options (CMakeLists.txt links it into this binary; other
// allocators never read the symbol): an arena per CPU instead of four, so
// that what many connection threads free is reused instead of spread over
// arenas (1,000 stream clients on one run: 196 -> 117 MiB; core/thread_cache.h).
extern "C" {
const char* malloc_conf = "percpu_arena:percpu";
}

namespace {

using namespace sandbox;

int Fail(const std::string& what) {
  std::cerr << "agent-sandbox: " << what << "\n";
  return 1;
}

// SIGINT/SIGTERM are taken by a thread of their own (not an async handler),
// which can then stop the server safely. The thread is joined before the app
// is destroyed: a signal that lands as the server returns on its own would
// otherwise have Stop() run on a freed app (a sanitizer found exactly that).
class StopOnSignal {
 public:
  StopOnSignal(app::SandboxApp& sandbox, sigset_t signals)
      : signals_(signals), thread_([this, &sandbox] {
          NameThisThread(thread_name::kSignals);
          int sig = 0;
          sigwait(&signals_, &sig);
          if (exiting_.load()) return;  // our own wake-up: the server has already returned
          if (!sandbox.Stop()) {
            // Every commit is already durable: leaving now loses nothing.
            std::cerr << "agent-sandbox: a request did not end within 3 s of the stop; exiting anyway\n";
            std::_Exit(1);
          }
        }) {}

  // Wakes the thread if no signal came, and waits for a Stop() under way.
  ~StopOnSignal() {
    exiting_.store(true);
    pthread_kill(thread_.native_handle(), SIGTERM);  // blocked everywhere, so it stays pending for sigwait
    thread_.join();
  }

 private:
  sigset_t signals_;
  std::atomic<bool> exiting_{false};
  std::thread thread_;
};

bool IsLoopback(const std::string& host) { return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0; }

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
  // The control API can reset and restore everything: beyond loopback it
  // needs a token (docs/operations.md "Access").
  if (!IsLoopback(o.host) && o.admin_token.empty()) {
    return Fail("listening on " + o.host + " reaches beyond this machine: pass --admin-token TOKEN, which " +
                "/_sandbox/ will then require (or listen on 127.0.0.1)");
  }
  if (!IsLoopback(o.host) && o.api_keys.empty()) {
    std::cerr << "agent-sandbox: WARNING: listening on " << o.host << " without --api-key: anyone who can reach "
              << "this port can use the API with any mk_test_/mk_live_ key. Pass --api-key KEY to accept only yours.\n";
  }
  auto opened = app::SandboxApp::Open(o);
  if (!opened.ok()) return Fail(opened.status().message());
  app::SandboxApp& sandbox = *opened.value();

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // inherited by every thread started below

  Status started = sandbox.Start();
  if (!started.ok()) return Fail(started.message());
  // A file left by an earlier run must not announce this one before it listens.
  if (!o.ready_file.empty()) {
    Status removed = app::RemoveReadyFile(o.ready_file);
    if (!removed.ok()) return Fail(removed.message());
  }
  auto port = sandbox.Bind();
  if (!port.ok()) return Fail(port.status().message());
  if (!o.ready_file.empty()) {
    Status written = app::WriteReadyFile(o.ready_file, app::ReadyFileContent(o.host, port.value(), ::getpid(), o.db));
    if (!written.ok()) return Fail(written.message());
  }
  StopOnSignal stop_on_signal(sandbox, signals);  // declared after the app: joined before it goes
  if (o.log_level != cli::LogLevel::kError && o.log_format == cli::LogFormat::kJson) {
    // The same facts as the text line, one JSON object (a harness reads it with a JSON parser).
    const script::FixtureSet& fixtures = sandbox.fixtures();
    const std::string base = "http://" + o.host + ":" + std::to_string(port.value());
    std::cout << Logger(o.log_level, o.log_format, stdout)
                     .Format(LogLevel::kInfo, "serving",
                             {{"version", AGENT_SANDBOX_VERSION},
                              {"url", base},
                              {"port", port.value()},
                              {"apis", {"middesk", "modus"}},
                              {"dashboard", base + "/_sandbox/"},
                              {"db", o.db},
                              {"agents", fixtures.agents.size()},
                              {"scenarios", fixtures.ScenarioCount()},
                              {"fixtures", o.fixtures},
                              {"clock", ClockModeName(o.clock)},
                              {"now", FormatInstant(sandbox.spaces().Default().Now())},
                              {"seed", o.seed}})
              << std::endl;
  } else if (o.log_level != cli::LogLevel::kError) {
    const script::FixtureSet& fixtures = sandbox.fixtures();
    std::printf(
        "agent-sandbox %s serving the Middesk and Modus APIs on http://%s:%d (database %s; %zu agents, %zu scenarios "
        "from %s; clock %s at %s; seed %llu); dashboard http://%s:%d/_sandbox/\n",
        AGENT_SANDBOX_VERSION, o.host.c_str(), port.value(), o.db.c_str(), fixtures.agents.size(),
        fixtures.ScenarioCount(), o.fixtures.c_str(), ClockModeName(o.clock),
        FormatInstant(sandbox.spaces().Default().Now()).c_str(), static_cast<unsigned long long>(o.seed),
        o.host.c_str(), port.value());
    std::fflush(stdout);
  }
  sandbox.Run();
  if (!o.ready_file.empty()) {
    Status removed = app::RemoveReadyFile(o.ready_file);
    if (!removed.ok()) std::cerr << "agent-sandbox: " << removed.message() << "\n";
  }
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
    std::cout << cli::HelpText(options->command);
    return 0;
  }
  if (options->version) {
    std::cout << "agent-sandbox " << AGENT_SANDBOX_VERSION << "\n";
    return 0;
  }
  if (options->command == "validate") return Validate(options.value());
  const cli::Options& o = options.value();
  if (o.command == "replay") return transfer::ReplayCommand(o.db, o.run_id, o.dialect, std::cout, std::cerr);
  if (o.command == "export") return transfer::ExportCommand(o.db, o.run_id, o.out_path, std::cout, std::cerr);
  if (o.command == "import")
    return transfer::ImportCommand(o.input_path, o.out_path, o.agent_type, std::cout, std::cerr);
  return Serve(options.value());
}
