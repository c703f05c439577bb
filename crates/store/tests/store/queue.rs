//! The queue around the leases: why queued jobs wait (for a worker of
//! their platform and test type), waking the workers that wait for jobs
//! (on any replica), a test plan execution's counts, and the run totals
//! kept right through a job's whole life.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use playtest_store::testing::{Backend, DbGuard};
use playtest_store::{FinishResult, JobProgress, NewPlanExecution, Store, StoreError};
use playtest_types::{Capability, PlanExecutionCounts, PlatformKind, RunOutcome, TestType};

use crate::fixtures::{
    at, batch, create, every_test_type, finish, lease, lease_ref, project, run_on, run_playing,
    stored, worker,
};
use crate::run_counts::{counted, totals};

async fn queued_jobs_say_why_no_worker_takes_them(store: Arc<dyn Store>, _db: DbGuard) {
    let project_id = project(&*store, "p").await;
    let (web, linux) = (
        run_on(PlatformKind::Web, 1, 0),
        run_on(PlatformKind::Linux, 1, 0),
    );
    create(&*store, &project_id, &[web.clone(), linux.clone()]).await;
    let reason = |run_id: String| {
        let (store, project_id) = (store.clone(), project_id.clone());
        async move {
            store
                .run_details(&project_id, &run_id)
                .await
                .unwrap()
                .run
                .queue_rejection_reason
        }
    };

    let web_only = every_test_type(&[PlatformKind::Web]);
    assert_eq!(store.refresh_queue_rejections(&web_only).await.unwrap(), 1);
    assert_eq!(reason(web.run_id.clone()).await, None);
    assert_eq!(
        reason(linux.run_id.clone()).await.as_deref(),
        Some(
            "no connected worker can drive linux builds: start a worker with Xvfb \
             (`playtest worker`)"
        ),
        "the run is a verification test"
    );
    assert_eq!(
        store.refresh_queue_rejections(&web_only).await.unwrap(),
        0,
        "nothing changed"
    );
    assert_eq!(store.refresh_queue_rejections(&[]).await.unwrap(), 2);
    assert_eq!(
        reason(web.run_id.clone()).await.as_deref(),
        Some("no worker is connected")
    );

    // A lease clears the reason of the job it takes.
    let worker_id = worker(&*store, None, &[PlatformKind::Web]).await;
    lease(&*store, &worker_id, 1).await;
    assert_eq!(reason(web.run_id.clone()).await, None);
    let both = every_test_type(&[PlatformKind::Linux, PlatformKind::Web]);
    assert_eq!(store.refresh_queue_rejections(&both).await.unwrap(), 1);
    assert_eq!(reason(linux.run_id).await, None);
}

async fn a_queued_job_says_which_test_type_no_connected_worker_plays(
    store: Arc<dyn Store>,
    _db: DbGuard,
) {
    let project_id = project(&*store, "p").await;
    let discovery = run_playing(PlatformKind::Linux, TestType::Discovery);
    let game_loop = run_playing(PlatformKind::Linux, TestType::GameLoop);
    create(
        &*store,
        &project_id,
        &[discovery.clone(), game_loop.clone()],
    )
    .await;
    let reason = |run_id: String| {
        let (store, project_id) = (store.clone(), project_id.clone());
        async move {
            store
                .run_details(&project_id, &run_id)
                .await
                .unwrap()
                .run
                .queue_rejection_reason
        }
    };
    let linux = |test_types: &[TestType]| Capability {
        platform: PlatformKind::Linux,
        test_types: test_types.to_vec(),
    };

    // Bubblewrap but no Xvfb.
    let loops = [linux(&[TestType::GameLoop])];
    assert_eq!(store.refresh_queue_rejections(&loops).await.unwrap(), 1);
    assert_eq!(
        reason(discovery.run_id.clone()).await.as_deref(),
        Some(
            "no connected worker plays linux discovery tests: start a worker with Xvfb \
             (`playtest worker`)"
        )
    );
    assert_eq!(reason(game_loop.run_id.clone()).await, None);

    // A second worker, with Xvfb: together they play both.
    let both = [loops[0].clone(), linux(&[TestType::Discovery])];
    assert_eq!(store.refresh_queue_rejections(&both).await.unwrap(), 1);
    assert_eq!(reason(discovery.run_id).await, None);
    assert_eq!(reason(game_loop.run_id).await, None);
}

