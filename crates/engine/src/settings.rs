//! The engine's timings, decided by the caller's configuration.

use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EngineSettings {
    /// How long a lease lasts without a heartbeat. A worker that dies loses
    /// its jobs this long after its last heartbeat (plus a sweep).
    pub lease_duration: Duration,
    /// The longest a lease request may wait for work.
    pub max_lease_wait: Duration,
    /// How often the sweeper looks for expired leases.
    pub sweep_interval: Duration,
}

impl Default for EngineSettings {
    fn default() -> Self {
        EngineSettings {
            lease_duration: Duration::from_secs(30),
            max_lease_wait: Duration::from_secs(60),
            sweep_interval: Duration::from_secs(5),
        }
    }
}

impl EngineSettings {
    /// How often workers heartbeat: every second (a stop request rides on
    /// the answer, and must reach the worker within two seconds), or three
    /// times per lease when leases are shorter than three seconds.
    pub fn heartbeat_interval(&self) -> Duration {
        (self.lease_duration / 3)
            .min(Duration::from_secs(1))
            .max(Duration::from_millis(100))
    }

    /// A worker silent for longer than this is not counted on: it neither
    /// polled for work nor heartbeat a job.
    pub fn worker_timeout(&self) -> Duration {
        self.max_lease_wait + self.lease_duration
    }
}
