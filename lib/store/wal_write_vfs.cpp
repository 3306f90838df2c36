// WalWriteVfs (wal_write_vfs.h): the system's VFS, with a commit's WAL
// frames sent together.
#include "store/wal_write_vfs.h"

#include <sqlite3.h>

#include <atomic>
#include <cstdlib>
#include <cstring>

namespace sandbox::store {
namespace {

constexpr int kFrameHeaderBytes = 24;  // SQLite's WAL_FRAME_HDRSIZE

std::atomic<uint64_t> frames_held{0};
std::atomic<uint64_t> held_writes{0};
std::atomic<uint64_t> sent_early{0};

sqlite3_vfs* system_vfs = nullptr;  // set once, before any file is opened
sqlite3_vfs wal_vfs;
sqlite3_io_methods wal_methods;

// A file opened through the VFS: ours, then the system's file right after it.
struct File {
  sqlite3_file base;  // first: SQLite sees a File as a sqlite3_file
  sqlite3_file* real;
  bool is_wal;
  bool failed;             // held bytes could not be written from a barrier (see ShmBarrier)
  sqlite3_int64 last_end;  // where this file's previous write ended, held bytes included; -1: unknown
  // Log bytes held, from held_offset on: kWriteBytesMax of them at most, in
  // a buffer made on the first write held and kept until the file closes.
  // One a connection, not one a thread: a namespace's writer thread is one
  // of up to --max-namespaces, and all of them write through the same
  // connection in turn.
  char* held;
  size_t held_size;
  sqlite3_int64 held_offset;
  bool after_commit_header;  // the last write held was the header of a commit's last frame
};

// The file whose bytes this thread holds, if any. SQLite writes a
// transaction's frames on the thread that holds its write lock, and
// releases the lock through the shared index, which sends them first: no
// other thread finds bytes held in a file it writes.
thread_local File* held_here = nullptr;

const sqlite3_io_methods& Real(const File* f) { return *f->real->pMethods; }
File* Of(sqlite3_file* f) { return reinterpret_cast<File*>(f); }

// A frame header's bytes 4-7: the database's size in pages after the commit
// this frame ends, or 0 if it ends none.
bool EndsCommit(const void* header) {
  const auto* b = static_cast<const unsigned char*>(header);
  return (b[4] | b[5] | b[6] | b[7]) != 0;
}

// Writes what this thread holds, in one call. `early`: before the frame
// that ends its commit (something else needed the file first).
int SendHeld(bool early) {
  File* f = held_here;
  if (!f) return SQLITE_OK;
  held_here = nullptr;
  held_writes.fetch_add(1, std::memory_order_relaxed);
  if (early) sent_early.fetch_add(1, std::memory_order_relaxed);
  int rc = Real(f).xWrite(f->real, f->held, static_cast<int>(f->held_size), f->held_offset);
  f->held_size = 0;
  if (rc != SQLITE_OK) f->last_end = -1;
  return rc;
}

// Before anything else on this thread touches a file or the shared index.
int FlushThisThread() { return SendHeld(/*early=*/true); }

int Close(sqlite3_file* f) {
  File* file = Of(f);
  int flushed = FlushThisThread();
  int rc = Real(file).xClose(file->real);
  std::free(file->held);
  file->held = nullptr;
  return flushed != SQLITE_OK ? flushed : rc;
}

int Read(sqlite3_file* f, void* data, int bytes, sqlite3_int64 offset) {
  if (int rc = FlushThisThread(); rc != SQLITE_OK) return rc;
  return Real(Of(f)).xRead(Of(f)->real, data, bytes, offset);
}

// Adds a write at the log's end to what this thread holds for `file`
// (which has room for it). False if the buffer cannot be made.
bool Hold(File* file, const void* data, int bytes, sqlite3_int64 offset) {
  if (held_here != file) {
    if (!file->held) file->held = static_cast<char*>(std::malloc(kWriteBytesMax));
    if (!file->held) return false;
    held_here = file;
    file->held_offset = offset;
    file->held_size = 0;
  }
  const bool is_header = bytes == kFrameHeaderBytes;
  file->after_commit_header = is_header && EndsCommit(data);
  if (is_header) frames_held.fetch_add(1, std::memory_order_relaxed);
  std::memcpy(file->held + file->held_size, data, static_cast<size_t>(bytes));
  file->held_size += static_cast<size_t>(bytes);
  file->last_end = offset + bytes;
  return true;
}

int Write(sqlite3_file* f, const void* data, int bytes, sqlite3_int64 offset) {
  File* file = Of(f);
  if (file->failed) return SQLITE_IOERR_WRITE;
  if (held_here == file && offset == file->last_end) {
    // The log goes on where the held bytes end: hold this too, and send it
    // all once the frame that ends the commit is whole.
    const bool commit_complete = file->after_commit_header && bytes != kFrameHeaderBytes;
    if (file->held_size + static_cast<size_t>(bytes) > kWriteBytesMax) {
      if (int rc = SendHeld(/*early=*/false); rc != SQLITE_OK) return rc;
    }
    if (!Hold(file, data, bytes, offset)) return SQLITE_IOERR_NOMEM;
    return commit_complete ? SendHeld(/*early=*/false) : SQLITE_OK;
  }
  if (int rc = FlushThisThread(); rc != SQLITE_OK) return rc;
  if (file->is_wal && offset == file->last_end && static_cast<size_t>(bytes) <= kWriteBytesMax &&
      Hold(file, data, bytes, offset)) {
    return SQLITE_OK;
  }
  int rc = Real(file).xWrite(file->real, data, bytes, offset);
  file->last_end = rc == SQLITE_OK ? offset + bytes : -1;
  return rc;
}

int Truncate(sqlite3_file* f, sqlite3_int64 size) {
  if (int rc = FlushThisThread(); rc != SQLITE_OK) return rc;
  Of(f)->last_end = -1;
  return Real(Of(f)).xTruncate(Of(f)->real, size);
}

int Sync(sqlite3_file* f, int flags) {
  if (int rc = FlushThisThread(); rc != SQLITE_OK) return rc;
  if (Of(f)->failed) return SQLITE_IOERR_FSYNC;
  return Real(Of(f)).xSync(Of(f)->real, flags);
}

int FileSize(sqlite3_file* f, sqlite3_int64* size) {
  if (int rc = FlushThisThread(); rc != SQLITE_OK) return rc;
  return Real(Of(f)).xFileSize(Of(f)->real, size);
}

int Lock(sqlite3_file* f, int level) {
  if (int rc = FlushThisThread(); rc != SQLITE_OK) return rc;
  return Real(Of(f)).xLock(Of(f)->real, level);
}

int Unlock(sqlite3_file* f, int level) {
  if (int rc = FlushThisThread(); rc != SQLITE_OK) return rc;
  return Real(Of(f)).xUnlock(Of(f)->real, level);
}

int CheckReservedLock(sqlite3_file* f, int* out) { return Real(Of(f)).xCheckReservedLock(Of(f)->real, out); }

int FileControl(sqlite3_file* f, int op, void* arg) {
  if (int rc = FlushThisThread(); rc != SQLITE_OK) return rc;
  return Real(Of(f)).xFileControl(Of(f)->real, op, arg);
}

int SectorSize(sqlite3_file* f) { return Real(Of(f)).xSectorSize(Of(f)->real); }

int DeviceCharacteristics(sqlite3_file* f) { return Real(Of(f)).xDeviceCharacteristics(Of(f)->real); }

// The shared-memory index: SQLite makes a commit visible there (and ends it)
// through these, on the committing thread; held bytes go first.
int ShmMap(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  if (int rc = FlushThisThread(); rc != SQLITE_OK) return rc;
  return Real(Of(f)).xShmMap(Of(f)->real, region, size, extend, out);
}

int ShmLock(sqlite3_file* f, int offset, int n, int flags) {
  if (int rc = FlushThisThread(); rc != SQLITE_OK) return rc;
  return Real(Of(f)).xShmLock(Of(f)->real, offset, n, flags);
}

void ShmBarrier(sqlite3_file* f) {
  // A commit's frames went out with its last one, so nothing is held here;
  // if something were and failed, this call cannot say so, and the log's
  // next write or sync does instead of letting a later commit through.
  File* holder = held_here;
  if (FlushThisThread() != SQLITE_OK) holder->failed = true;
  Real(Of(f)).xShmBarrier(Of(f)->real);
}

int ShmUnmap(sqlite3_file* f, int delete_flag) {
  if (int rc = FlushThisThread(); rc != SQLITE_OK) return rc;
  return Real(Of(f)).xShmUnmap(Of(f)->real, delete_flag);
}

int Fetch(sqlite3_file* f, sqlite3_int64 offset, int bytes, void** out) {
  return Real(Of(f)).xFetch(Of(f)->real, offset, bytes, out);
}

int Unfetch(sqlite3_file* f, sqlite3_int64 offset, void* page) {
  return Real(Of(f)).xUnfetch(Of(f)->real, offset, page);
}

int Open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
  File* file = Of(f);
  file->base.pMethods = nullptr;
  file->real = reinterpret_cast<sqlite3_file*>(file + 1);
  file->is_wal = (flags & SQLITE_OPEN_WAL) != 0;
  file->failed = false;
  file->last_end = -1;
  file->held = nullptr;
  file->held_size = 0;
  file->held_offset = 0;
  file->after_commit_header = false;
  int rc = system_vfs->xOpen(system_vfs, name, file->real, flags, out_flags);
  // SQLite calls xClose only on a file whose methods are set.
  if (file->real->pMethods) file->base.pMethods = &wal_methods;
  return rc;
}

}  // namespace

