// One server per database file (issue 10, part 6). Two servers on one file
// each keep their own writer's view (ordinals, active runs), so the second
// one's writes collide with the first's (`UNIQUE constraint failed`). A
// server therefore takes this lock before it opens the database, and a second
// server stops at once with a message naming the holder.
//
// The lock is flock(2) on `<db>.lock` beside the database (the path with its
// symlinks resolved, so two spellings of one file share it). The kernel
// releases it when the holding process ends in any way, SIGKILL included, so a
// crashed server never leaves a stale lock; the file itself stays (it is never
// removed: removing it would let a third process lock a new file while a
// second still holds the old one). The holder writes its pid into the file, for
// the message only. A lock file rather than the database itself, because
// closing any descriptor of the database file would drop SQLite's own POSIX
// locks, and because the lock then covers `<db>-wal`, `<db>-shm` and
// `<db>.snapshots/` too. `:memory:` (and "", SQLite's private temporary
// database) need no lock. Readers that do not serve (`replay`, `export`) do
// not take it: SQLite's own locking lets them read beside a server.
//
// Thread safety: a FileLock is owned by one Database; not shared.
#pragma once

#include <memory>
#include <string>

#include "core/status.h"

namespace sandbox::store {

class FileLock {
 public:
  // The lock of the database at `db_path`: nullptr for databases that need
  // none, Conflict ("database X is in use by another agent-sandbox process
  // (pid N)") when another process (or another FileLock of this one) holds
  // it, Internal when the lock file cannot be opened.
  static Result<std::unique_ptr<FileLock>> Acquire(const std::string& db_path);
  ~FileLock();  // releases the lock
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

  // The lock file's path.
  const std::string& path() const { return path_; }
  // Where the lock of the database at `db_path` lives; "" when it needs none.
  static std::string LockPathFor(const std::string& db_path);

 private:
  FileLock(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
};

}  // namespace sandbox::store
