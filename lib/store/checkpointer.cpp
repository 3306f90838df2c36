// Checkpointer; see checkpointer.h.
#include "store/checkpointer.h"

#include <pthread.h>
#include <signal.h>

#include "core/thread_name.h"

namespace sandbox::store {

Result<std::unique_ptr<Checkpointer>> Checkpointer::Start(const std::string& path, Connection& writer,
                                                          CheckpointLimits limits) {
  auto own = Connection::Open(path, /*read_only=*/false);
  if (!own.ok()) return own.status();
  // NORMAL, as the writer: the WAL is synced before a checkpoint and the
  // database file after it.
  Status st = own.value()->Exec("PRAGMA synchronous=NORMAL");
  if (!st.ok()) return st;
  return std::unique_ptr<Checkpointer>(new Checkpointer(std::move(own).value(), writer, limits));
}

Checkpointer::Checkpointer(std::unique_ptr<Connection> own, Connection& writer, CheckpointLimits limits)
    : own_(std::move(own)), writer_(writer), limits_(limits) {
  // The thread starts with every signal blocked: it may start before the
  // server blocks SIGTERM and SIGINT for the thread that waits for them
  // (main.cpp), and a thread that took one would end the process at once.
  sigset_t all, before;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &before);
  thread_ = std::thread([this] {
    NameThisThread(thread_name::kCheckpointer);
    Loop();
  });
  pthread_sigmask(SIG_SETMASK, &before, nullptr);
  // Replaces SQLite's automatic checkpoint (which is a WAL hook itself).
  sqlite3_wal_hook(writer_.raw(), &Checkpointer::OnCommit, this);
}

Checkpointer::~Checkpointer() {
  sqlite3_wal_hook(writer_.raw(), nullptr, nullptr);
  {
    std::lock_guard<std::mutex> g(mu_);
    stop_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

int Checkpointer::OnCommit(void* arg, sqlite3* db, const char* name, int pages) {
  auto* self = static_cast<Checkpointer*>(arg);
  if (pages >= self->limits_.writer_at_pages) {
    // What SQLite's own hook does at its threshold. With no frame added
    // meanwhile (this is the writer), it copies every frame back unless a
    // reader still uses some, and the next write starts the WAL again. A
    // checkpoint the thread is running makes this one SQLITE_BUSY, and the
    // next commit tries again.
    int log = 0, done = 0;
    int rc = sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
    if (rc == SQLITE_BUSY) {
      // The thread's checkpoint holds SQLite's checkpoint lock: wait for it
      // to end (it is bounded), or on a slow disk the writer would go on
      // adding frames past its limit while the thread syncs.
      {
        std::unique_lock<std::mutex> lock(self->mu_);
        self->idle_.wait(lock, [&] { return !self->running_; });
      }
      rc = sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
    }
    if (rc == SQLITE_OK) self->backfilled_ = done;
    ++self->by_writer_;
    return SQLITE_OK;
  }
  // A WAL shorter than what was copied back has started again.
  int backfilled = self->backfilled_.load();
  if (pages < backfilled) backfilled = 0;
  if (pages - backfilled >= self->limits_.wake_at_pages && !self->busy_.exchange(true)) {
    {
      std::lock_guard<std::mutex> g(self->mu_);
      self->wanted_ = true;
    }
    self->wake_.notify_one();
  }
  return SQLITE_OK;
}

void Checkpointer::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    wake_.wait(lock, [&] { return stop_ || wanted_; });
    if (stop_) return;
    wanted_ = false;
    running_ = true;
    lock.unlock();
    int log = 0, done = 0;
    if (sqlite3_wal_checkpoint_v2(own_->raw(), "main", SQLITE_CHECKPOINT_PASSIVE, &log, &done) == SQLITE_OK) {
      backfilled_ = done;
    }
    ++background_;
    // Commits from here on may ask again.
    busy_ = false;
    lock.lock();
    running_ = false;
    idle_.notify_all();
  }
}

}  // namespace sandbox::store
