// NamespaceState: what a namespace (a Middesk account, a Modus organisation,
// or a test's own namespace) keeps beside its rows: its seed and its clock,
// and wiping it. One of the store's small interfaces (store.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/types.h"

namespace sandbox::store {

class NamespaceState {
 public:
  virtual ~NamespaceState() = default;

  virtual const std::string& ns() const = 0;
  // The database file (":memory:" for none).
  virtual const std::string& path() const = 0;
  // The seed this namespace was created with, and recording it.
  virtual Result<std::optional<uint64_t>> SavedSeed() = 0;
  virtual Status SaveSeed(uint64_t seed) = 0;
  // The sandbox instant saved with the last commit, if any.
  virtual Result<std::optional<Instant>> SavedClock() = 0;
  // Records this namespace's clock (snapshots and restarts start from it).
  virtual Status SaveClockNow(Instant now) = 0;
  // Namespaces with any rows or a saved seed, "" first.
  virtual Result<std::vector<std::string>> KnownNamespaces() = 0;
  // Deletes this namespace's rows only (its seed stays), in one transaction.
  virtual Status DeleteNamespace() = 0;
  // Deletes every row of every table, all namespaces, in one transaction;
  // the schema stays, and so do the seeds namespaces were created with (as
  // DeleteNamespace keeps its own).
  virtual Status DeleteEverything() = 0;
};

}  // namespace sandbox::store
