-- Builds and their uploads. A row exists from the moment an upload is
-- initiated (status `uploading`) and counts against its project's storage
-- from then on: `projects.storage_used` is the sum of `file_size` over the
-- project's rows, kept by the store in the transactions that add, resize
-- and remove them.

CREATE TABLE builds (
    seq               INTEGER NOT NULL PRIMARY KEY,
    id                TEXT    NOT NULL UNIQUE,
    project_id        TEXT    NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name              TEXT    NOT NULL,
    -- windows, macos, linux, android, ios-native, ios-simulator, xbox, playstation, web
    platform          TEXT    NOT NULL,
    -- uploading, ready
    status            TEXT    NOT NULL,
    file_name         TEXT    NOT NULL,
    file_size         INTEGER NOT NULL,
    -- Hex SHA-256 of the file, once ready.
    sha256            TEXT,
    -- JSON array of tags, in the order given.
    tags              TEXT    NOT NULL DEFAULT '[]',
    pinned            INTEGER NOT NULL DEFAULT 0,
    description       TEXT,
    -- JSON object: vcs, ci, app, build, upload.
    details           TEXT    NOT NULL DEFAULT '{}',
    blob_key          TEXT    NOT NULL,
    -- The upload in progress, all NULL once ready. upload_kind is single or
    -- multipart; upload_id, part_size and total_parts are multipart's.
    upload_kind       TEXT,
    upload_id         TEXT,
    part_size         INTEGER,
    total_parts       INTEGER,
    upload_expires_at TEXT,
    created_at        TEXT    NOT NULL,
    last_used         TEXT,
    completed_at      TEXT
) STRICT;
CREATE INDEX builds_by_project ON builds (project_id, seq DESC);
CREATE UNIQUE INDEX builds_by_upload_id ON builds (upload_id) WHERE upload_id IS NOT NULL;
-- What the janitor expires.
CREATE INDEX builds_pending_by_expiry ON builds (upload_expires_at) WHERE status = 'uploading';
