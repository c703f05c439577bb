//! Leasing jobs: the oldest first, of the worker's platforms, test types
//! and projects,
//! never one job to two workers, and fencing tokens that lock out a worker
//! whose lease has moved on.

use std::collections::HashSet;
use std::sync::Arc;

use playtest_store::testing::DbGuard;
use playtest_store::{FinishResult, JobProgress, LeaseRef, LeaseRequest, Store, StoreError};
use playtest_types::{Capability, JobStatus, PlatformKind, RunEventKind, RunOutcome, TestType};
use serde_json::json;

use crate::fixtures::{
    at, create, events, every_test_type, finish, lease, lease_ref, lease_request, project, run_on,
    run_playing, stored, worker, worker_playing,
};

async fn leases_take_the_oldest_queued_job_of_the_workers_platforms(
    store: Arc<dyn Store>,
    _db: DbGuard,
) {
    let project_id = project(&*store, "p").await;
    let first_web = run_on(PlatformKind::Web, 1, 0);
    let linux = run_on(PlatformKind::Linux, 1, 0);
    let second_web = run_on(PlatformKind::Web, 1, 0);
    create(&*store, &project_id, std::slice::from_ref(&first_web)).await;
    create(&*store, &project_id, std::slice::from_ref(&linux)).await;
    // Within a batch, in the batch's order.
    let (third_web, fourth_web) = (
        run_on(PlatformKind::Web, 1, 0),
        run_on(PlatformKind::Web, 1, 0),
    );
    create(
        &*store,
        &project_id,
        &[second_web.clone(), third_web.clone(), fourth_web.clone()],
    )
    .await;

    let web = worker(&*store, None, &[PlatformKind::Web]).await;
    let web_only = |now| LeaseRequest {
        capabilities: every_test_type(&[PlatformKind::Web]),
        ..lease_request(&web, now)
    };
    let mut leased = Vec::new();
    while let Some(job) = store.lease_job(&web_only(1)).await.unwrap() {
        leased.push(job);
    }
    let jobs: Vec<&str> = leased.iter().map(|l| l.job_id.as_str()).collect();
    assert_eq!(
        jobs,
        [
            &first_web.job_id,
            &second_web.job_id,
            &third_web.job_id,
            &fourth_web.job_id
        ]
    );
    let first = &leased[0];
    assert_eq!(first.run_id, first_web.run_id);
    assert_eq!(first.project_id, project_id);
    assert_eq!((first.fencing_token, first.attempt), (1, 1));
    assert_eq!(
        first.lease_expires_at,
        stored(at(1) + chrono::Duration::seconds(30))
    );

    let nothing = LeaseRequest {
        capabilities: vec![],
        ..lease_request(&web, 2)
    };
    assert_eq!(store.lease_job(&nothing).await.unwrap(), None);
    let no_test_type = LeaseRequest {
        capabilities: vec![Capability {
            platform: PlatformKind::Linux,
            test_types: vec![],
        }],
        ..lease_request(&web, 2)
    };
    assert_eq!(store.lease_job(&no_test_type).await.unwrap(), None);
    let linux_worker = worker(&*store, None, &[PlatformKind::Linux]).await;
    let linux_job = lease(&*store, &linux_worker, 2).await;
    assert_eq!(linux_job.job_id, linux.job_id);

    let run = store
        .run_details(&project_id, &first_web.run_id)
        .await
        .unwrap()
        .run;
    assert_eq!(run.job_status, JobStatus::Starting);
    let events = events(&*store, &project_id, &first_web.run_id).await;
    assert_eq!(events.len(), 1);
    assert_eq!((events[0].seq, events[0].kind), (1, RunEventKind::State));
    assert_eq!(
        events[0].data,
        json!({"status": "STARTING", "state": "initializing", "result": null, "outcome": null,
               "attempt": 1, "worker_id": web})
    );
}