const char* WalWriteVfs() {
  static const char* name = [] {
    system_vfs = sqlite3_vfs_find(nullptr);
    wal_vfs = *system_vfs;  // every other function, and its limits, unchanged
    wal_vfs.zName = "sandbox-wal-frames";
    wal_vfs.szOsFile = static_cast<int>(sizeof(File)) + system_vfs->szOsFile;
    wal_vfs.xOpen = Open;
    wal_vfs.pNext = nullptr;
    wal_methods = sqlite3_io_methods{};
    wal_methods.iVersion = 3;
    wal_methods.xClose = Close;
    wal_methods.xRead = Read;
    wal_methods.xWrite = Write;
    wal_methods.xTruncate = Truncate;
    wal_methods.xSync = Sync;
    wal_methods.xFileSize = FileSize;
    wal_methods.xLock = Lock;
    wal_methods.xUnlock = Unlock;
    wal_methods.xCheckReservedLock = CheckReservedLock;
    wal_methods.xFileControl = FileControl;
    wal_methods.xSectorSize = SectorSize;
    wal_methods.xDeviceCharacteristics = DeviceCharacteristics;
    wal_methods.xShmMap = ShmMap;
    wal_methods.xShmLock = ShmLock;
    wal_methods.xShmBarrier = ShmBarrier;
    wal_methods.xShmUnmap = ShmUnmap;
    wal_methods.xFetch = Fetch;
    wal_methods.xUnfetch = Unfetch;
    (void)sqlite3_vfs_register(&wal_vfs, 0);
    return wal_vfs.zName;
  }();
  return name;
}

WalWriteCounts WalWriteCountsSoFar() {
  return WalWriteCounts{frames_held.load(std::memory_order_relaxed), held_writes.load(std::memory_order_relaxed),
                        sent_early.load(std::memory_order_relaxed)};
}

}  // namespace sandbox::store
