//! The PostgreSQL backend, for the scale-out deployment: several API
//! replicas share one database, so every rule that must hold across
//! replicas (unique ids, versions, one stop winning) is enforced by the
//! database, with constraints and conditional updates.

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
use chrono::{DateTime, Utc};
use playtest_types::{
    Build, DeploymentConfig, DeploymentConfigSpec, PlatformKind, Run, Test, TestPlan,
    TestPlanExecution, TestPlanSpec, TestSpec,
};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{Connection, Postgres, Transaction};

use self::listener::JobSignal;
use crate::{
    ApiKeyRecord, BuildFilter, BuildPatch, BuildRecord, CompletedFile, ExpiredLease, FinishResult,
    JobFinish, JobProgress, LeaseRef, LeaseRenewal, LeaseRequest, LeasedJob, NewApiKey, NewBuild,
    NewRunBatch, NewRunEvent, NewWorker, NewWorkerToken, Page, PageRequest, ProjectRecord,
    Reservation, Result, RunBugs, RunDetailsRecord, RunEventRecord, RunFilter, RunWork,
    StopOutcome, StorageRules, Store, WorkerRecord, WorkerTokenRecord,
};
use crate::{NewTestAsset, OccurrenceRecord, PutTestAsset, TestAssetRecord};

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
    use super::*;
    use crate::testing::{
        Backend, RUNS_OF_TWO_PROJECTS, counts_of_two_projects, jobs_of_two_projects, unmigrated,
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
}
