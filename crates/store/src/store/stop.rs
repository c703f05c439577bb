//! Stopping a job at a user's request (see [`crate::StopOutcome`]).

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::{Result, StopOutcome};

#[async_trait]
pub trait StopStore: Send + Sync {
    /// Stops one job: a queued job completes at once as stopped (its run
    /// too); a running one is marked STOPPING for its worker to end.
    async fn stop_job(
        &self,
        project_id: &str,
        job_id: &str,
        at: DateTime<Utc>,
    ) -> Result<StopOutcome>;
}
