//! Builders of the objects the tests store, workers and leases, and the
//! raw SQL that puts runs in states no store method reaches yet.

use std::time::Duration;

use chrono::{DateTime, SubsecRound, TimeZone, Utc};
use playtest_store::testing::DbGuard;
use playtest_store::{
    BuildRecord, CompletedFile, JobFinish, LeaseRef, LeaseRequest, LeasedJob, NewBuild, NewPlayer,
    NewRun, NewRunBatch, NewWorker, NewWorkerToken, PageRequest, PendingUpload, StorageRules,
    Store, UploadKind, ids,
};
use playtest_types::{
    BuildDetails, BuildPlatform, Capability, DeletionPolicy, DeploymentConfigSpec, Initiator,
    Launch, PlatformKind, RunEvent, RunOptions, RunOutcome, StepGoal, TestPlayer, TestSpec,
    TestStep, TestType,
};
use serde_json::json;

/// A project of its own for a test.
pub async fn project(store: &dyn Store, name: &str) -> String {
    store
        .ensure_project(&ids::prefixed("prj"), name, Utc::now())
        .await
        .unwrap()
        .id
}

/// A fixed instant `seconds` after a base, with a sub-microsecond part the
/// store must drop.
pub fn at(seconds: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 1, 12, 0, 0).unwrap()
        + chrono::Duration::seconds(seconds)
        + chrono::Duration::nanoseconds(123_456_789)
}