async fn a_worker_leases_only_the_test_types_it_plays_on_each_platform(
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
    let playing = |worker_id: &str, capabilities: &[Capability], now| LeaseRequest {
        capabilities: capabilities.to_vec(),
        ..lease_request(worker_id, now)
    };

    // Bubblewrap but no Xvfb: linux game loops only.
    let loops = [Capability {
        platform: PlatformKind::Linux,
        test_types: vec![TestType::GameLoop],
    }];
    let bare = worker_playing(&*store, None, &loops).await;
    let leased = store.lease_job(&playing(&bare, &loops, 1)).await.unwrap();
    assert_eq!(
        leased.map(|l| l.job_id),
        Some(game_loop.job_id),
        "the older discovery job is passed by"
    );
    assert_eq!(
        store.lease_job(&playing(&bare, &loops, 2)).await.unwrap(),
        None
    );
    let web_discovery = [Capability {
        platform: PlatformKind::Web,
        test_types: vec![TestType::Discovery],
    }];
    let browser = worker_playing(&*store, None, &web_discovery).await;
    assert_eq!(
        store
            .lease_job(&playing(&browser, &web_discovery, 2))
            .await
            .unwrap(),
        None,
        "discovery tests of another platform"
    );

    let xvfb = [Capability {
        platform: PlatformKind::Linux,
        test_types: vec![TestType::Discovery, TestType::GameLoop],
    }];
    let native = worker_playing(&*store, None, &xvfb).await;
    let leased = store.lease_job(&playing(&native, &xvfb, 3)).await.unwrap();
    assert_eq!(leased.map(|l| l.job_id), Some(discovery.job_id));
}

async fn leases_stay_within_the_requested_project_and_the_tokens(
    store: Arc<dyn Store>,
    _db: DbGuard,
) {
    let mine = project(&*store, "mine").await;
    let theirs = project(&*store, "theirs").await;
    let their_run = run_on(PlatformKind::Web, 1, 0);
    create(&*store, &theirs, std::slice::from_ref(&their_run)).await;
    let my_runs = [
        run_on(PlatformKind::Web, 1, 0),
        run_on(PlatformKind::Web, 1, 0),
    ];
    create(&*store, &mine, &my_runs).await;

    let global = worker(&*store, None, &[PlatformKind::Web]).await;
    let mine_only = LeaseRequest {
        project_id: Some(mine.clone()),
        ..lease_request(&global, 1)
    };
    let leased = store.lease_job(&mine_only).await.unwrap().unwrap();
    assert_eq!(leased.job_id, my_runs[0].job_id);

    // A token of my project leases only my jobs, whatever it asks.
    let scoped = worker(&*store, Some(&mine), &[PlatformKind::Web]).await;
    let leased = lease(&*store, &scoped, 2).await;
    assert_eq!(leased.job_id, my_runs[1].job_id);
    assert_eq!(
        store.lease_job(&lease_request(&scoped, 3)).await.unwrap(),
        None
    );
    let elsewhere = LeaseRequest {
        project_id: Some(theirs.clone()),
        ..lease_request(&scoped, 3)
    };
    assert_eq!(store.lease_job(&elsewhere).await.unwrap(), None);

    let leased = lease(&*store, &global, 4).await;
    assert_eq!(leased.job_id, their_run.job_id);
}

async fn a_revoked_tokens_worker_leases_nothing_and_an_unknown_one_is_not_found(
    store: Arc<dyn Store>,
    _db: DbGuard,
) {
    let project_id = project(&*store, "p").await;
    create(&*store, &project_id, &[run_on(PlatformKind::Web, 1, 0)]).await;
    let worker_id = worker(&*store, Some(&project_id), &[PlatformKind::Web]).await;
    let token_id = store.worker(&worker_id).await.unwrap().token_id;
    store
        .revoke_worker_token(Some(&project_id), &token_id)
        .await
        .unwrap();

    assert_eq!(
        store
            .lease_job(&lease_request(&worker_id, 1))
            .await
            .unwrap(),
        None
    );
    assert!(matches!(
        store.lease_job(&lease_request("wrk_missing", 1)).await,
        Err(StoreError::NotFound("worker"))
    ));
}

