//! Rows of the run engine as both backends read them: worker tokens,
//! workers, run events, a test plan execution's counts.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use playtest_types::{Capability, JobStatus, PlanExecutionCounts, TestPlanExecution, WorkerToken};
use serde_json::Value;
use sqlx::types::Json;

use crate::codec::{from_json, from_text};
use crate::leasing::Attempt;
use crate::{Result, RunEventRecord, StoreError, WorkerRecord, WorkerTokenRecord};

/// Unqualified, so that they serve `RETURNING` as well as `SELECT`.
pub(crate) const TOKEN_COLUMNS: &str =
    "id, name, prefix, project_id, created_at, revoked, secret_hash";

/// A new worker token, returned as stored. Binds: id, project_id, name,
/// prefix, secret_hash, created_at.
pub(crate) static INSERT_TOKEN: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO worker_tokens (id, project_id, name, prefix, secret_hash, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING {TOKEN_COLUMNS}"
    )
});

/// A new worker, heard from as it registers. Binds: id, token_id, name,
/// platforms, capabilities, slots, version, registered_at.
pub(crate) const INSERT_WORKER: &str = "INSERT INTO workers (id, token_id, name, platforms, capabilities, slots, version, registered_at, \
     last_heartbeat_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)";

#[derive(sqlx::FromRow)]
pub(crate) struct TokenRow {
    id: String,
    name: String,
    prefix: String,
    project_id: Option<String>,
    created_at: DateTime<Utc>,
    revoked: bool,
    secret_hash: String,
}

impl From<TokenRow> for WorkerTokenRecord {
    fn from(row: TokenRow) -> Self {
        WorkerTokenRecord {
            token: WorkerToken {
                id: row.id,
                name: row.name,
                prefix: row.prefix,
                project_id: row.project_id,
                created_at: row.created_at,
                revoked: row.revoked,
            },
            secret_hash: row.secret_hash,
        }
    }
}

/// The `FROM` of every worker query: a worker and its token.
pub(crate) const WORKER_FROM: &str = "workers w JOIN worker_tokens t ON t.id = w.token_id";

/// A worker (`w`), its token's project (`t`), and how many jobs it holds
/// a lease on (a lease's owner is cleared when it ends).
pub(crate) const WORKER_COLUMNS: &str = "w.id, w.token_id, t.project_id, w.name, w.capabilities, \
    w.slots, w.version, w.registered_at, w.last_heartbeat_at, \
    (SELECT COUNT(*) FROM jobs j WHERE j.lease_owner = w.id \
     AND j.status IN ('STARTING', 'RUNNING', 'STOPPING', 'CLEANING_UP')) AS active_jobs";

#[derive(sqlx::FromRow)]
pub(crate) struct WorkerRow {
    id: String,
    token_id: String,
    project_id: Option<String>,
    name: String,
    capabilities: Json<Value>,
    slots: i64,
    version: Option<String>,
    registered_at: DateTime<Utc>,
    last_heartbeat_at: DateTime<Utc>,
    active_jobs: i64,
}

impl WorkerRow {
    pub(crate) fn into_record(self) -> Result<WorkerRecord> {
        let capabilities: Vec<Capability> = from_json(self.capabilities)?;
        let slots = u32::try_from(self.slots).map_err(|_| {
            StoreError::Corrupt(format!("worker slots out of range: {}", self.slots))
        })?;
        Ok(WorkerRecord {
            id: self.id,
            token_id: self.token_id,
            project_id: self.project_id,
            name: self.name,
            capabilities,
            slots,
            version: self.version,
            registered_at: self.registered_at,
            last_heartbeat_at: self.last_heartbeat_at,
            active_jobs: self.active_jobs,
        })
    }
}

/// The `FROM` of a job under lease and its run.
pub(crate) const HELD_JOB_FROM: &str = "jobs j JOIN runs r ON r.job_id = j.id";

/// What the writes of a leaseholder (or of the janitor that takes its
/// lease) need to know of the job (`j`) and its run (`r`).
pub(crate) const HELD_JOB_COLUMNS: &str = "j.id AS job_id, r.id AS run_id, j.project_id, j.status, \
    j.attempts, j.retries, j.stop_requested_at IS NOT NULL AS stop_requested, j.lease_owner";

#[derive(sqlx::FromRow)]
pub(crate) struct HeldJob {
    pub(crate) job_id: String,
    pub(crate) run_id: String,
    pub(crate) project_id: String,
    status: String,
    attempts: i32,
    retries: i32,
    stop_requested: bool,
    pub(crate) lease_owner: Option<String>,
}