/// The instant written as `text` (RFC 3339).
pub fn instant(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

/// What the store keeps of an instant: microseconds.
pub fn stored(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(6)
}

pub fn page(page: i64, page_size: i64) -> PageRequest {
    PageRequest { page, page_size }
}

/// A verification test whose players have these numbers of steps.
pub fn test_spec(name: &str, steps_per_player: &[usize]) -> TestSpec {
    TestSpec {
        name: name.to_string(),
        test_type: TestType::Verification,
        description: "a test".to_string(),
        min_seconds: None,
        max_seconds: Some(60),
        tags: vec!["smoke".to_string()],
        players: steps_per_player
            .iter()
            .enumerate()
            .map(|(p, &steps)| TestPlayer {
                name: format!("player {p}"),
                steps: (0..steps)
                    .map(|s| TestStep {
                        goal: format!("goal {p}.{s}"),
                        finish_condition: format!("done {p}.{s}"),
                        actions: vec![],
                        expected_results: vec![],
                    })
                    .collect(),
            })
            .collect(),
        discovery: None,
        game_loop: None,
    }
}

pub fn config_spec(name: &str, kind: PlatformKind) -> DeploymentConfigSpec {
    DeploymentConfigSpec {
        name: name.to_string(),
        kind,
        build_id: Some("bld_1".to_string()),
        launch: Launch {
            entry: "index.html".to_string(),
            args: vec![],
            env: Default::default(),
            width: 800,
            height: 600,
            init_scripts: vec![],
        },
    }
}

/// A run of a test with these numbers of steps per player, carrying `tags`.
pub fn new_run(steps_per_player: &[usize], tags: &[&str]) -> NewRun {
    let spec = test_spec("walk", steps_per_player);
    let players = spec
        .players
        .iter()
        .enumerate()
        .map(|(number, player)| NewPlayer {
            id: ids::short_id(),
            player_number: number as i32,
            test_name: player.name.clone(),
            steps: player
                .steps
                .iter()
                .map(|s| StepGoal {
                    goal: s.goal.clone(),
                    finish_condition: s.finish_condition.clone(),
                })
                .collect(),
        })
        .collect();
    NewRun {
        job_id: ids::short_id(),
        run_id: ids::short_id(),
        test_id: "tst_walk".to_string(),
        test_name: spec.name.clone(),
        test_spec: spec,
        deployment_config_id: "dcf_web".to_string(),
        platform: PlatformKind::Web,
        build_id: Some("bld_1".to_string()),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        initiator: Initiator {
            kind: "api_key".to_string(),
            value: json!({"key_id": "key_1", "name": "ci"}),
        },
        options: RunOptions {
            max_time_seconds: Some(60),
            ..Default::default()
        },
        templating_enabled: true,
        template_data: json!({"level": 3}).as_object().unwrap().clone(),
        retries: 2,
        players,
        replay: None,
    }
}

pub fn batch(project_id: &str, runs: Vec<NewRun>) -> NewRunBatch {
    NewRunBatch {
        project_id: project_id.to_string(),
        created_at: at(0),
        plan_execution: None,
        runs,
    }
}

/// Creates `count` runs (one batch each, so each is newer than the last)
/// and returns their ids, oldest first.
pub async fn runs(store: &dyn Store, project_id: &str, count: usize) -> Vec<String> {
    let mut ids = Vec::with_capacity(count);
    for _ in 0..count {
        let run = new_run(&[1], &[]);
        ids.push(run.run_id.clone());
        store
            .create_runs(&batch(project_id, vec![run]))
            .await
            .unwrap();
    }
    ids
}

/// Sets a job's status, as a worker would.
pub async fn set_job_status(db: &DbGuard, job_id: &str, status: &str) {
    db.execute(&format!(
        "UPDATE jobs SET status = '{status}' WHERE id = '{job_id}'"
    ))
    .await;
}

/// Completes a run with an outcome, as a worker would.
pub async fn complete_run(db: &DbGuard, run_id: &str, outcome: &str) {
    db.execute(&format!(
        "UPDATE runs SET state = 'completed', outcome = '{outcome}', \
         started_at = '2025-03-01T12:00:00.000000Z', completed_at = '2025-03-01T12:00:02.500000Z' \
         WHERE id = '{run_id}'; \
         UPDATE jobs SET status = 'COMPLETED' WHERE id = (SELECT job_id FROM runs WHERE id = '{run_id}')"
    ))
    .await;
}

/// Records a bug occurrence in a run, as a worker would.
pub async fn add_bug(
    db: &DbGuard,
    project_id: &str,
    run_id: &str,
    occurrence: &str,
    detected_at: &str,
) {
    let bug = format!("bug_{occurrence}");
    db.execute(&format!(
        "INSERT INTO bugs (id, project_id, fingerprint, title, category, severity, first_seen_at) \
         VALUES ('{bug}', '{project_id}', 'fp_{occurrence}', 'Crash', 'crash', 'high', '{detected_at}'); \
         INSERT INTO bug_occurrences (id, bug_id, run_id, project_id, title, description, category, severity, \
         confidence, reproduction_steps, player_number, test_step, turn, detected_at, details) \
         VALUES ('{occurrence}', '{bug}', '{run_id}', '{project_id}', 'Crash {occurrence}', 'it crashed', 'crash', \
         'high', 'medium', 'press up', 0, 1, 7, '{detected_at}', \
         '{{\"screenshot_url\": null, \"video_offset_ms\": 1500, \"fingerprint\": \"fp_{occurrence}\", \"trace_url\": null}}'); \
         UPDATE runs SET bug_count = bug_count + 1 WHERE id = '{run_id}'"
    ))
    .await;
}

/// Adds `count` completed runs carrying `tag` to a project with plain SQL
/// (fast enough for thousands).
pub async fn seed_tagged_runs(db: &DbGuard, project_id: &str, count: usize, tag: &str) {
    let numbers = format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count})"
    );
    let t = "'2025-03-01T12:00:00.000000Z'";
    db.execute(&format!(
        "{numbers} INSERT INTO jobs (id, project_id, status, created_at, updated_at) \
         SELECT '{project_id}_j' || i, '{project_id}', 'COMPLETED', {t}, {t} FROM n"
    ))
    .await;
    db.execute(&format!(
        "{numbers} INSERT INTO runs (id, job_id, project_id, test_id, test_name, test_type, test_spec, \
         deployment_config_id, platform, state, outcome, tags, initiator, options, created_at) \
         SELECT '{project_id}_r' || i, '{project_id}_j' || i, '{project_id}', 'tst', 'walk', 'verification', '{{}}', \
         'dcf', 'web', 'completed', 'success', '[\"{tag}\"]', '{{\"type\": \"api_key\", \"value\": {{}}}}', '{{}}', {t} FROM n"
    ))
    .await;
    db.execute(&format!(
        "INSERT INTO run_tags (run_id, tag) SELECT id, '{tag}' FROM runs WHERE project_id = '{project_id}'"
    ))
    .await;
}

