//! What a stop request does to a job, by its status. Both backends read the
//! status, then try the matching conditional update; when another writer
//! changed the status in between, the update touches nothing and they read
//! again, so two concurrent stops cannot both win.

use playtest_types::JobStatus;

use crate::codec::from_text;
use crate::{Result, StopOutcome, StoreError};

/// The note of the `state` event of a job stopped while queued.
pub(crate) const STOPPED_IN_QUEUE: &str = "a user stopped the job before it started";

/// The note of the `state` event of a job whose worker is asked to stop.
pub(crate) const STOP_REQUESTED: &str = "a user asked for the job to stop";

/// How many times a stop re-reads a status that keeps changing under it.
pub(crate) const MAX_ATTEMPTS: usize = 8;

pub(crate) enum StopAction {
    /// Nothing to do: answer this.
    Answer(StopOutcome),
    /// Queued: complete the job and its run as stopped, if still queued.
    CompleteQueued,
    /// Being worked on: mark it STOPPING for its worker, if still active.
    RequestStop,
}

/// The action for a job whose status is `status` (`None`: no such job in
/// the project).
pub(crate) fn action_for(status: Option<&str>) -> Result<StopAction> {
    let Some(status) = status else {
        return Ok(StopAction::Answer(StopOutcome::NotFound));
    };
    Ok(match from_text::<JobStatus>(status)? {
        JobStatus::Completed => StopAction::Answer(StopOutcome::AlreadyCompleted),
        // The game has ended and the worker is uploading what it produced:
        // there is nothing left to stop, and the job never goes back.
        JobStatus::Stopping | JobStatus::CleaningUp => {
            StopAction::Answer(StopOutcome::AlreadyStopping)
        }
        JobStatus::Queued => StopAction::CompleteQueued,
        JobStatus::Starting | JobStatus::Running => StopAction::RequestStop,
    })
}

/// The error when the status changed under every attempt.
pub(crate) fn too_busy(job_id: &str) -> StoreError {
    StoreError::Conflict(format!(
        "job {job_id} changed status too often while being stopped; try again"
    ))
}
