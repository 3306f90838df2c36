// SnapshotStore: named copies of the whole database, saved and restored.
// One of the store's small interfaces (store.h).
#pragma once

#include <string>
#include <vector>

#include "core/status.h"

namespace sandbox::store {

class SnapshotStore {
 public:
  virtual ~SnapshotStore() = default;

  // Copies the whole database under `name` (letters, digits, - and _), and
  // back; NotFound for an unknown name. On a file the copies live in
  // <db>.snapshots/<name>.sqlite (written aside and renamed into place, so a
  // failed save never damages the snapshot it replaces); in memory they live
  // as long as the process. The caller keeps the engines' writers quiesced
  // (engine/namespaces.h): the copy is consistent by itself, but the writers'
  // views of the database are not replaced with it.
  virtual Status SaveSnapshot(const std::string& name) = 0;
  // All or nothing: the snapshot is read into memory, checked and brought to
  // this binary's schema first (a snapshot saved by an older version is
  // migrated; a damaged one is refused, Conflict), then copied over the
  // database in one write transaction, which readers see whole or not at all.
  virtual Status RestoreSnapshot(const std::string& name) = 0;
  virtual Result<std::vector<std::string>> Snapshots() = 0;
};

}  // namespace sandbox::store