/// A web build of `file_size` bytes uploaded in one PUT, created at `at(0)`
/// and expiring at `at(3600)`.
pub fn new_build(project_id: &str, name: &str, file_size: i64) -> NewBuild {
    let id = ids::prefixed("bld");
    NewBuild {
        blob_key: format!("builds/{project_id}/{id}"),
        id,
        project_id: project_id.to_string(),
        name: name.to_string(),
        platform: BuildPlatform::Web,
        file_name: format!("{name}.zip"),
        file_size,
        tags: vec![],
        description: None,
        details: BuildDetails::default(),
        upload: PendingUpload {
            kind: UploadKind::Single,
            expires_at: at(3600),
        },
        created_at: at(0),
    }
}

/// No capacity, no eviction.
pub fn unlimited() -> StorageRules {
    StorageRules {
        default_capacity: None,
        auto_delete: None,
    }
}

/// Reserves `build` with no limit and completes its upload at its declared
/// size.
pub async fn ready_build(store: &dyn Store, build: NewBuild) -> BuildRecord {
    let (project_id, size) = (build.project_id.clone(), build.file_size);
    let reserved = store
        .reserve_build(&build, unlimited())
        .await
        .unwrap()
        .build;
    let file = CompletedFile {
        size,
        sha256: "ab".repeat(32),
    };
    store
        .finish_upload(&project_id, &reserved.build.id, &file, at(1))
        .await
        .unwrap();
    store.build(&project_id, &reserved.build.id).await.unwrap()
}

/// The bytes a project's builds hold, as the store counts them.
pub async fn storage_used(store: &dyn Store, project_id: &str) -> i64 {
    store.project(project_id).await.unwrap().storage_used
}

/// Rules that evict by `policy`, with no default capacity.
pub fn evicting(policy: DeletionPolicy) -> StorageRules {
    StorageRules {
        default_capacity: None,
        auto_delete: Some(policy),
    }
}

/// A build whose upload expires `expires_at` seconds after the base.
pub fn expiring(project_id: &str, name: &str, size: i64, expires_at: i64) -> NewBuild {
    NewBuild {
        upload: PendingUpload {
            kind: UploadKind::Single,
            expires_at: at(expires_at),
        },
        ..new_build(project_id, name, size)
    }
}

/// Three ready builds of 30 bytes in a project of capacity 100, created at
/// 0, 1 and 2 seconds; the first was used last, at 10 seconds.
pub async fn three_ready_builds(store: &dyn Store, project_id: &str) -> Vec<String> {
    store
        .set_storage_capacity(project_id, Some(100))
        .await
        .unwrap();
    let mut made = Vec::new();
    for (i, name) in ["first", "second", "third"].into_iter().enumerate() {
        let build = NewBuild {
            created_at: at(i as i64),
            ..new_build(project_id, name, 30)
        };
        made.push(ready_build(store, build).await.build.id);
    }
    store
        .touch_build(project_id, &made[0], at(10))
        .await
        .unwrap();
    made
}

/// A worker registered with a token of `project_id` (`None`: every
/// project), playing every test type of `platforms`.
pub async fn worker(
    store: &dyn Store,
    project_id: Option<&str>,
    platforms: &[PlatformKind],
) -> String {
    worker_playing(store, project_id, &every_test_type(platforms)).await
}

/// Every test type of `platforms`.
pub fn every_test_type(platforms: &[PlatformKind]) -> Vec<Capability> {
    platforms
        .iter()
        .map(|&platform| Capability {
            platform,
            test_types: TestType::ALL.to_vec(),
        })
        .collect()
}