async fn concurrent_leases_never_give_one_job_to_two_workers(store: Arc<dyn Store>, db: DbGuard) {
    let project_id = project(&*store, "p").await;
    for _ in 0..4 {
        let runs: Vec<_> = (0..5).map(|_| run_on(PlatformKind::Web, 1, 0)).collect();
        create(&*store, &project_id, &runs).await;
    }
    let mut loops = Vec::new();
    for i in 0..8 {
        let store = store.clone();
        let worker_id = worker(&*store, None, &[PlatformKind::Web]).await;
        loops.push(tokio::spawn(async move {
            let mut leased = Vec::new();
            while let Some(job) = store
                .lease_job(&lease_request(&worker_id, i))
                .await
                .unwrap()
            {
                leased.push(job.job_id);
            }
            leased
        }));
    }
    let mut all = Vec::new();
    for leases in loops {
        all.extend(leases.await.unwrap());
    }
    let distinct: HashSet<&String> = all.iter().collect();
    assert_eq!((all.len(), distinct.len()), (20, 20), "{all:?}");
    assert_eq!(
        db.query_i64(
            "SELECT COUNT(*) FROM jobs WHERE status = 'STARTING' AND fencing_token = 1 AND attempts = 1"
        )
        .await,
        20
    );
    assert_eq!(
        db.query_i64("SELECT COUNT(*) FROM run_events").await,
        20,
        "one state event per lease"
    );
}

async fn a_stale_fencing_token_can_change_nothing(store: Arc<dyn Store>, _db: DbGuard) {
    let project_id = project(&*store, "p").await;
    let run = run_on(PlatformKind::Web, 1, 1);
    create(&*store, &project_id, std::slice::from_ref(&run)).await;
    let (first, second) = (
        worker(&*store, None, &[PlatformKind::Web]).await,
        worker(&*store, None, &[PlatformKind::Web]).await,
    );
    let old = lease(&*store, &first, 0).await;
    let expired = store.expire_leases(at(31), 10).await.unwrap();
    assert_eq!(expired.len(), 1);
    assert_eq!(expired[0].result, FinishResult::Retried);
    assert_eq!(expired[0].worker_id, first);
    let new = lease(&*store, &second, 32).await;
    assert_eq!(new.job_id, old.job_id);
    assert_eq!((new.attempt, new.fencing_token), (2, 2));

    let stale = lease_ref(&old);
    let lost = |result: Result<(), StoreError>| {
        assert!(
            matches!(&result, Err(StoreError::LeaseLost { job_id }) if *job_id == old.job_id),
            "{result:?}"
        );
    };
    lost(store.renew_lease(&stale, at(30), at(60)).await.map(drop));
    let started = JobProgress {
        started: true,
        ..Default::default()
    };
    lost(store.record_progress(&stale, &started, at(33)).await);
    lost(
        store
            .finish_job(&stale, &finish(RunOutcome::Success, 34))
            .await
            .map(drop),
    );

    // Nor can another worker that names the current token.
    let impostor = LeaseRef {
        worker_id: first.clone(),
        ..lease_ref(&new)
    };
    lost(store.renew_lease(&impostor, at(30), at(60)).await.map(drop));

    // The current holder is untouched by all that.
    let current = lease_ref(&new);
    store
        .record_progress(&current, &started, at(35))
        .await
        .unwrap();
    let renewed = store.renew_lease(&current, at(60), at(90)).await.unwrap();
    assert_eq!(renewed.lease_expires_at, stored(at(90)));
    assert!(!renewed.stop_requested);
    let done = store
        .finish_job(&current, &finish(RunOutcome::Success, 36))
        .await
        .unwrap();
    assert_eq!(done, FinishResult::Completed(RunOutcome::Success));
    // Once completed, no token is current.
    lost(store.renew_lease(&current, at(69), at(99)).await.map(drop));
}

