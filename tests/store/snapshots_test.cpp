// Snapshots and reset in the store (issue 10): a restore is all or nothing
// (a damaged or foreign snapshot changes nothing), an older snapshot is
// migrated on the way in, a snapshot is one self-contained file, and a reset
// of everything keeps only the seeds.
#include <catch2/catch.hpp>

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "store/migrations.h"
#include "store/store.h"

namespace store_snapshots_test {

using namespace sandbox;
using namespace sandbox::store;
namespace fs = std::filesystem;

namespace {

struct ScratchDb {
  ScratchDb() {
    std::string templ = (fs::temp_directory_path() / "agent-sandbox-snapshots-XXXXXX").string();
    REQUIRE(::mkdtemp(templ.data()) != nullptr);
    dir = templ;
    path = (dir / "x.db").string();
    auto s = Store::Open(path);
    REQUIRE(s.ok());
    store = std::move(s).value();
  }
  ~ScratchDb() {
    store.reset();
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  std::string Snapshot(const std::string& name) const { return path + ".snapshots/" + name + ".sqlite"; }

  fs::path dir;
  std::string path;
  std::unique_ptr<Store> store;
};

Thread MakeThread(const std::string& id, int64_t ordinal) {
  Thread t;
  t.id = id;
  t.ordinal = ordinal;
  t.agent = "cip";
  t.created_at = t.updated_at = 1000;
  return t;
}

// A webhook on every event, as a store test needs one: id wh_1, secret "s".
Webhook MakeWebhook() {
  Webhook w;
  w.id = "wh_1";
  w.ordinal = 1;
  w.url = "http://127.0.0.1:9/h";
  w.secret = "s";
  w.enabled_events = Json::array({"*"});
  w.created_at = w.updated_at = 1000;
  return w;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Rows of every table of the database at `path` but meta, as "table:n ...".
std::string RowCounts(const std::string& path) {
  auto c = Connection::Open(path, /*read_only=*/true);
  REQUIRE(c.ok());
  std::vector<std::string> tables;
  Statement q(*c.value(), "SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'meta' ORDER BY name");
  while (q.Step().value()) tables.push_back(q.Text(0));
  std::string out;
  for (const auto& t : tables) {
    Statement n(*c.value(), "SELECT count(*) FROM \"" + t + "\"");
    REQUIRE(n.Step().value());
    if (n.Int(0) > 0) out += t + ":" + std::to_string(n.Int(0)) + " ";
  }
  return out;
}

}  // namespace

TEST_CASE("a snapshot is one self-contained file, and a failed or repeated save leaves no debris", "[store]") {
  ScratchDb db;
  REQUIRE(db.store->InsertThread(MakeThread("t-1", 1), 1000).ok());
  REQUIRE(db.store->SaveSnapshot("s").ok());
  REQUIRE(db.store->InsertThread(MakeThread("t-2", 2), 2000).ok());
  REQUIRE(db.store->SaveSnapshot("s").ok());  // replaces the first
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(db.path + ".snapshots")) files.push_back(e.path().filename().string());
  CHECK(files == std::vector<std::string>{"s.sqlite"});
  CHECK(db.store->Snapshots().value() == std::vector<std::string>{"s"});
  // A rollback-journal file: it opens read-only with nothing beside it.
  auto c = Connection::Open(db.Snapshot("s"), /*read_only=*/true);
  REQUIRE(c.ok());
  Statement mode(*c.value(), "PRAGMA journal_mode");
  REQUIRE(mode.Step().value());
  CHECK(mode.Text(0) == "delete");
  CHECK(RowCounts(db.Snapshot("s")) == "counts:1 threads:2 ");
}

TEST_CASE("a damaged or foreign snapshot is refused and the database stays as it was", "[store]") {
  ScratchDb db;
  REQUIRE(db.store->InsertThread(MakeThread("t-1", 1), 1000).ok());
  REQUIRE(db.store->SaveSnapshot("good").ok());
  REQUIRE(db.store->InsertThread(MakeThread("t-2", 2), 2000).ok());

  std::ofstream(db.Snapshot("garbage")) << std::string(8192, 'x');
  std::ofstream(db.Snapshot("empty")) << "";
  {
    // A whole database, but not a sandbox's.
    auto foreign = Connection::Open(db.Snapshot("foreign"), false);
    REQUIRE(foreign.ok());
    REQUIRE(foreign.value()->Exec("CREATE TABLE users (id INTEGER); INSERT INTO users VALUES (1)").ok());
  }
  {
    // A truncated copy of a good snapshot: its pages are missing.
    std::string good = ReadFile(db.Snapshot("good"));
    std::ofstream(db.Snapshot("truncated"), std::ios::binary) << good.substr(0, good.size() / 2);
  }
  for (const char* name : {"garbage", "empty", "foreign", "truncated"}) {
    INFO(name);
    Status st = db.store->RestoreSnapshot(name);
    REQUIRE_FALSE(st.ok());
    CHECK(st.code() == Code::kConflict);
    CHECK_THAT(st.message(), Catch::StartsWith(std::string("snapshot ") + name + " cannot be restored: "));
    CHECK(db.store->CountThreads().value() == 2);
    CHECK(db.store->GetThread("t-2").value().has_value());
  }
  CHECK(db.store->RestoreSnapshot("missing").code() == Code::kNotFound);

  REQUIRE(db.store->RestoreSnapshot("good").ok());
  CHECK(db.store->CountThreads().value() == 1);
  CHECK_FALSE(db.store->GetThread("t-2").value().has_value());
  CHECK(db.store->SavedClock().value() == 1000);
  // The writer carries on from the restored state.
  REQUIRE(db.store->InsertThread(MakeThread("t-3", 2), 3000).ok());
}

TEST_CASE("a snapshot saved by an older version is migrated as it is restored", "[store]") {
  ScratchDb db;
  fs::create_directories(db.path + ".snapshots");
  {
    auto old = Connection::Open(db.Snapshot("v1"), false);
    REQUIRE(old.ok());
    REQUIRE(Migrate(*old.value(), ReadFile(SCHEMA_V1_SQL), 1, {}).ok());
    REQUIRE(old.value()
                ->Exec("INSERT INTO threads (id, ns, ordinal, agent, status, created_at, updated_at) "
                       "VALUES ('t-old', '', 1, 'cip', 'running', 0, 0)")
                .ok());
  }
  REQUIRE(db.store->RestoreSnapshot("v1").ok());
  CHECK(db.store->GetThread("t-old").value().has_value());
  auto c = Connection::Open(db.path, /*read_only=*/true);
  REQUIRE(c.ok());
  CHECK(SchemaVersionOf(*c.value()).value() == kSchemaVersion);
  // The snapshot file itself is left as it was.
  auto snap = Connection::Open(db.Snapshot("v1"), /*read_only=*/true);
  REQUIRE(snap.ok());
  CHECK(SchemaVersionOf(*snap.value()).value() == 1);
}

TEST_CASE("a reset of everything empties every table and keeps only the seeds", "[store]") {
  ScratchDb db;
  auto a = db.store->Namespace("a");
  REQUIRE(a->SaveSeed(7).ok());
  REQUIRE(db.store->InsertThread(MakeThread("t-1", 1), 1000).ok());
  REQUIRE(a->InsertThread(MakeThread("t-a", 1), 5000).ok());
  REQUIRE(db.store->DeleteEverything().ok());
  CHECK(RowCounts(db.path) == "");
  CHECK(a->SavedSeed().value() == std::optional<uint64_t>(7));
  CHECK_FALSE(a->SavedClock().value().has_value());
  CHECK_FALSE(db.store->SavedClock().value().has_value());
  CHECK(db.store->KnownNamespaces().value() == std::vector<std::string>{"", "a"});
}

TEST_CASE("an in-memory database restores its snapshots too", "[store]") {
  auto s = Store::Open(":memory:");
  REQUIRE(s.ok());
  Store& store = *s.value();
  REQUIRE(store.InsertThread(MakeThread("t-1", 1), 1000).ok());
  REQUIRE(store.SaveSnapshot("m").ok());
  REQUIRE(store.InsertThread(MakeThread("t-2", 2), 2000).ok());
  REQUIRE(store.RestoreSnapshot("m").ok());
  CHECK(store.CountThreads().value() == 1);
  REQUIRE(store.DeleteEverything().ok());
  CHECK(store.CountThreads().value() == 0);
}

TEST_CASE("every change to webhooks, reset and restore moves WebhookEdits in every namespace, and reads do not",
          "[store]") {
  // The webhook dispatcher sends on what it scheduled while the count holds
  // (webhook_outbox.h): a change it missed would send to a deleted endpoint,
  // or with a retired secret.
  for (const bool file : {true, false}) {
    INFO((file ? "file" : "in memory"));
    ScratchDb scratch;
    std::unique_ptr<Store> memory;
    if (!file) memory = std::move(Store::Open(":memory:")).value();
    Store& store = file ? *scratch.store : *memory;
    auto other = store.Namespace("other");
    uint64_t last = store.WebhookEdits();
    auto moved = [&] {
      const uint64_t now = store.WebhookEdits();
      const bool changed = now != last && other->WebhookEdits() == now;
      last = now;
      return changed;
    };
    Webhook w = MakeWebhook();
    REQUIRE(store.InsertWebhook(w).ok());
    CHECK(moved());
    w.secret = "t";
    REQUIRE(store.UpdateWebhook(w).ok());
    CHECK(moved());
    REQUIRE(store.GetWebhook(w.id).ok());
    REQUIRE(store.DueWebhookDeliveries(5000, 10).ok());
    REQUIRE(store.SaveSnapshot("s").ok());
    CHECK_FALSE(moved());
    REQUIRE(store.RestoreSnapshot("s").ok());
    CHECK(moved());
    REQUIRE(other->DeleteNamespace().ok());
    CHECK(moved());
    REQUIRE(store.DeleteEverything().ok());
    CHECK(moved());
  }
}

TEST_CASE("a webhook edit inside a group commit is counted when the group commits, not before", "[store]") {
  // Inside a group the edit's transaction is a savepoint: a count moved
  // then would let a webhook sender take rows read before the COMMIT (the
  // old secret, a delivery not yet cancelled) for current ones.
  ScratchDb db;
  Store& store = *db.store;
  Webhook w = MakeWebhook();
  REQUIRE(store.InsertWebhook(w).ok());
  const uint64_t before = store.WebhookEdits();
  REQUIRE(store.BeginGroup().ok());
  w.secret = "t";
  REQUIRE(store.UpdateWebhook(w).ok());
  CHECK(store.WebhookEdits() == before);
  REQUIRE(store.EndGroup().ok());
  CHECK(store.WebhookEdits() == before + 1);
  CHECK(store.GetWebhook(w.id).value()->secret == "t");

  // A group that rolls back counts too: a count too many only costs a read.
  REQUIRE(store.BeginGroup().ok());
  w.secret = "u";
  REQUIRE(store.UpdateWebhook(w).ok());
  store.AbandonGroup();
  CHECK(store.WebhookEdits() == before + 2);
  CHECK(store.GetWebhook(w.id).value()->secret == "t");
  // A group without an edit does not.
  REQUIRE(store.BeginGroup().ok());
  REQUIRE(store.EndGroup().ok());
  CHECK(store.WebhookEdits() == before + 2);
}

}  // namespace store_snapshots_test
