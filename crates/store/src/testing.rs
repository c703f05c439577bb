//! Fresh databases for tests, in this crate and in the crates above it.
//! Compiled with the `test-support` feature (and in this crate's own tests).
//!
//! Every test gets a database of its own, which disappears with the
//! returned [`DbGuard`]: a file in a temporary directory for SQLite, a
//! randomly named database for PostgreSQL (created through the admin URL in
//! `PLAYTEST_TEST_POSTGRES_URL`, default [`DEFAULT_POSTGRES_URL`], and
//! dropped when the guard is). The guard also knows the database's URL (for
//! a `--database-url` flag) and runs raw SQL, for the states no API call
//! can reach yet.
//!
//! To run one test against both backends, write it as
//! `async fn name(store: Arc<dyn Store>, db: DbGuard)` and list it in
//! [`backend_tests!`](crate::backend_tests):
//!
//! ```ignore
//! use std::sync::Arc;
//! use playtest_store::Store;
//! use playtest_store::testing::DbGuard;
//!
//! async fn a_new_project_has_no_tests(store: Arc<dyn Store>, _db: DbGuard) {
//!     // ...
//! }
//!
//! playtest_store::backend_tests!(a_new_project_has_no_tests);
//! // Generates `sqlite::a_new_project_has_no_tests` and
//! // `postgres::a_new_project_has_no_tests`, each a `#[tokio::test]`.
//! ```
//!
//! The calling crate needs `tokio` (with `macros` and `rt-multi-thread`)
//! among its dev-dependencies.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::PgConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{AssertSqlSafe, Connection};

use crate::{Store, ids};

/// The environment variable naming the PostgreSQL server tests use: a URL
/// of a database on it (not the one tests create) as a user that may create
/// databases.
pub const POSTGRES_URL_VAR: &str = "PLAYTEST_TEST_POSTGRES_URL";

/// The PostgreSQL admin URL when [`POSTGRES_URL_VAR`] is not set.
pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Keeps a test database alive; dropping it deletes the database.
pub struct DbGuard {
    url: String,
    backend: Backend,
    cleanup: Cleanup,
}

enum Cleanup {
    /// The temporary directory of the SQLite file, deleted on drop.
    Dir { _dir: tempfile::TempDir },
    /// A database to drop through the admin URL.
    Database { admin_url: String, name: String },
}

/// The URL of the PostgreSQL database tests create their databases from.
pub fn postgres_admin_url() -> String {
    std::env::var(POSTGRES_URL_VAR).unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_string())
}

/// A migrated database of `backend`.
pub async fn fresh(backend: Backend) -> (Arc<dyn Store>, DbGuard) {
    match backend {
        Backend::Sqlite => fresh_sqlite().await,
        Backend::Postgres => fresh_postgres().await,
    }
}

/// A migrated SQLite database in a new temporary directory.
pub async fn fresh_sqlite() -> (Arc<dyn Store>, DbGuard) {
    let guard = unmigrated(Backend::Sqlite).await;
    let store = crate::open(guard.url())
        .await
        .expect("open a fresh SQLite database");
    (store, guard)
}

/// A migrated PostgreSQL database with a random name, created on the server
/// of [`postgres_admin_url`].
pub async fn fresh_postgres() -> (Arc<dyn Store>, DbGuard) {
    // The guard exists before `open`, so a failed migration still drops the database.
    let guard = unmigrated(Backend::Postgres).await;
    let store = crate::open(guard.url())
        .await
        .expect("open a fresh PostgreSQL database");
    (store, guard)
}

/// A new database of `backend` that no migration has touched yet (the
/// SQLite file does not exist yet), for tests of the migrations themselves.
pub async fn unmigrated(backend: Backend) -> DbGuard {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("create a temporary directory");
            let url = format!("sqlite://{}", dir.path().join("playtest.db").display());
            DbGuard {
                url,
                backend,
                cleanup: Cleanup::Dir { _dir: dir },
            }
        }
        Backend::Postgres => {
            let admin_url = postgres_admin_url();
            let name = format!("playtest_test_{}", ids::short_id());
            let mut admin = PgConnection::connect(&admin_url)
                .await
                .unwrap_or_else(|err| {
                    panic!(
                        "cannot reach PostgreSQL at {} ({err}); start it or set {POSTGRES_URL_VAR}",
                        crate::redact_url(&admin_url)
                    )
                });
            sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut admin)
                .await
                .expect("create a test database");
            let _ = admin.close().await;

            let mut url = url::Url::parse(&admin_url).expect("the PostgreSQL admin URL is a URL");
            url.set_path(&name);
            DbGuard {
                url: url.to_string(),
                backend,
                cleanup: Cleanup::Database { admin_url, name },
            }
        }
    }
}

