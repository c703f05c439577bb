-- The first schema. Never edit this file once shipped: add a new migration.
-- STRICT tables: SQLite checks column types as PostgreSQL would.

CREATE TABLE projects (
    id               TEXT    NOT NULL PRIMARY KEY,
    name             TEXT    NOT NULL UNIQUE,
    storage_used     INTEGER NOT NULL DEFAULT 0,
    storage_capacity INTEGER,
    created_at       TEXT    NOT NULL
) STRICT;

CREATE TABLE api_keys (
    id           TEXT    NOT NULL PRIMARY KEY,
    project_id   TEXT    NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    prefix       TEXT    NOT NULL,
    secret_hash  TEXT    NOT NULL UNIQUE,
    -- JSON array of permission names.
    permissions  TEXT    NOT NULL,
    expires_at   TEXT,
    disabled     INTEGER NOT NULL DEFAULT 0,
    last_used_at TEXT,
    created_at   TEXT    NOT NULL
) STRICT;
CREATE INDEX api_keys_by_project ON api_keys (project_id, created_at DESC);

-- Tests, test plans and deployment configs are the same kind of document:
-- a JSON spec with an id, a project, a name and timestamps. `kind` is the
-- test type or the platform kind (NULL for plans).
CREATE TABLE tests (
    seq        INTEGER NOT NULL PRIMARY KEY,
    id         TEXT    NOT NULL UNIQUE,
    project_id TEXT    NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    kind       TEXT,
    spec       TEXT    NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1,
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL
) STRICT;
CREATE INDEX tests_by_project ON tests (project_id, seq DESC);

CREATE TABLE test_plans (
    seq        INTEGER NOT NULL PRIMARY KEY,
    id         TEXT    NOT NULL UNIQUE,
    project_id TEXT    NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    kind       TEXT,
    spec       TEXT    NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1,
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL
) STRICT;
CREATE INDEX test_plans_by_project ON test_plans (project_id, seq DESC);

CREATE TABLE deployment_configs (
    seq        INTEGER NOT NULL PRIMARY KEY,
    id         TEXT    NOT NULL UNIQUE,
    project_id TEXT    NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    kind       TEXT,
    spec       TEXT    NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1,
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL
) STRICT;
CREATE INDEX deployment_configs_by_project ON deployment_configs (project_id, seq DESC);

-- The runs started together from one test plan. The plan may be deleted
-- later; its executions stay.
CREATE TABLE test_plan_executions (
    id           TEXT NOT NULL PRIMARY KEY,
    project_id   TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    test_plan_id TEXT NOT NULL,
    created_at   TEXT NOT NULL
) STRICT;

CREATE TABLE jobs (
    id                     TEXT    NOT NULL PRIMARY KEY,
    project_id             TEXT    NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    -- QUEUED, STARTING, RUNNING, STOPPING, CLEANING_UP, COMPLETED
    status                 TEXT    NOT NULL,
    queue_rejection_reason TEXT,
    retries                INTEGER NOT NULL DEFAULT 0,
    attempts               INTEGER NOT NULL DEFAULT 0,
    stop_requested_at      TEXT,
    created_at             TEXT    NOT NULL,
    updated_at             TEXT    NOT NULL
) STRICT;
CREATE INDEX jobs_by_project ON jobs (project_id);

-- One run per job. The test and its spec are copied as they were when the
-- run started: the test and the deployment config may change or go later.
CREATE TABLE runs (
    seq                    INTEGER NOT NULL PRIMARY KEY,
    id                     TEXT    NOT NULL UNIQUE,
    job_id                 TEXT    NOT NULL UNIQUE REFERENCES jobs (id) ON DELETE CASCADE,
    project_id             TEXT    NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    test_id                TEXT    NOT NULL,
    test_name              TEXT    NOT NULL,
    test_type              TEXT    NOT NULL,
    test_spec              TEXT    NOT NULL,
    deployment_config_id   TEXT    NOT NULL,
    platform               TEXT    NOT NULL,
    build_id               TEXT,
    build_name             TEXT,
    -- initializing, running, completed
    state                  TEXT    NOT NULL,
    result                 TEXT,
    outcome                TEXT,
    bug_count              INTEGER NOT NULL DEFAULT 0,
    -- The tags in the order given (JSON array); run_tags is for filtering.
    tags                   TEXT    NOT NULL DEFAULT '[]',
    initiator              TEXT    NOT NULL,
    options                TEXT    NOT NULL,
    templating_enabled     INTEGER NOT NULL DEFAULT 0,
    template_data          TEXT    NOT NULL DEFAULT '{}',
    retries                INTEGER NOT NULL DEFAULT 0,
    test_plan_execution_id TEXT    REFERENCES test_plan_executions (id) ON DELETE SET NULL,
    created_at             TEXT    NOT NULL,
    started_at             TEXT,
    completed_at           TEXT
) STRICT;
CREATE INDEX runs_by_project ON runs (project_id, seq DESC);
CREATE INDEX runs_by_project_state ON runs (project_id, state, seq DESC);
CREATE INDEX runs_with_bugs ON runs (project_id, seq DESC) WHERE bug_count > 0;
CREATE INDEX runs_by_plan_execution ON runs (test_plan_execution_id) WHERE test_plan_execution_id IS NOT NULL;

