-- agent-sandbox database schema: the single source of truth for the tables.
-- Embedded into the binary at build time and applied to a new database; an
-- existing database is brought up to date by lib/store/migrations.cpp, which
-- must end in exactly this schema. PRAGMA user_version holds the version.
--
-- The event log is the truth (run_events while a run goes on, run_logs once
-- it has ended); runs, steps and interrupts are projections of it, written
-- in the same transaction as the events they follow from
-- (lib/core/projection.cpp), so they never disagree with the log.

CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

-- Every namespace (X-Sandbox-Namespace; '' by default) is a sandbox of its
-- own: its threads, runs, actions and object states carry its name, its clock
-- and seed live in meta as clock_now/<ns> and seed/<ns>.

CREATE TABLE threads (
  id           TEXT PRIMARY KEY,
  ns           TEXT NOT NULL,
  ordinal      INTEGER NOT NULL,
  agent        TEXT NOT NULL,
  context_type TEXT,
  context_id   TEXT,
  status       TEXT NOT NULL,
  requester    TEXT,             -- JSON principal or NULL
  metadata     TEXT,             -- JSON object or NULL
  created_at   INTEGER NOT NULL, -- ms since the Unix epoch, sandbox time
  updated_at   INTEGER NOT NULL,
  UNIQUE (ns, ordinal)
);
CREATE INDEX threads_by_context ON threads (ns, context_id, ordinal);

-- How many runs and threads each namespace has (schema version 4), kept in
-- the transaction that adds or deletes them, so that a list's total and the
-- engine's ordinals never count rows.
CREATE TABLE counts (
  ns   TEXT NOT NULL,
  what TEXT NOT NULL,  -- runs | threads
  n    INTEGER NOT NULL,
  PRIMARY KEY (ns, what)
) WITHOUT ROWID;

