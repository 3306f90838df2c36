// The SQLite VFS every Connection opens its database through: the system's
// own (unix), except that a commit's write-ahead-log frames go to the file
// together, in writes of up to 128 KiB, instead of two writes per frame.
//
// SQLite writes each WAL frame as its 24-byte header and then its page, two
// pwrite calls, and a commit as one frame per changed page (about 47 for a
// group of four runs). Those calls were most of what committing cost the
// writer thread. Here writes that continue the log where it ends are held in
// memory, and go out together when the frame that ends a commit is
// complete (its header names the database's size), inside the call that
// wrote it, so a failure is reported to that commit. Anything else done with
// the file, or with the database's shared-memory index, on the same thread
// sends what is held first, so nothing SQLite reads, rewrites in place, or
// publishes can miss it; SQLite makes a commit visible there only after its
// last frame. Writes elsewhere in the log (checksum repair, a page written
// twice in one transaction) are never at its end, and go out as they come.
// A write carries at most kWriteBytesMax bytes.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sandbox::store {

// The VFS's name (registered once, on first use, beside the default one,
// whose every other function it keeps); Connection::Open names it.
[[nodiscard]] const char* WalWriteVfs();

// The most one write sends: the system's VFS sends at most 128 KiB - 1 in
// one call (it masks a larger count), so a commit larger than that goes out
// in several writes (about 31 frames of 4 KiB pages each).
inline constexpr size_t kWriteBytesMax = (128 << 10) - 1;

// Since the process started (for tests): how many WAL frames were held and
// sent with others, how many writes sent them, and how many of those writes
// went out early, because something else needed the file or the shared
// index before the commit's last frame (not counting writes that were full).
struct WalWriteCounts {
  uint64_t frames_held = 0;
  uint64_t held_writes = 0;
  uint64_t sent_early = 0;
};
[[nodiscard]] WalWriteCounts WalWriteCountsSoFar();

}  // namespace sandbox::store
