//! Starting runs: the jobs and runs of one `POST /runs` (or replay), which
//! queue the jobs for workers.

use async_trait::async_trait;

use crate::{NewRunBatch, Result};

#[async_trait]
pub trait RunBatchStore: Send + Sync {
    /// Creates every job and run of the batch (and the plan execution) in one
    /// transaction: all of them or none.
    async fn create_runs(&self, batch: &NewRunBatch) -> Result<()>;
}
