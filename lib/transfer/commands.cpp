// The file and database side of replay, export and import; the translations
// themselves are pure (replay.h, export.h, import.h). A written fixture is
// checked with the loader before it leaves, so export and import never hand
// out a file that `validate` or the server would refuse.
#include "transfer/commands.h"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "core/ids.h"
#include "script/loader.h"
#include "store/store.h"
#include "transfer/export.h"
#include "transfer/import.h"
#include "transfer/replay.h"

namespace sandbox::transfer {
namespace {

int Fail(std::ostream& err, const std::string& what) {
  err << "agent-sandbox: " << what << "\n";
  return 1;
}

// A run's log, and the namespace it was found in.
struct FoundLog {
  std::vector<Event> events;
  std::string ns;
};

Result<FoundLog> FindLog(const std::string& db, const std::string& run_id) {
  std::error_code ec;
  if (db != ":memory:" && !std::filesystem::is_regular_file(db, ec)) return Status::NotFound("no database at " + db);
  auto store = store::Store::Open(db);
  if (!store.ok()) return store.status();
  // Run ids are unique across namespaces, so the run is looked for in each.
  auto spaces = store.value()->KnownNamespaces();
  if (!spaces.ok()) return spaces.status();
  for (const auto& ns : spaces.value()) {
    auto events = store.value()->Namespace(ns)->Events(run_id);
    if (!events.ok()) return events.status();
    if (!events->empty()) return FoundLog{std::move(events).value(), ns};
  }
  return Status::NotFound("no run " + run_id + " in " + db);
}

Result<std::string> ReadText(const std::string& file) {
  std::stringstream buf;
  if (file == "-") {
    buf << std::cin.rdbuf();
    return buf.str();
  }
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec))
    return Status::InvalidArgument("cannot read " + file + ": it is a folder");
  std::ifstream in(file, std::ios::binary);
  if (!in) return Status::NotFound("cannot read " + file + ": no such file");
  buf << in.rdbuf();
  return buf.str();
}

// Checks `fixture` with the loader, then writes it to `out_path` (or `out`).
int Emit(const Json& fixture, const std::string& out_path, const std::string& what, std::ostream& out,
         std::ostream& err) {
  std::string text = fixture.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
  auto loaded = script::ParseFixtureText(text, out_path.empty() ? "<output>" : out_path, IdGenerator(0));
  if (!loaded.ok())
    return Fail(err, "internal error: the fixture written does not validate:\n" + loaded.status().message());
  if (out_path.empty()) {
    out << text;
    return 0;
  }
  std::ofstream file(out_path, std::ios::binary | std::ios::trunc);
  file << text;
  file.close();
  if (!file) return Fail(err, "cannot write " + out_path);
  const auto& scenario = fixture["agents"][0]["scenarios"][0];
  out << out_path << ": " << what << " as scenario \"" << scenario["name"].get<std::string>() << "\" of agent "
      << fixture["agents"][0]["type"].get<std::string>() << "\n";
  return 0;
}

}  // namespace

int ReplayCommand(const std::string& db, const std::string& run_id, const std::string& dialect, std::ostream& out,
                  std::ostream& err) {
  auto log = FindLog(db, run_id);
  if (!log.ok()) return Fail(err, log.status().message());
  const StreamDialect chosen = dialect.empty() ? StreamDialectOfNamespace(log->ns)
                                               : StreamDialectNamed(dialect).value_or(StreamDialect::kMiddesk);
  auto stream = ReplayStream(log->events, chosen);
  if (!stream.ok()) return Fail(err, "run " + run_id + ": " + stream.status().message());
  out << stream.value();
  return 0;
}

int ExportCommand(const std::string& db, const std::string& run_id, const std::string& out_path, std::ostream& out,
                  std::ostream& err) {
  auto log = FindLog(db, run_id);
  if (!log.ok()) return Fail(err, log.status().message());
  auto fixture = ExportRun(log->events);
  if (!fixture.ok()) return Fail(err, "run " + run_id + ": " + fixture.status().message());
  return Emit(fixture.value(), out_path, "exported run " + run_id, out, err);
}

int ImportCommand(const std::string& file, const std::string& out_path, const std::string& agent, std::ostream& out,
                  std::ostream& err) {
  auto text = ReadText(file);
  if (!text.ok()) return Fail(err, text.status().message());
  auto run = CapturedRun(text.value());
  if (!run.ok()) return Fail(err, file + ": " + run.status().message());
  auto fixture = ImportRun(run.value(), agent);
  if (!fixture.ok()) return Fail(err, file + ": " + fixture.status().message());
  return Emit(fixture.value(), out_path, "imported " + file, out, err);
}

}  // namespace sandbox::transfer
