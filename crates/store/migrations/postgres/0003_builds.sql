-- Builds and their uploads. A row exists from the moment an upload is
-- initiated (status `uploading`) and counts against its project's storage
-- from then on: `projects.storage_used` is the sum of `file_size` over the
-- project's rows, kept by the store in the transactions that add, resize
-- and remove them (each locking the project's row first).

CREATE TABLE builds (
    id                TEXT        NOT NULL PRIMARY KEY,
    seq               BIGINT      NOT NULL GENERATED ALWAYS AS IDENTITY,
    project_id        TEXT        NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name              TEXT        NOT NULL,
    -- windows, macos, linux, android, ios-native, ios-simulator, xbox, playstation, web
    platform          TEXT        NOT NULL,
    -- uploading, ready
    status            TEXT        NOT NULL,
    file_name         TEXT        NOT NULL,
    file_size         BIGINT      NOT NULL,
    -- Hex SHA-256 of the file, once ready.
    sha256            TEXT,
    -- JSON array of tags, in the order given.
    tags              JSONB       NOT NULL DEFAULT '[]',
    pinned            BOOLEAN     NOT NULL DEFAULT FALSE,
    description       TEXT,
    -- vcs, ci, app, build, upload.
    details           JSONB       NOT NULL DEFAULT '{}',
    blob_key          TEXT        NOT NULL,
    -- The upload in progress, all NULL once ready. upload_kind is single or
    -- multipart; upload_id, part_size and total_parts are multipart's.
    upload_kind       TEXT,
    upload_id         TEXT,
    part_size         BIGINT,
    total_parts       BIGINT,
    upload_expires_at TIMESTAMPTZ,
    created_at        TIMESTAMPTZ NOT NULL,
    last_used         TIMESTAMPTZ,
    completed_at      TIMESTAMPTZ
);
CREATE INDEX builds_by_project ON builds (project_id, seq DESC);
CREATE UNIQUE INDEX builds_by_upload_id ON builds (upload_id) WHERE upload_id IS NOT NULL;
-- What the janitor expires.
CREATE INDEX builds_pending_by_expiry ON builds (upload_expires_at) WHERE status = 'uploading';
