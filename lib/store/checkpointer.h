// WAL checkpoints off the writer's path (issue 12). SQLite checkpoints a WAL
// database from inside the commit that takes the WAL past
// wal_autocheckpoint, so the writer, and every run waiting on its group
// commit, stops while pages are copied back into the database file and the
// file is synced. With that at 4,000 pages the write load ran at 1,690-1,889
// runs/s with a p99 of 23-24 ms; with no checkpoint at all, 1,845-2,198 runs/s
// and a p99 of 5.3-6.2 ms (and a WAL growing by 100 MB a second).
//
// Here the writer's connection reports its WAL's size after every commit
// (sqlite3_wal_hook, in place of SQLite's own checkpoint). Each time
// `wake_at_pages` frames have been added since the last checkpoint, a thread
// of ours runs a PASSIVE checkpoint on a connection of its own: it waits for
// nobody and blocks nobody. But under a steady load the writer adds frames
// while it runs, so it never finds the WAL whole, and only a checkpoint that
// copied every frame back lets the WAL start again from its beginning. So at
// `writer_at_pages` the writer checkpoints itself, as SQLite would have: by
// then the thread has copied back all but the last frames, and what is left
// is short. (Should the thread be checkpointing just then, the writer waits
// for it to end first.) The WAL stays bounded by that size and one commit.
//
// Thread safety: the hook runs on whichever thread commits on the writer's
// connection; the counters may be read from any thread.
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/status.h"
#include "store/sqlite.h"

namespace sandbox::store {

// Chosen under the write load (docs/performance.md): waking the thread
// every 1,000 or 2,000 added pages and the writer at 8,000 or 16,000 gave
// 1,790-2,070 runs/s against 1,540-1,790 with SQLite's checkpoint at 4,000,
// and 1,000/8,000 the lowest p99 (10-12 ms, against 24-27).
struct CheckpointLimits {
  int wake_at_pages = 1000;    // 4 MiB of 4 KiB pages added: the thread checkpoints
  int writer_at_pages = 8000;  // 32 MiB in the WAL: the writer checkpoints itself
};

class Checkpointer {
 public:
  // Opens a connection of its own to the database at `path` and takes over
  // the checkpoints of `writer`'s WAL. `writer` must outlive it.
  [[nodiscard]] static Result<std::unique_ptr<Checkpointer>> Start(const std::string& path, Connection& writer,
                                                                   CheckpointLimits limits = {});
  // Stops the thread (after a checkpoint it is in) and hands the writer's
  // connection back to no checkpoint at all: the process is ending or the
  // database closing, and SQLite checkpoints as the last connection closes.
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // Checkpoints run so far by the thread, and by the writer itself.
  uint64_t background_checkpoints() const { return background_.load(); }
  uint64_t writer_checkpoints() const { return by_writer_.load(); }

 private:
  Checkpointer(std::unique_ptr<Connection> own, Connection& writer, CheckpointLimits limits);
  static int OnCommit(void* self, sqlite3* db, const char* name, int pages);
  void Loop();

  std::unique_ptr<Connection> own_;
  Connection& writer_;
  const CheckpointLimits limits_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable idle_;  // the thread's checkpoint ended
  bool wanted_ = false;   // a checkpoint is asked for (under mu_)
  bool running_ = false;  // the thread is checkpointing (under mu_)
  bool stop_ = false;
  std::atomic<bool> busy_{false};  // asked for or running: commits need not ask again
  std::atomic<int> backfilled_{0};  // WAL frames copied back by the last checkpoint
  std::atomic<uint64_t> background_{0}, by_writer_{0};
  std::thread thread_;
};

}  // namespace sandbox::store
