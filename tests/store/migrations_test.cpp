// Schema application, the forward migration path, and refusals.
#include <catch2/catch.hpp>

#include "store/migrations.h"
#include "store/store.h"

using namespace sandbox;
using namespace sandbox::store;

namespace {

std::unique_ptr<Connection> Memory() {
  auto c = Connection::Open(":memory:", false);
  REQUIRE(c.ok());
  return std::move(c).value();
}

std::string Tables(Connection& c) {
  Statement q(c, "SELECT name FROM sqlite_schema WHERE type IN ('table','index') AND name NOT LIKE 'sqlite_%' ORDER BY name");
  std::string out;
  while (q.Step().value()) out += q.Text(0) + " ";
  return out;
}

}  // namespace

TEST_CASE("a new database gets schema.sql and the current version", "[store]") {
  auto c = Memory();
  REQUIRE(Migrate(*c, kSchemaSql, kSchemaVersion, ForwardMigrations()).ok());
  CHECK(SchemaVersionOf(*c).value() == kSchemaVersion);
  CHECK(Tables(*c) ==
        "actions actions_by_object feedback feedback_by_target idempotency_keys interrupts interrupts_by_run meta "
        "object_states "
        "run_events runs runs_by_status runs_by_thread steps steps_by_run threads threads_by_context ");
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
