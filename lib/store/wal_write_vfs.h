// The SQLite VFS every Connection opens its database through: the system's
// own (unix), except that a write-ahead-log frame goes to the file in one
// write instead of two.
//
// SQLite writes each WAL frame as its 24-byte header and then its page, two
// pwrite calls. Under the write load those calls were most of the 19 % of
// the writer thread's samples that committing took (about 12.7 frames a
// run). Here a 24-byte write that starts where the same file's previous
// write ended (the next frame at the log's end) is held, and sent together
// with the page that SQLite writes right after it. Anything else done with
// the file, or with the database's shared-memory index on the same thread
// (which SQLite updates before a commit becomes visible or returns), sends
// a held header first, so no commit is published or answered with part of
// its frames still in memory. Headers rewritten in place (SQLite's
// checksum repair after a page was written twice in one transaction) never
// start where the previous write ended, so they go out as they come.
#pragma once

#include <cstdint>

namespace sandbox::store {

// The VFS's name (registered once, on first use, beside the default one,
// whose every other function it keeps); Connection::Open names it.
[[nodiscard]] const char* WalWriteVfs();

// How many WAL frames went out as one write, and how many held headers had
// to go out alone, since the process started (for tests).
struct WalWriteCounts {
  uint64_t frames_joined = 0;
  uint64_t headers_alone = 0;
};
[[nodiscard]] WalWriteCounts WalWriteCountsSoFar();

}  // namespace sandbox::store
