//! `playtest worker`: a worker process. It checks that games can be
//! sandboxed here, registers with the server, and plays leased jobs until
//! SIGINT or SIGTERM, when the jobs in progress end as stopped (and go back
//! to the queue).

use anyhow::Context;
use playtest_worker::Sandbox;
use tokio::sync::watch;

use super::signals::shutdown_signal;
use crate::config::WorkerArgs;

pub async fn run(args: WorkerArgs) -> anyhow::Result<()> {
    let settings = args.settings();
    std::fs::create_dir_all(&settings.work_dir)
        .with_context(|| format!("could not create {}", settings.work_dir.display()))?;
    Sandbox::new()
        .check()
        .await
        .context("games cannot be sandboxed on this machine, so this worker would be unsafe")?;
    let (stop, stopped) = watch::channel(false);
    let signal = shutdown_signal().context("could not install the signal handlers")?;
    tokio::spawn(async move {
        signal.await;
        stop.send_replace(true);
    });
    tracing::info!(server = %settings.server_url, name = %settings.name, slots = settings.slots, "worker starting");
    playtest_worker::service::run(settings, stopped).await
}
