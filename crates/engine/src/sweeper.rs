//! The sweeper: every interval, it finishes what workers left behind and
//! explains what no worker can take. Every API replica runs one; the store
//! makes each step safe to run from several at once.

use std::sync::Arc;

use playtest_store::{Clock, FinishResult, Result, Store};
use playtest_types::Capability;

use crate::EngineSettings;

/// Expired leases taken per store call.
const BATCH: i64 = 100;

/// Sweeps forever; failures are logged and the next pass tries again.
pub async fn run(store: Arc<dyn Store>, settings: EngineSettings, clock: Arc<dyn Clock>) {
    let mut ticks = tokio::time::interval(settings.sweep_interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if let Err(err) = sweep_once(store.as_ref(), &settings, clock.as_ref()).await {
            tracing::warn!(error = %err, "the sweeper failed; it tries again at the next pass");
        }
    }
}

/// One pass, at the clock's time: expire lost leases, then refresh queue
/// rejections.
pub async fn sweep_once(
    store: &dyn Store,
    settings: &EngineSettings,
    clock: &dyn Clock,
) -> Result<()> {
    loop {
        let expired = store.expire_leases(clock.now(), BATCH).await?;
        for lease in &expired {
            match lease.result {
                FinishResult::Retried => tracing::warn!(
                    job_id = %lease.job_id, worker_id = %lease.worker_id,
                    "a worker's lease expired; the job is queued again"
                ),
                FinishResult::Completed(outcome) => tracing::warn!(
                    job_id = %lease.job_id, worker_id = %lease.worker_id, ?outcome,
                    "a worker's lease expired; the job is finished"
                ),
            }
        }
        if (expired.len() as i64) < BATCH {
            break;
        }
    }
    let connected = connected_capabilities(store, settings, clock).await?;
    store.refresh_queue_rejections(&connected).await?;
    Ok(())
}

/// What the connected workers play, together: the capabilities of every
/// worker heard from within the worker timeout.
async fn connected_capabilities(
    store: &dyn Store,
    settings: &EngineSettings,
    clock: &dyn Clock,
) -> Result<Vec<Capability>> {
    let cutoff = clock.now()
        - chrono::Duration::from_std(settings.worker_timeout())
            .unwrap_or(chrono::Duration::seconds(90));
    Ok(store
        .list_workers(None)
        .await?
        .into_iter()
        .filter(|worker| worker.last_heartbeat_at >= cutoff)
        .flat_map(|worker| worker.capabilities)
        .collect())
}