impl HeldJob {
    pub(crate) fn status(&self) -> Result<JobStatus> {
        from_text(&self.status)
    }

    /// The attempt under way, counted by its lease.
    pub(crate) fn attempt(&self) -> Attempt {
        Attempt {
            attempts: self.attempts,
            retries: self.retries,
            stop_requested: self.stop_requested,
        }
    }
}

pub(crate) const EVENT_COLUMNS: &str = "seq, kind, data, at";

/// The events of run `$1` after `$2`, oldest first, at most `$4`, if the
/// run is of project `$3` (none otherwise).
pub(crate) static RUN_EVENTS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {EVENT_COLUMNS} FROM run_events WHERE run_id = $1 AND seq > $2 \
         AND EXISTS (SELECT 1 FROM runs WHERE id = $1 AND project_id = $3) \
         ORDER BY seq LIMIT $4"
    )
});

#[derive(sqlx::FromRow)]
pub(crate) struct EventRow {
    seq: i64,
    kind: String,
    data: Json<Value>,
    at: DateTime<Utc>,
}

impl EventRow {
    pub(crate) fn into_event(self) -> Result<RunEventRecord> {
        Ok(RunEventRecord {
            seq: self.seq,
            kind: from_text(&self.kind)?,
            data: self.data.0,
            at: self.at,
        })
    }
}

/// A test plan execution of a project (`$1`, `$2`: project and id) and how
/// its runs stand, in one statement both backends understand.
pub(crate) const PLAN_EXECUTION: &str = "SELECT e.id, e.test_plan_id, e.created_at, \
    COUNT(r.id) AS total, \
    CAST(COALESCE(SUM(CASE WHEN j.status = 'QUEUED' THEN 1 ELSE 0 END), 0) AS BIGINT) AS queued, \
    CAST(COALESCE(SUM(CASE WHEN j.status IN ('STARTING', 'RUNNING', 'STOPPING', 'CLEANING_UP') \
        THEN 1 ELSE 0 END), 0) AS BIGINT) AS running, \
    CAST(COALESCE(SUM(CASE WHEN r.outcome = 'success' THEN 1 ELSE 0 END), 0) AS BIGINT) AS passed, \
    CAST(COALESCE(SUM(CASE WHEN r.outcome = 'failed' THEN 1 ELSE 0 END), 0) AS BIGINT) AS failed, \
    CAST(COALESCE(SUM(CASE WHEN r.outcome IN ('error', 'timeout') THEN 1 ELSE 0 END), 0) AS BIGINT) \
        AS errored, \
    CAST(COALESCE(SUM(CASE WHEN r.outcome = 'stopped' AND r.started_at IS NOT NULL THEN 1 ELSE 0 END), 0) \
        AS BIGINT) AS stopped, \
    CAST(COALESCE(SUM(CASE WHEN r.outcome = 'stopped' AND r.started_at IS NULL THEN 1 ELSE 0 END), 0) \
        AS BIGINT) AS skipped, \
    CAST(COALESCE(SUM(CASE WHEN r.state = 'completed' THEN 1 ELSE 0 END), 0) AS BIGINT) AS completed \
    FROM test_plan_executions e \
    LEFT JOIN runs r ON r.test_plan_execution_id = e.id \
    LEFT JOIN jobs j ON j.id = r.job_id \
    WHERE e.project_id = $1 AND e.id = $2 \
    GROUP BY e.id, e.test_plan_id, e.created_at";

#[derive(sqlx::FromRow)]
pub(crate) struct PlanExecutionRow {
    id: String,
    test_plan_id: String,
    created_at: DateTime<Utc>,
    total: i64,
    queued: i64,
    running: i64,
    passed: i64,
    failed: i64,
    errored: i64,
    stopped: i64,
    skipped: i64,
    completed: i64,
}

impl From<PlanExecutionRow> for TestPlanExecution {
    fn from(row: PlanExecutionRow) -> Self {
        TestPlanExecution {
            id: row.id,
            test_plan_id: row.test_plan_id,
            created_at: row.created_at,
            counts: PlanExecutionCounts {
                total: row.total,
                queued: row.queued,
                running: row.running,
                passed: row.passed,
                failed: row.failed,
                errored: row.errored,
                stopped: row.stopped,
                skipped: row.skipped,
            },
            finished: row.completed == row.total,
        }
    }
}
