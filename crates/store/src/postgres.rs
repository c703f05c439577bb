//! The PostgreSQL backend, for the scale-out deployment: several API
//! replicas share one database, so every rule that must hold across
//! replicas (unique ids, versions, one stop winning) is enforced by the
//! database, with constraints and conditional updates.
//!
//! Each topic of [`crate::Store`] is implemented in the module of the same
//! name (`impl KeyStore for PostgresStore` in `keys.rs`); this one
//! connects, migrates, and holds what they share.

mod assets;
mod builds;
mod documents;
mod events;
mod finish;
mod keys;
mod leases;
mod listener;
mod minimize;
mod progress;
mod run_reads;
mod runs;
mod stop;
mod storage;
mod workers;

use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{Connection, Postgres, Transaction};

use self::listener::JobSignal;
use crate::{Result, Store};

/// Connections per replica; PostgreSQL's default limit is 100 in all.
const MAX_CONNECTIONS: u32 = 10;
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);
/// A connection idle this long is pinged before use.
const PING_IF_IDLE_FOR: Duration = Duration::from_secs(30);

pub struct PostgresStore {
    pool: PgPool,
    /// The workers of this replica waiting for jobs, and what wakes them.
    jobs: JobSignal,
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://...`). Does not
    /// migrate; [`crate::open`] does.
    pub async fn connect(url: &str) -> Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            // Pinging before every use would add a round trip to every read;
            // only a connection idle for long may have been dropped.
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for >= PING_IF_IDLE_FOR {
                        conn.ping().await?;
                    }
                    Ok(true)
                })
            })
            .connect(url)
            .await?;
        Ok(PostgresStore {
            pool,
            jobs: JobSignal::new(),
        })
    }

    /// A read-only transaction whose queries all see one snapshot.
    async fn begin_read(&self) -> Result<Transaction<'static, Postgres>> {
        Ok(self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .await?)
    }
}

#[async_trait]
impl Store for PostgresStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn migrate(&self) -> Result<()> {
        sqlx::migrate!("./migrations/postgres")
            .run(&self.pool)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{
        A_WORKER_OF_PLATFORMS, Backend, RUNS_OF_TWO_PROJECTS, capabilities_of_the_old_worker,
        counts_of_two_projects, jobs_of_two_projects, unmigrated,
    };

    #[tokio::test]
    async fn the_run_counts_migration_counts_the_runs_already_there() {
        let db = unmigrated(Backend::Postgres).await;
        let store = PostgresStore::connect(db.url()).await.unwrap();
        let migrator = sqlx::migrate!("./migrations/postgres");
        migrator.run_to(1, &store.pool).await.unwrap();
        sqlx::raw_sql(RUNS_OF_TWO_PROJECTS)
            .execute(&store.pool)
            .await
            .unwrap();

        store.migrate().await.unwrap();
        let counts: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT project_id, state, runs FROM run_counts ORDER BY project_id, state",
        )
        .fetch_all(&store.pool)
        .await
        .unwrap();
        assert_eq!(counts, counts_of_two_projects());
        store.pool.close().await;
    }

    #[tokio::test]
    async fn the_run_engine_migration_queues_existing_jobs_in_the_order_of_their_runs() {
        let db = unmigrated(Backend::Postgres).await;
        let store = PostgresStore::connect(db.url()).await.unwrap();
        let migrator = sqlx::migrate!("./migrations/postgres");
        migrator.run_to(3, &store.pool).await.unwrap();
        sqlx::raw_sql(RUNS_OF_TWO_PROJECTS)
            .execute(&store.pool)
            .await
            .unwrap();

        store.migrate().await.unwrap();
        let jobs: Vec<(String, i64, String, i64)> = sqlx::query_as(
            "SELECT j.id, j.seq, j.platform, j.fencing_token FROM jobs j \
             JOIN runs r ON r.job_id = j.id AND r.seq = j.seq ORDER BY j.seq",
        )
        .fetch_all(&store.pool)
        .await
        .unwrap();
        assert_eq!(jobs, jobs_of_two_projects());
        // A job queued later comes after them.
        let next: i64 = sqlx::query_scalar(
            "INSERT INTO jobs (id, project_id, status, created_at, updated_at) \
             VALUES ('j5', 'prj_a', 'QUEUED', now(), now()) RETURNING seq",
        )
        .fetch_one(&store.pool)
        .await
        .unwrap();
        assert_eq!(next, 5);
        store.pool.close().await;
    }

    #[tokio::test]
    async fn the_capabilities_migration_keeps_what_workers_and_queued_jobs_meant() {
        use crate::WorkerStore;
        let db = unmigrated(Backend::Postgres).await;
        let store = PostgresStore::connect(db.url()).await.unwrap();
        let migrator = sqlx::migrate!("./migrations/postgres");
        migrator.run_to(5, &store.pool).await.unwrap();
        for sql in [RUNS_OF_TWO_PROJECTS, A_WORKER_OF_PLATFORMS] {
            sqlx::raw_sql(sql).execute(&store.pool).await.unwrap();
        }

        store.migrate().await.unwrap();
        let worker = store.worker("wrk_old").await.unwrap();
        assert_eq!(worker.capabilities, capabilities_of_the_old_worker());
        let types: Vec<Option<String>> =
            sqlx::query_scalar("SELECT test_type FROM jobs ORDER BY id")
                .fetch_all(&store.pool)
                .await
                .unwrap();
        assert_eq!(types, vec![Some("verification".to_string()); 4]);
        store.pool.close().await;
    }
}
