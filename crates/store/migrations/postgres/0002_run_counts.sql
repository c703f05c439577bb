-- How many runs each project has in each state, so that the total of an
-- unfiltered (or state-filtered) run list is read rather than counted.
-- Triggers keep it in the transaction of every change to `runs`, whoever
-- makes the change. They are per statement: a batch of runs moves each
-- count once, and the counts are locked in one order (project, state), so
-- two writers never wait for each other in a cycle.

-- No run may change between the count below and the triggers.
LOCK TABLE runs IN SHARE ROW EXCLUSIVE MODE;

CREATE TABLE run_counts (
    project_id TEXT   NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    state      TEXT   NOT NULL,
    runs       BIGINT NOT NULL,
    PRIMARY KEY (project_id, state)
);

INSERT INTO run_counts (project_id, state, runs)
SELECT project_id, state, COUNT(*) FROM runs GROUP BY project_id, state;

CREATE FUNCTION run_counts_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO run_counts (project_id, state, runs)
    SELECT project_id, state, COUNT(*) FROM new_runs
    GROUP BY project_id, state ORDER BY project_id, state
    ON CONFLICT (project_id, state) DO UPDATE SET runs = run_counts.runs + EXCLUDED.runs;
    RETURN NULL;
END
$$;

CREATE FUNCTION run_counts_after_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO run_counts (project_id, state, runs)
    SELECT project_id, state, SUM(n) FROM (
        SELECT project_id, state, -1 AS n FROM old_runs
        UNION ALL
        SELECT project_id, state, 1 AS n FROM new_runs
    ) moved
    GROUP BY project_id, state HAVING SUM(n) <> 0 ORDER BY project_id, state
    ON CONFLICT (project_id, state) DO UPDATE SET runs = run_counts.runs + EXCLUDED.runs;
    RETURN NULL;
END
$$;

-- Only decrements: when a whole project goes, its counts may go first.
CREATE FUNCTION run_counts_after_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE run_counts c SET runs = c.runs - gone.n
    FROM (
        SELECT project_id, state, COUNT(*) AS n FROM old_runs GROUP BY project_id, state
    ) gone
    WHERE c.project_id = gone.project_id AND c.state = gone.state;
    RETURN NULL;
END
$$;

CREATE TRIGGER run_counts_after_insert AFTER INSERT ON runs
    REFERENCING NEW TABLE AS new_runs
    FOR EACH STATEMENT EXECUTE FUNCTION run_counts_after_insert();
-- Every update statement, not `UPDATE OF state`: PostgreSQL allows no
-- column list with transition tables. One that moves no run costs an
-- empty aggregate.
CREATE TRIGGER run_counts_after_update AFTER UPDATE ON runs
    REFERENCING OLD TABLE AS old_runs NEW TABLE AS new_runs
    FOR EACH STATEMENT EXECUTE FUNCTION run_counts_after_update();
CREATE TRIGGER run_counts_after_delete AFTER DELETE ON runs
    REFERENCING OLD TABLE AS old_runs
    FOR EACH STATEMENT EXECUTE FUNCTION run_counts_after_delete();
