// Namespaces (issue 5): independent sandboxes inside one process and one
// database, so parallel tests never see each other's threads and runs. Each
// namespace has its own Engine (and writer), clock and seed; its rows carry
// its name. A namespace comes into being on first use and, after a restart,
// comes back with the seed it was created with.
//
// Whole-sandbox operations (issue 10): a snapshot, a restore and a reset of
// every namespace each run alone. Holding the namespaces' lock (so no
// namespace is created meanwhile), they quiesce every engine (each writer
// finishes the command it is running and parks), act on the database, reload
// every engine from it, and release them. Commands that arrive meanwhile wait
// in their engine's queue and then run against the new state; a read sees the
// old state or the new one, never a mixture within one store call. The
// database is replaced in one transaction, so a failure there changes
// nothing; a failure after it (an engine that cannot reload) leaves the
// writers' views unclear, so every engine is marked failing with the reason,
// until a later restore or reset succeeds.
//
// Thread safety: every method may be called from any thread but an engine's
// writer.
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
  // (the app passes the Modus dialect's organisations).
  Namespaces(store::Store& root, ClockFactory make_clock, uint64_t default_seed,
             std::shared_ptr<const script::FixtureSet> fixtures,
             std::function<bool(const std::string& ns)> fires_schedules = nullptr, size_t max_namespaces = 1000);
  ~Namespaces();

  // Starts the default namespace and every namespace the database knows.
  Status Start();
  void Stop();

  // True for 1 to 64 letters, digits, '-' and '_' (and "" for the default).
  static bool ValidName(const std::string& ns);
  // The namespace's engine, created (with `seed`, or the server's) and
  // started on first use. A seed given for an existing namespace must match.
  // Every namespace has a writer thread, so a caller inventing names cannot
  // be allowed to make them without end: past `max_namespaces` a new one is
  // Unavailable (those the database already knows always come back).
  Result<Engine*> For(const std::string& ns, std::optional<uint64_t> seed = std::nullopt);
  Engine& Default();

  // Every namespace at once: the database copied under `name` (clocks
  // included) and back; after a restore every engine reloads, namespaces the
  // snapshot does not know end up empty (with their seed and a clock at its
  // start), and namespaces only the snapshot knows come to life.
  Status SaveSnapshot(const std::string& name);
  Status RestoreSnapshot(const std::string& name);
  Result<std::vector<std::string>> Snapshots() { return root_.Snapshots(); }
  // Every namespace emptied in one transaction (seeds stay), clocks back to
  // their start. One namespace is reset with its Engine::Reset().
  Status ResetAll();
  // Ok, or the first failing namespace's failure, naming it.
  Status Health();

  void ReplaceFixtures(std::shared_ptr<const script::FixtureSet> fixtures);
  std::shared_ptr<const script::FixtureSet> fixtures() const;
  // Rendered answers to reads, shared by every namespace (keys name theirs).
  ReadCache& read_cache() { return read_cache_; }
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
  // With mu_ held: quiesces every engine, runs `fn`, releases them.
  Status WithWritersQuiesced(const std::function<Status()>& fn);
  // With every engine quiesced, after the database changed: reloads each;
  // if one fails, marks all failing, saying `what` and why.
  Status ReloadAll(const std::string& what);
  // With mu_ held: an engine for every namespace the database knows.
  Status CreateKnown();

  store::Store& root_;
  ReadCache read_cache_;
  ClockFactory make_clock_;
  uint64_t default_seed_;
  mutable std::mutex mu_;
  std::shared_ptr<const script::FixtureSet> fixtures_;
  std::map<std::string, std::unique_ptr<Space>> spaces_;
  std::function<bool(const std::string& ns)> fires_schedules_;
  size_t max_namespaces_;
};

}  // namespace sandbox::engine