/// Polls `wait` once, so that it is waiting, and says whether it is done.
async fn poll_once<F: Future + Unpin>(wait: &mut F) -> bool {
    tokio::select! {
        biased;
        _ = wait => true,
        _ = std::future::ready(()) => false,
    }
}

/// On PostgreSQL, the first wait starts listening and ends when it has.
async fn start_listening(store: &dyn Store, db: &DbGuard) {
    if db.backend() == Backend::Postgres {
        store.wait_for_jobs(Duration::from_secs(10)).await.unwrap();
    }
}

async fn a_wait_for_jobs_times_out_when_none_come(store: Arc<dyn Store>, db: DbGuard) {
    start_listening(&*store, &db).await;
    let began = Instant::now();
    store
        .wait_for_jobs(Duration::from_millis(300))
        .await
        .unwrap();
    let waited = began.elapsed();
    assert!(
        waited >= Duration::from_millis(300) && waited < Duration::from_secs(5),
        "{waited:?}"
    );
}

async fn a_wait_for_jobs_ends_when_runs_are_created_or_retried(store: Arc<dyn Store>, db: DbGuard) {
    start_listening(&*store, &db).await;
    let project_id = project(&*store, "p").await;

    let mut wait = store.wait_for_jobs(Duration::from_secs(60));
    assert!(!poll_once(&mut wait).await, "no job was queued yet");
    create(&*store, &project_id, &[run_on(PlatformKind::Web, 1, 1)]).await;
    tokio::time::timeout(Duration::from_secs(10), wait)
        .await
        .expect("woken by the new run")
        .unwrap();

    let worker_id = worker(&*store, None, &[PlatformKind::Web]).await;
    let leased = lease(&*store, &worker_id, 1).await;
    let mut wait = store.wait_for_jobs(Duration::from_secs(60));
    assert!(!poll_once(&mut wait).await);
    let retried = store
        .finish_job(&lease_ref(&leased), &finish(RunOutcome::Error, 2))
        .await
        .unwrap();
    assert_eq!(retried, FinishResult::Retried);
    tokio::time::timeout(Duration::from_secs(10), wait)
        .await
        .expect("woken by the retry")
        .unwrap();
}

async fn a_wait_on_another_replica_ends_when_runs_are_created(store: Arc<dyn Store>, db: DbGuard) {
    if db.backend() != Backend::Postgres {
        return; // A SQLite database has one server.
    }
    let replica = playtest_store::open(db.url()).await.unwrap();
    start_listening(&*replica, &db).await;
    let project_id = project(&*store, "p").await;

    let mut wait = replica.wait_for_jobs(Duration::from_secs(60));
    assert!(!poll_once(&mut wait).await);
    create(&*store, &project_id, &[run_on(PlatformKind::Web, 1, 0)]).await;
    tokio::time::timeout(Duration::from_secs(10), wait)
        .await
        .expect("woken through NOTIFY")
        .unwrap();
}

