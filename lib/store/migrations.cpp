// Schema application and the forward migration path. To change the schema:
// edit schema.sql, bump kSchemaVersion, and append here the Migration that
// turns the previous version into the new one; tests/store check that a
// migrated database ends up with exactly the tables of a fresh one.
#include "store/migrations.h"

namespace sandbox::store {

const std::vector<Migration>& ForwardMigrations() {
  static const std::vector<Migration> kMigrations = {
      // 2: workflow retries link a run to the execution it retries ...
      {2,
       "ALTER TABLE runs ADD COLUMN retry_of TEXT;"
       "ALTER TABLE runs ADD COLUMN first_attempt TEXT;"
       "ALTER TABLE runs ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1;"
       "CREATE INDEX runs_by_first_attempt ON runs (first_attempt, attempt);"
       // Every run of a version 1 database is a first execution: number them.
       "ALTER TABLE runs ADD COLUMN agent_seq INTEGER NOT NULL DEFAULT 0;"
       "UPDATE runs SET agent_seq = (SELECT count(*) FROM runs r2 WHERE r2.ns = runs.ns AND r2.agent = runs.agent "
       "AND r2.ordinal <= runs.ordinal);"
       "CREATE INDEX runs_by_agent_seq ON runs (ns, agent, agent_seq, attempt);"
       "CREATE INDEX runs_by_agent ON runs (ns, agent, ordinal);"
       "CREATE INDEX runs_by_agent_status ON runs (ns, agent, status, started_at, created_at, agent_name, requester);"
       // ... and webhooks: endpoints, the outbox of deliveries, their attempts.
       "CREATE TABLE webhooks (\n"
       "  id             TEXT PRIMARY KEY,\n"
       "  ns             TEXT NOT NULL,\n"
       "  ordinal        INTEGER NOT NULL,\n"
       "  url            TEXT NOT NULL,\n"
       "  secret         TEXT NOT NULL,\n"
       "  enabled_events TEXT NOT NULL,\n"
       "  include        TEXT,\n"
       "  oidc           TEXT,\n"
       "  disabled_at    INTEGER,\n"
       "  deleted_at     INTEGER,\n"
       "  created_at     INTEGER NOT NULL,\n"
       "  updated_at     INTEGER NOT NULL,\n"
       "  UNIQUE (ns, ordinal)\n"
       ");\n"
       "CREATE TABLE webhook_deliveries (\n"
       "  ns              TEXT NOT NULL,\n"
       "  webhook_id      TEXT NOT NULL REFERENCES webhooks (id),\n"
       "  run_id          TEXT NOT NULL REFERENCES runs (id),\n"
       "  seq             INTEGER NOT NULL,\n"
       "  event_type      TEXT NOT NULL,\n"
       "  created_at      INTEGER NOT NULL,\n"
       "  status          TEXT NOT NULL,\n"
       "  next_attempt_at INTEGER,\n"
       "  body            TEXT,\n"
       "  PRIMARY KEY (webhook_id, run_id, seq)\n"
       ") WITHOUT ROWID;\n"
       "CREATE INDEX webhook_deliveries_due ON webhook_deliveries (ns, status, next_attempt_at);\n"
       "CREATE TABLE webhook_attempts (\n"
       "  webhook_id  TEXT NOT NULL,\n"
       "  run_id      TEXT NOT NULL,\n"
       "  seq         INTEGER NOT NULL,\n"
       "  attempt     INTEGER NOT NULL,\n"
       "  at          INTEGER NOT NULL,\n"
       "  status_code INTEGER,\n"
       "  error       TEXT,\n"
       "  PRIMARY KEY (webhook_id, run_id, seq, attempt)\n"
       ") WITHOUT ROWID;\n"},
      // 3: each distinct script once, shared by the runs that use it.
      {3,
       "CREATE TABLE scripts (\n"
       "  id   INTEGER PRIMARY KEY,\n"
       "  size INTEGER NOT NULL,\n"
       "  body TEXT NOT NULL\n"
       ");\n"
       "CREATE INDEX scripts_by_size ON scripts (size);\n"
       "INSERT INTO scripts (size, body) SELECT DISTINCT length(script), script FROM runs;\n"
       "ALTER TABLE runs ADD COLUMN script_id INTEGER REFERENCES scripts (id);\n"
       "UPDATE runs SET script_id = (SELECT id FROM scripts WHERE size = length(runs.script) "
       "AND body = runs.script);\n"
       "ALTER TABLE runs DROP COLUMN script;\n"},
      // 4: row counts per namespace, so that totals never scan.
      {4,
       "CREATE TABLE counts (\n"
       "  ns   TEXT NOT NULL,\n"
       "  what TEXT NOT NULL,\n"
       "  n    INTEGER NOT NULL,\n"
       "  PRIMARY KEY (ns, what)\n"
       ") WITHOUT ROWID;\n"
       "INSERT INTO counts (ns, what, n) SELECT ns, 'runs', count(*) FROM runs GROUP BY ns;\n"
       "INSERT INTO counts (ns, what, n) SELECT ns, 'threads', count(*) FROM threads GROUP BY ns;\n"},
      // 5: runs per agent and status, kept by triggers; an index of scheduled runs.
      {5,
       "CREATE TABLE run_status_counts (\n"
       "  ns     TEXT NOT NULL,\n"
       "  agent  TEXT NOT NULL,\n"
       "  status TEXT NOT NULL,\n"
       "  n      INTEGER NOT NULL,\n"
       "  PRIMARY KEY (ns, agent, status)\n"
       ") WITHOUT ROWID;\n"
       "CREATE TRIGGER run_status_counts_insert AFTER INSERT ON runs BEGIN\n"
       "  INSERT INTO run_status_counts (ns, agent, status, n) VALUES (new.ns, new.agent, new.status, 1)\n"
       "    ON CONFLICT (ns, agent, status) DO UPDATE SET n = n + 1;\n"
       "END;\n"
       "CREATE TRIGGER run_status_counts_update AFTER UPDATE OF status ON runs WHEN old.status <> new.status BEGIN\n"
       "  UPDATE run_status_counts SET n = n - 1 WHERE ns = old.ns AND agent = old.agent AND status = old.status;\n"
       "  INSERT INTO run_status_counts (ns, agent, status, n) VALUES (new.ns, new.agent, new.status, 1)\n"
       "    ON CONFLICT (ns, agent, status) DO UPDATE SET n = n + 1;\n"
       "END;\n"
       "CREATE TRIGGER run_status_counts_delete AFTER DELETE ON runs BEGIN\n"
       "  UPDATE run_status_counts SET n = n - 1 WHERE ns = old.ns AND agent = old.agent AND status = old.status;\n"
       "END;\n"
       "CREATE INDEX runs_scheduled ON runs (ns, agent) WHERE trigger_type = 'schedule' AND attempt = 1;\n"
       "INSERT INTO run_status_counts (ns, agent, status, n) SELECT ns, agent, status, count(*) FROM runs "
       "GROUP BY ns, agent, status;\n"},
      // 6: events and steps keyed by a growing run number, clustered by run.
      // Interrupts lose their foreign key to steps.id, which is no longer
      // unique on its own; they are rebuilt first, so that dropping the old
      // steps breaks no reference.
      {6,
       "ALTER TABLE runs ADD COLUMN run_key INTEGER;\n"
       "UPDATE runs SET run_key = rowid;\n"
       "CREATE UNIQUE INDEX runs_by_key ON runs (run_key);\n"
       "CREATE TABLE interrupts_v6 (\n"
       "  id          TEXT PRIMARY KEY,\n"
       "  run_id      TEXT NOT NULL REFERENCES runs (id),\n"
       "  step_id     TEXT NOT NULL,\n"
       "  agent       TEXT,\n"
       "  value       TEXT NOT NULL,\n"
       "  pending     INTEGER NOT NULL,\n"
       "  created_at  INTEGER NOT NULL,\n"
       "  resolved_at INTEGER,\n"
       "  input       TEXT,\n"
       "  expired     INTEGER NOT NULL\n"
       ");\n"
       // rowid kept: interrupts of one instant are listed in insertion order.
       "INSERT INTO interrupts_v6 (rowid, id, run_id, step_id, agent, value, pending, created_at, resolved_at, input, "
       "expired) SELECT rowid, id, run_id, step_id, agent, value, pending, created_at, resolved_at, input, expired "
       "FROM interrupts;\n"
       "DROP TABLE interrupts;\n"
       "ALTER TABLE interrupts_v6 RENAME TO interrupts;\n"
       "CREATE INDEX interrupts_by_run ON interrupts (run_id, created_at);\n"
       "CREATE TABLE run_events_v6 (\n"
       "  run_key INTEGER NOT NULL,\n"
       "  seq     INTEGER NOT NULL,\n"
       "  type    TEXT NOT NULL,\n"
       "  at      INTEGER NOT NULL,\n"
       "  payload TEXT NOT NULL,\n"
       "  PRIMARY KEY (run_key, seq)\n"
       ") WITHOUT ROWID;\n"
       "INSERT INTO run_events_v6 (run_key, seq, type, at, payload) SELECT r.run_key, e.seq, e.type, e.at, e.payload "
       "FROM run_events e JOIN runs r ON r.id = e.run_id ORDER BY r.run_key, e.seq;\n"
       "DROP TABLE run_events;\n"
       "ALTER TABLE run_events_v6 RENAME TO run_events;\n"
       "CREATE TABLE steps_v6 (\n"
       "  run_key        INTEGER NOT NULL,\n"
       "  ordinal        INTEGER NOT NULL,\n"
       "  id             TEXT NOT NULL,\n"
       "  parent_step_id TEXT,\n"
       "  agent          TEXT NOT NULL,\n"
       "  type           TEXT NOT NULL,\n"
       "  name           TEXT NOT NULL,\n"
       "  label          TEXT NOT NULL,\n"
       "  status         TEXT NOT NULL,\n"
       "  started_at     INTEGER NOT NULL,\n"
       "  completed_at   INTEGER,\n"
       "  result         TEXT,\n"
       "  artifacts      TEXT NOT NULL,\n"
       "  text           TEXT NOT NULL,\n"
       "  PRIMARY KEY (run_key, ordinal)\n"
       ") WITHOUT ROWID;\n"
       "INSERT INTO steps_v6 (run_key, ordinal, id, parent_step_id, agent, type, name, label, status, started_at, "
       "completed_at, result, artifacts, text) SELECT r.run_key, s.ordinal, s.id, s.parent_step_id, s.agent, s.type, "
       "s.name, s.label, s.status, s.started_at, s.completed_at, s.result, s.artifacts, s.text "
       "FROM steps s JOIN runs r ON r.id = s.run_id ORDER BY r.run_key, s.ordinal;\n"
       "DROP TABLE steps;\n"
       "ALTER TABLE steps_v6 RENAME TO steps;\n"},
      // 7: each distinct delivery body once per event.
      {7,
       "CREATE TABLE webhook_bodies (\n"
       "  id     INTEGER PRIMARY KEY,\n"
       "  run_id TEXT NOT NULL,\n"
       "  seq    INTEGER NOT NULL,\n"
       "  body   TEXT NOT NULL\n"
       ");\n"
       "CREATE INDEX webhook_bodies_by_event ON webhook_bodies (run_id, seq);\n"
       "INSERT INTO webhook_bodies (run_id, seq, body) SELECT DISTINCT run_id, seq, body FROM webhook_deliveries "
       "WHERE body IS NOT NULL ORDER BY run_id, seq, body;\n"
       "ALTER TABLE webhook_deliveries ADD COLUMN body_id INTEGER REFERENCES webhook_bodies (id);\n"
       "UPDATE webhook_deliveries SET body_id = (SELECT id FROM webhook_bodies b WHERE b.run_id = "
       "webhook_deliveries.run_id AND b.seq = webhook_deliveries.seq AND b.body = webhook_deliveries.body);\n"
       "ALTER TABLE webhook_deliveries DROP COLUMN body;\n"},
      // 8: agents defined through an API.
      {8,
       "CREATE TABLE agent_definitions (\n"
       "  ns         TEXT NOT NULL,\n"
       "  agent      TEXT NOT NULL,\n"
       "  definition TEXT NOT NULL,\n"
       "  updated_at INTEGER NOT NULL,\n"
       "  PRIMARY KEY (ns, agent)\n"
       ") WITHOUT ROWID;\n"},
      // 9: finished runs' logs compressed, one row each. Runs that finished
      // before keep their rows in run_events and steps, which are still read.
      {9,
       "CREATE TABLE run_logs (\n"
       "  run_key INTEGER PRIMARY KEY,\n"
       "  log     BLOB NOT NULL\n"
       ");\n"
       "CREATE TABLE log_dictionaries (\n"
       "  script_id INTEGER PRIMARY KEY REFERENCES scripts (id),\n"
       "  body      BLOB NOT NULL\n"
       ");\n"
       "CREATE TABLE artifact_hashes (\n"
       "  run_key INTEGER PRIMARY KEY,\n"
       "  hashes  BLOB NOT NULL\n"
       ");\n"},
      // 10: only pending deliveries in the due index.
      {10,
       "DROP INDEX webhook_deliveries_due;\n"
       "CREATE INDEX webhook_deliveries_due ON webhook_deliveries (ns, next_attempt_at) WHERE status = 'pending';\n"},
      // 11: the webhook tables keyed by the run's run_key instead of its id.
      // The new deliveries refer to the new bodies table until both old
      // tables are gone (a parent cannot be dropped while a child refers to
      // it); the rename then carries the reference over. As in version 6,
      // rows of runs that no longer exist (only a hand-edited database has
      // them) are not carried over.
      {11,
       "CREATE TABLE webhook_bodies_v11 (\n"
       "  id      INTEGER PRIMARY KEY,\n"
       "  run_key INTEGER NOT NULL,\n"
       "  seq     INTEGER NOT NULL,\n"
       "  body    TEXT NOT NULL\n"
       ");\n"
       "INSERT INTO webhook_bodies_v11 (id, run_key, seq, body) SELECT b.id, r.run_key, b.seq, b.body "
       "FROM webhook_bodies b JOIN runs r ON r.id = b.run_id ORDER BY b.id;\n"
       "CREATE TABLE webhook_deliveries_v11 (\n"
       "  ns              TEXT NOT NULL,\n"
       "  webhook_id      TEXT NOT NULL REFERENCES webhooks (id),\n"
       "  run_key         INTEGER NOT NULL,\n"
       "  run_id          TEXT NOT NULL REFERENCES runs (id),\n"
       "  seq             INTEGER NOT NULL,\n"
       "  event_type      TEXT NOT NULL,\n"
       "  created_at      INTEGER NOT NULL,\n"
       "  status          TEXT NOT NULL,\n"
       "  next_attempt_at INTEGER,\n"
       "  body_id         INTEGER REFERENCES webhook_bodies_v11 (id),\n"
       "  PRIMARY KEY (webhook_id, run_key, seq)\n"
       ") WITHOUT ROWID;\n"
       "INSERT INTO webhook_deliveries_v11 (ns, webhook_id, run_key, run_id, seq, event_type, created_at, status, "
       "next_attempt_at, body_id) SELECT d.ns, d.webhook_id, r.run_key, d.run_id, d.seq, d.event_type, d.created_at, "
       "d.status, d.next_attempt_at, (SELECT id FROM webhook_bodies_v11 WHERE id = d.body_id) "
       "FROM webhook_deliveries d JOIN runs r ON r.id = d.run_id WHERE d.webhook_id IN (SELECT id FROM webhooks) "
       "ORDER BY d.webhook_id, r.run_key, d.seq;\n"
       "CREATE TABLE webhook_attempts_v11 (\n"
       "  webhook_id  TEXT NOT NULL,\n"
       "  run_key     INTEGER NOT NULL,\n"
       "  seq         INTEGER NOT NULL,\n"
       "  attempt     INTEGER NOT NULL,\n"
       "  at          INTEGER NOT NULL,\n"
       "  status_code INTEGER,\n"
       "  error       TEXT,\n"
       "  PRIMARY KEY (webhook_id, run_key, seq, attempt)\n"
       ") WITHOUT ROWID;\n"
       "INSERT INTO webhook_attempts_v11 (webhook_id, run_key, seq, attempt, at, status_code, error) "
       "SELECT a.webhook_id, r.run_key, a.seq, a.attempt, a.at, a.status_code, a.error "
       "FROM webhook_attempts a JOIN runs r ON r.id = a.run_id ORDER BY a.webhook_id, r.run_key, a.seq, a.attempt;\n"
       "DROP TABLE webhook_attempts;\n"
       "DROP TABLE webhook_deliveries;\n"
       "DROP TABLE webhook_bodies;\n"
       "ALTER TABLE webhook_bodies_v11 RENAME TO webhook_bodies;\n"
       "ALTER TABLE webhook_deliveries_v11 RENAME TO webhook_deliveries;\n"
       "ALTER TABLE webhook_attempts_v11 RENAME TO webhook_attempts;\n"
       "CREATE INDEX webhook_bodies_by_event ON webhook_bodies (run_key, seq);\n"
       "CREATE INDEX webhook_deliveries_due ON webhook_deliveries (ns, next_attempt_at) WHERE status = 'pending';\n"},
  };
  return kMigrations;
}

Result<int> SchemaVersionOf(Connection& conn) {
  Statement q(conn, "PRAGMA user_version");
  auto row = q.Step();
  if (!row.ok()) return row.status();
  return static_cast<int>(q.Int(0));
}

namespace {

Status SetVersion(Connection& conn, int version) {
  // PRAGMA cannot take a bound parameter; the value is an integer we produced.
  return conn.Exec("PRAGMA user_version = " + std::to_string(version));
}

Result<int64_t> UserTableCount(Connection& conn) {
  Statement q(conn, "SELECT count(*) FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'");
  auto row = q.Step();
  if (!row.ok()) return row.status();
  return q.Int(0);
}

}  // namespace

Status Migrate(Connection& conn, const std::string& schema_sql, int schema_version,
               const std::vector<Migration>& migrations) {
  auto version = SchemaVersionOf(conn);
  if (!version.ok()) return version.status();
  int v = version.value();
  if (v > schema_version) {
    return Status::Internal("database schema is version " + std::to_string(v) +
                            ", newer than this agent-sandbox understands (" + std::to_string(schema_version) +
                            "); use a newer binary or another --db file");
  }
  if (v == schema_version) return Status::Ok();
  if (v == 0) {
    auto tables = UserTableCount(conn);
    if (!tables.ok()) return tables.status();
    if (tables.value() > 0) {
      return Status::Internal("database has tables but no agent-sandbox schema version; refusing to touch it");
    }
    Transaction tx(conn);
    if (!tx.begin_status().ok()) return tx.begin_status();
    Status st = conn.Exec(schema_sql);
    if (st.ok()) st = SetVersion(conn, schema_version);
    if (st.ok()) st = tx.Commit();
    return st;
  }
  for (const auto& m : migrations) {
    if (m.to_version <= v) continue;
    if (m.to_version != v + 1) {
      return Status::Internal("no migration from schema version " + std::to_string(v) + " to " + std::to_string(v + 1));
    }
    Transaction tx(conn);
    if (!tx.begin_status().ok()) return tx.begin_status();
    Status st = conn.Exec(m.sql);
    if (st.ok()) st = SetVersion(conn, m.to_version);
    if (st.ok()) st = tx.Commit();
    if (!st.ok()) {
      return Status::Internal("migration to schema version " + std::to_string(m.to_version) +
                              " failed: " + st.message());
    }
    v = m.to_version;
  }
  if (v != schema_version) {
    return Status::Internal("no migration path from schema version " + std::to_string(v) + " to " +
                            std::to_string(schema_version));
  }
  return Status::Ok();
}

}  // namespace sandbox::store
