//! A leaseholder ending its attempt (see [`crate::leasing`] for when the
//! job is retried).

use async_trait::async_trait;

use crate::{FinishResult, JobFinish, LeaseRef, Result};

#[async_trait]
pub trait FinishStore: Send + Sync {
    /// Ends the lease. With error, timeout, or a stop no user asked for,
    /// and retries left, the job goes back to the queue (its run reset to
    /// initializing, its steps to pending); otherwise job and run complete
    /// (steps not finished become incomplete) with the artifacts listed.
    /// A job a user asked to stop is never retried, whatever the outcome.
    async fn finish_job(&self, lease: &LeaseRef, finish: &JobFinish) -> Result<FinishResult>;
}