async fn a_plan_execution_counts_its_runs_by_how_they_stand(store: Arc<dyn Store>, _db: DbGuard) {
    let project_id = project(&*store, "p").await;
    let runs: Vec<_> = (0..7).map(|_| run_on(PlatformKind::Web, 1, 0)).collect();
    let execution = NewPlanExecution {
        id: "tpe_nightly".to_string(),
        test_plan_id: "tpl_nightly".to_string(),
    };
    let mut planned = batch(&project_id, runs.clone());
    planned.plan_execution = Some(execution.clone());
    store.create_runs(&planned).await.unwrap();
    let worker_id = worker(&*store, None, &[PlatformKind::Web]).await;

    // In the batch's order: passed, failed, errored, stopped, running;
    // then one queued and one skipped.
    let started = JobProgress {
        started: true,
        ..Default::default()
    };
    let mut leased = Vec::new();
    for outcome in [
        Some(RunOutcome::Success),
        Some(RunOutcome::Failed),
        Some(RunOutcome::Timeout),
        None,
        None,
    ] {
        let job = lease(&*store, &worker_id, 1).await;
        leased.push(job.clone());
        let leased = job;
        store
            .record_progress(&lease_ref(&leased), &started, at(2))
            .await
            .unwrap();
        match outcome {
            Some(outcome) => {
                store
                    .finish_job(&lease_ref(&leased), &finish(outcome, 3))
                    .await
                    .unwrap();
            }
            None if leased.run_id == runs[3].run_id => {
                store
                    .stop_job(&project_id, &leased.job_id, at(3))
                    .await
                    .unwrap();
                store
                    .finish_job(&lease_ref(&leased), &finish(RunOutcome::Stopped, 4))
                    .await
                    .unwrap();
            }
            None => {}
        }
    }
    store
        .stop_job(&project_id, &runs[6].job_id, at(5))
        .await
        .unwrap();

    let found = store
        .plan_execution(&project_id, &execution.id)
        .await
        .unwrap();
    assert_eq!(found.id, execution.id);
    assert_eq!(found.test_plan_id, execution.test_plan_id);
    assert_eq!(found.created_at, stored(at(0)));
    assert_eq!(
        found.counts,
        PlanExecutionCounts {
            total: 7,
            queued: 1,
            running: 1,
            passed: 1,
            failed: 1,
            errored: 1,
            stopped: 1,
            skipped: 1,
        }
    );
    assert!(!found.finished);

    store
        .stop_job(&project_id, &runs[5].job_id, at(6))
        .await
        .unwrap();
    assert_eq!(leased[4].job_id, runs[4].job_id);
    store
        .finish_job(&lease_ref(&leased[4]), &finish(RunOutcome::Success, 7))
        .await
        .unwrap();
    let done = store
        .plan_execution(&project_id, &execution.id)
        .await
        .unwrap();
    assert!(done.finished);
    assert_eq!((done.counts.passed, done.counts.skipped), (2, 2));

    let other = project(&*store, "other").await;
    for (project_id, id) in [
        (&other, execution.id.as_str()),
        (&project_id, "tpe_missing"),
    ] {
        assert!(matches!(
            store.plan_execution(project_id, id).await,
            Err(StoreError::NotFound("test plan execution"))
        ));
    }
}

async fn run_totals_stay_exact_through_leases_retries_and_verdicts(
    store: Arc<dyn Store>,
    db: DbGuard,
) {
    let project_id = project(&*store, "p").await;
    let runs: Vec<_> = (0..4).map(|_| run_on(PlatformKind::Web, 1, 1)).collect();
    create(&*store, &project_id, &runs).await;
    let worker_id = worker(&*store, None, &[PlatformKind::Web]).await;
    let started = JobProgress {
        started: true,
        ..Default::default()
    };
    let check = |expected: [i64; 3]| {
        let (store, db, project_id) = (store.clone(), &db, project_id.clone());
        async move {
            assert_eq!(totals(&*store, &project_id).await, expected);
            assert_eq!(counted(db, &project_id).await, expected);
        }
    };
    check([4, 4, 0]).await;

    let mut leased = Vec::new();
    for now in 0..4 {
        let job = lease(&*store, &worker_id, now).await;
        store
            .record_progress(&lease_ref(&job), &started, at(now))
            .await
            .unwrap();
        leased.push(job);
    }
    check([4, 4, 0]).await;
    store
        .finish_job(&lease_ref(&leased[0]), &finish(RunOutcome::Success, 5))
        .await
        .unwrap();
    store
        .finish_job(&lease_ref(&leased[1]), &finish(RunOutcome::Error, 5))
        .await
        .unwrap();
    check([4, 3, 1]).await;
    store.expire_leases(at(100), 10).await.unwrap();
    check([4, 3, 1]).await;
    let again = lease(&*store, &worker_id, 101).await;
    store
        .finish_job(&lease_ref(&again), &finish(RunOutcome::Failed, 102))
        .await
        .unwrap();
    check([4, 2, 2]).await;
}

playtest_store::backend_tests!(
    queued_jobs_say_why_no_worker_takes_them,
    a_queued_job_says_which_test_type_no_connected_worker_plays,
    a_wait_for_jobs_times_out_when_none_come,
    a_wait_for_jobs_ends_when_runs_are_created_or_retried,
    a_wait_on_another_replica_ends_when_runs_are_created,
    a_plan_execution_counts_its_runs_by_how_they_stand,
    run_totals_stay_exact_through_leases_retries_and_verdicts,
);
