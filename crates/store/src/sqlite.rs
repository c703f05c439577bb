//! The SQLite backend, for the embedded deployment: one file in the data
//! directory, in WAL mode.
//!
//! SQLite allows one writer at a time, and a transaction that starts reading
//! and then writes can fail with `SQLITE_BUSY` however long the busy timeout.
//! So writes go through a pool of exactly one connection (they queue in the
//! pool, not in SQLite) and every write transaction starts with
//! `BEGIN IMMEDIATE`, taking the write lock up front; the busy timeout then
//! only matters against other processes (the CLI's `keys create` next to a
//! running server). Reads use a separate pool of several connections, which
//! WAL lets run alongside the writer.
//!
//! Timestamps are `TEXT` of fixed width (see [`ts`]), so text order is time
//! order.
//!
//! Each topic of [`crate::Store`] is implemented in the module of the same
//! name (`impl KeyStore for SqliteStore` in `keys.rs`); this one connects,
//! migrates, and holds what they share.

mod assets;
mod builds;
mod documents;
mod events;
mod finish;
mod keys;
mod leases;
mod minimize;
mod progress;
mod run_reads;
mod runs;
mod stop;
mod storage;
mod workers;

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Sqlite, Transaction};
use tokio::sync::Notify;

use crate::{Result, Store};

/// How long a statement waits for another process's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Read connections: enough for concurrent requests on a small machine.
const READ_CONNECTIONS: u32 = 4;

pub struct SqliteStore {
    /// Exactly one connection: every write goes through it.
    writer: SqlitePool,
    /// Several connections for reads (the writer itself for in-memory databases).
    reader: SqlitePool,
    /// Notified when jobs were queued: a batch created, a job retried. Only
    /// this process writes the database, so no one else queues jobs.
    jobs_queued: Notify,
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `url` (`sqlite://PATH`).
    /// Does not migrate; [`crate::open`] does.
    pub async fn connect(url: &str) -> Result<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options.clone())
            .await?;
        // An in-memory database lives in its connection: share the writer.
        let reader = if url.contains(":memory:") || url.contains("mode=memory") {
            writer.clone()
        } else {
            SqlitePoolOptions::new()
                .max_connections(READ_CONNECTIONS)
                // A connection of this process cannot drop out, and runs its
                // commands in order: pinging it first only costs a hop to
                // its thread.
                .test_before_acquire(false)
                .connect_lazy_with(options)
        };
        Ok(SqliteStore {
            writer,
            reader,
            jobs_queued: Notify::new(),
        })
    }

    /// A write transaction holding the write lock from its first statement.
    async fn begin_write(&self) -> Result<Transaction<'static, Sqlite>> {
        Ok(self.writer.begin_with("BEGIN IMMEDIATE").await?)
    }
}

/// A timestamp as stored: `YYYY-MM-DDTHH:MM:SS.ffffffZ`, always 27
/// characters (microseconds, UTC), so comparing the text compares the times.
pub(crate) fn ts(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// [`ts`] of an optional timestamp.
pub(crate) fn opt_ts(at: Option<DateTime<Utc>>) -> Option<String> {
    at.map(ts)
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn migrate(&self) -> Result<()> {
        sqlx::migrate!("./migrations/sqlite")
            .run(&self.writer)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[tokio::test]
    async fn an_in_memory_database_keeps_its_data_between_writes_and_reads() {
        let store = crate::open("sqlite::memory:").await.unwrap();
        let created = store
            .ensure_project("prj_1", "default", Utc::now())
            .await
            .unwrap();
        assert_eq!(store.project("prj_1").await.unwrap(), created);
    }

    #[tokio::test]
    async fn the_run_counts_migration_counts_the_runs_already_there() {
        let db = crate::testing::unmigrated(crate::testing::Backend::Sqlite).await;
        let store = SqliteStore::connect(db.url()).await.unwrap();
        let migrator = sqlx::migrate!("./migrations/sqlite");
        migrator.run_to(1, &store.writer).await.unwrap();
        sqlx::raw_sql(crate::testing::RUNS_OF_TWO_PROJECTS)
            .execute(&store.writer)
            .await
            .unwrap();

        store.migrate().await.unwrap();
        let counts: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT project_id, state, runs FROM run_counts ORDER BY project_id, state",
        )
        .fetch_all(&store.writer)
        .await
        .unwrap();
        assert_eq!(counts, crate::testing::counts_of_two_projects());
    }

    #[tokio::test]
    async fn the_run_engine_migration_queues_existing_jobs_in_the_order_of_their_runs() {
        let db = crate::testing::unmigrated(crate::testing::Backend::Sqlite).await;
        let store = SqliteStore::connect(db.url()).await.unwrap();
        let migrator = sqlx::migrate!("./migrations/sqlite");
        migrator.run_to(3, &store.writer).await.unwrap();
        sqlx::raw_sql(crate::testing::RUNS_OF_TWO_PROJECTS)
            .execute(&store.writer)
            .await
            .unwrap();

        store.migrate().await.unwrap();
        let jobs: Vec<(String, i64, String, i64)> = sqlx::query_as(
            "SELECT j.id, j.seq, j.platform, j.fencing_token FROM jobs j \
             JOIN runs r ON r.job_id = j.id AND r.seq = j.seq ORDER BY j.seq",
        )
        .fetch_all(&store.writer)
        .await
        .unwrap();
        assert_eq!(jobs, crate::testing::jobs_of_two_projects());
    }

    #[tokio::test]
    async fn the_capabilities_migration_keeps_what_workers_and_queued_jobs_meant() {
        use crate::WorkerStore;
        let db = crate::testing::unmigrated(crate::testing::Backend::Sqlite).await;
        let store = SqliteStore::connect(db.url()).await.unwrap();
        let migrator = sqlx::migrate!("./migrations/sqlite");
        migrator.run_to(5, &store.writer).await.unwrap();
        let before = [
            crate::testing::RUNS_OF_TWO_PROJECTS,
            crate::testing::A_WORKER_OF_PLATFORMS,
        ];
        for sql in before {
            sqlx::raw_sql(sql).execute(&store.writer).await.unwrap();
        }

        store.migrate().await.unwrap();
        let worker = store.worker("wrk_old").await.unwrap();
        assert_eq!(
            worker.capabilities,
            crate::testing::capabilities_of_the_old_worker()
        );
        let types: Vec<Option<String>> =
            sqlx::query_scalar("SELECT test_type FROM jobs ORDER BY id")
                .fetch_all(&store.writer)
                .await
                .unwrap();
        assert_eq!(types, vec![Some("verification".to_string()); 4]);
    }

    #[test]
    fn stored_timestamps_have_a_fixed_width_and_microseconds() {
        let whole = Utc.with_ymd_and_hms(2025, 1, 2, 3, 4, 5).unwrap();
        assert_eq!(ts(whole), "2025-01-02T03:04:05.000000Z");
        let fine = whole + chrono::Duration::nanoseconds(123_456_789);
        assert_eq!(ts(fine), "2025-01-02T03:04:05.123456Z");
    }
}