/// SQL (for both backends, on the first schema) writing runs into two
/// projects: in `prj_a` two initializing and one completed, in `prj_b` one
/// running. See [`counts_of_two_projects`].
#[cfg(test)]
pub(crate) const RUNS_OF_TWO_PROJECTS: &str = "\
    INSERT INTO projects (id, name, created_at) VALUES \
        ('prj_a', 'a', '2025-01-01T00:00:00.000000Z'), ('prj_b', 'b', '2025-01-01T00:00:00.000000Z'); \
    INSERT INTO jobs (id, project_id, status, created_at, updated_at) VALUES \
        ('j1', 'prj_a', 'QUEUED', '2025-01-01T00:00:00.000000Z', '2025-01-01T00:00:00.000000Z'), \
        ('j2', 'prj_a', 'QUEUED', '2025-01-01T00:00:00.000000Z', '2025-01-01T00:00:00.000000Z'), \
        ('j3', 'prj_a', 'COMPLETED', '2025-01-01T00:00:00.000000Z', '2025-01-01T00:00:00.000000Z'), \
        ('j4', 'prj_b', 'RUNNING', '2025-01-01T00:00:00.000000Z', '2025-01-01T00:00:00.000000Z'); \
    INSERT INTO runs (id, job_id, project_id, test_id, test_name, test_type, test_spec, \
        deployment_config_id, platform, state, initiator, options, created_at) VALUES \
        ('r1', 'j1', 'prj_a', 't', 't', 'verification', '{}', 'd', 'web', 'initializing', '{}', '{}', '2025-01-01T00:00:00.000000Z'), \
        ('r2', 'j2', 'prj_a', 't', 't', 'verification', '{}', 'd', 'web', 'initializing', '{}', '{}', '2025-01-01T00:00:00.000000Z'), \
        ('r3', 'j3', 'prj_a', 't', 't', 'verification', '{}', 'd', 'web', 'completed', '{}', '{}', '2025-01-01T00:00:00.000000Z'), \
        ('r4', 'j4', 'prj_b', 't', 't', 'verification', '{}', 'd', 'web', 'running', '{}', '{}', '2025-01-01T00:00:00.000000Z');";

/// The rows of `run_counts` (project, state, runs) that the runs of
/// [`RUNS_OF_TWO_PROJECTS`] make.
#[cfg(test)]
pub(crate) fn counts_of_two_projects() -> Vec<(String, String, i64)> {
    [
        ("prj_a", "completed", 1),
        ("prj_a", "initializing", 2),
        ("prj_b", "running", 1),
    ]
    .into_iter()
    .map(|(project, state, runs)| (project.to_string(), state.to_string(), runs))
    .collect()
}

/// The jobs of [`RUNS_OF_TWO_PROJECTS`] once the run engine's migration
/// numbered them (id, seq, platform, fencing token): in their runs' order.
#[cfg(test)]
pub(crate) fn jobs_of_two_projects() -> Vec<(String, i64, String, i64)> {
    ["j1", "j2", "j3", "j4"]
        .into_iter()
        .zip(1..)
        .map(|(id, seq)| (id.to_string(), seq, "web".to_string(), 0))
        .collect()
}

/// SQL (for both backends, on the schema before workers had capabilities,
/// after [`RUNS_OF_TWO_PROJECTS`]) registering worker `wrk_old` of web and
/// linux builds.
#[cfg(test)]
pub(crate) const A_WORKER_OF_PLATFORMS: &str = "\
    INSERT INTO worker_tokens (id, name, prefix, secret_hash, created_at) VALUES \
        ('wtk_old', 'fleet', 'ptw_0', 'hash_old', '2025-01-01T00:00:00.000000Z'); \
    INSERT INTO workers (id, token_id, name, platforms, slots, registered_at, last_heartbeat_at) \
        VALUES ('wrk_old', 'wtk_old', 'old', '[\"web\", \"linux\"]', 1, \
        '2025-01-01T00:00:00.000000Z', '2025-01-01T00:00:00.000000Z');";

