//! The workers `playtest serve --workers N` runs inside the server: one
//! worker with N slots that talks to this server over loopback HTTP, like
//! any remote worker, with a token made for it at start (serving every
//! project) and revoked at a graceful stop.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use playtest_api::keys::issue_worker_token;
use playtest_store::Store;
use tokio::sync::watch;

use super::store::create_dir;
use crate::config::ServeArgs;

/// The workers running inside this server: a task, and the token made for
/// them at start (revoked at a graceful stop).
pub struct EmbeddedWorkers {
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
    token_id: String,
}

/// Starts `--workers N` slots of one worker that talks to this server over
/// loopback HTTP, like any remote worker, with a token serving every
/// project.
pub async fn start(
    args: &ServeArgs,
    store: &dyn Store,
    addr: SocketAddr,
    stopped: watch::Receiver<bool>,
) -> anyhow::Result<Option<EmbeddedWorkers>> {
    if args.engine.workers == 0 {
        return Ok(None);
    }
    playtest_worker::Sandbox::new().check().await.context(
        "--workers needs bubblewrap to sandbox games (apt-get install bubblewrap), and it does not work here",
    )?;
    let (token, secret) = issue_worker_token(
        store,
        "embedded workers of playtest serve",
        None,
        chrono::Utc::now(),
    )
    .await
    .context("could not create the embedded workers' token")?;
    let settings = args.engine.game_limits.worker_settings(
        format!("http://{addr}"),
        secret,
        format!("{} (embedded)", addr),
        args.engine.workers,
        args.store.data_dir.join("worker"),
    );
    create_dir(&settings.work_dir)?;
    let task = tokio::spawn(playtest_worker::service::run(settings, stopped));
    Ok(Some(EmbeddedWorkers {
        task,
        token_id: token.token.id,
    }))
}

impl EmbeddedWorkers {
    /// Waits a moment for the workers to hand back their jobs, then revokes
    /// their token.
    pub async fn stop(self, store: &dyn Store) {
        if tokio::time::timeout(Duration::from_secs(5), self.task)
            .await
            .is_err()
        {
            tracing::warn!("the embedded workers did not stop within 5 s");
        }
        if let Err(err) = store.revoke_worker_token(None, &self.token_id).await {
            tracing::warn!(error = %err, "could not revoke the embedded workers' token");
        }
    }
}
