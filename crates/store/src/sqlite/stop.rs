//! Stopping a job in SQLite, with conditional updates (see
//! [`crate::stopping`]).

use chrono::{DateTime, Utc};
use tracing::instrument;

use super::{SqliteStore, ts};
use crate::stopping::{MAX_ATTEMPTS, StopAction, action_for, too_busy};
use crate::{Result, StopOutcome};

#[instrument(skip(store, at))]
pub(super) async fn stop_job(
    store: &SqliteStore,
    project_id: &str,
    job_id: &str,
    at: DateTime<Utc>,
) -> Result<StopOutcome> {
    for _ in 0..MAX_ATTEMPTS {
        let status: Option<String> =
            sqlx::query_scalar("SELECT status FROM jobs WHERE project_id = $1 AND id = $2")
                .bind(project_id)
                .bind(job_id)
                .fetch_optional(&store.reader)
                .await?;
        match action_for(status.as_deref())? {
            StopAction::Answer(outcome) => return Ok(outcome),
            StopAction::CompleteQueued => {
                if complete_queued(store, job_id, at).await? {
                    return Ok(StopOutcome::Stopped);
                }
            }
            StopAction::RequestStop => {
                if request_stop(store, job_id, at).await? {
                    return Ok(StopOutcome::StopRequested);
                }
            }
        }
    }
    Err(too_busy(job_id))
}

/// Completes a job that is still queued, and its run, as stopped. False if
/// the job was no longer queued.
async fn complete_queued(store: &SqliteStore, job_id: &str, at: DateTime<Utc>) -> Result<bool> {
    let at = ts(at);
    let mut tx = store.begin_write().await?;
    let done = sqlx::query(
        "UPDATE jobs SET status = 'COMPLETED', updated_at = $2 WHERE id = $1 AND status = 'QUEUED'",
    )
    .bind(job_id)
    .bind(&at)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    let run_id: Option<String> = sqlx::query_scalar(
        "UPDATE runs SET state = 'completed', result = 'error', outcome = 'stopped', completed_at = $2 \
         WHERE job_id = $1 RETURNING id",
    )
    .bind(job_id)
    .bind(&at)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(run_id) = run_id {
        sqlx::query(
            "UPDATE run_players SET state = 'completed', result = 'error' WHERE run_id = $1",
        )
        .bind(&run_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE run_steps SET state = 'incomplete' WHERE run_id = $1 AND state IN ('pending', 'running')")
            .bind(&run_id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// Asks the worker of an active job to stop. False if the job was no longer
/// active.
async fn request_stop(store: &SqliteStore, job_id: &str, at: DateTime<Utc>) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE jobs SET status = 'STOPPING', stop_requested_at = $2, updated_at = $2 \
         WHERE id = $1 AND status IN ('STARTING', 'RUNNING', 'CLEANING_UP')",
    )
    .bind(job_id)
    .bind(ts(at))
    .execute(&store.writer)
    .await?;
    Ok(done.rows_affected() > 0)
}