CREATE TABLE run_tags (
    run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    tag    TEXT NOT NULL,
    PRIMARY KEY (run_id, tag)
) STRICT, WITHOUT ROWID;
CREATE INDEX run_tags_by_tag ON run_tags (tag, run_id);

CREATE TABLE run_players (
    id                   TEXT    NOT NULL PRIMARY KEY,
    run_id               TEXT    NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    -- 0-indexed.
    player_number        INTEGER NOT NULL,
    test_name            TEXT    NOT NULL,
    state                TEXT    NOT NULL,
    result               TEXT,
    step_count           INTEGER NOT NULL,
    completed_step_count INTEGER NOT NULL DEFAULT 0,
    -- web, linux
    platform_kind        TEXT    NOT NULL,
    device               TEXT    NOT NULL,
    UNIQUE (run_id, player_number)
) STRICT;

CREATE TABLE run_steps (
    run_id           TEXT    NOT NULL,
    player_number    INTEGER NOT NULL,
    -- 0-indexed, the step's place in the player's steps.
    step_number      INTEGER NOT NULL,
    goal             TEXT    NOT NULL,
    finish_condition TEXT    NOT NULL,
    -- pending, running, completed, incomplete
    state            TEXT    NOT NULL,
    result           TEXT,
    report           TEXT,
    start_time       TEXT,
    end_time         TEXT,
    duration_ms      INTEGER,
    PRIMARY KEY (run_id, player_number, step_number),
    FOREIGN KEY (run_id, player_number) REFERENCES run_players (run_id, player_number) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

CREATE TABLE run_artifacts (
    run_id      TEXT    NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    filename    TEXT    NOT NULL,
    blob_key    TEXT    NOT NULL,
    size        INTEGER NOT NULL,
    uploaded_at TEXT    NOT NULL,
    PRIMARY KEY (run_id, filename)
) STRICT, WITHOUT ROWID;

-- A bug is what every occurrence with the same fingerprint in a project shares.
CREATE TABLE bugs (
    id            TEXT NOT NULL PRIMARY KEY,
    project_id    TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    fingerprint   TEXT NOT NULL,
    title         TEXT NOT NULL,
    category      TEXT NOT NULL,
    severity      TEXT NOT NULL,
    first_seen_at TEXT NOT NULL,
    UNIQUE (project_id, fingerprint)
) STRICT;

CREATE TABLE bug_occurrences (
    id                 TEXT    NOT NULL PRIMARY KEY,
    bug_id             TEXT    NOT NULL REFERENCES bugs (id) ON DELETE CASCADE,
    run_id             TEXT    NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    project_id         TEXT    NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    title              TEXT    NOT NULL,
    description        TEXT    NOT NULL,
    category           TEXT    NOT NULL,
    severity           TEXT    NOT NULL,
    confidence         TEXT    NOT NULL,
    reproduction_steps TEXT    NOT NULL,
    player_number      INTEGER NOT NULL,
    test_step          INTEGER,
    turn               INTEGER,
    detected_at        TEXT    NOT NULL,
    -- JSON object: screenshot_url, video_offset_ms, fingerprint, trace_url.
    details            TEXT    NOT NULL
) STRICT;
CREATE INDEX bug_occurrences_by_run ON bug_occurrences (run_id, detected_at);
CREATE INDEX bug_occurrences_by_bug ON bug_occurrences (bug_id);
