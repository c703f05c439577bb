//! The scheduler and the sweeper under a clock the tests move: leases that
//! end, workers that fall silent, on both databases, without waiting.
//! (The end-to-end flows with real workers and sandboxes are the API's
//! `engine` suite, in real time.)

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use playtest_engine::{EngineSettings, Scheduler, sweeper};
use playtest_store::testing::DbGuard;
use playtest_store::{
    Clock, LeaseRef, LeasedJob, ManualClock, NewPlayer, NewRun, NewRunBatch, NewWorker,
    NewWorkerToken, Store, WorkerRecord, ids,
};
use playtest_types::{
    Capability, Initiator, JobStatus, PlatformKind, RunOptions, TestSpec, TestType,
};
use serde_json::json;

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap()
}

fn settings() -> EngineSettings {
    EngineSettings {
        lease_duration: Duration::from_secs(30),
        max_lease_wait: Duration::from_secs(60),
        sweep_interval: Duration::from_secs(5),
    }
}

/// A project with one queued web discovery job (one retry allowed); its
/// run id.
async fn queued_job(store: &dyn Store, at: DateTime<Utc>) -> (String, String) {
    let project = store
        .ensure_project(&ids::prefixed("prj"), "engine", at)
        .await
        .unwrap()
        .id;
    let spec = TestSpec {
        name: "explore".into(),
        test_type: TestType::Discovery,
        description: String::new(),
        min_seconds: None,
        max_seconds: Some(60),
        tags: vec![],
        players: vec![],
        discovery: None,
        game_loop: None,
    };
    let run = NewRun {
        job_id: ids::short_id(),
        run_id: ids::short_id(),
        test_id: "tst_explore".into(),
        test_name: spec.name.clone(),
        test_spec: spec,
        deployment_config_id: "dcf_web".into(),
        platform: PlatformKind::Web,
        build_id: None,
        tags: vec![],
        initiator: Initiator {
            kind: "api_key".into(),
            value: json!({"key_id": "key_1", "name": "ci"}),
        },
        options: RunOptions::default(),
        templating_enabled: false,
        template_data: Default::default(),
        retries: 1,
        players: vec![NewPlayer {
            id: ids::short_id(),
            player_number: 0,
            test_name: "explore".into(),
            steps: vec![],
        }],
        replay: None,
    };
    let run_id = run.run_id.clone();
    store
        .create_runs(&NewRunBatch {
            project_id: project.clone(),
            created_at: at,
            plan_execution: None,
            runs: vec![run],
        })
        .await
        .unwrap();
    (project, run_id)
}

/// A web worker (scripted and explorer tests) serving every project,
/// heard from at `at`.
async fn web_worker(store: &dyn Store, at: DateTime<Utc>) -> WorkerRecord {
    let plays = [TestType::Verification, TestType::Discovery];
    worker_playing(store, at, &plays).await
}

/// A worker of web builds playing `test_types`, serving every project,
/// heard from at `at`.
async fn worker_playing(
    store: &dyn Store,
    at: DateTime<Utc>,
    test_types: &[TestType],
) -> WorkerRecord {
    let token = store
        .create_worker_token(&NewWorkerToken {
            id: ids::prefixed("wtk"),
            name: "fleet".into(),
            prefix: "ptw_x".into(),
            secret_hash: ids::prefixed("hash"),
            project_id: None,
            created_at: at,
        })
        .await
        .unwrap();
    store
        .register_worker(&NewWorker {
            id: ids::prefixed("wrk"),
            token_id: token.token.id,
            name: "runner".into(),
            capabilities: vec![Capability {
                platform: PlatformKind::Web,
                test_types: test_types.to_vec(),
            }],
            slots: 1,
            version: None,
            registered_at: at,
        })
        .await
        .unwrap()
}

async fn job_status(store: &dyn Store, project: &str, run_id: &str) -> (JobStatus, Option<String>) {
    let run = store.run_details(project, run_id).await.unwrap().run;
    (run.job_status, run.queue_rejection_reason)
}

/// Leases the queued job now, without waiting.
async fn lease(scheduler: &Scheduler, worker: &WorkerRecord) -> LeasedJob {
    scheduler
        .lease(worker, Duration::ZERO)
        .await
        .unwrap()
        .expect("the queued job is leased")
}

