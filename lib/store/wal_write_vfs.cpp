// WalWriteVfs (wal_write_vfs.h): the system's VFS, with a WAL frame's
// header and page sent in one write.
#include "store/wal_write_vfs.h"

#include <sqlite3.h>

#include <atomic>
#include <cstring>
#include <string>

namespace sandbox::store {
namespace {

constexpr int kFrameHeaderBytes = 24;  // SQLite's WAL_FRAME_HDRSIZE

std::atomic<uint64_t> frames_joined{0};
std::atomic<uint64_t> headers_alone{0};

sqlite3_vfs* system_vfs = nullptr;  // set once, before any file is opened
sqlite3_vfs wal_vfs;
sqlite3_io_methods wal_methods;

// A file opened through the VFS: ours, then the system's file right after it.
struct File {
  sqlite3_file base;  // first: SQLite sees a File as a sqlite3_file
  sqlite3_file* real;
  bool is_wal;
  bool failed;                // a held header could not be written (see FlushHeld)
  sqlite3_int64 last_end;     // where this file's previous write ended; -1: unknown
  sqlite3_int64 held_offset;  // the held header's offset; -1: none held
  unsigned char held[kFrameHeaderBytes];
};

// The file holding a header on this thread. SQLite writes a frame's page on
// the thread that wrote its header, in the same call.
thread_local File* held_here = nullptr;
// The header and the page, put together (one buffer a thread, reused).
thread_local std::string joined;

const sqlite3_io_methods& Real(const File* f) { return *f->real->pMethods; }
File* Of(sqlite3_file* f) { return reinterpret_cast<File*>(f); }

int WriteThrough(File* f, const void* data, int bytes, sqlite3_int64 offset) {
  int rc = Real(f).xWrite(f->real, data, bytes, offset);
  if (rc == SQLITE_OK) f->last_end = offset + bytes;
  return rc;
}

// Writes `f`'s held header, if any, on its own.
int FlushHeld(File* f) {
  if (f->held_offset < 0) return SQLITE_OK;
  const sqlite3_int64 offset = f->held_offset;
  f->held_offset = -1;
  if (held_here == f) held_here = nullptr;
  headers_alone.fetch_add(1, std::memory_order_relaxed);
  int rc = WriteThrough(f, f->held, kFrameHeaderBytes, offset);
  // Reached only when SQLite did something other than write the page next;
  // from a call that cannot report it (a barrier), the file's next write or
  // sync reports it instead of letting a later commit through.
  if (rc != SQLITE_OK) f->failed = true;
  return rc;
}

// Before anything else on this thread touches a file or the shared index.
int FlushThisThread() { return held_here ? FlushHeld(held_here) : SQLITE_OK; }

int Close(sqlite3_file* f) {
  File* file = Of(f);
  int flushed = FlushThisThread();
  int rc = Real(file).xClose(file->real);
  return flushed != SQLITE_OK ? flushed : rc;
}

int Read(sqlite3_file* f, void* data, int bytes, sqlite3_int64 offset) {
  if (int rc = FlushThisThread(); rc != SQLITE_OK) return rc;
  return Real(Of(f)).xRead(Of(f)->real, data, bytes, offset);
}

int Write(sqlite3_file* f, const void* data, int bytes, sqlite3_int64 offset) {
  File* file = Of(f);
  if (file->failed) return SQLITE_IOERR_WRITE;
  if (file->is_wal && file->held_offset >= 0 && held_here == file && offset == file->held_offset + kFrameHeaderBytes) {
    // The held header's page: both in one write.
    joined.assign(reinterpret_cast<const char*>(file->held), kFrameHeaderBytes);
    joined.append(static_cast<const char*>(data), static_cast<size_t>(bytes));
    const sqlite3_int64 start = file->held_offset;
    file->held_offset = -1;
    held_here = nullptr;
    frames_joined.fetch_add(1, std::memory_order_relaxed);
    return WriteThrough(file, joined.data(), static_cast<int>(joined.size()), start);
  }
  if (int rc = FlushThisThread(); rc != SQLITE_OK) return rc;
  if (file->is_wal && bytes == kFrameHeaderBytes && offset == file->last_end) {
    std::memcpy(file->held, data, kFrameHeaderBytes);
    file->held_offset = offset;
    held_here = file;
    return SQLITE_OK;
  }
  return WriteThrough(file, data, bytes, offset);
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
// through these, on the committing thread; a held header goes first.
int ShmMap(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  if (int rc = FlushThisThread(); rc != SQLITE_OK) return rc;
  return Real(Of(f)).xShmMap(Of(f)->real, region, size, extend, out);
}

int ShmLock(sqlite3_file* f, int offset, int n, int flags) {
  if (int rc = FlushThisThread(); rc != SQLITE_OK) return rc;
  return Real(Of(f)).xShmLock(Of(f)->real, offset, n, flags);
}

void ShmBarrier(sqlite3_file* f) {
  (void)FlushThisThread();  // a failure marks the file (FlushHeld)
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
  file->held_offset = -1;
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
  return WalWriteCounts{frames_joined.load(std::memory_order_relaxed), headers_alone.load(std::memory_order_relaxed)};
}

}  // namespace sandbox::store
