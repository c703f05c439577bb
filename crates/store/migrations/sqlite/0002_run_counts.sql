-- How many runs each project has in each state, so that the total of an
-- unfiltered (or state-filtered) run list is read rather than counted.
-- Triggers keep it in the transaction of every change to `runs`, whoever
-- makes the change; the first lines count the runs that already exist.

CREATE TABLE run_counts (
    project_id TEXT    NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    state      TEXT    NOT NULL,
    runs       INTEGER NOT NULL,
    PRIMARY KEY (project_id, state)
) STRICT, WITHOUT ROWID;

INSERT INTO run_counts (project_id, state, runs)
SELECT project_id, state, COUNT(*) FROM runs GROUP BY project_id, state;

CREATE TRIGGER run_counts_after_insert AFTER INSERT ON runs
BEGIN
    INSERT INTO run_counts (project_id, state, runs) VALUES (NEW.project_id, NEW.state, 1)
    ON CONFLICT (project_id, state) DO UPDATE SET runs = runs + 1;
END;

CREATE TRIGGER run_counts_after_update AFTER UPDATE OF project_id, state ON runs
WHEN OLD.project_id IS NOT NEW.project_id OR OLD.state IS NOT NEW.state
BEGIN
    UPDATE run_counts SET runs = runs - 1 WHERE project_id = OLD.project_id AND state = OLD.state;
    INSERT INTO run_counts (project_id, state, runs) VALUES (NEW.project_id, NEW.state, 1)
    ON CONFLICT (project_id, state) DO UPDATE SET runs = runs + 1;
END;

-- Only decrements: when a whole project goes, its counts may go first.
CREATE TRIGGER run_counts_after_delete AFTER DELETE ON runs
BEGIN
    UPDATE run_counts SET runs = runs - 1 WHERE project_id = OLD.project_id AND state = OLD.state;
END;