/// A worker registered with a token of `project_id` (`None`: every
/// project), playing `capabilities`.
pub async fn worker_playing(
    store: &dyn Store,
    project_id: Option<&str>,
    capabilities: &[Capability],
) -> String {
    let token = store
        .create_worker_token(&new_worker_token(project_id))
        .await
        .unwrap();
    let worker = NewWorker {
        id: ids::prefixed("wrk"),
        token_id: token.token.id,
        name: "runner-1".to_string(),
        capabilities: capabilities.to_vec(),
        slots: 2,
        version: Some("0.1.0".to_string()),
        registered_at: at(0),
    };
    store.register_worker(&worker).await.unwrap().id
}

/// A worker token of `project_id` (`None`: every project), created at `at(0)`.
pub fn new_worker_token(project_id: Option<&str>) -> NewWorkerToken {
    NewWorkerToken {
        id: ids::prefixed("wtk"),
        name: "runners".to_string(),
        prefix: "ptw_01234".to_string(),
        secret_hash: ids::prefixed("hash"),
        project_id: project_id.map(str::to_string),
        created_at: at(0),
    }
}

/// A request of `worker_id` for a web or linux job of any project, at
/// `at(now)`, for a lease of 30 seconds.
pub fn lease_request(worker_id: &str, now: i64) -> LeaseRequest {
    LeaseRequest {
        worker_id: worker_id.to_string(),
        capabilities: every_test_type(&[PlatformKind::Web, PlatformKind::Linux]),
        project_id: None,
        now: at(now),
        lease_for: Duration::from_secs(30),
    }
}

/// A job leased by a worker of the tests, and that worker.
#[derive(Debug, Clone)]
pub struct Leased {
    pub job: LeasedJob,
    pub worker_id: String,
}

impl std::ops::Deref for Leased {
    type Target = LeasedJob;

    fn deref(&self) -> &LeasedJob {
        &self.job
    }
}

/// Leases the next job for `worker_id` at `at(now)`; there must be one.
pub async fn lease(store: &dyn Store, worker_id: &str, now: i64) -> Leased {
    let job = store
        .lease_job(&lease_request(worker_id, now))
        .await
        .unwrap()
        .expect("a queued job to lease");
    Leased {
        job,
        worker_id: worker_id.to_string(),
    }
}

/// What the leaseholder of `leased` names in its writes.
pub fn lease_ref(leased: &Leased) -> LeaseRef {
    LeaseRef {
        job_id: leased.job_id.clone(),
        worker_id: leased.worker_id.clone(),
        fencing_token: leased.fencing_token,
    }
}

/// A finish with `outcome` at `at(seconds)`, with no artifacts.
pub fn finish(outcome: RunOutcome, seconds: i64) -> JobFinish {
    JobFinish {
        outcome,
        artifacts: vec![],
        reason: None,
        at: at(seconds),
    }
}

/// Every event of a run.
pub async fn events(store: &dyn Store, project_id: &str, run_id: &str) -> Vec<RunEvent> {
    store
        .run_events(project_id, run_id, 0, 10_000)
        .await
        .unwrap()
}

/// A run of a `test_type` test of one player with one step on `platform`.
pub fn run_playing(platform: PlatformKind, test_type: TestType) -> NewRun {
    let mut run = run_on(platform, 1, 0);
    run.test_spec.test_type = test_type;
    run
}

/// A run of one player with `steps` steps on `platform`, allowing `retries`.
pub fn run_on(platform: PlatformKind, steps: usize, retries: i32) -> NewRun {
    NewRun {
        platform,
        retries,
        ..new_run(&[steps], &[])
    }
}

/// Creates one batch of these runs in a project.
pub async fn create(store: &dyn Store, project_id: &str, runs: &[NewRun]) {
    store
        .create_runs(&batch(project_id, runs.to_vec()))
        .await
        .unwrap();
}
