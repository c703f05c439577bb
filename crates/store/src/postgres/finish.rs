//! Ending an attempt in PostgreSQL: its worker finishing it, or the janitor
//! taking an expired lease. Either way the job goes back to the queue or
//! completes with its run (see [`crate::leasing`]), in one transaction
//! with its `state` event, under the lock of the job's row: the worker and
//! the janitor (of any replica) cannot both end one attempt.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use playtest_types::{JobStatus, RunOutcome, RunState};
use sqlx::{AssertSqlSafe, PgConnection};

use super::PostgresStore;
use super::events::append_events;
use super::listener::notify_jobs;
use crate::codec::to_text;
use crate::events::StateChange;
use crate::leasing::{
    ABANDON_STEPS, ACTIVE, COMPLETE_JOB, COMPLETE_PLAYERS, COMPLETE_RUN, Ending, KEEP_ARTIFACT,
    OWNER_NOT_REVOKED, REQUEUE_JOB, RESET_RUN, Verdict, player_result,
};
use crate::rows::{HELD_JOB_COLUMNS, HELD_JOB_FROM, HeldJob};
use crate::{FinishResult, FinishStore, JobFinish, LeaseRef, Result, StoreError};

/// Locks the job `lease` names, if that lease is still its current one and
/// the job still active (and its worker's token not revoked);
/// [`StoreError::LeaseLost`] otherwise.
pub(super) async fn held_job(conn: &mut PgConnection, lease: &LeaseRef) -> Result<HeldJob> {
    let sql = format!(
        "SELECT {HELD_JOB_COLUMNS} FROM {HELD_JOB_FROM} \
         WHERE j.id = $1 AND j.fencing_token = $2 AND j.lease_owner = $3 \
         AND j.status IN {ACTIVE} AND {OWNER_NOT_REVOKED} FOR NO KEY UPDATE OF j"
    );
    let job: Option<HeldJob> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(&lease.job_id)
        .bind(lease.fencing_token)
        .bind(&lease.worker_id)
        .fetch_optional(conn)
        .await?;
    job.ok_or_else(|| StoreError::LeaseLost {
        job_id: lease.job_id.clone(),
    })
}

#[async_trait]
impl FinishStore for PostgresStore {
    async fn finish_job(&self, lease: &LeaseRef, finish: &JobFinish) -> Result<FinishResult> {
        let mut tx = self.pool.begin().await?;
        let job = held_job(&mut tx, lease).await?;
        let ending = Ending {
            outcome: finish.outcome,
            artifacts: &finish.artifacts,
            reason: finish.reason.as_deref(),
            note: None,
            at: finish.at,
        };
        let result = end_attempt(&mut tx, &job, &ending).await?;
        tx.commit().await?;
        if result == FinishResult::Retried {
            self.jobs.wake_local();
        }
        Ok(result)
    }
}

/// Retries or completes the job, by its verdict on `ending`. A retry
/// notifies the workers waiting for jobs, on commit.
pub(super) async fn end_attempt(
    conn: &mut PgConnection,
    job: &HeldJob,
    ending: &Ending<'_>,
) -> Result<FinishResult> {
    let attempt = job.attempt();
    let verdict = attempt.verdict(ending.outcome);
    for artifact in ending.artifacts {
        sqlx::query(KEEP_ARTIFACT)
            .bind(&job.run_id)
            .bind(&artifact.filename)
            .bind(&artifact.blob_key)
            .bind(artifact.size)
            .bind(artifact.uploaded_at)
            .execute(&mut *conn)
            .await?;
    }
    let at = ending.at;
    let (change, result) = match verdict {
        Verdict::Retry => {
            requeue(conn, job, at).await?;
            notify_jobs(conn).await?;
            let change = StateChange {
                retried: true,
                ..StateChange::new(JobStatus::Queued, RunState::Initializing)
            };
            (change, FinishResult::Retried)
        }
        Verdict::Complete(outcome) => {
            sqlx::query(COMPLETE_JOB)
                .bind(&job.job_id)
                .bind(at)
                .execute(&mut *conn)
                .await?;
            complete_run(conn, &job.run_id, outcome, at).await?;
            (
                StateChange::completed(outcome),
                FinishResult::Completed(outcome),
            )
        }
    };
    let note = ending.note(verdict, attempt.attempts);
    let change = StateChange {
        attempt: Some(attempt.attempts),
        worker_id: job.lease_owner.as_deref(),
        reason: ending.reason,
        note,
        ..change
    };
    append_events(conn, &job.run_id, &[change.event(ending.at)?]).await?;
    Ok(result)
}

/// Puts the job back in the queue, its run as it was before its first
/// attempt, but for the bugs found and the artifacts kept.
async fn requeue(conn: &mut PgConnection, job: &HeldJob, at: DateTime<Utc>) -> Result<()> {
    sqlx::query(REQUEUE_JOB)
        .bind(&job.job_id)
        .bind(at)
        .execute(&mut *conn)
        .await?;
    for sql in RESET_RUN {
        sqlx::query(sql)
            .bind(&job.run_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Completes a run (not its job) with `outcome` at `at`: its players
/// complete with the matching result, its unfinished steps as incomplete.
pub(super) async fn complete_run(
    conn: &mut PgConnection,
    run_id: &str,
    outcome: RunOutcome,
    at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(COMPLETE_RUN)
        .bind(run_id)
        .bind(to_text(&outcome.result())?)
        .bind(to_text(&outcome)?)
        .bind(at)
        .execute(&mut *conn)
        .await?;
    sqlx::query(COMPLETE_PLAYERS)
        .bind(run_id)
        .bind(to_text(&player_result(outcome))?)
        .execute(&mut *conn)
        .await?;
    sqlx::query(ABANDON_STEPS)
        .bind(run_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
