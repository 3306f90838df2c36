// Schema application, the forward migration path, and refusals.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "store/migrations.h"
#include "store/store.h"

namespace store_migrations_test {

using namespace sandbox;
using namespace sandbox::store;

namespace {

std::unique_ptr<Connection> Memory() {
  auto c = Connection::Open(":memory:", false);
  REQUIRE(c.ok());
  return std::move(c).value();
}

std::string Tables(Connection& c) {
  Statement q(
      c, "SELECT name FROM sqlite_schema WHERE type IN ('table','index') AND name NOT LIKE 'sqlite_%' ORDER BY name");
  std::string out;
  while (q.Step().value()) out += q.Text(0) + " ";
  return out;
}

// Every table's columns (name, type, not null, default, key) and every index's
// columns and definition (a partial index's WHERE shows only there): what a
// migrated database must share with a fresh one.
std::string Shape(Connection& c) {
  std::string out;
  Statement objects(c, "SELECT type, name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name");
  while (objects.Step().value()) {
    std::string type = objects.Text(0), name = objects.Text(1);
    out += type + " " + name + ":";
    if (type == "index") out += " [" + objects.OptText(2).value_or("-") + "]";
    // PRAGMA cannot bind its argument; the names come from sqlite_schema.
    Statement cols(c, type == "table" ? "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?1)"
                                      : "SELECT name, '', 0, NULL, 0 FROM pragma_index_info(?1)");
    cols.Bind(1, name);
    while (cols.Step().value()) {
      out += " " + cols.Text(0) + "/" + cols.Text(1) + "/" + std::to_string(cols.Int(2)) + "/" +
             cols.OptText(3).value_or("-") + "/" + std::to_string(cols.Int(4));
    }
    out += "\n";
  }
  return out;
}

// Each row's columns joined by "|" (NULL as "null"), each row followed by a space.
std::string Rows(Connection& c, const std::string& sql) {
  Statement q(c, sql);
  std::string got;
  while (q.Step().value()) {
    for (int i = 0; i < q.ColumnCount(); ++i) got += (i ? "|" : "") + q.OptText(i).value_or("null");
    got += " ";
  }
  return got;
}

std::string ReadFile(const char* path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A version 1 database brought forward to `version` by the released
// migrations, for a test to fill before it takes the rest of the path.
std::unique_ptr<Connection> MigratedTo(int version) {
  auto c = Memory();
  REQUIRE(Migrate(*c, ReadFile(SCHEMA_V1_SQL), 1, {}).ok());
  std::vector<Migration> path(ForwardMigrations().begin(), ForwardMigrations().begin() + (version - 1));
  REQUIRE(path.back().to_version == version);
  REQUIRE(Migrate(*c, "unused for an existing database", version, path).ok());
  return c;
}

// Thread t1 and its completed run r1 (run_key 1), whose log reaches `last_seq`.
std::string CompletedRunSql(int last_seq) {
  return "INSERT INTO threads (id, ns, ordinal, agent, status, created_at, updated_at) VALUES "
         "('t1', '', 1, 'a', 'running', 0, 0);"
         "INSERT INTO runs (id, ns, thread_id, ordinal, agent, scenario, status, created_at, updated_at, "
         "cursor_segment, cursor_pc, segment_base, last_seq, run_key) VALUES "
         "('r1', '', 't1', 1, 'a', 'default', 'completed', 0, 0, 0, 0, 0, " +
         std::to_string(last_seq) + ", 1);";
}

}  // namespace

TEST_CASE("a version 1 database migrated forward has exactly the tables, columns and indexes of a new one", "[store]") {
  auto fresh = Memory();
  REQUIRE(Migrate(*fresh, kSchemaSql, kSchemaVersion, ForwardMigrations()).ok());
  auto old = Memory();
  REQUIRE(Migrate(*old, ReadFile(SCHEMA_V1_SQL), 1, {}).ok());
  REQUIRE(SchemaVersionOf(*old).value() == 1);
  REQUIRE(Migrate(*old, kSchemaSql, kSchemaVersion, ForwardMigrations()).ok());
  CHECK(SchemaVersionOf(*old).value() == kSchemaVersion);
  CHECK(Shape(*old) == Shape(*fresh));
  CHECK(Shape(*fresh).find("attempt/INTEGER/1/1/0") != std::string::npos);
}

TEST_CASE("a new database gets schema.sql and the current version", "[store]") {
  auto c = Memory();
  REQUIRE(Migrate(*c, kSchemaSql, kSchemaVersion, ForwardMigrations()).ok());
  CHECK(SchemaVersionOf(*c).value() == kSchemaVersion);
  CHECK(
      Tables(*c) ==
      "actions actions_by_object agent_definitions artifact_hashes counts feedback feedback_by_target idempotency_keys "
      "interrupts interrupts_by_run log_dictionaries meta "
      "object_states run_events run_logs run_status_counts runs runs_by_agent runs_by_agent_seq runs_by_agent_status "
      "runs_by_first_attempt "
      "runs_by_key runs_by_status runs_by_thread runs_scheduled scripts scripts_by_size "
      "steps "
      "threads threads_by_context webhook_attempts webhook_bodies webhook_bodies_by_event webhook_deliveries "
      "webhook_deliveries_due webhooks ");
  // Opening again is a no-op.
  REQUIRE(Migrate(*c, kSchemaSql, kSchemaVersion, ForwardMigrations()).ok());
}

TEST_CASE("an older database is migrated forward one version at a time", "[store]") {
  const std::string v1 = "CREATE TABLE a (x INTEGER);";
  const std::vector<Migration> path = {
      {2, "ALTER TABLE a ADD COLUMN y TEXT;"},
      {3, "CREATE TABLE b (z INTEGER);"},
  };
  auto c = Memory();
  REQUIRE(Migrate(*c, v1, 1, {}).ok());
  REQUIRE(c->Exec("INSERT INTO a (x) VALUES (7)").ok());
  REQUIRE(Migrate(*c, "unused for an existing database", 3, path).ok());
  CHECK(SchemaVersionOf(*c).value() == 3);
  CHECK(Tables(*c) == "a b ");
  Statement q(*c, "SELECT x, y FROM a");
  REQUIRE(q.Step().value());
  CHECK(q.Int(0) == 7);  // data survives
  CHECK_FALSE(q.OptText(1).has_value());
}

TEST_CASE("a failing migration rolls back and keeps the old version", "[store]") {
  auto c = Memory();
  REQUIRE(Migrate(*c, "CREATE TABLE a (x INTEGER);", 1, {}).ok());
  Status st = Migrate(*c, "", 2, {{2, "CREATE TABLE b (z INTEGER); SELECT * FROM missing;"}});
  REQUIRE_FALSE(st.ok());
  CHECK_THAT(st.message(), Catch::StartsWith("migration to schema version 2 failed"));
  CHECK(SchemaVersionOf(*c).value() == 1);
  CHECK(Tables(*c) == "a ");
}

TEST_CASE("a gap in the migration path is refused", "[store]") {
  auto c = Memory();
  REQUIRE(Migrate(*c, "CREATE TABLE a (x INTEGER);", 1, {}).ok());
  Status st = Migrate(*c, "", 3, {{3, "CREATE TABLE b (z INTEGER);"}});
  REQUIRE_FALSE(st.ok());
  CHECK(st.message() == "no migration from schema version 1 to 2");
}

TEST_CASE("a database from a newer binary, or not ours, is refused", "[store]") {
  auto c = Memory();
  REQUIRE(c->Exec("PRAGMA user_version = 99").ok());
  Status st = Migrate(*c, kSchemaSql, kSchemaVersion, ForwardMigrations());
  REQUIRE_FALSE(st.ok());
  CHECK_THAT(st.message(), Catch::StartsWith("database schema is version 99, newer than"));

  auto foreign = Memory();
  REQUIRE(foreign->Exec("CREATE TABLE users (id INTEGER)").ok());
  st = Migrate(*foreign, kSchemaSql, kSchemaVersion, ForwardMigrations());
  REQUIRE_FALSE(st.ok());
  CHECK(st.message() == "database has tables but no agent-sandbox schema version; refusing to touch it");
}

TEST_CASE("migrating version 1 numbers each agent's existing runs as its workflows, per namespace", "[store]") {
  auto c = Memory();
  REQUIRE(Migrate(*c, ReadFile(SCHEMA_V1_SQL), 1, {}).ok());
  REQUIRE(c->Exec("INSERT INTO threads (id, ns, ordinal, agent, status, created_at, updated_at) "
                  "VALUES ('t', '', 1, 'a', 'running', 0, 0)")
              .ok());
  // (ns, ordinal, agent): a and b interleaved in "", and a in "org-x".
  const char* runs[][3] = {{"", "1", "a"}, {"", "2", "b"}, {"", "3", "a"}, {"org-x", "1", "a"}, {"", "4", "a"}};
  int i = 0;
  for (const auto& r : runs) {
    Statement q(
        *c,
        "INSERT INTO runs (id, ns, thread_id, ordinal, agent, scenario, script, status, created_at, updated_at, "
        "cursor_segment, cursor_pc, segment_base, last_seq) VALUES (?1, ?2, 't', ?3, ?4, 'default', '{}', "
        "'completed', 0, 0, 0, 0, 0, 1)");
    REQUIRE(q.Bind(1, "r" + std::to_string(++i))
                .Bind(2, r[0])
                .Bind(3, static_cast<int64_t>(std::stoll(r[1])))
                .Bind(4, r[2])
                .Run()
                .ok());
  }
  REQUIRE(Migrate(*c, kSchemaSql, kSchemaVersion, ForwardMigrations()).ok());
  Statement q(*c, "SELECT id, agent_seq, attempt FROM runs ORDER BY id");
  std::string got;
  while (q.Step().value()) got += q.Text(0) + "=" + std::to_string(q.Int(1)) + "/" + std::to_string(q.Int(2)) + " ";
  CHECK(got == "r1=1/1 r2=1/1 r3=2/1 r4=1/1 r5=3/1 ");
}

TEST_CASE("migrating to version 3 keeps every run's script, each distinct one stored once", "[store]") {
  auto c = Memory();
  REQUIRE(Migrate(*c, ReadFile(SCHEMA_V1_SQL), 1, {}).ok());
  REQUIRE(c->Exec("INSERT INTO threads (id, ns, ordinal, agent, status, created_at, updated_at) "
                  "VALUES ('t', '', 1, 'a', 'running', 0, 0)")
              .ok());
  const char* scripts[] = {R"({"name":"default"})", R"({"name":"other"})", R"({"name":"default"})",
                           R"({"name":"ünïcode"})"};
  int i = 0;
  for (const char* script : scripts) {
    ++i;
    Statement q(*c,
                "INSERT INTO runs (id, ns, thread_id, ordinal, agent, scenario, script, status, created_at, "
                "updated_at, cursor_segment, cursor_pc, segment_base, last_seq) VALUES (?1, '', 't', ?2, 'a', "
                "'default', ?3, 'completed', 0, 0, 0, 0, 0, 1)");
    REQUIRE(q.Bind(1, "r" + std::to_string(i)).Bind(2, static_cast<int64_t>(i)).Bind(3, script).Run().ok());
  }
  REQUIRE(Migrate(*c, kSchemaSql, kSchemaVersion, ForwardMigrations()).ok());
  Statement count(*c, "SELECT count(*) FROM scripts");
  REQUIRE(count.Step().value());
  CHECK(count.Int(0) == 3);
  Statement q(*c,
              "SELECT runs.id, scripts.body FROM runs JOIN scripts ON scripts.id = runs.script_id ORDER BY runs.id");
  std::string got;
  while (q.Step().value()) got += q.Text(0) + "=" + q.Text(1) + " ";
  CHECK(got == R"(r1={"name":"default"} r2={"name":"other"} r3={"name":"default"} r4={"name":"ünïcode"} )");
}

TEST_CASE("migrating to version 4 counts each namespace's runs and threads", "[store]") {
  auto c = Memory();
  REQUIRE(Migrate(*c, ReadFile(SCHEMA_V1_SQL), 1, {}).ok());
  REQUIRE(c->Exec("INSERT INTO threads (id, ns, ordinal, agent, status, created_at, updated_at) VALUES "
                  "('t1', '', 1, 'a', 'running', 0, 0), ('t2', '', 2, 'a', 'running', 0, 0), "
                  "('t3', 'org-x', 1, 'a', 'running', 0, 0)")
              .ok());
  const char* runs[][3] = {{"r1", "", "t1"}, {"r2", "", "t2"}, {"r3", "", "t2"}, {"r4", "org-x", "t3"}};
  int i = 0;
  for (const auto& r : runs) {
    Statement q(*c,
                "INSERT INTO runs (id, ns, thread_id, ordinal, agent, scenario, script, status, created_at, "
                "updated_at, cursor_segment, cursor_pc, segment_base, last_seq) VALUES (?1, ?2, ?3, ?4, 'a', "
                "'default', '{}', 'completed', 0, 0, 0, 0, 0, 1)");
    REQUIRE(q.Bind(1, r[0]).Bind(2, r[1]).Bind(3, r[2]).Bind(4, static_cast<int64_t>(++i)).Run().ok());
  }
  REQUIRE(Migrate(*c, kSchemaSql, kSchemaVersion, ForwardMigrations()).ok());
  Statement q(*c, "SELECT ns, what, n FROM counts ORDER BY ns, what");
  std::string got;
  while (q.Step().value()) got += "[" + q.Text(0) + "] " + q.Text(1) + "=" + std::to_string(q.Int(2)) + " ";
  CHECK(got == "[] runs=3 [] threads=2 [org-x] runs=1 [org-x] threads=1 ");
}

TEST_CASE("version 5 counts each agent's runs by status, and the counts follow every later change", "[store]") {
  auto c = Memory();
  REQUIRE(Migrate(*c, ReadFile(SCHEMA_V1_SQL), 1, {}).ok());
  REQUIRE(c->Exec("INSERT INTO threads (id, ns, ordinal, agent, status, created_at, updated_at) VALUES "
                  "('t1', '', 1, 'a', 'running', 0, 0)")
              .ok());
  const char* runs[][3] = {{"r1", "a", "completed"}, {"r2", "a", "running"}, {"r3", "b", "completed"}};
  int i = 0;
  for (const auto& r : runs) {
    Statement q(*c,
                "INSERT INTO runs (id, ns, thread_id, ordinal, agent, scenario, script, status, created_at, "
                "updated_at, cursor_segment, cursor_pc, segment_base, last_seq) VALUES (?1, '', 't1', ?2, ?3, "
                "'default', '{}', ?4, 0, 0, 0, 0, 0, 1)");
    REQUIRE(q.Bind(1, r[0]).Bind(2, static_cast<int64_t>(++i)).Bind(3, r[1]).Bind(4, r[2]).Run().ok());
  }
  REQUIRE(Migrate(*c, kSchemaSql, kSchemaVersion, ForwardMigrations()).ok());
  auto counts = [&] {
    Statement q(*c, "SELECT agent, status, n FROM run_status_counts WHERE n > 0 ORDER BY agent, status");
    std::string got;
    while (q.Step().value()) got += q.Text(0) + "/" + q.Text(1) + "=" + std::to_string(q.Int(2)) + " ";
    return got;
  };
  CHECK(counts() == "a/completed=1 a/running=1 b/completed=1 ");
  REQUIRE(c->Exec("UPDATE runs SET status = 'completed' WHERE id = 'r2'").ok());
  REQUIRE(c->Exec("UPDATE runs SET updated_at = 5 WHERE id = 'r1'").ok());  // no status change: no count change
  CHECK(counts() == "a/completed=2 b/completed=1 ");
  REQUIRE(c->Exec("DELETE FROM runs WHERE id = 'r3'").ok());
  CHECK(counts() == "a/completed=2 ");
}

TEST_CASE("migrating to version 6 keys each run's events and steps by its run_key, and keeps interrupts in order",
          "[store]") {
  auto c = MigratedTo(5);
  REQUIRE(c->Exec("INSERT INTO threads (id, ns, ordinal, agent, status, created_at, updated_at) VALUES "
                  "('t1', '', 1, 'a', 'running', 0, 0)")
              .ok());
  // Run ids in the opposite order of their creation: the key follows creation.
  for (const char* id : {"r2", "r1"}) {
    Statement q(*c,
                "INSERT INTO runs (id, ns, thread_id, ordinal, agent, scenario, status, created_at, updated_at, "
                "cursor_segment, cursor_pc, segment_base, last_seq) VALUES (?1, '', 't1', ?2, 'a', 'default', "
                "'running', 0, 0, 0, 0, 0, 2)");
    REQUIRE(q.Bind(1, id).Bind(2, static_cast<int64_t>(id[1] == '2' ? 1 : 2)).Run().ok());
  }
  REQUIRE(c->Exec("INSERT INTO run_events (run_id, seq, type, at, payload) VALUES "
                  "('r1', 2, 'step.started', 20, '{\"b\":1}'), ('r2', 1, 'run.started', 5, '{}'), "
                  "('r1', 1, 'run.started', 10, '{}')")
              .ok());
  REQUIRE(c->Exec("INSERT INTO steps (id, run_id, parent_step_id, ordinal, agent, type, name, label, status, "
                  "started_at, artifacts, text) VALUES "
                  "('s1b', 'r1', 's1a', 1, 'a', 'activity', 'n2', 'L2', 'running', 20, '[]', ''), "
                  "('s1a', 'r1', NULL, 0, 'a', 'activity', 'n1', 'L1', 'completed', 10, '[{\"id\":\"x\"}]', 'hi'), "
                  "('s2a', 'r2', NULL, 0, 'a', 'interrupt', 'n', 'L', 'running', 5, '[]', '')")
              .ok());
  // Two interrupts of one instant: their order is their insertion order.
  REQUIRE(c->Exec("INSERT INTO interrupts (id, run_id, step_id, value, pending, created_at, expired) VALUES "
                  "('i-z', 'r2', 's2a', '{}', 1, 5, 0), ('i-a', 'r2', 's2a', '{}', 0, 5, 0)")
              .ok());

  REQUIRE(Migrate(*c, kSchemaSql, kSchemaVersion, ForwardMigrations()).ok());
  auto rows = [&](const char* sql) { return Rows(*c, sql); };
  CHECK(rows("SELECT id, run_key FROM runs ORDER BY run_key") == "r2|1 r1|2 ");
  CHECK(rows("SELECT r.id, e.seq, e.type, e.at, e.payload FROM run_events e JOIN runs r USING (run_key) "
             "ORDER BY e.run_key, e.seq") ==
        "r2|1|run.started|5|{} r1|1|run.started|10|{} r1|2|step.started|20|{\"b\":1} ");
  CHECK(rows("SELECT run_key, ordinal, id, parent_step_id, status, artifacts, text FROM steps") ==
        "1|0|s2a|null|running|[]| 2|0|s1a|null|completed|[{\"id\":\"x\"}]|hi 2|1|s1b|s1a|running|[]| ");
  CHECK(rows("SELECT id, pending FROM interrupts WHERE run_id = 'r2' ORDER BY created_at, rowid") == "i-z|1 i-a|0 ");
  CHECK(rows("PRAGMA foreign_key_check") == "");
  CHECK(rows("PRAGMA integrity_check") == "ok ");
}

TEST_CASE("migrating to version 7 keeps each delivery's body, each distinct one of an event stored once", "[store]") {
  auto c = MigratedTo(6);
  REQUIRE(c->Exec(CompletedRunSql(2) +
                  "INSERT INTO webhooks (id, ns, ordinal, url, secret, enabled_events, created_at, updated_at) VALUES "
                  "('w1', '', 1, 'http://x/', 's', '[\"*\"]', 0, 0), ('w2', '', 2, 'http://x/', 's', '[\"*\"]', 0, 0), "
                  "('w3', '', 3, 'http://x/', 's', '[\"*\"]', 0, 0);"
                  "INSERT INTO webhook_deliveries (ns, webhook_id, run_id, seq, event_type, created_at, status, body) "
                  "VALUES ('', 'w1', 'r1', 1, 'run.created', 0, 'delivered', 'full'), "
                  "('', 'w2', 'r1', 1, 'run.created', 0, 'delivered', 'full'), "
                  "('', 'w3', 'r1', 1, 'run.created', 0, 'delivered', 'ids'), "
                  "('', 'w1', 'r1', 2, 'run.completed', 0, 'pending', NULL)")
              .ok());
  REQUIRE(Migrate(*c, kSchemaSql, kSchemaVersion, ForwardMigrations()).ok());
  Statement q(*c,
              "SELECT d.webhook_id, d.seq, coalesce((SELECT body FROM webhook_bodies WHERE id = d.body_id), 'null') "
              "FROM webhook_deliveries d ORDER BY d.seq, d.webhook_id");
  std::string got;
  while (q.Step().value()) got += q.Text(0) + "/" + std::to_string(q.Int(1)) + "=" + q.Text(2) + " ";
  CHECK(got == "w1/1=full w2/1=full w3/1=ids w1/2=null ");
  Statement n(*c, "SELECT count(*) FROM webhook_bodies");
  REQUIRE(n.Step().value());
  CHECK(n.Int(0) == 2);
  Statement fk(*c, "PRAGMA foreign_key_check");
  CHECK_FALSE(fk.Step().value());
}

TEST_CASE("migrating to version 10 keeps every delivery, and only pending ones in the due index", "[store]") {
  auto c = MigratedTo(9);
  REQUIRE(c->Exec(CompletedRunSql(3) +
                  "INSERT INTO webhooks (id, ns, ordinal, url, secret, enabled_events, created_at, updated_at) VALUES "
                  "('w1', '', 1, 'http://x/', 's', '[\"*\"]', 0, 0);"
                  "INSERT INTO webhook_deliveries (ns, webhook_id, run_id, seq, event_type, created_at, status, "
                  "next_attempt_at) VALUES ('', 'w1', 'r1', 1, 'run.created', 0, 'delivered', NULL), "
                  "('', 'w1', 'r1', 2, 'run.interrupted', 5, 'pending', 35), "
                  "('', 'w1', 'r1', 3, 'run.completed', 9, 'pending', 9)")
              .ok());
  REQUIRE(Migrate(*c, kSchemaSql, kSchemaVersion, ForwardMigrations()).ok());
  Statement all(*c, "SELECT seq, status FROM webhook_deliveries ORDER BY seq");
  std::string got;
  while (all.Step().value()) got += std::to_string(all.Int(0)) + "=" + all.Text(1) + " ";
  CHECK(got == "1=delivered 2=pending 3=pending ");
  // INDEXED BY fails outright when the index cannot serve the query; the
  // partial index serves exactly the due queries' "status = 'pending'".
  Statement due(*c,
                "SELECT seq FROM webhook_deliveries INDEXED BY webhook_deliveries_due "
                "WHERE ns = '' AND status = 'pending' AND next_attempt_at <= 40 ORDER BY next_attempt_at");
  got.clear();
  while (due.Step().value()) got += std::to_string(due.Int(0)) + " ";
  CHECK(got == "3 2 ");
  Statement cells(*c, "SELECT sum(ncell) FROM dbstat WHERE name = 'webhook_deliveries_due' AND pagetype = 'leaf'");
  REQUIRE(cells.Step().value());
  CHECK(cells.Int(0) == 2);  // the delivered one is not in it
}

TEST_CASE("migrating to version 11 keys deliveries, attempts and bodies by the run's run_key", "[store]") {
  auto c = MigratedTo(10);
  REQUIRE(c->Exec(CompletedRunSql(2) +
                  "INSERT INTO runs (id, ns, thread_id, ordinal, agent, scenario, status, created_at, updated_at, "
                  "cursor_segment, cursor_pc, segment_base, last_seq, run_key) VALUES "
                  "('r2', '', 't1', 2, 'a', 'default', 'completed', 0, 0, 0, 0, 0, 1, 7);"
                  "INSERT INTO webhooks (id, ns, ordinal, url, secret, enabled_events, created_at, updated_at) VALUES "
                  "('w1', '', 1, 'http://x/', 's', '[\"*\"]', 0, 0), ('w2', '', 2, 'http://x/', 's', '[\"*\"]', 0, 0);"
                  "INSERT INTO webhook_bodies (id, run_id, seq, body) VALUES (5, 'r1', 1, 'one'), (6, 'r2', 1, 'two');"
                  "INSERT INTO webhook_deliveries (ns, webhook_id, run_id, seq, event_type, created_at, status, "
                  "next_attempt_at, body_id) VALUES ('', 'w1', 'r1', 1, 'run.created', 0, 'delivered', NULL, 5), "
                  "('', 'w2', 'r1', 1, 'run.created', 0, 'delivered', NULL, 5), "
                  "('', 'w1', 'r1', 2, 'run.completed', 4, 'pending', 34, NULL), "
                  "('', 'w1', 'r2', 1, 'run.created', 2, 'pending', 32, 6);"
                  "INSERT INTO webhook_attempts (webhook_id, run_id, seq, attempt, at, status_code, error) VALUES "
                  "('w1', 'r1', 1, 1, 0, 200, NULL), ('w2', 'r1', 1, 1, 0, 500, 'HTTP 500'), "
                  "('w2', 'r1', 1, 2, 30, 200, NULL), ('w1', 'r2', 1, 1, 2, NULL, 'refused')")
              .ok());
  REQUIRE(Migrate(*c, kSchemaSql, kSchemaVersion, ForwardMigrations()).ok());
  auto rows = [&](const char* sql) { return Rows(*c, sql); };
  CHECK(rows("SELECT d.webhook_id, d.run_key, d.run_id, d.seq, d.status, d.next_attempt_at, b.body "
             "FROM webhook_deliveries d LEFT JOIN webhook_bodies b ON b.id = d.body_id ORDER BY d.run_key, d.seq, "
             "d.webhook_id") ==
        "w1|1|r1|1|delivered|null|one w2|1|r1|1|delivered|null|one w1|1|r1|2|pending|34|null "
        "w1|7|r2|1|pending|32|two ");
  CHECK(rows("SELECT webhook_id, run_key, seq, attempt, at, status_code, error FROM webhook_attempts") ==
        "w1|1|1|1|0|200|null w1|7|1|1|2|null|refused w2|1|1|1|0|500|HTTP 500 w2|1|1|2|30|200|null ");
  CHECK(rows("SELECT id, run_key, seq, body FROM webhook_bodies ORDER BY id") == "5|1|1|one 6|7|1|two ");
  // The due index still serves the dispatcher's query, and holds only the pending ones.
  CHECK(rows("SELECT run_key, seq FROM webhook_deliveries INDEXED BY webhook_deliveries_due "
             "WHERE ns = '' AND status = 'pending' AND next_attempt_at <= 40 ORDER BY next_attempt_at") == "7|1 1|2 ");
  CHECK(rows("PRAGMA foreign_key_check") == "");
  CHECK(rows("PRAGMA integrity_check") == "ok ");
}

}  // namespace store_migrations_test
