//! Leases in PostgreSQL: taking the oldest queued job, renewing, expiring,
//! the reasons queued jobs wait, and waiting for jobs.
//!
//! Several replicas lease at once: a lease locks the job it takes with
//! `FOR NO KEY UPDATE SKIP LOCKED`, so concurrent leases pass each other
//! by instead of queueing on (or both taking) the oldest job. Every other
//! change to a job first locks its row, so a worker and the janitor never
//! both end one attempt. A transaction locks its job before anything else
//! (runs, counts, bugs, the worker), so no two wait for each other in a
//! cycle.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use playtest_types::{Capability, JobStatus, PlatformKind, RunState, TestType};
use sqlx::AssertSqlSafe;

use super::PostgresStore;
use super::events::append_events;
use super::finish::end_attempt;
use crate::capabilities::{playable, rejection_reason};
use crate::codec::from_text;
use crate::events::{StateChange, expiry_note};
use crate::leasing::{ACTIVE, DUE_LEASES, Ending, RENEW_LEASE, Scope, lease_expiry, lease_scope};
use crate::rows::{HELD_JOB_COLUMNS, HELD_JOB_FROM, HeldJob};
use crate::{
    ExpiredLease, FinishResult, LeaseRef, LeaseRenewal, LeaseRequest, LeaseStore, LeasedJob,
    Result, StoreError,
};

/// Two refreshes of the queue's reasons (two replicas' janitors) would
/// lock the same jobs in any order: they take this lock first, in turn.
const REFRESH_LOCK: i64 = 0x706c_6179_7465_7374;

#[derive(sqlx::FromRow)]
struct Leased {
    id: String,
    run_id: String,
    project_id: String,
    fencing_token: i64,
    attempts: i32,
    lease_expires_at: DateTime<Utc>,
}

#[async_trait]
impl LeaseStore for PostgresStore {
    async fn lease_job(&self, request: &LeaseRequest) -> Result<Option<LeasedJob>> {
        let expires_at = lease_expiry(request.now, request.lease_for)?;
        let mut tx = self.pool.begin().await?;
        let token: Option<(Option<String>, bool)> = sqlx::query_as(
            "SELECT t.project_id, t.revoked FROM workers w JOIN worker_tokens t ON t.id = w.token_id \
             WHERE w.id = $1",
        )
        .bind(&request.worker_id)
        .fetch_optional(&mut *tx)
        .await?;
        let (token_project, revoked) = token.ok_or(StoreError::NotFound("worker"))?;
        let scope = lease_scope(request.project_id.as_deref(), token_project.as_deref());
        let playable = playable(&request.capabilities);
        if revoked || scope == Scope::Nothing || playable.is_empty() {
            return Ok(None);
        }

        let project = match scope {
            Scope::Project(project_id) => Some(project_id),
            Scope::Any | Scope::Nothing => None,
        };
        let in_project = if project.is_some() {
            " AND project_id = $6"
        } else {
            ""
        };
        let sql = format!(
            "UPDATE jobs j SET status = 'STARTING', lease_owner = $1, lease_expires_at = $2, \
             fencing_token = j.fencing_token + 1, attempts = j.attempts + 1, \
             queue_rejection_reason = NULL, updated_at = $3 \
             WHERE j.id = (SELECT id FROM jobs WHERE status = 'QUEUED' \
             AND (platform, test_type) IN (SELECT * FROM UNNEST($4::text[], $5::text[])){in_project} \
             ORDER BY seq LIMIT 1 FOR NO KEY UPDATE SKIP LOCKED) AND j.status = 'QUEUED' \
             RETURNING j.id, (SELECT r.id FROM runs r WHERE r.job_id = j.id) AS run_id, j.project_id, \
             j.fencing_token, j.attempts, j.lease_expires_at"
        );
        let (platforms, test_types): (Vec<&str>, Vec<&str>) = playable.into_iter().unzip();
        let mut query = sqlx::query_as(AssertSqlSafe(sql))
            .bind(&request.worker_id)
            .bind(expires_at)
            .bind(request.now)
            .bind(&platforms)
            .bind(&test_types);
        if let Some(project_id) = project {
            query = query.bind(project_id);
        }
        let leased: Option<Leased> = query.fetch_optional(&mut *tx).await?;
        let Some(leased) = leased else {
            return Ok(None);
        };
        let change = StateChange {
            attempt: Some(leased.attempts),
            worker_id: Some(&request.worker_id),
            ..StateChange::new(JobStatus::Starting, RunState::Initializing)
        };
        append_events(&mut tx, &leased.run_id, &[change.event(request.now)?]).await?;
        sqlx::query(
            "UPDATE workers SET last_heartbeat_at = GREATEST(last_heartbeat_at, $2) WHERE id = $1",
        )
        .bind(&request.worker_id)
        .bind(request.now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(LeasedJob {
            job_id: leased.id,
            run_id: leased.run_id,
            project_id: leased.project_id,
            fencing_token: leased.fencing_token,
            attempt: leased.attempts,
            lease_expires_at: leased.lease_expires_at,
        }))
    }