async fn a_renewal_extends_the_lease_and_keeps_the_janitor_away(
    store: Arc<dyn Store>,
    _db: DbGuard,
) {
    let project_id = project(&*store, "p").await;
    create(&*store, &project_id, &[run_on(PlatformKind::Web, 1, 0)]).await;
    let worker_id = worker(&*store, None, &[PlatformKind::Web]).await;
    let leased = lease(&*store, &worker_id, 0).await;
    store
        .renew_lease(&lease_ref(&leased), at(70), at(100))
        .await
        .unwrap();
    assert_eq!(store.expire_leases(at(50), 10).await.unwrap(), []);
    let renewed = store.worker(&worker_id).await.unwrap();
    assert!(
        renewed.last_heartbeat_at > stored(at(0)),
        "a renewal is a heartbeat"
    );
}

async fn a_leased_jobs_work_is_its_run_as_it_was_queued(store: Arc<dyn Store>, _db: DbGuard) {
    let project_id = project(&*store, "p").await;
    let run = run_on(PlatformKind::Linux, 2, 0);
    create(&*store, &project_id, std::slice::from_ref(&run)).await;
    let worker_id = worker(&*store, None, &[PlatformKind::Linux]).await;
    let leased = lease(&*store, &worker_id, 1).await;

    let work = store.run_work(&leased.job_id).await.unwrap();
    assert_eq!(work.run_id, run.run_id);
    assert_eq!(work.project_id, project_id);
    assert_eq!(work.test_id, run.test_id);
    assert_eq!(work.test_spec, run.test_spec);
    assert_eq!(work.deployment_config_id, run.deployment_config_id);
    assert_eq!(work.platform, PlatformKind::Linux);
    assert_eq!(work.build_id, run.build_id);
    assert_eq!(work.options, run.options);
    assert!(matches!(
        store.run_work("nosuchjob000").await,
        Err(StoreError::NotFound("job"))
    ));
}

async fn a_revoked_tokens_worker_can_no_longer_report(store: Arc<dyn Store>, _db: DbGuard) {
    let project_id = project(&*store, "p").await;
    create(&*store, &project_id, &[run_on(PlatformKind::Web, 1, 1)]).await;
    let worker_id = worker(&*store, None, &[PlatformKind::Web]).await;
    let leased = lease(&*store, &worker_id, 0).await;
    let token_id = store.worker(&worker_id).await.unwrap().token_id;
    store.revoke_worker_token(None, &token_id).await.unwrap();

    let held = lease_ref(&leased);
    let lost = |result: Result<(), StoreError>| {
        assert!(
            matches!(result, Err(StoreError::LeaseLost { .. })),
            "{result:?}"
        );
    };
    lost(store.renew_lease(&held, at(0), at(20)).await.map(drop));
    lost(
        store
            .record_progress(&held, &JobProgress::default(), at(20))
            .await,
    );
    lost(
        store
            .finish_job(&held, &finish(RunOutcome::Success, 20))
            .await
            .map(drop),
    );
    // Its lease runs out, and the job goes to another worker.
    let expired = store.expire_leases(at(31), 10).await.unwrap();
    assert_eq!(expired[0].result, FinishResult::Retried);
}

playtest_store::backend_tests!(
    a_revoked_tokens_worker_can_no_longer_report,
    a_leased_jobs_work_is_its_run_as_it_was_queued,
    leases_take_the_oldest_queued_job_of_the_workers_platforms,
    a_worker_leases_only_the_test_types_it_plays_on_each_platform,
    leases_stay_within_the_requested_project_and_the_tokens,
    a_revoked_tokens_worker_leases_nothing_and_an_unknown_one_is_not_found,
    concurrent_leases_never_give_one_job_to_two_workers,
    a_stale_fencing_token_can_change_nothing,
    a_renewal_extends_the_lease_and_keeps_the_janitor_away,
);
