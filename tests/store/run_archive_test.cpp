// Finished runs' logs (run_logs): when a run ends its events and steps leave
// their tables for one compressed value, and every read gives back exactly
// what the rows gave: the events, the steps rebuilt from them, an artifact's
// run. Damaged values are errors, never crashes or wrong answers.
#include <catch2/catch.hpp>

#include "core/projection.h"
#include "store/run_archive.h"
#include "store/sqlite.h"
#include "store/store.h"
#include "support/scratch_dir.h"

namespace store_run_archive_test {

using namespace sandbox;
using namespace sandbox::store;
using sandbox::testing::ScratchDir;

namespace {

Thread MakeThread(const std::string& id, int64_t ordinal = 1) {
  Thread t;
  t.id = id;
  t.ordinal = ordinal;
  t.agent = "cip";
  t.created_at = t.updated_at = 1000;
  return t;
}

// A run of `steps` steps, each with one artifact, then its end: the events
// of the whole story, in order (the last is run.completed).
std::vector<Event> Story(const std::string& run, int steps, const std::string& thread = "t-1", int64_t ordinal = 1) {
  std::vector<Event> log = {
      Event{run, 1, event_type::kRunStarted, 1000,
            Json{{"thread_id", thread}, {"agent", "cip"}, {"scenario", "default"}, {"ordinal", ordinal}}}};
  auto next = [&] { return static_cast<int64_t>(log.size()) + 1; };
  for (int i = 0; i < steps; ++i) {
    std::string step = run + "-s" + std::to_string(i);
    log.push_back(Event{run, next(), event_type::kStepStarted, 1000 + i * 10,
                        Json{{"step_id", step},
                             {"parent_step_id", nullptr},
                             {"agent", "cip"},
                             {"type", "activity"},
                             {"name", "check_" + std::to_string(i)},
                             {"label", "Checking the registry, part " + std::to_string(i)},
                             {"ordinal", i}}});
    log.push_back(Event{run, next(), event_type::kArtifactAdded, 1005 + i * 10,
                        Json{{"step_id", step},
                             {"artifact",
                              {{"id", run + "-a" + std::to_string(i)},
                               {"title", "Watchlist result"},
                               {"type", "watchlist_result"},
                               {"confidence", "high"},
                               {"summary", "No match on the OFAC, UN or EU lists for the subject."},
                               {"sources", Json::array()}}}}});
    log.push_back(Event{run, next(), event_type::kStepCompleted, 1009 + i * 10,
                        Json{{"step_id", step}, {"status", "completed"}, {"result", {{"checked", i}}}}});
  }
  log.push_back(Event{run, next(), event_type::kRunCompleted, 2000, Json{{"output", {{"verdict", "pass"}}}}});
  return log;
}

std::vector<Event> Slice(const std::vector<Event>& log, size_t from, size_t to) {
  return std::vector<Event>(log.begin() + from, log.begin() + to);
}

int64_t Count(const std::string& path, const std::string& sql) {
  auto c = Connection::Open(path, /*read_only=*/true);
  REQUIRE(c.ok());
  Statement q(*c.value(), sql);
  REQUIRE(q.Step().value());
  return q.Int(0);
}

void Exec(const std::string& path, const std::string& sql) {
  auto c = Connection::Open(path, /*read_only=*/false);
  REQUIRE(c.ok());
  REQUIRE(c.value()->Exec(sql).ok());
}

struct FileStore {
  ScratchDir dir{"archive"};
  std::string path = dir.File("archive.db");
  std::unique_ptr<Store> store;
  std::string script = R"({"name":"default","steps":["the same script for every run"]})";
  FileStore() {
    auto s = Store::Open(path);
    REQUIRE(s.ok());
    store = std::move(s).value();
  }
  // Commits `log` in three commits (start, middle, the rest), as a run the
  // clock carries on over time does.
  void CommitInParts(const std::vector<Event>& log, const Thread* thread) {
    RunState a = Rebuild(Slice(log, 0, 1)).value();
    RunState b = Rebuild(Slice(log, 0, 4)).value();
    RunState c = Rebuild(log).value();
    REQUIRE(store->Commit(RunWrite{&a, Slice(log, 0, 1), thread, &script}, 1000).ok());
    REQUIRE(store->Commit(RunWrite{.state = &b, .events = Slice(log, 1, 4), .before = &a}, 1500).ok());
    REQUIRE(store->Commit(RunWrite{.state = &c, .events = Slice(log, 4, log.size()), .before = &b}, 2000).ok());
  }
};

}  // namespace

TEST_CASE("an ended run's events and steps leave their rows for one log, and read back the same", "[store]") {
  FileStore f;
  Thread t = MakeThread("t-1");
  std::vector<Event> log = Story("r-1", 4);
  RunState rows_state;  // what the rows gave while the run went on
  {
    RunState a = Rebuild(Slice(log, 0, 4)).value();
    REQUIRE(f.store->Commit(RunWrite{&a, Slice(log, 0, 4), &t, &f.script}, 1000).ok());
    CHECK(Count(f.path, "SELECT count(*) FROM run_events") == 4);
    CHECK(Count(f.path, "SELECT count(*) FROM steps") == 1);
    CHECK(Count(f.path, "SELECT count(*) FROM run_logs") == 0);
    RunState c = Rebuild(log).value();
    REQUIRE(f.store->Commit(RunWrite{.state = &c, .events = Slice(log, 4, log.size()), .before = &a}, 2000).ok());
    rows_state = c;
  }
  CHECK(Count(f.path, "SELECT count(*) FROM run_events") == 0);
  CHECK(Count(f.path, "SELECT count(*) FROM steps") == 0);
  CHECK(Count(f.path, "SELECT count(*) FROM run_logs") == 1);
  CHECK(Count(f.path, "SELECT count(*) FROM artifact_hashes") == 1);
  CHECK(Count(f.path, "SELECT length(hashes) FROM artifact_hashes") == 4 * 8);

  CHECK(f.store->Events("r-1").value() == log);
  CHECK(f.store->Events("r-1", 10).value() == Slice(log, 10, log.size()));
  auto got = f.store->GetRun("r-1", /*with_steps=*/true).value();
  REQUIRE(got.has_value());
  CHECK(got->steps == rows_state.steps);
  CHECK(got->run == rows_state.run);
  CHECK(f.store->RunsOfThread("t-1", true).value().at(0).steps == rows_state.steps);
  // Another namespace sees none of it.
  CHECK(f.store->Namespace("other")->Events("r-1").value().empty());
}

TEST_CASE("a run that starts and ends in one group never writes its events as rows", "[store]") {
  FileStore f;
  Thread t = MakeThread("t-1");
  std::vector<Event> log = Story("r-1", 3);
  REQUIRE(f.store->BeginGroup().ok());
  f.CommitInParts(log, &t);
  // The group's own thread reads it before the group ends.
  CHECK(f.store->Events("r-1").value() == log);
  REQUIRE(f.store->EndGroup().ok());
  CHECK(Count(f.path, "SELECT count(*) FROM run_events") == 0);
  CHECK(Count(f.path, "SELECT count(*) FROM run_logs") == 1);
  CHECK(f.store->Events("r-1").value() == log);
  CHECK(f.store->GetRun("r-1", true).value()->steps == Rebuild(log).value().steps);
}

TEST_CASE("runs of one script share its dictionary, and a second run's log is a fraction of its events", "[store]") {
  FileStore f;
  Thread t1 = MakeThread("t-1"), t2 = MakeThread("t-2", 2);
  std::vector<Event> first = Story("run-0a1b2c", 12, "t-1"), second = Story("run-9f8e7d", 12, "t-2", 2);
  f.CommitInParts(first, &t1);
  f.CommitInParts(second, &t2);
  CHECK(Count(f.path, "SELECT count(*) FROM log_dictionaries") == 1);
  std::string lines;
  for (const Event& e : second) AppendLogLine(lines, e.seq, e.type, e.at, e.payload.dump());
  const int64_t stored = Count(f.path,
                               "SELECT length(log) FROM run_logs WHERE run_key = "
                               "(SELECT run_key FROM runs WHERE id = 'run-9f8e7d')");
  CHECK(stored * 8 < static_cast<int64_t>(lines.size()));
  CHECK(f.store->Events("run-0a1b2c").value() == first);
  CHECK(f.store->Events("run-9f8e7d").value() == second);
}

TEST_CASE("an ended run's artifact is found by id and type, in its own namespace only", "[store]") {
  FileStore f;
  Thread t = MakeThread("t-1");
  f.CommitInParts(Story("r-1", 2), &t);
  CHECK(f.store->ArtifactExists("r-1-a1", "watchlist_").value());
  CHECK_FALSE(f.store->ArtifactExists("r-1-a1", "plan").value());
  CHECK_FALSE(f.store->ArtifactExists("r-1-a9", "watchlist_").value());
  CHECK_FALSE(f.store->Namespace("other")->ArtifactExists("r-1-a1", "watchlist_").value());
  // A run going on is found through its steps' rows.
  Thread t2 = MakeThread("t-2", 2);
  std::vector<Event> going = Slice(Story("r-2", 1, "t-2", 2), 0, 3);
  RunState s = Rebuild(going).value();
  REQUIRE(f.store->Commit(RunWrite{&s, going, &t2, &f.script}, 3000).ok());
  CHECK(f.store->ArtifactExists("r-2-a0", "watchlist_").value());
}

TEST_CASE("an ending commit whose events do not follow the stored ones writes nothing", "[store]") {
  FileStore f;
  Thread t = MakeThread("t-1");
  std::vector<Event> log = Story("r-1", 2);
  RunState a = Rebuild(Slice(log, 0, 4)).value();
  REQUIRE(f.store->Commit(RunWrite{&a, Slice(log, 0, 4), &t, &f.script}, 1000).ok());
  // Events 6.. without 5: refused, and the rows stay as they were.
  RunState c = Rebuild(log).value();
  Status st = f.store->Commit(RunWrite{.state = &c, .events = Slice(log, 5, log.size()), .before = &a}, 2000);
  REQUIRE_FALSE(st.ok());
  CHECK(st.message().find("does not follow event 4") != std::string::npos);
  CHECK(Count(f.path, "SELECT count(*) FROM run_logs") == 0);
  CHECK(f.store->Events("r-1").value() == Slice(log, 0, 4));
  CHECK(f.store->GetRun("r-1").value()->run.status == RunStatus::kRunning);
}

TEST_CASE("a damaged log is an error naming the run, never a crash", "[store]") {
  FileStore f;
  Thread t = MakeThread("t-1");
  f.CommitInParts(Story("r-1", 2), &t);
  SECTION("not a zstd frame") { Exec(f.path, "UPDATE run_logs SET log = x'00010203'"); }
  SECTION("a frame that claims far more than any log") {
    // A zstd frame header: magic, a descriptor (single segment, an 8-byte
    // content size), and that size, 2^40.
    Exec(f.path, "UPDATE run_logs SET log = x'28b52ffd' || x'e0' || x'0000000000010000'");
  }
  SECTION("a frame cut short") { Exec(f.path, "UPDATE run_logs SET log = substr(log, 1, length(log) / 2)"); }
  SECTION("another script's dictionary") { Exec(f.path, "UPDATE log_dictionaries SET body = x'7b7d'"); }
  auto events = f.store->Events("r-1");
  REQUIRE_FALSE(events.ok());
  CHECK(events.status().message().find("r-1") != std::string::npos);
  CHECK_FALSE(f.store->GetRun("r-1", true).ok());
  CHECK(f.store->GetRun("r-1", false).ok());  // the row alone is still there
}

TEST_CASE("a log's lines are checked as they are read", "[store]") {
  std::string lines;
  AppendLogLine(lines, 1, "run.started", 1000, R"({"a":1})");
  AppendLogLine(lines, 2, "notice", 1001, R"({"text":"tab\tand\nnewline"})");
  auto events = ParseLogLines(lines, "r", 0);
  REQUIRE(events.ok());
  REQUIRE(events.value().size() == 2);
  CHECK(events.value()[1].payload["text"] == "tab\tand\nnewline");
  std::string again;  // an event's line is the line of its stored text
  for (const Event& e : events.value()) AppendEventLine(again, e);
  CHECK(again == lines);
  CHECK(ParseLogLines(lines, "r", 1).value().size() == 1);

  auto expanded = ExpandLog(CompressLog(lines, "a dictionary").value(), "a dictionary");
  REQUIRE(expanded.ok());
  CHECK(expanded.value() == lines);

  CHECK_FALSE(ParseLogLines("1\trun.started\t1000\t{}", "r", 0).ok());               // no newline
  CHECK_FALSE(ParseLogLines("1\trun.started\t{}\n", "r", 0).ok());                   // a field missing
  CHECK_FALSE(ParseLogLines("x\trun.started\t1000\t{}\n", "r", 0).ok());             // not a number
  CHECK_FALSE(ParseLogLines("1\ta\t1\t{}\n1\ta\t1\t{}\n", "r", 0).ok());             // a repeated seq
  CHECK_FALSE(ParseLogLines("1\trun.started\t1000\t{not json}\n", "r", 0).ok());     // bad JSON
  CHECK(ArtifactHash("a-1") == 0xe61a64190463c246ull);  // stored: pinned
  std::string hashes;
  AppendArtifactHash(hashes, ArtifactHash("a-1"));
  AppendArtifactHash(hashes, ArtifactHash("a-2"));
  CHECK(HoldsArtifactHash(hashes, ArtifactHash("a-2")));
  CHECK_FALSE(HoldsArtifactHash(hashes, ArtifactHash("a-3")));
  CHECK_FALSE(HoldsArtifactHash(hashes.substr(0, 12), ArtifactHash("a-2")));  // a torn value
}

TEST_CASE("resetting a namespace takes its logs and artifact hashes, and a dictionary no run uses", "[store]") {
  FileStore f;
  Thread t = MakeThread("t-1");
  f.CommitInParts(Story("r-1", 2), &t);
  auto other = f.store->Namespace("kept");
  Thread t2 = MakeThread("t-2");
  std::vector<Event> log = Story("r-2", 2, "t-2");
  RunState s = Rebuild(log).value();
  REQUIRE(other->Commit(RunWrite{&s, log, &t2, &f.script}, 1000).ok());
  REQUIRE(f.store->DeleteNamespace().ok());
  CHECK(Count(f.path, "SELECT count(*) FROM run_logs") == 1);
  CHECK(Count(f.path, "SELECT count(*) FROM artifact_hashes") == 1);
  CHECK(Count(f.path, "SELECT count(*) FROM log_dictionaries") == 1);  // "kept" uses the same script
  CHECK(other->Events("r-2").value() == log);
  REQUIRE(other->DeleteNamespace().ok());
  CHECK(Count(f.path, "SELECT count(*) FROM log_dictionaries") == 0);
  CHECK(Count(f.path, "SELECT count(*) FROM artifact_hashes") == 0);
}

TEST_CASE("a run that ended before schema version 9 keeps its rows, which are still read", "[store]") {
  FileStore f;
  Thread t = MakeThread("t-1");
  std::vector<Event> log = Story("r-1", 2);
  // Written as version 8 wrote an ended run: every event and step a row.
  std::vector<Event> going(log.begin(), log.end() - 1);
  RunState s = Rebuild(going).value();
  REQUIRE(f.store->Commit(RunWrite{&s, going, &t, &f.script}, 1000).ok());
  Exec(f.path,
       "INSERT INTO run_events (run_key, seq, type, at, payload) SELECT run_key, 8, 'run.completed', 2000, "
       "'{\"output\":{\"verdict\":\"pass\"}}' FROM runs; UPDATE runs SET status = 'completed', last_seq = 8");
  CHECK(Count(f.path, "SELECT count(*) FROM run_logs") == 0);
  CHECK(f.store->Events("r-1").value() == log);
  auto got = f.store->GetRun("r-1", true).value();
  REQUIRE(got.has_value());
  CHECK(got->steps == Rebuild(log).value().steps);
  CHECK(f.store->ArtifactExists("r-1-a0", "watchlist_").value());
}

}  // namespace store_run_archive_test