    async fn renew_lease(
        &self,
        lease: &LeaseRef,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<LeaseRenewal> {
        let mut tx = self.pool.begin().await?;
        let renewed: Option<(DateTime<Utc>, String, bool)> = sqlx::query_as(RENEW_LEASE.as_str())
            .bind(&lease.job_id)
            .bind(lease.fencing_token)
            .bind(until)
            .bind(&lease.worker_id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some((lease_expires_at, status, stop_requested_at)) = renewed else {
            return Err(StoreError::LeaseLost {
                job_id: lease.job_id.clone(),
            });
        };
        // A renewal is the worker's heartbeat.
        sqlx::query(
            "UPDATE workers SET last_heartbeat_at = GREATEST(last_heartbeat_at, $2) WHERE id = $1",
        )
        .bind(&lease.worker_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        let status: JobStatus = from_text(&status)?;
        Ok(LeaseRenewal {
            lease_expires_at,
            stop_requested: status == JobStatus::Stopping || stop_requested_at,
        })
    }

    async fn expire_leases(&self, now: DateTime<Utc>, limit: i64) -> Result<Vec<ExpiredLease>> {
        if limit <= 0 {
            return Ok(Vec::new());
        }
        let due: Vec<String> = sqlx::query_scalar(DUE_LEASES.as_str())
            .bind(now)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;

        let mut expired = Vec::with_capacity(due.len());
        let mut retried = false;
        for job_id in due {
            let mut tx = self.pool.begin().await?;
            // Again under the lock: its worker may have renewed or finished,
            // another janitor may have taken it (then it is skipped).
            let sql = format!(
                "SELECT {HELD_JOB_COLUMNS} FROM {HELD_JOB_FROM} \
                 WHERE j.id = $1 AND j.lease_expires_at < $2 AND j.status IN {ACTIVE} \
                 FOR NO KEY UPDATE OF j SKIP LOCKED"
            );
            let job: Option<HeldJob> = sqlx::query_as(AssertSqlSafe(sql))
                .bind(&job_id)
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(job) = job else {
                continue;
            };
            let worker_id = job.lease_owner.clone().unwrap_or_default();
            let note = expiry_note(&worker_id);
            let ending = Ending {
                outcome: job.attempt().expired_outcome(),
                artifacts: &[],
                reason: None,
                note: Some(&note),
                at: now,
            };
            let result = end_attempt(&mut tx, &job, &ending).await?;
            tx.commit().await?;
            retried |= result == FinishResult::Retried;
            expired.push(ExpiredLease {
                job_id: job.job_id,
                run_id: job.run_id,
                worker_id,
                result,
            });
        }
        if retried {
            self.jobs.wake_local();
        }
        Ok(expired)
    }

    async fn refresh_queue_rejections(&self, connected: &[Capability]) -> Result<u64> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(REFRESH_LOCK)
            .execute(&mut *tx)
            .await?;
        let waiting: Vec<(String, String)> = sqlx::query_as(
            "SELECT DISTINCT platform, test_type FROM jobs \
             WHERE status = 'QUEUED' AND platform IS NOT NULL AND test_type IS NOT NULL",
        )
        .fetch_all(&mut *tx)
        .await?;
        let mut changed = 0;
        for (platform, test_type) in waiting {
            let reason = rejection_reason(
                from_text::<PlatformKind>(&platform)?,
                from_text::<TestType>(&test_type)?,
                connected,
            );
            let done = sqlx::query(
                "UPDATE jobs SET queue_rejection_reason = $3 \
                 WHERE status = 'QUEUED' AND platform = $1 AND test_type = $2 \
                 AND queue_rejection_reason IS DISTINCT FROM $3",
            )
            .bind(&platform)
            .bind(&test_type)
            .bind(reason)
            .execute(&mut *tx)
            .await?;
            changed += done.rows_affected();
        }
        tx.commit().await?;
        Ok(changed)
    }

    async fn wait_for_jobs(&self, timeout: Duration) -> Result<()> {
        self.jobs.wait(&self.pool, timeout).await;
        Ok(())
    }
}
