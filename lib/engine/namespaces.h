// Namespaces (issue 5): independent sandboxes inside one process and one
// database, so parallel tests never see each other's threads and runs. Each
// namespace has its own Engine (and writer), clock and seed; its rows carry
// its name. A namespace comes into being on first use and, after a restart,
// comes back with the seed it was created with.
//
// Thread safety: For() and the iteration helpers may be called from any thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/ids.h"
#include "engine/engine.h"
#include "script/fixture.h"
#include "store/store.h"

namespace sandbox::engine {

// Makes the clock of a new namespace (same mode, speed and start as the server's).
using ClockFactory = std::function<std::unique_ptr<Clock>()>;

class Namespaces {
 public:
  // `fires_schedules` says which namespaces run the fixtures' schedule
  // triggers (the Modus dialect's organisations).
  Namespaces(store::Store& root, ClockFactory make_clock, uint64_t default_seed,
             std::shared_ptr<const script::FixtureSet> fixtures,
             std::function<bool(const std::string& ns)> fires_schedules = nullptr);
  ~Namespaces();

  // Starts the default namespace and every namespace the database knows.
  Status Start();
  void Stop();

  // True for 1 to 64 letters, digits, '-' and '_' (and "" for the default).
  static bool ValidName(const std::string& ns);
  // The namespace's engine, created (with `seed`, or the server's) and
  // started on first use. A seed given for an existing namespace must match.
  Result<Engine*> For(const std::string& ns, std::optional<uint64_t> seed = std::nullopt);
  Engine& Default();

  // Every namespace at once: the database copied under `name` (clocks
  // included) and back; after a restore every engine reloads.
  Status SaveSnapshot(const std::string& name);
  Status RestoreSnapshot(const std::string& name);
  Result<std::vector<std::string>> Snapshots() { return root_.Snapshots(); }

  void ReplaceFixtures(std::shared_ptr<const script::FixtureSet> fixtures);
  std::shared_ptr<const script::FixtureSet> fixtures() const;
  // Calls fn on every live namespace's engine.
  void ForEach(const std::function<void(const std::string&, Engine&)>& fn);

 private:
  struct Space {
    std::unique_ptr<store::Store> store;
    std::unique_ptr<Clock> clock;
    std::unique_ptr<IdGenerator> ids;
    std::unique_ptr<Engine> engine;
  };
  Result<Engine*> Create(const std::string& ns, std::optional<uint64_t> seed);

  store::Store& root_;
  ClockFactory make_clock_;
  uint64_t default_seed_;
  mutable std::mutex mu_;
  std::shared_ptr<const script::FixtureSet> fixtures_;
  std::map<std::string, std::unique_ptr<Space>> spaces_;
  std::function<bool(const std::string& ns)> fires_schedules_;
};

}  // namespace sandbox::engine
