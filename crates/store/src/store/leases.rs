//! Leases: a job's life from the queue to a worker, and back when the
//! worker is lost (see [`crate::scheduling`] for fencing tokens). What a
//! leaseholder reports is [`crate::ProgressStore`]; how it ends,
//! [`crate::FinishStore`].

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::{ExpiredLease, LeaseRef, LeaseRenewal, LeaseRequest, LeasedJob, Result};

#[async_trait]
pub trait LeaseStore: Send + Sync {
    /// Leases the oldest queued job the worker can play (its platform and
    /// test type among `request.capabilities`; see [`crate::LeaseRequest`])
    /// (QUEUED → STARTING), with the job's next fencing token; `None` when
    /// there is none. Two workers never lease the same job. Both the
    /// request's project and the worker's token's apply; a revoked token's
    /// worker gets `None`, an unknown worker `NotFound("worker")`. The
    /// worker counts as heard from at `request.now`.
    async fn lease_job(&self, request: &LeaseRequest) -> Result<Option<LeasedJob>>;
    /// Extends a lease to `until` and tells whether a stop was requested.
    /// The lease's worker counts as heard from at `now`.
    async fn renew_lease(
        &self,
        lease: &LeaseRef,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<LeaseRenewal>;
    /// Takes up to `limit` leases that expired before `now` and retries
    /// their jobs, or completes them as `error` when no retry is left (as
    /// `stopped` when a user asked for the job to stop).
    async fn expire_leases(&self, now: DateTime<Utc>, limit: i64) -> Result<Vec<ExpiredLease>>;
    /// Sets `queue_rejection_reason` on queued jobs whose platform and test
    /// type no capability in `connected` (those of the connected workers)
    /// covers, saying what is missing and what to do, and clears it on the
    /// others. Returns how many jobs changed.
    async fn refresh_queue_rejections(
        &self,
        connected: &[playtest_types::Capability],
    ) -> Result<u64>;
    /// Waits until jobs may have been queued (by any replica sharing the
    /// database), or `timeout` passes. Spurious wake-ups are allowed.
    async fn wait_for_jobs(&self, timeout: Duration) -> Result<()>;
}
