// The replay, export and import commands as main.cpp runs them: the database
// or a file in, text out (stdout, or --out FILE). Each returns the exit
// status: 0, or 1 after one line "agent-sandbox: ..." on `err`.
#pragma once

#include <ostream>
#include <string>

namespace sandbox::transfer {

// `dialect`: "middesk", "modus", or "" for the run's own.
int ReplayCommand(const std::string& db, const std::string& run_id, const std::string& dialect, std::ostream& out,
                  std::ostream& err);
int ExportCommand(const std::string& db, const std::string& run_id, const std::string& out_path, std::ostream& out,
                  std::ostream& err);
// `file` "-" reads standard input; `agent` (when not empty) replaces the run's agent type.
int ImportCommand(const std::string& file, const std::string& out_path, const std::string& agent, std::ostream& out,
                  std::ostream& err);

}  // namespace sandbox::transfer