async fn a_lease_not_renewed_is_taken_back_at_the_first_sweep_after_its_end(
    store: Arc<dyn Store>,
    _db: DbGuard,
) {
    let clock = Arc::new(ManualClock::starting_at(start()));
    let (project, run_id) = queued_job(store.as_ref(), clock.now()).await;
    let worker = web_worker(store.as_ref(), clock.now()).await;
    let scheduler = Scheduler::new(store.clone(), settings(), clock.clone());
    let leased = lease(&scheduler, &worker).await;
    assert_eq!(
        leased.lease_expires_at,
        start() + chrono::Duration::seconds(30)
    );

    clock.advance(Duration::from_secs(29));
    sweeper::sweep_once(store.as_ref(), &settings(), clock.as_ref())
        .await
        .unwrap();
    assert_eq!(
        job_status(store.as_ref(), &project, &run_id).await.0,
        JobStatus::Starting
    );

    clock.advance(Duration::from_secs(2));
    sweeper::sweep_once(store.as_ref(), &settings(), clock.as_ref())
        .await
        .unwrap();
    assert_eq!(
        job_status(store.as_ref(), &project, &run_id).await.0,
        JobStatus::Queued
    );
}

async fn a_renewed_lease_outlives_its_first_end(store: Arc<dyn Store>, _db: DbGuard) {
    let clock = Arc::new(ManualClock::starting_at(start()));
    let (project, run_id) = queued_job(store.as_ref(), clock.now()).await;
    let worker = web_worker(store.as_ref(), clock.now()).await;
    let scheduler = Scheduler::new(store.clone(), settings(), clock.clone());
    let leased = lease(&scheduler, &worker).await;

    clock.advance(Duration::from_secs(20));
    let now = clock.now();
    let lease_ref = LeaseRef {
        job_id: leased.job_id.clone(),
        worker_id: worker.id.clone(),
        fencing_token: leased.fencing_token,
    };
    let renewal = store
        .renew_lease(&lease_ref, now, scheduler.renewed_until(now))
        .await
        .unwrap();
    assert_eq!(
        renewal.lease_expires_at,
        start() + chrono::Duration::seconds(50)
    );

    clock.advance(Duration::from_secs(20));
    sweeper::sweep_once(store.as_ref(), &settings(), clock.as_ref())
        .await
        .unwrap();
    assert_eq!(
        job_status(store.as_ref(), &project, &run_id).await.0,
        JobStatus::Starting
    );
}

async fn a_worker_silent_past_its_timeout_stops_counting_until_heard_from_again(
    store: Arc<dyn Store>,
    _db: DbGuard,
) {
    let clock = Arc::new(ManualClock::starting_at(start()));
    let (project, run_id) = queued_job(store.as_ref(), clock.now()).await;
    let worker = web_worker(store.as_ref(), clock.now()).await;
    let settings = settings();
    let sweep = || sweeper::sweep_once(store.as_ref(), &settings, clock.as_ref());

    sweep().await.unwrap();
    assert_eq!(job_status(store.as_ref(), &project, &run_id).await.1, None);

    // The worker timeout is a lease wait plus a lease: 90 s here.
    clock.advance(settings.worker_timeout() + Duration::from_secs(1));
    sweep().await.unwrap();
    let (status, reason) = job_status(store.as_ref(), &project, &run_id).await;
    assert_eq!(status, JobStatus::Queued);
    assert!(
        reason.is_some_and(|r| r.contains("worker")),
        "a queued job says why it waits"
    );

    store.touch_worker(&worker.id, clock.now()).await.unwrap();
    sweep().await.unwrap();
    assert_eq!(job_status(store.as_ref(), &project, &run_id).await.1, None);
}

async fn a_sweep_says_which_test_type_the_connected_workers_do_not_play(
    store: Arc<dyn Store>,
    _db: DbGuard,
) {
    let clock = Arc::new(ManualClock::starting_at(start()));
    let (project, run_id) = queued_job(store.as_ref(), clock.now()).await;
    worker_playing(store.as_ref(), clock.now(), &[TestType::Verification]).await;
    let settings = settings();
    let sweep = || sweeper::sweep_once(store.as_ref(), &settings, clock.as_ref());

    sweep().await.unwrap();
    assert_eq!(
        job_status(store.as_ref(), &project, &run_id)
            .await
            .1
            .as_deref(),
        Some(
            "no connected worker plays web discovery tests: start a worker with Chromium \
             (`playtest worker`)"
        ),
        "the queued job is a discovery test"
    );

    worker_playing(store.as_ref(), clock.now(), &[TestType::Discovery]).await;
    sweep().await.unwrap();
    assert_eq!(job_status(store.as_ref(), &project, &run_id).await.1, None);
}

playtest_store::backend_tests!(
    a_lease_not_renewed_is_taken_back_at_the_first_sweep_after_its_end,
    a_sweep_says_which_test_type_the_connected_workers_do_not_play,
    a_renewed_lease_outlives_its_first_end,
    a_worker_silent_past_its_timeout_stops_counting_until_heard_from_again,
);
