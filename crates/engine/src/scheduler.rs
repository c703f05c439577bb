//! Leasing with a long poll.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use playtest_store::{Clock, LeaseRequest, LeasedJob, Result, Store, WorkerRecord};
use tokio::time::Instant;

use crate::EngineSettings;

/// How long one wait for new jobs lasts before the queue is looked at again
/// anyway: a backstop for a wake-up lost with a dropped database connection.
const RECHECK_EVERY: Duration = Duration::from_secs(5);

#[derive(Clone)]
pub struct Scheduler {
    store: Arc<dyn Store>,
    settings: EngineSettings,
    clock: Arc<dyn Clock>,
}

impl Scheduler {
    pub fn new(store: Arc<dyn Store>, settings: EngineSettings, clock: Arc<dyn Clock>) -> Self {
        Scheduler {
            store,
            settings,
            clock,
        }
    }

    pub fn settings(&self) -> &EngineSettings {
        &self.settings
    }

    /// Leases a job `worker` can play, waiting up to `wait` (capped by the
    /// settings) for one to be queued. `None` when the wait ends empty.
    pub async fn lease(&self, worker: &WorkerRecord, wait: Duration) -> Result<Option<LeasedJob>> {
        let deadline = Instant::now() + wait.min(self.settings.max_lease_wait);
        loop {
            let now = self.clock.now();
            self.store.touch_worker(&worker.id, now).await?;
            let request = LeaseRequest {
                worker_id: worker.id.clone(),
                capabilities: worker.capabilities.clone(),
                project_id: worker.project_id.clone(),
                now,
                lease_for: self.settings.lease_duration,
            };
            if let Some(job) = self.store.lease_job(&request).await? {
                return Ok(Some(job));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(None);
            }
            self.store.wait_for_jobs(left.min(RECHECK_EVERY)).await?;
        }
    }

    /// The end of a lease renewed at `now`.
    pub fn renewed_until(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now + chrono::Duration::from_std(self.settings.lease_duration)
            .unwrap_or(chrono::Duration::seconds(30))
    }
}
