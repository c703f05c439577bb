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
use playtest_types::{
    Build, DeploymentConfig, DeploymentConfigSpec, PlatformKind, Run, Test, TestPlan,
    TestPlanExecution, TestPlanSpec, TestSpec,
};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Sqlite, Transaction};
use tokio::sync::Notify;

use crate::{
    ApiKeyRecord, BuildFilter, BuildPatch, BuildRecord, CompletedFile, ExpiredLease, FinishResult,
    JobFinish, JobProgress, LeaseRef, LeaseRenewal, LeaseRequest, LeasedJob, NewApiKey, NewBuild,
    NewRunBatch, NewRunEvent, NewWorker, NewWorkerToken, Page, PageRequest, ProjectRecord,
    Reservation, Result, RunBugs, RunDetailsRecord, RunEventRecord, RunFilter, RunWork,
    StopOutcome, StorageRules, Store, WorkerRecord, WorkerTokenRecord,
};
use crate::{NewTestAsset, OccurrenceRecord, PutTestAsset, TestAssetRecord};

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

    async fn ensure_project(&self, id: &str, name: &str) -> Result<ProjectRecord> {
        keys::ensure_project(self, id, name).await
    }

    async fn project(&self, project_id: &str) -> Result<ProjectRecord> {
        keys::project(self, project_id).await
    }

    async fn create_key(&self, key: NewApiKey) -> Result<ApiKeyRecord> {
        keys::create_key(self, key).await
    }

    async fn key_by_secret_hash(&self, secret_hash: &str) -> Result<Option<ApiKeyRecord>> {
        keys::key_by_secret_hash(self, secret_hash).await
    }

    async fn list_keys(&self, project_id: &str) -> Result<Vec<ApiKeyRecord>> {
        keys::list_keys(self, project_id).await
    }

    async fn update_key(
        &self,
        project_id: &str,
        key_id: &str,
        name: Option<&str>,
        disabled: Option<bool>,
    ) -> Result<ApiKeyRecord> {
        keys::update_key(self, project_id, key_id, name, disabled).await
    }

    async fn delete_key(&self, project_id: &str, key_id: &str) -> Result<()> {
        keys::delete_key(self, project_id, key_id).await
    }

    async fn touch_key(&self, key_id: &str, at: DateTime<Utc>) -> Result<()> {
        keys::touch_key(self, key_id, at).await
    }

    async fn create_test(
        &self,
        project_id: &str,
        id: &str,
        spec: &TestSpec,
        at: DateTime<Utc>,
    ) -> Result<Test> {
        documents::create(self, project_id, id, spec, at).await
    }

    async fn test(&self, project_id: &str, id: &str) -> Result<Test> {
        documents::get(self, project_id, id).await
    }

    async fn list_tests(&self, project_id: &str, page: PageRequest) -> Result<Page<Test>> {
        documents::list(self, project_id, page).await
    }

    async fn update_test(
        &self,
        project_id: &str,
        id: &str,
        spec: &TestSpec,
        expected_version: Option<i64>,
        at: DateTime<Utc>,
    ) -> Result<Test> {
        documents::update(self, project_id, id, spec, expected_version, at).await
    }

    async fn delete_test(&self, project_id: &str, id: &str) -> Result<Vec<TestAssetRecord>> {
        assets::delete_test(self, project_id, id).await
    }

    async fn put_test_asset(&self, asset: &NewTestAsset) -> Result<PutTestAsset> {
        assets::put(self, asset).await
    }

    async fn test_assets(&self, project_id: &str, test_id: &str) -> Result<Vec<TestAssetRecord>> {
        assets::list(self, project_id, test_id).await
    }

    async fn test_asset(
        &self,
        project_id: &str,
        test_id: &str,
        name: &str,
    ) -> Result<TestAssetRecord> {
        assets::get(self, project_id, test_id, name).await
    }

    async fn delete_test_asset(
        &self,
        project_id: &str,
        test_id: &str,
        name: &str,
    ) -> Result<TestAssetRecord> {
        assets::delete(self, project_id, test_id, name).await
    }

    async fn create_test_plan(
        &self,
        project_id: &str,
        id: &str,
        spec: &TestPlanSpec,
        at: DateTime<Utc>,
    ) -> Result<TestPlan> {
        documents::create(self, project_id, id, spec, at).await
    }

    async fn test_plan(&self, project_id: &str, id: &str) -> Result<TestPlan> {
        documents::get(self, project_id, id).await
    }

    async fn list_test_plans(&self, project_id: &str, page: PageRequest) -> Result<Page<TestPlan>> {
        documents::list(self, project_id, page).await
    }

    async fn update_test_plan(
        &self,
        project_id: &str,
        id: &str,
        spec: &TestPlanSpec,
        at: DateTime<Utc>,
    ) -> Result<TestPlan> {
        documents::update(self, project_id, id, spec, None, at).await
    }

    async fn delete_test_plan(&self, project_id: &str, id: &str) -> Result<()> {
        documents::delete::<TestPlan>(self, project_id, id).await
    }

    async fn create_deployment_config(
        &self,
        project_id: &str,
        id: &str,
        spec: &DeploymentConfigSpec,
        at: DateTime<Utc>,
    ) -> Result<DeploymentConfig> {
        documents::create(self, project_id, id, spec, at).await
    }

    async fn deployment_config(&self, project_id: &str, id: &str) -> Result<DeploymentConfig> {
        documents::get(self, project_id, id).await
    }

    async fn list_deployment_configs(
        &self,
        project_id: &str,
        page: PageRequest,
    ) -> Result<Page<DeploymentConfig>> {
        documents::list(self, project_id, page).await
    }

    async fn update_deployment_config(
        &self,
        project_id: &str,
        id: &str,
        spec: &DeploymentConfigSpec,
        at: DateTime<Utc>,
    ) -> Result<DeploymentConfig> {
        documents::update(self, project_id, id, spec, None, at).await
    }

    async fn delete_deployment_config(&self, project_id: &str, id: &str) -> Result<()> {
        documents::delete::<DeploymentConfig>(self, project_id, id).await
    }

    async fn create_runs(&self, batch: &NewRunBatch) -> Result<()> {
        runs::create_runs(self, batch).await
    }

    async fn list_runs(
        &self,
        project_id: &str,
        filter: &RunFilter,
        page: PageRequest,
    ) -> Result<Page<Run>> {
        run_reads::list_runs(self, project_id, filter, page).await
    }

    async fn run_details(&self, project_id: &str, run_id: &str) -> Result<RunDetailsRecord> {
        run_reads::run_details(self, project_id, run_id).await
    }

    async fn run_bugs(&self, project_id: &str, run_id: &str) -> Result<RunBugs> {
        run_reads::run_bugs(self, project_id, run_id).await
    }

    async fn bug_occurrence(
        &self,
        project_id: &str,
        occurrence_id: &str,
    ) -> Result<OccurrenceRecord> {
        run_reads::bug_occurrence(self, project_id, occurrence_id).await
    }

    async fn run_work(&self, job_id: &str) -> Result<RunWork> {
        run_reads::run_work(self, job_id).await
    }

    async fn stop_job(
        &self,
        project_id: &str,
        job_id: &str,
        at: DateTime<Utc>,
    ) -> Result<StopOutcome> {
        stop::stop_job(self, project_id, job_id, at).await
    }

    async fn set_storage_capacity(&self, project_id: &str, capacity: Option<i64>) -> Result<()> {
        storage::set_storage_capacity(self, project_id, capacity).await
    }

    async fn reserve_build(&self, build: &NewBuild, rules: StorageRules) -> Result<Reservation> {
        storage::reserve_build(self, build, rules).await
    }

    async fn build(&self, project_id: &str, build_id: &str) -> Result<BuildRecord> {
        builds::build(self, project_id, build_id).await
    }

    async fn build_by_upload_id(&self, upload_id: &str) -> Result<Option<BuildRecord>> {
        builds::build_by_upload_id(self, upload_id).await
    }

    async fn list_builds(
        &self,
        project_id: &str,
        filter: &BuildFilter,
        page: PageRequest,
    ) -> Result<Page<Build>> {
        builds::list_builds(self, project_id, filter, page).await
    }

    async fn finish_upload(
        &self,
        project_id: &str,
        build_id: &str,
        file: &CompletedFile,
        at: DateTime<Utc>,
    ) -> Result<Build> {
        storage::finish_upload(self, project_id, build_id, file, at).await
    }

    async fn cancel_upload(&self, project_id: &str, build_id: &str) -> Result<BuildRecord> {
        storage::cancel_upload(self, project_id, build_id).await
    }

    async fn delete_build(&self, project_id: &str, build_id: &str) -> Result<BuildRecord> {
        storage::delete_build(self, project_id, build_id).await
    }

    async fn update_build(
        &self,
        project_id: &str,
        build_id: &str,
        patch: &BuildPatch,
    ) -> Result<Build> {
        builds::update_build(self, project_id, build_id, patch).await
    }

    async fn touch_build(&self, project_id: &str, build_id: &str, at: DateTime<Utc>) -> Result<()> {
        builds::touch_build(self, project_id, build_id, at).await
    }

    async fn expire_uploads(&self, now: DateTime<Utc>, limit: i64) -> Result<Vec<BuildRecord>> {
        storage::expire_uploads(self, now, limit).await
    }

    async fn create_worker_token(&self, token: &NewWorkerToken) -> Result<WorkerTokenRecord> {
        workers::create_worker_token(self, token).await
    }

    async fn worker_token_by_secret_hash(
        &self,
        secret_hash: &str,
    ) -> Result<Option<WorkerTokenRecord>> {
        workers::worker_token_by_secret_hash(self, secret_hash).await
    }

    async fn list_worker_tokens(&self, project_id: Option<&str>) -> Result<Vec<WorkerTokenRecord>> {
        workers::list_worker_tokens(self, project_id).await
    }

    async fn revoke_worker_token(&self, project_id: Option<&str>, token_id: &str) -> Result<()> {
        workers::revoke_worker_token(self, project_id, token_id).await
    }

    async fn register_worker(&self, worker: &NewWorker) -> Result<WorkerRecord> {
        workers::register_worker(self, worker).await
    }

    async fn worker(&self, worker_id: &str) -> Result<WorkerRecord> {
        workers::worker(self, worker_id).await
    }

    async fn touch_worker(&self, worker_id: &str, at: DateTime<Utc>) -> Result<()> {
        workers::touch_worker(self, worker_id, at).await
    }

    async fn list_workers(&self, project_id: Option<&str>) -> Result<Vec<WorkerRecord>> {
        workers::list_workers(self, project_id).await
    }

    async fn lease_job(&self, request: &LeaseRequest) -> Result<Option<LeasedJob>> {
        leases::lease_job(self, request).await
    }

    async fn renew_lease(&self, lease: &LeaseRef, until: DateTime<Utc>) -> Result<LeaseRenewal> {
        leases::renew_lease(self, lease, until).await
    }

    async fn record_progress(
        &self,
        lease: &LeaseRef,
        progress: &JobProgress,
        at: DateTime<Utc>,
    ) -> Result<()> {
        progress::record_progress(self, lease, progress, at).await
    }

    async fn finish_job(&self, lease: &LeaseRef, finish: &JobFinish) -> Result<FinishResult> {
        finish::finish_job(self, lease, finish).await
    }

    async fn expire_leases(&self, now: DateTime<Utc>, limit: i64) -> Result<Vec<ExpiredLease>> {
        leases::expire_leases(self, now, limit).await
    }

    async fn refresh_queue_rejections(&self, drivable: &[PlatformKind]) -> Result<u64> {
        leases::refresh_queue_rejections(self, drivable).await
    }

    async fn wait_for_jobs(&self, timeout: Duration) -> Result<()> {
        leases::wait_for_jobs(self, timeout).await
    }

    async fn run_events(
        &self,
        project_id: &str,
        run_id: &str,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<RunEventRecord>> {
        events::run_events(self, project_id, run_id, after_seq, limit).await
    }

    async fn append_run_events(&self, run_id: &str, events: &[NewRunEvent]) -> Result<()> {
        events::append_run_events(self, run_id, events).await
    }

    async fn plan_execution(
        &self,
        project_id: &str,
        execution_id: &str,
    ) -> Result<TestPlanExecution> {
        events::plan_execution(self, project_id, execution_id).await
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[tokio::test]
    async fn an_in_memory_database_keeps_its_data_between_writes_and_reads() {
        let store = crate::open("sqlite::memory:").await.unwrap();
        let created = store.ensure_project("prj_1", "default").await.unwrap();
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

    #[test]
    fn stored_timestamps_have_a_fixed_width_and_microseconds() {
        let whole = Utc.with_ymd_and_hms(2025, 1, 2, 3, 4, 5).unwrap();
        assert_eq!(ts(whole), "2025-01-02T03:04:05.000000Z");
        let fine = whole + chrono::Duration::nanoseconds(123_456_789);
        assert_eq!(ts(fine), "2025-01-02T03:04:05.123456Z");
    }
}
