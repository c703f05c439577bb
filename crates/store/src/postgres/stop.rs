//! Stopping a job in PostgreSQL, with conditional updates (see
//! [`crate::stopping`]).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use playtest_types::{JobStatus, RunOutcome};
use tracing::instrument;

use super::PostgresStore;
use super::events::append_events;
use super::finish::complete_run;
use crate::codec::from_text;
use crate::events::StateChange;
use crate::stopping::{
    MAX_ATTEMPTS, STOP_REQUESTED, STOPPED_IN_QUEUE, StopAction, action_for, too_busy,
};
use crate::{Result, StopOutcome, StopStore};

#[async_trait]
impl StopStore for PostgresStore {
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
                    .fetch_optional(&self.pool)
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
async fn complete_queued(store: &PostgresStore, job_id: &str, at: DateTime<Utc>) -> Result<bool> {
    let mut tx = store.pool.begin().await?;
    let run_id: Option<Option<String>> = sqlx::query_scalar(
        "UPDATE jobs SET status = 'COMPLETED', updated_at = $2 WHERE id = $1 AND status = 'QUEUED' \
         RETURNING (SELECT r.id FROM runs r WHERE r.job_id = jobs.id)",
    )
    .bind(job_id)
    .bind(at)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(run_id) = run_id else {
        return Ok(false);
    };
    if let Some(run_id) = run_id {
        complete_run(&mut tx, &run_id, RunOutcome::Stopped, at).await?;
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
async fn request_stop(store: &PostgresStore, job_id: &str, at: DateTime<Utc>) -> Result<bool> {
    let mut tx = store.pool.begin().await?;
    let run: Option<(Option<String>, Option<String>)> = sqlx::query_as(
        "UPDATE jobs SET status = 'STOPPING', stop_requested_at = $2, updated_at = $2 \
         WHERE id = $1 AND status IN ('STARTING', 'RUNNING') \
         RETURNING (SELECT r.id FROM runs r WHERE r.job_id = jobs.id), \
         (SELECT r.state FROM runs r WHERE r.job_id = jobs.id)",
    )
    .bind(job_id)
    .bind(at)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(run) = run else {
        return Ok(false);
    };
    if let (Some(run_id), Some(state)) = run {
        let change = StateChange {
            note: Some(STOP_REQUESTED.to_string()),
            ..StateChange::new(JobStatus::Stopping, from_text(&state)?)
        };
        append_events(&mut tx, &run_id, &[change.event(at)?]).await?;
    }
    tx.commit().await?;
    Ok(true)
}
