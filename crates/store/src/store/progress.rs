//! What a leaseholder reports while it plays: the run started, steps,
//! bugs, log lines, the game over (see [`crate::progress`]).

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::{JobProgress, LeaseRef, Result};

#[async_trait]
pub trait ProgressStore: Send + Sync {
    /// Writes what a worker reports, in one transaction, with its events.
    /// `NotFound("step")` (and nothing written) for a step the run does
    /// not have; an occurrence whose id is already stored is skipped, so a
    /// report sent again adds no bug.
    ///
    /// An occurrence that `minimizes` another of the project (same
    /// fingerprint) with a shorter trace also replaces that one's
    /// reproduction steps and trace, noting the shortening in its details
    /// (`minimized`). One that names an unknown or foreign occurrence, or
    /// another bug, is stored all the same and the shortening is skipped
    /// with a warning.
    async fn record_progress(
        &self,
        lease: &LeaseRef,
        progress: &JobProgress,
        at: DateTime<Utc>,
    ) -> Result<()>;
}
