-- Bug traces, replay runs and test assets.

-- The inputs that led to an occurrence (a JSON BugTrace: seed, actions),
-- when the run recorded them; NULL otherwise (a game loop, say). Its
-- length is also kept in `details.trace_length`, so lists stay small.
ALTER TABLE bug_occurrences ADD COLUMN trace TEXT;

-- What a replay or minimisation run replays, copied when the run is
-- started (as runs copy their test): the occurrence, its fingerprint and
-- its trace. The occurrence may go later; the run keeps what it plays.
CREATE TABLE run_replays (
    run_id        TEXT    NOT NULL PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
    occurrence_id TEXT    NOT NULL,
    fingerprint   TEXT    NOT NULL,
    trace         TEXT    NOT NULL,
    minimize      INTEGER NOT NULL
) STRICT;

-- Images uploaded with a test (references of `screen_similar` checks). The
-- bytes are in the blob store under `blob_key`; the store hands the rows
-- of a deleted test back so their bytes can be deleted too.
CREATE TABLE test_assets (
    test_id      TEXT    NOT NULL REFERENCES tests (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    project_id   TEXT    NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    -- image/png or image/jpeg
    content_type TEXT    NOT NULL,
    size         INTEGER NOT NULL,
    -- Hex SHA-256 of the bytes.
    sha256       TEXT    NOT NULL,
    blob_key     TEXT    NOT NULL,
    uploaded_at  TEXT    NOT NULL,
    PRIMARY KEY (test_id, name)
) STRICT;