-- Each distinct scenario script once (schema version 3): runs of a scenario
-- share its row, where each run used to carry ~5 KiB of it. `size` (the
-- text's length) narrows the lookup; the text itself decides.
CREATE TABLE scripts (
  id   INTEGER PRIMARY KEY,
  size INTEGER NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX scripts_by_size ON scripts (size);

CREATE TABLE runs (
  id             TEXT PRIMARY KEY,
  ns             TEXT NOT NULL,
  thread_id      TEXT NOT NULL REFERENCES threads (id),
  ordinal        INTEGER NOT NULL,
  agent          TEXT NOT NULL,
  agent_name     TEXT NOT NULL DEFAULT '',
  trigger_type   TEXT NOT NULL DEFAULT 'api',
  scenario       TEXT NOT NULL,
  status         TEXT NOT NULL,
  requester      TEXT,
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL,
  started_at     INTEGER,
  ended_at       INTEGER,
  output         TEXT,            -- JSON or NULL
  result         TEXT,            -- JSON or NULL: a completed Modus task's result
  error_message  TEXT,
  failure_reason TEXT,            -- e.g. approval_timeout
  request        TEXT,            -- JSON: the create-run body, for templates
  cursor_segment INTEGER NOT NULL,
  cursor_pc      INTEGER NOT NULL,
  segment_base   INTEGER NOT NULL,
  last_seq       INTEGER NOT NULL,
  -- Workflow retries (schema version 2): the execution this run retries,
  -- the workflow's first execution, and which execution this is (from 1).
  retry_of       TEXT,
  first_attempt  TEXT,
  attempt        INTEGER NOT NULL DEFAULT 1,
  -- The run's workflow number among its agent's workflows in the namespace
  -- (from 1; a retry has its first execution's): Modus's wf_<agentId>_run_<n>.
  agent_seq      INTEGER NOT NULL DEFAULT 0,
  -- The scenario JSON the run started with (schema version 3: kept once in
  -- scripts, shared by every run of the same script).
  script_id      INTEGER REFERENCES scripts (id),
  -- The run's key in its events and steps (schema version 6): a number that
  -- only grows, so the rows of new runs go to the end of those tables'
  -- B-trees instead of a random page each (a run id is a random UUID).
  run_key        INTEGER,
  UNIQUE (ns, ordinal)
);
CREATE UNIQUE INDEX runs_by_key ON runs (run_key);
CREATE INDEX runs_by_thread ON runs (thread_id, ordinal);
CREATE INDEX runs_by_status ON runs (ns, status, ordinal);
CREATE INDEX runs_by_first_attempt ON runs (first_attempt, attempt);
CREATE INDEX runs_by_agent_seq ON runs (ns, agent, agent_seq, attempt);
CREATE INDEX runs_by_agent ON runs (ns, agent, ordinal);
-- Covers the Modus history's counts and totals: no run row is read for them.
CREATE INDEX runs_by_agent_status ON runs (ns, agent, status, started_at, created_at, agent_name, requester);

-- Runs per namespace, agent and status (schema version 5), kept by the
-- triggers below in the statement that inserts, updates or deletes a run:
-- the Modus history's counts read these rows instead of counting runs.
CREATE TABLE run_status_counts (
  ns     TEXT NOT NULL,
  agent  TEXT NOT NULL,
  status TEXT NOT NULL,
  n      INTEGER NOT NULL,
  PRIMARY KEY (ns, agent, status)
) WITHOUT ROWID;
CREATE TRIGGER run_status_counts_insert AFTER INSERT ON runs BEGIN
  INSERT INTO run_status_counts (ns, agent, status, n) VALUES (new.ns, new.agent, new.status, 1)
    ON CONFLICT (ns, agent, status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER run_status_counts_update AFTER UPDATE OF status ON runs WHEN old.status <> new.status BEGIN
  UPDATE run_status_counts SET n = n - 1 WHERE ns = old.ns AND agent = old.agent AND status = old.status;
  INSERT INTO run_status_counts (ns, agent, status, n) VALUES (new.ns, new.agent, new.status, 1)
    ON CONFLICT (ns, agent, status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER run_status_counts_delete AFTER DELETE ON runs BEGIN
  UPDATE run_status_counts SET n = n - 1 WHERE ns = old.ns AND agent = old.agent AND status = old.status;
END;
-- The scheduled runs each agent has had, read at every start (schema version 5).
CREATE INDEX runs_scheduled ON runs (ns, agent) WHERE trigger_type = 'schedule' AND attempt = 1;

-- Events and steps are keyed by runs.run_key (schema version 6), clustered
-- by run: a run's log or steps are one range, and appending them touches the
-- last pages of the table, not one random page per row and per index.
CREATE TABLE run_events (
  run_key INTEGER NOT NULL,
  seq     INTEGER NOT NULL,
  type    TEXT NOT NULL,
  at      INTEGER NOT NULL,
  payload TEXT NOT NULL,          -- JSON object; format in lib/core/event.h
  PRIMARY KEY (run_key, seq)
) WITHOUT ROWID;

CREATE TABLE steps (
  run_key        INTEGER NOT NULL,
  ordinal        INTEGER NOT NULL,
  id             TEXT NOT NULL,
  parent_step_id TEXT,            -- the enclosing step's id, of the same run
  agent          TEXT NOT NULL,
  type           TEXT NOT NULL,
  name           TEXT NOT NULL,
  label          TEXT NOT NULL,
  status         TEXT NOT NULL,
  started_at     INTEGER NOT NULL,
  completed_at   INTEGER,
  result         TEXT,            -- JSON or NULL
  artifacts      TEXT NOT NULL,   -- JSON array
  text           TEXT NOT NULL,   -- a streamed message, as far as it got
  PRIMARY KEY (run_key, ordinal)
) WITHOUT ROWID;

-- A finished run's log (schema version 9): a completed, failed or cancelled
-- run never changes again (lib/core/types.h), so when it ends its events
-- leave run_events and its steps leave steps, and the log is kept here as
-- one zstd frame, compressed against its script's dictionary: the log of the
-- first run of that script to finish. Runs of one script tell nearly the
-- same story, so a log costs about a tenth of its rows. Its steps are
-- rebuilt from it on read (lib/store/run_archive.h).
CREATE TABLE run_logs (
  run_key INTEGER PRIMARY KEY,
  log     BLOB NOT NULL             -- zstd frame of lib/store/run_archive.h's lines
);

-- One dictionary per script, written by the first of its runs to finish and
-- never changed (every log compressed against it needs the same bytes).
CREATE TABLE log_dictionaries (
  script_id INTEGER PRIMARY KEY REFERENCES scripts (id),
  body      BLOB NOT NULL
);

-- Each ended run's artifact ids, as 64-bit hashes (FNV-1a, 8 bytes each,
-- little-endian) in one value: an action on an artifact finds the ended runs
-- that may hold it by one pass over this table, without reading any log. A
-- match is checked against the run's steps, so a collision costs a read,
-- never a wrong answer. One row a run, appended in key order: an index by
-- hash dirtied a random page per artifact and cost 9 % of the write rate.
CREATE TABLE artifact_hashes (
  run_key INTEGER PRIMARY KEY,
  hashes  BLOB NOT NULL
);

CREATE TABLE interrupts (
  id          TEXT PRIMARY KEY,
  run_id      TEXT NOT NULL REFERENCES runs (id),
  step_id     TEXT NOT NULL,      -- a step of the same run
  agent       TEXT,
  value       TEXT NOT NULL,      -- JSON object
  pending     INTEGER NOT NULL,
  created_at  INTEGER NOT NULL,
  resolved_at INTEGER,
  input       TEXT,               -- JSON or NULL
  expired     INTEGER NOT NULL    -- 1 when its timeout passed unanswered
);
CREATE INDEX interrupts_by_run ON interrupts (run_id, created_at);

CREATE TABLE feedback (
  id            TEXT PRIMARY KEY,
  run_id        TEXT NOT NULL REFERENCES runs (id),
  artifact_id   TEXT NOT NULL,
  rating        TEXT NOT NULL,
  comment       TEXT,
  reviewer_type TEXT NOT NULL,
  reviewer_id   TEXT NOT NULL,
  active        INTEGER NOT NULL,
  created_at    INTEGER NOT NULL
);
CREATE INDEX feedback_by_target ON feedback (run_id, artifact_id, reviewer_id);

-- Actions taken on business-verification objects (POST /v1/actions), and the
-- state of those objects as actions change it. An action that answers an
-- interrupt is written in the same transaction as the run's resume.
CREATE TABLE actions (
  id          TEXT PRIMARY KEY,
  ns          TEXT NOT NULL,
  ordinal     INTEGER NOT NULL,
  object_type TEXT NOT NULL,      -- as requested: businesses | watchlist_result
  object_id   TEXT NOT NULL,
  type        TEXT NOT NULL,
  note        TEXT,
  payload     TEXT NOT NULL,      -- JSON object
  effects     TEXT NOT NULL,      -- JSON array
  actors      TEXT NOT NULL,      -- JSON array
  run_id      TEXT,
  thread_id   TEXT,
  created_at  INTEGER NOT NULL,
  UNIQUE (ns, ordinal)
);
CREATE INDEX actions_by_object ON actions (ns, object_type, object_id, ordinal);

CREATE TABLE object_states (
  ns          TEXT NOT NULL,
  object_type TEXT NOT NULL,
  object_id   TEXT NOT NULL,
  state       TEXT NOT NULL,      -- JSON object, e.g. {"status":"approved","tin_verified":false}
  updated_at  INTEGER NOT NULL,
  PRIMARY KEY (ns, object_type, object_id)
) WITHOUT ROWID;

-- Agents defined or changed at run time through an API (schema version 8):
-- the Modus agent management API's agents and its changes to fixture agents,
-- one JSON document per agent (script/agent_definition.h), laid over the
-- fixtures by the engine.
CREATE TABLE agent_definitions (
  ns         TEXT NOT NULL,
  agent      TEXT NOT NULL,      -- the agent's type
  definition TEXT NOT NULL,      -- JSON object
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (ns, agent)
) WITHOUT ROWID;

-- Idempotency-Key of the Modus runtime (POST /agent/runs): the run each key
-- created and the request it came with, per namespace.
CREATE TABLE idempotency_keys (
  ns        TEXT NOT NULL,
  key       TEXT NOT NULL,
  body_hash TEXT NOT NULL,
  run_id    TEXT NOT NULL,
  PRIMARY KEY (ns, key)
) WITHOUT ROWID;

-- Webhooks (schema version 2). Endpoints registered with POST /v1/webhooks;
-- a deleted one keeps its row (deleted_at) so ordinals, and the ids derived
-- from them, are never reused.
CREATE TABLE webhooks (
  id             TEXT PRIMARY KEY,
  ns             TEXT NOT NULL,
  ordinal        INTEGER NOT NULL,
  url            TEXT NOT NULL,
  secret         TEXT NOT NULL,
  enabled_events TEXT NOT NULL,   -- JSON array of event types, or ["*"]
  include        TEXT,
  oidc           TEXT,            -- JSON object of the oidc_* settings, or NULL
  disabled_at    INTEGER,
  deleted_at     INTEGER,
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL,
  UNIQUE (ns, ordinal)
);

-- The outbox: one row per (webhook, run lifecycle event), written in the
-- same transaction as the event, so no notification is lost or sent for an
-- event that never committed. The body is rendered at the first attempt and
-- kept, so every retry sends the same bytes.
-- The bodies deliveries sent (schema version 7), each distinct one once per
-- event: the endpoints subscribed to one event mostly get the same bytes,
-- which each delivery row used to keep a copy of (twice the run's own size
-- with four endpoints).
-- The three webhook tables are keyed by the run's run_key, not its id
-- (schema version 11), for the reason the events are (runs.run_key): keyed
-- by a random UUID, every delivery queued, every outcome recorded and every
-- body stored wrote a random page of each table and index, about 16 KB of
-- write-ahead log a delivery, written again by the checkpoint. Keyed by a
-- number that grows, the rows of new runs go to the tables' ends.
CREATE TABLE webhook_bodies (
  id      INTEGER PRIMARY KEY,
  run_key INTEGER NOT NULL,  -- runs.run_key
  seq     INTEGER NOT NULL,
  body    TEXT NOT NULL
);
CREATE INDEX webhook_bodies_by_event ON webhook_bodies (run_key, seq);

CREATE TABLE webhook_deliveries (
  ns              TEXT NOT NULL,
  webhook_id      TEXT NOT NULL REFERENCES webhooks (id),
  run_key         INTEGER NOT NULL,  -- runs.run_key
  run_id          TEXT NOT NULL REFERENCES runs (id),
  seq             INTEGER NOT NULL,  -- the run event it announces
  event_type      TEXT NOT NULL,     -- run.created | run.interrupted | run.completed
  created_at      INTEGER NOT NULL,  -- the event's instant
  status          TEXT NOT NULL,     -- pending | delivered | failed | cancelled
  next_attempt_at INTEGER,           -- sandbox time; NULL once no attempt is left
  body_id         INTEGER REFERENCES webhook_bodies (id),  -- the exact bytes sent
  PRIMARY KEY (webhook_id, run_key, seq)
) WITHOUT ROWID;
-- Only pending deliveries are ever looked up by due time, so only they are
-- indexed (schema version 10): a delivered one left the index instead of
-- moving to a place in it set by its random run id, a page written per
-- delivery.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (ns, next_attempt_at) WHERE status = 'pending';

CREATE TABLE webhook_attempts (
  webhook_id  TEXT NOT NULL,
  run_key     INTEGER NOT NULL,     -- runs.run_key
  seq         INTEGER NOT NULL,
  attempt     INTEGER NOT NULL,     -- from 1
  at          INTEGER NOT NULL,     -- sandbox time it was due
  status_code INTEGER,              -- NULL when no HTTP answer came
  error       TEXT,                 -- why it failed, when it did
  PRIMARY KEY (webhook_id, run_key, seq, attempt)
) WITHOUT ROWID;
