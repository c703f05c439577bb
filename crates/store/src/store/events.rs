//! A run's event log, which clients follow live.

use async_trait::async_trait;

use crate::{NewRunEvent, Result, RunEventRecord};

#[async_trait]
pub trait EventStore: Send + Sync {
    /// A run's events after `after_seq`, oldest first, at most `limit`.
    /// `NotFound("run")` for unknown or foreign runs.
    async fn run_events(
        &self,
        project_id: &str,
        run_id: &str,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<RunEventRecord>>;
    /// Appends events to a run's log (for the server's own notes, e.g. a
    /// lease that expired).
    async fn append_run_events(&self, run_id: &str, events: &[NewRunEvent]) -> Result<()>;
}
