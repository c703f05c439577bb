-- The run engine: worker tokens, registered workers, leases on jobs with
-- fencing tokens, and each run's event log.
--
-- (Despite the comment in 0001, `run_steps.step_number` counts from 1, as
-- the wire does, since the store writes it so.)

CREATE TABLE worker_tokens (
    id          TEXT        NOT NULL PRIMARY KEY,
    seq         BIGINT      NOT NULL GENERATED ALWAYS AS IDENTITY,
    -- NULL: the token serves every project (made by the operator).
    project_id  TEXT        REFERENCES projects (id) ON DELETE CASCADE,
    name        TEXT        NOT NULL,
    prefix      TEXT        NOT NULL,
    secret_hash TEXT        NOT NULL UNIQUE,
    -- Revoked tokens stay, listed as revoked.
    revoked     BOOLEAN     NOT NULL DEFAULT FALSE,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX worker_tokens_by_project ON worker_tokens (project_id, seq DESC);

CREATE TABLE workers (
    id                TEXT        NOT NULL PRIMARY KEY,
    token_id          TEXT        NOT NULL REFERENCES worker_tokens (id) ON DELETE CASCADE,
    name              TEXT        NOT NULL,
    -- JSON array of platform kinds.
    platforms         JSONB       NOT NULL,
    slots             BIGINT      NOT NULL,
    version           TEXT,
    registered_at     TIMESTAMPTZ NOT NULL,
    last_heartbeat_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX workers_by_token ON workers (token_id);
CREATE INDEX workers_by_heartbeat ON workers (last_heartbeat_at DESC);

-- The queue order (`seq`) and the run's platform, copied so that the
-- oldest queued job of some platforms is found in one index
-- (`jobs_queued`). The lease: who holds it, until when, and its fencing
-- token (one more with every lease). `attempts` counts the leases so far.
-- Existing jobs are numbered in the order of their runs.
ALTER TABLE jobs ADD COLUMN platform TEXT;
ALTER TABLE jobs ADD COLUMN lease_owner TEXT REFERENCES workers (id) ON DELETE SET NULL;
ALTER TABLE jobs ADD COLUMN lease_expires_at TIMESTAMPTZ;
ALTER TABLE jobs ADD COLUMN fencing_token BIGINT NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN seq BIGINT;

UPDATE jobs j SET seq = r.seq, platform = r.platform FROM runs r WHERE r.job_id = j.id;
-- Jobs without a run (none are made so) come after, in any order.
UPDATE jobs SET seq = (SELECT COALESCE(MAX(seq), 0) FROM jobs) + n
FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY created_at, id) AS n FROM jobs WHERE seq IS NULL) missing
WHERE jobs.id = missing.id;

CREATE SEQUENCE jobs_seq_seq OWNED BY jobs.seq;
SELECT setval('jobs_seq_seq', GREATEST((SELECT MAX(seq) FROM jobs), 0) + 1, false);
ALTER TABLE jobs ALTER COLUMN seq SET DEFAULT nextval('jobs_seq_seq');
ALTER TABLE jobs ALTER COLUMN seq SET NOT NULL;

CREATE UNIQUE INDEX jobs_by_seq ON jobs (seq);
-- What a worker leases from: the queue in its order, with what a lease
-- filters on, so the oldest job of some platforms (and project) is the
-- first match (and not behind every job that ever completed).
CREATE INDEX jobs_queued ON jobs (seq, platform, project_id) WHERE status = 'QUEUED';
-- What the janitor expires. A lease ends with its expiry cleared.
CREATE INDEX jobs_by_lease_expiry ON jobs (lease_expires_at) WHERE lease_expires_at IS NOT NULL;
-- A worker's active jobs.
CREATE INDEX jobs_by_lease_owner ON jobs (lease_owner) WHERE lease_owner IS NOT NULL;

-- Every change of a run, in order: `seq` counts from 1 in each run, given
-- by the store (one more than the largest) in the transaction that makes
-- the change, under the lock of the run's job; the primary key refuses a
-- number taken twice.
CREATE TABLE run_events (
    run_id TEXT        NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    seq    BIGINT      NOT NULL,
    -- state, step, bug, log
    kind   TEXT        NOT NULL,
    data   JSONB       NOT NULL,
    at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (run_id, seq)
);
