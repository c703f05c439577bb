//! The `Store` trait: every read and write the server makes, in terms of the
//! domain, so that handlers stay the same on every database.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use playtest_types::{
    DeploymentConfig, DeploymentConfigSpec, Test, TestPlan, TestPlanSpec, TestSpec,
};

use crate::{
    ApiKeyRecord, BuildFilter, BuildPatch, BuildRecord, CompletedFile, NewApiKey, NewBuild,
    NewRunBatch, Page, PageRequest, ProjectRecord, Reservation, Result, RunBugs, RunDetailsRecord,
    RunFilter, StopOutcome, StorageRules,
};
use crate::{
    ExpiredLease, FinishResult, JobFinish, JobProgress, LeaseRef, LeaseRenewal, LeaseRequest,
    LeasedJob, NewRunEvent, NewWorker, NewWorkerToken, RunEventRecord, WorkerRecord,
    WorkerTokenRecord,
};
use crate::{NewTestAsset, OccurrenceRecord, PutTestAsset, TestAssetRecord};

/// Every method that takes a `project_id` only ever sees that project's
/// objects: another project's ids are reported as [`crate::StoreError::NotFound`].
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// `sqlite` or `postgres`, for logs.
    fn backend(&self) -> &'static str;

    /// Applies the migrations this database has not seen yet.
    async fn migrate(&self) -> Result<()>;

    // Projects.

    /// The project with this name, created (with this id) if there is none.
    async fn ensure_project(&self, id: &str, name: &str) -> Result<ProjectRecord>;
    async fn project(&self, project_id: &str) -> Result<ProjectRecord>;

    // API keys.

    async fn create_key(&self, key: NewApiKey) -> Result<ApiKeyRecord>;
    /// The key whose secret hashes to `secret_hash`, in any project.
    async fn key_by_secret_hash(&self, secret_hash: &str) -> Result<Option<ApiKeyRecord>>;
    async fn list_keys(&self, project_id: &str) -> Result<Vec<ApiKeyRecord>>;
    async fn update_key(
        &self,
        project_id: &str,
        key_id: &str,
        name: Option<&str>,
        disabled: Option<bool>,
    ) -> Result<ApiKeyRecord>;
    async fn delete_key(&self, project_id: &str, key_id: &str) -> Result<()>;
    async fn touch_key(&self, key_id: &str, at: DateTime<Utc>) -> Result<()>;

    // Tests, versioned.

    async fn create_test(
        &self,
        project_id: &str,
        id: &str,
        spec: &TestSpec,
        at: DateTime<Utc>,
    ) -> Result<Test>;
    async fn test(&self, project_id: &str, id: &str) -> Result<Test>;
    async fn list_tests(&self, project_id: &str, page: PageRequest) -> Result<Page<Test>>;
    /// Replaces the spec and bumps the version; with `expected_version`, only
    /// if it is still current ([`crate::StoreError::VersionConflict`] otherwise).
    async fn update_test(
        &self,
        project_id: &str,
        id: &str,
        spec: &TestSpec,
        expected_version: Option<i64>,
        at: DateTime<Utc>,
    ) -> Result<Test>;
    /// Deletes a test and its assets' records, in one transaction, and
    /// returns those assets so that their bytes can be deleted too.
    async fn delete_test(&self, project_id: &str, id: &str) -> Result<Vec<TestAssetRecord>>;

    // Test assets.

    /// Stores an asset's record, replacing the test's asset of the same
    /// name. `NotFound("test")` if the test is not in the project.
    async fn put_test_asset(&self, asset: &NewTestAsset) -> Result<PutTestAsset>;
    /// A test's assets by name. `NotFound("test")` if the test is not in
    /// the project.
    async fn test_assets(&self, project_id: &str, test_id: &str) -> Result<Vec<TestAssetRecord>>;
    /// `NotFound("test asset")` if the test has none of this name (or is
    /// not in the project).
    async fn test_asset(
        &self,
        project_id: &str,
        test_id: &str,
        name: &str,
    ) -> Result<TestAssetRecord>;
    /// Deletes the record and returns it (its bytes are the caller's to
    /// delete). `NotFound("test asset")` as [`Store::test_asset`].
    async fn delete_test_asset(
        &self,
        project_id: &str,
        test_id: &str,
        name: &str,
    ) -> Result<TestAssetRecord>;

    // Test plans.

    async fn create_test_plan(
        &self,
        project_id: &str,
        id: &str,
        spec: &TestPlanSpec,
        at: DateTime<Utc>,
    ) -> Result<TestPlan>;
    async fn test_plan(&self, project_id: &str, id: &str) -> Result<TestPlan>;
    async fn list_test_plans(&self, project_id: &str, page: PageRequest) -> Result<Page<TestPlan>>;
    async fn update_test_plan(
        &self,
        project_id: &str,
        id: &str,
        spec: &TestPlanSpec,
        at: DateTime<Utc>,
    ) -> Result<TestPlan>;
    async fn delete_test_plan(&self, project_id: &str, id: &str) -> Result<()>;

    // Deployment configs.

    async fn create_deployment_config(
        &self,
        project_id: &str,
        id: &str,
        spec: &DeploymentConfigSpec,
        at: DateTime<Utc>,
    ) -> Result<DeploymentConfig>;
    async fn deployment_config(&self, project_id: &str, id: &str) -> Result<DeploymentConfig>;
    async fn list_deployment_configs(
        &self,
        project_id: &str,
        page: PageRequest,
    ) -> Result<Page<DeploymentConfig>>;
    async fn update_deployment_config(
        &self,
        project_id: &str,
        id: &str,
        spec: &DeploymentConfigSpec,
        at: DateTime<Utc>,
    ) -> Result<DeploymentConfig>;
    async fn delete_deployment_config(&self, project_id: &str, id: &str) -> Result<()>;

    // Runs and jobs.

    /// Creates every job and run of the batch (and the plan execution) in one
    /// transaction: all of them or none.
    async fn create_runs(&self, batch: &NewRunBatch) -> Result<()>;
    /// Newest first. Players are included, without their steps.
    async fn list_runs(
        &self,
        project_id: &str,
        filter: &RunFilter,
        page: PageRequest,
    ) -> Result<Page<playtest_types::Run>>;
    /// One run with its players' steps, options and artifacts.
    async fn run_details(&self, project_id: &str, run_id: &str) -> Result<RunDetailsRecord>;
    /// The bug occurrences of one run, in the order they were found.
    async fn run_bugs(&self, project_id: &str, run_id: &str) -> Result<RunBugs>;
    /// One bug occurrence with its run and its trace.
    /// `NotFound("bug occurrence")` for unknown or foreign ones.
    async fn bug_occurrence(
        &self,
        project_id: &str,
        occurrence_id: &str,
    ) -> Result<OccurrenceRecord>;
    /// What a worker needs to play the run of `job_id`: the test as it was
    /// when the run started, its config and build ids, its options.
    /// `NotFound("job")` if there is none.
    async fn run_work(&self, job_id: &str) -> Result<crate::RunWork>;
    /// Stops one job: a queued job completes at once as stopped (its run
    /// too); a running one is marked STOPPING for its worker to end.
    async fn stop_job(
        &self,
        project_id: &str,
        job_id: &str,
        at: DateTime<Utc>,
    ) -> Result<StopOutcome>;

    // Builds and their uploads.

    /// Sets a project's own storage capacity in bytes (`None`: the server's
    /// default applies).
    async fn set_storage_capacity(&self, project_id: &str, capacity: Option<i64>) -> Result<()>;
    /// Inserts a build in `uploading` status and reserves its `file_size` in
    /// the project's storage, in one transaction: when it does not fit, and
    /// `rules.auto_delete` allows, unpinned ready builds are deleted first
    /// (all of them or none); otherwise [`crate::StoreError::QuotaExceeded`]
    /// and nothing changes.
    async fn reserve_build(&self, build: &NewBuild, rules: StorageRules) -> Result<Reservation>;
    async fn build(&self, project_id: &str, build_id: &str) -> Result<BuildRecord>;
    /// The build whose multipart upload has this id and is still pending, in
    /// any project: the upload id is what authorises part URLs.
    async fn build_by_upload_id(&self, upload_id: &str) -> Result<Option<BuildRecord>>;
    /// Newest first.
    async fn list_builds(
        &self,
        project_id: &str,
        filter: &BuildFilter,
        page: PageRequest,
    ) -> Result<Page<playtest_types::Build>>;
    /// Marks a pending upload's build `ready` with its digest. `NotFound` if
    /// the build is not (or no longer) uploading: cancelled, expired, done.
    async fn finish_upload(
        &self,
        project_id: &str,
        build_id: &str,
        file: &CompletedFile,
        at: DateTime<Utc>,
    ) -> Result<playtest_types::Build>;
    /// Deletes a build whose upload is still pending and releases its
    /// reservation. `NotFound` if it is not uploading.
    async fn cancel_upload(&self, project_id: &str, build_id: &str) -> Result<BuildRecord>;
    /// Deletes a build in any status and releases its storage.
    async fn delete_build(&self, project_id: &str, build_id: &str) -> Result<BuildRecord>;
    async fn update_build(
        &self,
        project_id: &str,
        build_id: &str,
        patch: &BuildPatch,
    ) -> Result<playtest_types::Build>;
    /// Records that a run or a download used the build.
    async fn touch_build(&self, project_id: &str, build_id: &str, at: DateTime<Utc>) -> Result<()>;
    /// Deletes up to `limit` pending uploads that expired before `now`,
    /// releasing their reservations, and returns them so that their parts
    /// can be removed from the blob store.
    async fn expire_uploads(&self, now: DateTime<Utc>, limit: i64) -> Result<Vec<BuildRecord>>;

    // Workers and their tokens.

    async fn create_worker_token(&self, token: &NewWorkerToken) -> Result<WorkerTokenRecord>;
    /// The token whose secret hashes to this, revoked or not.
    async fn worker_token_by_secret_hash(
        &self,
        secret_hash: &str,
    ) -> Result<Option<WorkerTokenRecord>>;
    /// With `Some(project)`, that project's tokens; with `None`, every token.
    async fn list_worker_tokens(&self, project_id: Option<&str>) -> Result<Vec<WorkerTokenRecord>>;
    /// Revokes a token (of that project, when given): its workers can no
    /// longer lease or report. `NotFound("worker token")` otherwise.
    async fn revoke_worker_token(&self, project_id: Option<&str>, token_id: &str) -> Result<()>;
    async fn register_worker(&self, worker: &NewWorker) -> Result<WorkerRecord>;
    /// `NotFound("worker")` if there is none.
    async fn worker(&self, worker_id: &str) -> Result<WorkerRecord>;
    /// Records that the worker was heard from.
    async fn touch_worker(&self, worker_id: &str, at: DateTime<Utc>) -> Result<()>;
    /// Workers whose token serves this project (or every worker with
    /// `None`), most recently heard from first.
    async fn list_workers(&self, project_id: Option<&str>) -> Result<Vec<WorkerRecord>>;

    // Leases: a job's life from the queue to its verdict.

    /// Leases the oldest queued job the worker can drive (QUEUED →
    /// STARTING), with the job's next fencing token; `None` when there is
    /// none. Two workers never lease the same job. Both the request's
    /// project and the worker's token's apply; a revoked token's worker
    /// gets `None`, an unknown worker `NotFound("worker")`. The worker
    /// counts as heard from at `request.now`.
    async fn lease_job(&self, request: &LeaseRequest) -> Result<Option<LeasedJob>>;
    /// Extends a lease to `until` and tells whether a stop was requested.
    /// The lease's worker counts as heard from now (by the clock).
    async fn renew_lease(&self, lease: &LeaseRef, until: DateTime<Utc>) -> Result<LeaseRenewal>;
    /// Writes what a worker reports, in one transaction, with its events.
    /// `NotFound("step")` (and nothing written) for a step the run does
    /// not have; an occurrence whose id is already stored is skipped, so a
    /// report sent again adds no bug.
    ///
    /// An occurrence that `minimizes` another of the project (same
    /// fingerprint) with a shorter trace also replaces that one's
    /// reproduction steps and trace, noting the shortening in its details
    /// (`minimized`). One that names an unknown or foreign occurrence, or
    /// another bug, is stored all the same and the shortening is skipped
    /// with a warning.
    async fn record_progress(
        &self,
        lease: &LeaseRef,
        progress: &JobProgress,
        at: DateTime<Utc>,
    ) -> Result<()>;
    /// Ends the lease. With error, timeout, or a stop no user asked for,
    /// and retries left, the job goes back to the queue (its run reset to
    /// initializing, its steps to pending); otherwise job and run complete
    /// (steps not finished become incomplete) with the artifacts listed.
    /// A job a user asked to stop is never retried, whatever the outcome.
    async fn finish_job(&self, lease: &LeaseRef, finish: &JobFinish) -> Result<FinishResult>;
    /// Takes up to `limit` leases that expired before `now` and retries
    /// their jobs, or completes them as `error` when no retry is left (as
    /// `stopped` when a user asked for the job to stop).
    async fn expire_leases(&self, now: DateTime<Utc>, limit: i64) -> Result<Vec<ExpiredLease>>;
    /// Sets `queue_rejection_reason` on queued jobs whose platform is not in
    /// `drivable` (no connected worker can drive them) and clears it on the
    /// others. Returns how many jobs changed.
    async fn refresh_queue_rejections(
        &self,
        drivable: &[playtest_types::PlatformKind],
    ) -> Result<u64>;
    /// Waits until jobs may have been queued (by any replica sharing the
    /// database), or `timeout` passes. Spurious wake-ups are allowed.
    async fn wait_for_jobs(&self, timeout: Duration) -> Result<()>;

    // Run events and plan executions.

    /// A run's events after `after_seq`, oldest first, at most `limit`.
    /// `NotFound("run")` for unknown or foreign runs.
    async fn run_events(
        &self,
        project_id: &str,
        run_id: &str,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<RunEventRecord>>;
    /// Appends events to a run's log (for the server's own notes, e.g. a
    /// lease that expired).
    async fn append_run_events(&self, run_id: &str, events: &[NewRunEvent]) -> Result<()>;
    async fn plan_execution(
        &self,
        project_id: &str,
        execution_id: &str,
    ) -> Result<playtest_types::TestPlanExecution>;
}
