// The Store: threads and runs round-trip through SQLite unchanged, a commit is
// all or nothing, and the clock is saved with every commit.
#include <catch2/catch.hpp>

#include "core/projection.h"
#include "store/store.h"

namespace store_store_test {

using namespace sandbox;
using namespace sandbox::store;

namespace {

std::unique_ptr<Store> OpenMemory() {
  auto s = Store::Open(":memory:");
  REQUIRE(s.ok());
  return std::move(s).value();
}

Thread MakeThread() {
  Thread t;
  t.id = "t-1";
  t.ordinal = 1;
  t.agent = "cip";
  t.context_type = "business";
  t.context_id = "b-1";
  t.requester = Principal{"Account", "acc-1", "Sandbox Account", std::nullopt};
  t.created_at = t.updated_at = 1000;
  return t;
}

Event Started(const std::string& run) {
  return Event{run, 1, event_type::kRunStarted, 1000,
               Json{{"thread_id", "t-1"},
                    {"agent", "cip"},
                    {"scenario", "default"},
                    {"ordinal", 1},
                    {"requester", PrincipalToJson(Principal{"Account", "acc-1", "Sandbox Account", std::nullopt})}}};
}

}  // namespace

TEST_CASE("a thread round-trips through the store", "[store]") {
  auto store = OpenMemory();
  Thread t = MakeThread();
  t.metadata = Json{{"k", "v"}};
  REQUIRE(store->InsertThread(t, 1000).ok());
  auto got = store->GetThread("t-1");
  REQUIRE(got.ok());
  REQUIRE(got.value().has_value());
  CHECK(*got.value() == t);
  CHECK_FALSE(store->GetThread("t-2").value().has_value());
  CHECK(store->SavedClock().value() == 1000);
}

TEST_CASE("a run, its log and its projected rows are committed together", "[store]") {
  auto store = OpenMemory();
  Thread t = MakeThread();
  std::vector<Event> log = {
      Started("r-1"),
      Event{"r-1", 2, event_type::kStepStarted, 1000,
            Json{{"step_id", "s-1"},
                 {"parent_step_id", nullptr},
                 {"agent", "cip"},
                 {"type", "interrupt"},
                 {"name", "ask"},
                 {"label", "Ask"},
                 {"ordinal", 0}}},
      Event{"r-1", 3, event_type::kArtifactAdded, 1000,
            Json{{"step_id", "s-1"},
                 {"artifact",
                  {{"id", "a-1"},
                   {"title", "T"},
                   {"type", "x"},
                   {"confidence", nullptr},
                   {"summary", "s"},
                   {"sources", {{{"url", "https://u"}, {"source_tier", "primary"}}}}}}}},
      Event{"r-1", 4, event_type::kRunInterrupted, 1000,
            Json{{"interrupt_id", "intr_1"}, {"step_id", "s-1"}, {"agent", nullptr}, {"value", {{"z", 1}, {"a", 2}}}}},
  };
  auto state = Rebuild(log);
  REQUIRE(state.ok());
  std::string script = R"({"name":"default","steps":[]})";
  REQUIRE(store->Commit(RunWrite{&state.value(), log, &t, &script}, 2000).ok());

  auto got = store->GetRun("r-1");
  REQUIRE(got.ok());
  REQUIRE(got.value().has_value());
  CHECK(*got.value() == state.value());
  // Agent-defined payloads keep the key order they were written in.
  CHECK(got.value()->interrupts[0].value.dump() == R"({"z":1,"a":2})");
  CHECK(store->Events("r-1").value() == log);
  CHECK(store->Events("r-1", 2).value().size() == 2);
  CHECK(store->RunScript("r-1").value() == script);
  CHECK(store->GetThread("t-1").value()->status == ThreadStatus::kInterrupted);
  CHECK(store->RunIdsWithStatus(RunStatus::kInterrupted).value() == std::vector<std::string>{"r-1"});
  CHECK(store->CountRunsInThread("t-1").value() == 1);
  CHECK(store->SavedClock().value() == 2000);
}

TEST_CASE("a commit that fails part-way writes nothing", "[store]") {
  auto store = OpenMemory();
  Thread t = MakeThread();
  auto state = Rebuild({Started("r-1")});
  REQUIRE(state.ok());
  std::string script = "{}";
  // The second event repeats sequence 1: the primary key refuses it, and the
  // thread, run and first event inserted before it must be rolled back.
  std::vector<Event> events = {Started("r-1"), Started("r-1")};
  REQUIRE_FALSE(store->Commit(RunWrite{&state.value(), events, &t, &script}, 5000).ok());
  CHECK_FALSE(store->GetThread("t-1").value().has_value());
  CHECK_FALSE(store->GetRun("r-1").value().has_value());
  CHECK(store->Events("r-1").value().empty());
  CHECK_FALSE(store->SavedClock().value().has_value());
}

TEST_CASE("an Idempotency-Key is committed with the run it created, or not at all", "[store]") {
  auto store = OpenMemory();
  Thread t = MakeThread();
  auto state = Rebuild({Started("r-1")});
  REQUIRE(state.ok());
  std::string script = "{}";
  IdempotencyClaim claim{"key-1", "hash-1"};
  // A commit that fails part-way (a repeated sequence) leaves no key behind.
  std::vector<Event> twice = {Started("r-1"), Started("r-1")};
  REQUIRE_FALSE(
      store
          ->Commit(
              RunWrite{
                  .state = &state.value(), .events = twice, .new_thread = &t, .script = &script, .idempotency = &claim},
              5000)
          .ok());
  CHECK_FALSE(store->IdempotencyKey("key-1").value().has_value());
  REQUIRE(store
              ->Commit(RunWrite{.state = &state.value(),
                                .events = {Started("r-1")},
                                .new_thread = &t,
                                .script = &script,
                                .idempotency = &claim},
                       5000)
              .ok());
  auto known = store->IdempotencyKey("key-1");
  REQUIRE(known.ok());
  REQUIRE(known.value().has_value());
  CHECK(known.value()->body_hash == "hash-1");
  CHECK(known.value()->run_id == "r-1");
  // Another namespace has keys of its own.
  CHECK_FALSE(store->Namespace("other")->IdempotencyKey("key-1").value().has_value());
}

TEST_CASE("thread status follows the rule over its runs", "[store][core]") {
  using R = RunStatus;
  using T = ThreadStatus;
  CHECK(DeriveThreadStatus({}) == T::kRunning);
  CHECK(DeriveThreadStatus({R::kCompleted, R::kInterrupted}) == T::kInterrupted);
  CHECK(DeriveThreadStatus({R::kError, R::kRunning}) == T::kRunning);
  CHECK(DeriveThreadStatus({R::kCompleted, R::kError}) == T::kError);
  CHECK(DeriveThreadStatus({R::kError, R::kCompleted}) == T::kCompleted);
}

TEST_CASE("runs of one script share its stored copy, and a reset forgets scripts no run uses", "[store]") {
  auto store = OpenMemory();
  Thread t = MakeThread();
  std::string a = R"({"name":"default","steps":[]})";
  std::string b = R"({"name":"other","steps":[]})";
  std::vector<RunState> states;
  const std::string* scripts[] = {&a, &b, &a};
  for (int i = 0; i < 3; ++i) {
    std::string id = "r-" + std::to_string(i + 1);
    std::vector<Event> log = {Started(id)};
    log[0].payload["ordinal"] = i + 1;
    auto state = Rebuild(log);
    REQUIRE(state.ok());
    states.push_back(state.value());
    REQUIRE(store->Commit(RunWrite{&states.back(), log, i == 0 ? &t : nullptr, scripts[i]}, 2000).ok());
  }
  CHECK(store->RunScript("r-1").value() == a);
  CHECK(store->RunScript("r-2").value() == b);
  CHECK(store->RunScript("r-3").value() == a);
  CHECK_FALSE(store->RunScript("r-4").value().has_value());
  REQUIRE(store->DeleteNamespace().ok());
  CHECK_FALSE(store->RunScript("r-1").value().has_value());
  // A script stored again after the reset is found again.
  std::vector<Event> log = {Started("r-9")};
  auto state = Rebuild(log);
  REQUIRE(state.ok());
  REQUIRE(store->Commit(RunWrite{&state.value(), log, &t, &b}, 3000).ok());
  CHECK(store->RunScript("r-9").value() == b);
}

TEST_CASE("run and thread totals are kept per namespace, through inserts, a failed commit and a reset", "[store]") {
  auto root = OpenMemory();
  auto other = root->Namespace("other");
  std::string script = "{}";
  auto commit = [&](Store& s, const std::string& run, bool with_thread, int ordinal) {
    Thread t = MakeThread();
    t.id = s.ns() + "t-" + run;
    std::vector<Event> log = {Started(run)};
    log[0].payload["thread_id"] = with_thread ? t.id : s.ns() + "t-r-1";
    log[0].payload["ordinal"] = ordinal;
    auto state = Rebuild(log);
    REQUIRE(state.ok());
    return s.Commit(RunWrite{&state.value(), log, with_thread ? &t : nullptr, &script}, 2000);
  };
  REQUIRE(commit(*root, "r-1", true, 1).ok());
  REQUIRE(commit(*root, "r-2", false, 2).ok());
  REQUIRE(commit(*other, "o-1", true, 1).ok());
  CHECK_FALSE(commit(*root, "r-2", false, 3).ok());  // a duplicate id: the commit and its count roll back
  CHECK(root->CountRuns().value() == 2);
  CHECK(root->CountThreads().value() == 1);
  CHECK(root->ListRuns(10, 0).value().total == 2);
  CHECK(root->ListThreads(std::nullopt, 10, 0).value().total == 1);
  CHECK(other->CountRuns().value() == 1);
  REQUIRE(root->DeleteNamespace().ok());
  CHECK(root->CountRuns().value() == 0);
  CHECK(root->CountThreads().value() == 0);
  CHECK(other->CountRuns().value() == 1);
  REQUIRE(root->DeleteEverything().ok());
  CHECK(other->CountRuns().value() == 0);
}

namespace {

// A run of thread t-1 (and of agent "cip") that `started` the way `data`
// says, committed on its own; with the thread when `new_thread`.
void CommitStarted(Store& store, const std::string& id, const Json& data, bool new_thread) {
  Event started{id, 1, event_type::kRunStarted, 1000, data};
  auto state = Rebuild({started});
  REQUIRE(state.ok());
  Thread t = MakeThread();
  std::string script = "{}";
  REQUIRE(store.Commit(RunWrite{&state.value(), {started}, new_thread ? &t : nullptr, &script}, 1000).ok());
}

Json StartedData(int64_t ordinal) {
  return Json{{"thread_id", "t-1"}, {"agent", "cip"}, {"scenario", "default"}, {"ordinal", ordinal}};
}

// A run with the given ordinal.
void CommitRun(Store& store, const std::string& id, int64_t ordinal, bool new_thread) {
  CommitStarted(store, id, StartedData(ordinal), new_thread);
}

std::string PageIds(Store& store, int64_t limit, int64_t offset) {
  auto page = store.ListRuns(limit, offset);
  REQUIRE(page.ok());
  std::string out = std::to_string(page.value().total) + ":";
  for (const auto& r : page.value().items) out += " " + r.run.id;
  return out;
}

}  // namespace

TEST_CASE("run list pages are the same whether ordinals run 1..n or have gaps", "[store]") {
  auto dense = OpenMemory();
  auto gapped = OpenMemory();
  for (int64_t i = 1; i <= 5; ++i) {
    CommitRun(*dense, "r-" + std::to_string(i), i, i == 1);
    // 1, 2, 4, 5, 6: max(ordinal) is not the count, so pages take OFFSET.
    CommitRun(*gapped, "r-" + std::to_string(i), i < 3 ? i : i + 1, i == 1);
  }
  CHECK(PageIds(*dense, 2, 0) == "5: r-5 r-4");
  CHECK(PageIds(*dense, 2, 2) == "5: r-3 r-2");
  CHECK(PageIds(*dense, 2, 4) == "5: r-1");
  CHECK(PageIds(*dense, 2, 6) == "5:");
  CHECK(PageIds(*gapped, 2, 0) == "5: r-5 r-4");
  CHECK(PageIds(*gapped, 2, 2) == "5: r-3 r-2");
  CHECK(PageIds(*gapped, 2, 4) == "5: r-1");
  CHECK(PageIds(*gapped, 2, 6) == "5:");
}

namespace {

// A run of agent "cip": workflow `agent_seq`, a retry of `retry_of` when set.
void CommitWorkflow(Store& store, const std::string& id, int64_t ordinal, int64_t agent_seq,
                    const std::string& retry_of = "") {
  Json data = StartedData(ordinal);
  data["agent_seq"] = agent_seq;
  if (!retry_of.empty()) data["retry"] = {{"of", retry_of}, {"first", retry_of}, {"attempt", 2}, {"delay_ms", 0}};
  CommitStarted(store, id, data, ordinal == 1);
}

std::string HistoryIds(Store& store, int64_t limit, int64_t offset) {
  AgentRunQuery q;
  q.agent_type = "cip";
  q.limit = limit;
  q.offset = offset;
  auto page = store.ListAgentRuns(q);
  REQUIRE(page.ok());
  std::string out = std::to_string(page.value().total) + ":";
  for (const auto& r : page.value().runs) out += " " + r.run.id;
  return out;
}

}  // namespace

TEST_CASE("an agent's history pages are the same with workflows 1..n and with a retry", "[store]") {
  auto dense = OpenMemory();
  auto retried = OpenMemory();
  for (int64_t i = 1; i <= 5; ++i) CommitWorkflow(*dense, "r-" + std::to_string(i), i, i);
  // r-3 is workflow 2's second attempt: five runs, top workflow number 4,
  // so pages take OFFSET.
  CommitWorkflow(*retried, "r-1", 1, 1);
  CommitWorkflow(*retried, "r-2", 2, 2);
  CommitWorkflow(*retried, "r-3", 3, 2, "r-2");
  CommitWorkflow(*retried, "r-4", 4, 3);
  CommitWorkflow(*retried, "r-5", 5, 4);
  for (Store* s : {dense.get(), retried.get()}) {
    CHECK(HistoryIds(*s, 2, 0) == "5: r-5 r-4");
    CHECK(HistoryIds(*s, 2, 2) == "5: r-3 r-2");
    CHECK(HistoryIds(*s, 2, 4) == "5: r-1");
    CHECK(HistoryIds(*s, 2, 6) == "5:");
  }
}

}  // namespace store_store_test
