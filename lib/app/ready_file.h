// The ready file (--ready-file PATH): how a test harness learns that the
// sandbox listens, and where, without parsing its stdout. Written whole or
// not at all (a temporary file in the same folder, renamed over PATH), so a
// reader never sees half of it; removed again when the server stops.
#pragma once

#include <string>

#include "core/status.h"
#include "core/types.h"

namespace sandbox::app {

// {"url","port","pid","version","db"} as one line of JSON.
std::string ReadyFileContent(const std::string& host, int port, long pid, const std::string& db);

// Writes `content` to `path` atomically. An error names the path and why.
[[nodiscard]] Status WriteReadyFile(const std::string& path, const std::string& content);

// Removes `path` if it exists (a stale file from an earlier run, or ours at
// the stop); an error other than "not there" is returned.
[[nodiscard]] Status RemoveReadyFile(const std::string& path);

}  // namespace sandbox::app
