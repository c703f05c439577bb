//! Waking the workers that wait for jobs, on every replica. A transaction
//! that queues jobs (a batch, a retry) sends `NOTIFY playtest_jobs`, which
//! PostgreSQL delivers to every listener when it commits. Each store keeps
//! one task listening, started by the first wait, on a connection of its
//! own (the store's pool loses none), and relays every notification to the
//! waiters of its replica; when the connection drops it connects again,
//! backing off while that fails.
//!
//! Whatever was notified while no one listened (before the first listen,
//! during a reconnection) is lost, so whenever listening starts or stops
//! every waiter is woken to look for itself: a spurious wake-up, which the
//! contract of [`crate::LeaseStore::wait_for_jobs`] allows.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use sqlx::PgConnection;
use sqlx::postgres::{PgConnectOptions, PgListener, PgPool, PgPoolOptions};
use tokio::sync::{Notify, watch};
use tokio::task::AbortHandle;
use tokio::time::{Instant, timeout_at};

use crate::Result;

/// The channel of queued jobs.
const CHANNEL: &str = "playtest_jobs";
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Notifies every replica's waiters when the current transaction commits.
pub(super) async fn notify_jobs(conn: &mut PgConnection) -> Result<()> {
    sqlx::query("SELECT pg_notify($1, '')")
        .bind(CHANNEL)
        .execute(conn)
        .await?;
    Ok(())
}

/// The waiters of one store, and the task that wakes them.
pub(super) struct JobSignal {
    waiters: Arc<Notify>,
    /// Whether the task listens now.
    listening: watch::Sender<bool>,
    task: OnceLock<AbortHandle>,
}

impl JobSignal {
    pub(super) fn new() -> Self {
        JobSignal {
            waiters: Arc::new(Notify::new()),
            listening: watch::Sender::new(false),
            task: OnceLock::new(),
        }
    }

    /// Wakes this replica's waiters at once, without waiting for the
    /// notification to come back from the database.
    pub(super) fn wake_local(&self) {
        self.waiters.notify_waiters();
    }

    /// Waits for a notification, or for listening to start or stop, at
    /// most `timeout`.
    pub(super) async fn wait(&self, pool: &PgPool, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        let notified = self.waiters.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        // Whatever changes from now on ends the wait.
        let mut listening = self.listening.subscribe();
        listening.mark_unchanged();
        self.task.get_or_init(|| {
            let options = (*pool.connect_options()).clone();
            let task = listen(options, self.waiters.clone(), self.listening.clone());
            tokio::spawn(task).abort_handle()
        });
        let woken = async {
            tokio::select! {
                _ = notified => {}
                _ = listening.changed() => {}
            }
        };
        let _ = timeout_at(deadline, woken).await;
    }
}

impl Drop for JobSignal {
    fn drop(&mut self) {
        if let Some(task) = self.task.get() {
            task.abort();
        }
    }
}

/// Listens until the store goes, connecting again whenever it must.
async fn listen(options: PgConnectOptions, waiters: Arc<Notify>, listening: watch::Sender<bool>) {
    // One connection, never closed for idling: the listener asks the pool
    // for a new one when its connection drops.
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        .connect_lazy_with(options);
    let mut backoff = FIRST_BACKOFF;
    loop {
        let err = relay(&pool, &waiters, &listening, &mut backoff).await;
        listening.send_replace(false);
        tracing::warn!(error = %err, retry_in = ?backoff, "listening for queued jobs failed");
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// Relays notifications to the waiters until the listener fails.
async fn relay(
    pool: &PgPool,
    waiters: &Notify,
    listening: &watch::Sender<bool>,
    backoff: &mut Duration,
) -> sqlx::Error {
    let mut listener = match PgListener::connect_with(pool).await {
        Ok(listener) => listener,
        Err(err) => return err,
    };
    if let Err(err) = listener.listen(CHANNEL).await {
        return err;
    }
    *backoff = FIRST_BACKOFF;
    // Wakes every waiter (see `JobSignal::wait`).
    listening.send_replace(true);
    loop {
        // `Ok(None)`: the connection dropped and the listener made a new
        // one; what was sent in between is lost, so wake the waiters too.
        match listener.try_recv().await {
            Ok(_) => waiters.notify_waiters(),
            Err(err) => return err,
        }
    }
}
