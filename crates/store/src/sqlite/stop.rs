//! Stopping a job in SQLite, with conditional updates (see
//! [`crate::stopping`]).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use playtest_types::{JobStatus, RunOutcome};
use tracing::instrument;

use super::events::append_events;
use super::finish::complete_run;
use super::{SqliteStore, ts};
use crate::codec::from_text;
use crate::events::StateChange;
use crate::stopping::{
    MAX_ATTEMPTS, STOP_REQUESTED, STOPPED_IN_QUEUE, StopAction, action_for, too_busy,
};
use crate::{Result, StopOutcome, StopStore};

#[async_trait]
impl StopStore for SqliteStore {
    #[instrument(skip(self, at))]
    async fn stop_job(
        &self,
        project_id: &str,
        job_id: &str,
        at: DateTime<Utc>,
    ) -> Result<StopOutcome> {
        for _ in 0..MAX_ATTEMPTS {
            let status: Option<String> =
                sqlx::query_scalar("SELECT status FROM jobs WHERE project_id = $1 AND id = $2")
                    .bind(project_id)
                    .bind(job_id)
                    .fetch_optional(&self.reader)
                    .await?;
            match action_for(status.as_deref())? {
                StopAction::Answer(outcome) => return Ok(outcome),
                StopAction::CompleteQueued => {
                    if complete_queued(self, job_id, at).await? {
                        return Ok(StopOutcome::Stopped);
                    }
                }
                StopAction::RequestStop => {
                    if request_stop(self, job_id, at).await? {
                        return Ok(StopOutcome::StopRequested);
                    }
                }
            }
        }
        Err(too_busy(job_id))
    }
}

/// Completes a job that is still queued, and its run, as stopped. False if
/// the job was no longer queued.
async fn complete_queued(store: &SqliteStore, job_id: &str, at: DateTime<Utc>) -> Result<bool> {
    let stamp = ts(at);
    let mut tx = store.begin_write().await?;
    let done = sqlx::query(
        "UPDATE jobs SET status = 'COMPLETED', updated_at = $2 WHERE id = $1 AND status = 'QUEUED'",
    )
    .bind(job_id)
    .bind(&stamp)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    let run_id: Option<String> = sqlx::query_scalar("SELECT id FROM runs WHERE job_id = $1")
        .bind(job_id)
        .fetch_optional(&mut *tx)
        .await?;
    if let Some(run_id) = run_id {
        complete_run(&mut tx, &run_id, RunOutcome::Stopped, &stamp).await?;
        let change = StateChange {
            note: Some(STOPPED_IN_QUEUE.to_string()),
            ..StateChange::completed(RunOutcome::Stopped)
        };
        append_events(&mut tx, &run_id, &[change.event(at)?]).await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// Asks the worker of an active job to stop. False if the job was no longer
/// active.
async fn request_stop(store: &SqliteStore, job_id: &str, at: DateTime<Utc>) -> Result<bool> {
    let mut tx = store.begin_write().await?;
    let done = sqlx::query(
        "UPDATE jobs SET status = 'STOPPING', stop_requested_at = $2, updated_at = $2 \
         WHERE id = $1 AND status IN ('STARTING', 'RUNNING')",
    )
    .bind(job_id)
    .bind(ts(at))
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    let run: Option<(String, String)> =
        sqlx::query_as("SELECT id, state FROM runs WHERE job_id = $1")
            .bind(job_id)
            .fetch_optional(&mut *tx)
            .await?;
    if let Some((run_id, state)) = run {
        let change = StateChange {
            note: Some(STOP_REQUESTED.to_string()),
            ..StateChange::new(JobStatus::Stopping, from_text(&state)?)
        };
        append_events(&mut tx, &run_id, &[change.event(at)?]).await?;
    }
    tx.commit().await?;
    Ok(true)
}
