//! Leases in SQLite: taking the oldest queued job, renewing, expiring, the
//! reasons queued jobs wait, and waiting for jobs. Every write runs in one
//! write transaction: SQLite has one writer, so two workers can never
//! lease the same job.

use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use playtest_types::{Capability, JobStatus, PlatformKind, RunState, TestType};
use sqlx::AssertSqlSafe;

use super::events::append_events;
use super::finish::end_attempt;
use super::{SqliteStore, ts};
use crate::capabilities::{playable, rejection_reason};
use crate::codec::{from_text, to_json};
use crate::events::{StateChange, expiry_note};
use crate::leasing::{ACTIVE, DUE_LEASES, Ending, RENEW_LEASE, Scope, lease_expiry, lease_scope};
use crate::rows::{HELD_JOB_COLUMNS, HELD_JOB_FROM, HeldJob};
use crate::{
    ExpiredLease, FinishResult, LeaseRef, LeaseRenewal, LeaseRequest, LeaseStore, LeasedJob,
    Result, StoreError,
};

#[derive(sqlx::FromRow)]
struct Leased {
    id: String,
    project_id: String,
    fencing_token: i64,
    attempts: i32,
    lease_expires_at: chrono::DateTime<Utc>,
}

#[async_trait]
impl LeaseStore for SqliteStore {
    async fn lease_job(&self, request: &LeaseRequest) -> Result<Option<LeasedJob>> {
        let expires_at = lease_expiry(request.now, request.lease_for)?;
        let mut tx = self.begin_write().await?;
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
        // `+`: not through `jobs_by_project`, which SQLite (keeping no
        // statistics) would pick, and which holds every job the project ever
        // had; the queue's index holds the project too.
        let in_project = if project.is_some() {
            " AND +project_id = $5"
        } else {
            ""
        };
        let sql = format!(
            "UPDATE jobs SET status = 'STARTING', lease_owner = $1, lease_expires_at = $2, \
             fencing_token = fencing_token + 1, attempts = attempts + 1, queue_rejection_reason = NULL, \
             updated_at = $3 \
             WHERE id = (SELECT id FROM jobs WHERE status = 'QUEUED' \
             AND (platform, test_type) IN \
             (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each($4))\
             {in_project} ORDER BY seq LIMIT 1) \
             RETURNING id, project_id, fencing_token, attempts, lease_expires_at"
        );
        let mut query = sqlx::query_as(AssertSqlSafe(sql))
            .bind(&request.worker_id)
            .bind(ts(expires_at))
            .bind(ts(request.now))
            .bind(to_json(&playable)?);
        if let Some(project_id) = project {
            query = query.bind(project_id);
        }
        let leased: Option<Leased> = query.fetch_optional(&mut *tx).await?;
        let Some(leased) = leased else {
            return Ok(None);
        };
        let run_id: String = sqlx::query_scalar("SELECT id FROM runs WHERE job_id = $1")
            .bind(&leased.id)
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE workers SET last_heartbeat_at = MAX(last_heartbeat_at, $2) WHERE id = $1",
        )
        .bind(&request.worker_id)
        .bind(ts(request.now))
        .execute(&mut *tx)
        .await?;
        let change = StateChange {
            attempt: Some(leased.attempts),
            worker_id: Some(&request.worker_id),
            ..StateChange::new(JobStatus::Starting, RunState::Initializing)
        };
        append_events(&mut tx, &run_id, &[change.event(request.now)?]).await?;
        tx.commit().await?;
        Ok(Some(LeasedJob {
            job_id: leased.id,
            run_id,
            project_id: leased.project_id,
            fencing_token: leased.fencing_token,
            attempt: leased.attempts,
            lease_expires_at: leased.lease_expires_at,
        }))
    }

    async fn renew_lease(
        &self,
        lease: &LeaseRef,
        now: chrono::DateTime<Utc>,
        until: chrono::DateTime<Utc>,
    ) -> Result<LeaseRenewal> {
        let mut tx = self.begin_write().await?;
        let renewed: Option<(chrono::DateTime<Utc>, String, bool)> =
            sqlx::query_as(RENEW_LEASE.as_str())
                .bind(&lease.job_id)
                .bind(lease.fencing_token)
                .bind(ts(until))
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
            "UPDATE workers SET last_heartbeat_at = MAX(last_heartbeat_at, $2) WHERE id = $1",
        )
        .bind(&lease.worker_id)
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        let status: JobStatus = from_text(&status)?;
        Ok(LeaseRenewal {
            lease_expires_at,
            stop_requested: status == JobStatus::Stopping || stop_requested_at,
        })
    }

    async fn expire_leases(
        &self,
        now: chrono::DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<ExpiredLease>> {
        if limit <= 0 {
            return Ok(Vec::new());
        }
        let at = now;
        let now = ts(now);
        let due: Vec<String> = sqlx::query_scalar(DUE_LEASES.as_str())
            .bind(&now)
            .bind(limit)
            .fetch_all(&self.reader)
            .await?;

        let mut expired = Vec::with_capacity(due.len());
        for job_id in due {
            let mut tx = self.begin_write().await?;
            // Again in the transaction: its worker may have renewed or finished.
            let sql = format!(
                "SELECT {HELD_JOB_COLUMNS} FROM {HELD_JOB_FROM} \
                 WHERE j.id = $1 AND j.lease_expires_at < $2 AND j.status IN {ACTIVE}"
            );
            let job: Option<HeldJob> = sqlx::query_as(AssertSqlSafe(sql))
                .bind(&job_id)
                .bind(&now)
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
                at,
            };
            let result = end_attempt(&mut tx, &job, &ending).await?;
            tx.commit().await?;
            if result == FinishResult::Retried {
                self.jobs_queued.notify_waiters();
            }
            expired.push(ExpiredLease {
                job_id: job.job_id,
                run_id: job.run_id,
                worker_id,
                result,
            });
        }
        Ok(expired)
    }

    async fn refresh_queue_rejections(&self, connected: &[Capability]) -> Result<u64> {
        let mut tx = self.begin_write().await?;
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
                 AND queue_rejection_reason IS NOT $3",
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

    /// Jobs are queued by this process alone (SQLite is not shared between
    /// servers), which notifies after every batch and every retry.
    async fn wait_for_jobs(&self, timeout: Duration) -> Result<()> {
        let _ = tokio::time::timeout(timeout, self.jobs_queued.notified()).await;
        Ok(())
    }
}
