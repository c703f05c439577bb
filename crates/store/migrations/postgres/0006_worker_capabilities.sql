-- What a worker plays, per platform and test type, and the test type a
-- queued job needs.

-- A JSON array of {"platform", "test_types"}, one entry a platform. A
-- worker registered before knew only platforms and meant every test type
-- of them. `platforms` stays: the capabilities' platforms.
ALTER TABLE workers ADD COLUMN capabilities JSONB NOT NULL DEFAULT '[]';
UPDATE workers SET capabilities = (
    SELECT COALESCE(jsonb_agg(jsonb_build_object(
        'platform', p,
        'test_types', '["verification", "discovery", "game_loop"]'::jsonb)), '[]'::jsonb)
    FROM jsonb_array_elements_text(workers.platforms) p);

-- The test type of the job's run (of the run a replay replays: it plays
-- that run's test), copied as its platform is, so that the oldest job a
-- worker can play is the first match of the queue's index.
ALTER TABLE jobs ADD COLUMN test_type TEXT;
UPDATE jobs j SET test_type = r.test_type FROM runs r WHERE r.job_id = j.id;

DROP INDEX jobs_queued;
CREATE INDEX jobs_queued ON jobs (seq, platform, test_type, project_id) WHERE status = 'QUEUED';