/// What the capabilities' migration makes of [`A_WORKER_OF_PLATFORMS`]:
/// every test type of its platforms, as its registration meant.
#[cfg(test)]
pub(crate) fn capabilities_of_the_old_worker() -> Vec<playtest_types::Capability> {
    use playtest_types::{Capability, PlatformKind, TestType};
    [PlatformKind::Web, PlatformKind::Linux]
        .into_iter()
        .map(|platform| Capability {
            platform,
            test_types: TestType::ALL.to_vec(),
        })
        .collect()
}

impl DbGuard {
    /// The database's URL, as `playtest --database-url` takes it.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Runs `sql` (one or more statements) on a connection of its own and
    /// returns how many rows it changed. Write it so both databases accept
    /// it: timestamps as `'2025-01-02T03:04:05.000000Z'`, JSON as text.
    pub async fn execute(&self, sql: &str) -> u64 {
        let query = sqlx::raw_sql(AssertSqlSafe(sql.to_string()));
        let result = match self.backend {
            Backend::Sqlite => query
                .execute(&mut self.sqlite().await)
                .await
                .map(|r| r.rows_affected()),
            Backend::Postgres => query
                .execute(&mut self.postgres().await)
                .await
                .map(|r| r.rows_affected()),
        };
        result.unwrap_or_else(|err| panic!("test SQL failed: {err}\n{sql}"))
    }

    /// The one integer `sql` selects (a `COUNT(*)`, say).
    pub async fn query_i64(&self, sql: &str) -> i64 {
        let text = AssertSqlSafe(sql.to_string());
        let result = match self.backend {
            Backend::Sqlite => {
                sqlx::query_scalar(text)
                    .fetch_one(&mut self.sqlite().await)
                    .await
            }
            Backend::Postgres => {
                sqlx::query_scalar(text)
                    .fetch_one(&mut self.postgres().await)
                    .await
            }
        };
        result.unwrap_or_else(|err| panic!("test SQL failed: {err}\n{sql}"))
    }

    async fn sqlite(&self) -> SqliteConnection {
        let options = SqliteConnectOptions::from_str(&self.url)
            .expect("a SQLite URL")
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        SqliteConnection::connect_with(&options)
            .await
            .expect("connect to the test database")
    }

    async fn postgres(&self) -> PgConnection {
        PgConnection::connect(&self.url)
            .await
            .expect("connect to the test database")
    }
}

impl Drop for DbGuard {
    fn drop(&mut self) {
        let Cleanup::Database { admin_url, name } = &self.cleanup else {
            return;
        };
        // Drop runs outside async code, perhaps inside a runtime that must
        // not block on itself: drop the database from a thread of its own.
        let (admin_url, database) = (admin_url.clone(), name.clone());
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let mut admin = PgConnection::connect(&admin_url).await.ok()?;
                // FORCE ends the store's connections, which may still be open.
                let sql = format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)");
                sqlx::raw_sql(AssertSqlSafe(sql))
                    .execute(&mut admin)
                    .await
                    .ok()?;
                admin.close().await.ok()
            })
        })
        .join();
        if !matches!(dropped, Ok(Some(()))) {
            eprintln!("could not drop the test database {name}");
        }
    }
}

/// Generates, for each listed `async fn name(Arc<dyn Store>, DbGuard)` in
/// scope, a test `sqlite::name` and a test `postgres::name`, each on a fresh
/// database. See [`crate::testing`].
#[macro_export]
macro_rules! backend_tests {
    ($($test:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    let (store, db) = $crate::testing::fresh_sqlite().await;
                    super::$test(store, db).await;
                }
            )+
        }

        mod postgres {
            $(
                #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    let (store, db) = $crate::testing::fresh_postgres().await;
                    super::$test(store, db).await;
                }
            )+
        }
    };
}
