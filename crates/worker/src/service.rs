//! The worker's outer loop: register, then in each slot lease a job, play
//! it, and lease the next, until told to shut down. A server that cannot be
//! reached is waited for with backoff; nothing here gives up.

use std::sync::Arc;
use std::time::Duration;

use playtest_client::WorkerClient;
use playtest_types::{RegisterWorkerRequest, Worker};
use tokio::sync::watch;
use tracing::Instrument;

use crate::job::JobRunner;
use crate::{BuildCache, WorkerSettings};

/// Longest pause between attempts to reach the server.
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// Runs the worker until `shutdown` turns true. Jobs in progress when it
/// does are finished as `stopped` (which retries them, since no user asked).
pub async fn run(settings: WorkerSettings, shutdown: watch::Receiver<bool>) -> anyhow::Result<()> {
    let client = WorkerClient::new(&settings.server_url, settings.token.clone())?;
    let Some(worker) = register(&client, &settings, shutdown.clone()).await else {
        return Ok(());
    };
    tracing::info!(worker_id = %worker.id, slots = settings.slots, "worker registered; waiting for jobs");
    let runner = Arc::new(JobRunner::new(
        client.clone(),
        worker.id.clone(),
        BuildCache::new(settings.work_dir.join("builds")),
        settings.clone(),
    ));
    let mut slots = Vec::new();
    for slot in 0..settings.slots {
        slots.push(tokio::spawn(slot_loop(
            client.clone(),
            worker.id.clone(),
            runner.clone(),
            settings.lease_wait,
            shutdown.clone(),
            slot,
        )));
    }
    for slot in slots {
        let _ = slot.await;
    }
    Ok(())
}

/// Registers, retrying until the server answers (or shutdown).
async fn register(
    client: &WorkerClient,
    settings: &WorkerSettings,
    mut shutdown: watch::Receiver<bool>,
) -> Option<Worker> {
    let request = RegisterWorkerRequest {
        name: settings.name.clone(),
        capabilities: crate::play::capabilities(settings),
        platforms: Vec::new(),
        slots: settings.slots,
        version: Some(env!("CARGO_PKG_VERSION").to_string()),
    };
    let mut backoff = Duration::from_millis(200);
    loop {
        match client.register(&request).await {
            Ok(worker) => return Some(worker),
            Err(err)
                if err
                    .status()
                    .is_some_and(|s| (400..500).contains(&s) && s != 429) =>
            {
                tracing::error!(error = %err, "the server refused this worker; check --token");
                return None;
            }
            Err(err) => {
                tracing::warn!(error = %err, "could not register; retrying in {:?}", backoff);
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(backoff) => {}
            _ = shutdown.wait_for(|stop| *stop) => return None,
        }
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

async fn slot_loop(
    client: WorkerClient,
    worker_id: String,
    runner: Arc<JobRunner>,
    lease_wait: Duration,
    mut shutdown: watch::Receiver<bool>,
    slot: u32,
) {
    let mut backoff = Duration::from_millis(200);
    while !*shutdown.borrow() {
        let leased = tokio::select! {
            leased = client.lease(&worker_id, lease_wait.as_secs() as u32) => leased,
            _ = shutdown.wait_for(|stop| *stop) => break,
        };
        match leased {
            Ok(Some(job)) => {
                backoff = Duration::from_millis(200);
                let span = tracing::info_span!("job", job_id = %job.job_id, run_id = %job.run_id, attempt = job.attempt);
                async {
                    tracing::info!(slot, "leased a job");
                    runner.run(job, shutdown.clone()).await;
                }
                .instrument(span)
                .await;
            }
            Ok(None) => backoff = Duration::from_millis(200),
            Err(err) => {
                tracing::warn!(slot, error = %err, "could not lease; retrying in {:?}", backoff);
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => {}
                    _ = shutdown.wait_for(|stop| *stop) => break,
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}
