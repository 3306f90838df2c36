// The Store: everything the sandbox keeps, in one SQLite file (or in memory),
// seen through a few small interfaces: RunLog (runs and their events),
// Threads, NamespaceState (seeds, clocks, wiping), WebhookOutbox,
// SnapshotStore and AgentDefinitions. SQLite stays private to lib/store (sqlite_store.h); nothing
// above this layer compiles against it.
//
// Writes come only from the engine's writer thread (DESIGN.md "Threading") and
// each commit is one transaction holding the new events *and* the rows
// projected from them, so rows and log never disagree. Reads may come from any
// thread: on a file they use their own connections (WAL lets them run beside
// the writer), each call in one read transaction, so it sees one committed
// state (never half of a restore); in memory they share the writer's
// connection under its lock.
//
// A Store sees one namespace: every query is limited to its rows. Tests wrap
// a Store in store/faulty_store.h to fail chosen writes.
#pragma once

#include <memory>
#include <string>

#include "core/status.h"
#include "store/agent_definitions.h"
#include "store/namespace_state.h"
#include "store/run_log.h"
#include "store/snapshot_store.h"
#include "store/threads.h"
#include "store/webhook_outbox.h"

namespace sandbox::store {

class Store : public RunLog,
              public Threads,
              public NamespaceState,
              public WebhookOutbox,
              public SnapshotStore,
              public AgentDefinitions {
 public:
  // The default namespace ("") of the database at `path`. Takes no lock:
  // for the offline commands (`replay`, `export`), which only read and may
  // run beside a server, and for tests.
  static Result<std::unique_ptr<Store>> Open(const std::string& path);
  // Open, for a server: first takes the database's lock (file_lock.h), held
  // as long as the Store's database is open, so that a second server on the
  // same file fails here (Conflict: "database X is in use by another
  // agent-sandbox process (pid N)") before it reads or migrates anything.
  static Result<std::unique_ptr<Store>> OpenForServing(const std::string& path);
  ~Store() override = default;
  // Another namespace of the same database.
  virtual std::unique_ptr<Store> Namespace(const std::string& ns) const = 0;
};

}  // namespace sandbox::store
