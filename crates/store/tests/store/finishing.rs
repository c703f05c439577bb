//! How attempts end: completed with a verdict, retried after an error, a
//! timeout or a stop no one asked for, stopped by a user, or taken from a
//! worker whose lease expired.

use std::sync::Arc;

use playtest_store::testing::DbGuard;
use playtest_store::{
    ArtifactRecord, FinishResult, JobFinish, JobProgress, NewBugOccurrence, StopOutcome, Store, ids,
};
use playtest_types::{
    BugCategory, Confidence, JobStatus, PlatformKind, RunEventKind, RunOutcome, RunResult,
    RunState, Severity, StepReport, StepResult, StepState,
};

use crate::fixtures::{
    Leased, at, create, events, finish, lease, lease_ref, project, run_on, stored, worker,
};

fn artifact(filename: &str, size: i64, seconds: i64) -> ArtifactRecord {
    ArtifactRecord {
        filename: filename.to_string(),
        blob_key: format!("artifacts/{filename}/{seconds}"),
        size,
        uploaded_at: at(seconds),
    }
}

/// Starts the run and completes its first step.
async fn play_first_step(store: &dyn Store, leased: &Leased, seconds: i64) {
    let progress = JobProgress {
        started: true,
        steps: vec![StepReport {
            player_number: 0,
            step_number: 1,
            state: StepState::Completed,
            result: Some(StepResult::Success),
            report: Some("done".to_string()),
            start_time: Some(at(seconds)),
            end_time: Some(at(seconds + 1)),
        }],
        ..Default::default()
    };
    store
        .record_progress(&lease_ref(leased), &progress, at(seconds))
        .await
        .unwrap();
}

async fn a_verdict_completes_the_job_its_run_players_and_steps(
    store: Arc<dyn Store>,
    _db: DbGuard,
) {
    let project_id = project(&*store, "p").await;
    let runs = [
        run_on(PlatformKind::Web, 2, 3),
        run_on(PlatformKind::Web, 2, 3),
    ];
    create(&*store, &project_id, &runs).await;
    let worker_id = worker(&*store, None, &[PlatformKind::Web]).await;

    for (outcome, result) in [
        (RunOutcome::Success, RunResult::Success),
        (RunOutcome::Failed, RunResult::Failure),
    ] {
        let leased = lease(&*store, &worker_id, 1).await;
        play_first_step(&*store, &leased, 2).await;
        let done = JobFinish {
            artifacts: vec![artifact("video.mp4", 100, 8), artifact("log.txt", 5, 8)],
            reason: Some("the agent said so".to_string()),
            ..finish(outcome, 9)
        };
        let finished = store.finish_job(&lease_ref(&leased), &done).await.unwrap();
        assert_eq!(finished, FinishResult::Completed(outcome));

        let details = store
            .run_details(&project_id, &leased.run_id)
            .await
            .unwrap();
        let run = &details.run;
        assert_eq!(
            (run.job_status, run.state, run.outcome, run.result),
            (
                JobStatus::Completed,
                RunState::Completed,
                Some(outcome),
                Some(result)
            )
        );
        assert_eq!(run.completed_at, Some(stored(at(9))));
        assert_eq!(run.duration_ms, Some(7000));
        let player = &run.players[0];
        assert_eq!(
            (player.state, player.result, player.completed_step_count),
            (RunState::Completed, Some(result), 1)
        );
        let steps: Vec<StepState> = player
            .steps
            .as_ref()
            .unwrap()
            .iter()
            .map(|s| s.run_state)
            .collect();
        assert_eq!(steps, [StepState::Completed, StepState::Incomplete]);
        let names: Vec<&str> = details
            .artifacts
            .iter()
            .map(|a| a.filename.as_str())
            .collect();
        assert_eq!(names, ["log.txt", "video.mp4"]);
        assert_eq!(details.artifacts[1].uploaded_at, stored(at(8)));

        let last = events(&*store, &project_id, &leased.run_id)
            .await
            .pop()
            .unwrap();
        assert_eq!(last.kind, RunEventKind::State);
        assert_eq!(last.data["status"], "COMPLETED");
        assert_eq!(last.data["outcome"], serde_json::to_value(outcome).unwrap());
        assert_eq!(last.data["reason"], "the agent said so");
    }
    assert_eq!(store.worker(&worker_id).await.unwrap().active_jobs, 0);
}

async fn an_error_with_retries_left_queues_the_job_again_as_new(
    store: Arc<dyn Store>,
    _db: DbGuard,
) {
    let project_id = project(&*store, "p").await;
    let run = run_on(PlatformKind::Web, 2, 2);
    create(&*store, &project_id, std::slice::from_ref(&run)).await;
    let worker_id = worker(&*store, None, &[PlatformKind::Web]).await;

    let first = lease(&*store, &worker_id, 1).await;
    play_first_step(&*store, &first, 2).await;
    let found = JobProgress {
        bugs: vec![NewBugOccurrence {
            id: ids::prefixed("occ"),
            new_bug_id: ids::prefixed("bug"),
            fingerprint: "fp".to_string(),
            title: "Crash".to_string(),
            description: String::new(),
            category: BugCategory::Crash,
            severity: Severity::Critical,
            confidence: Confidence::Medium,
            reproduction_steps: String::new(),
            player_number: 0,
            test_step: None,
            turn: None,
            video_offset_ms: None,
            screenshot: None,
            trace: None,
            minimizes: None,
            detected_at: at(3),
        }],
        ..Default::default()
    };
    store
        .record_progress(&lease_ref(&first), &found, at(3))
        .await
        .unwrap();
    let crashed = JobFinish {
        artifacts: vec![artifact("crash.log", 9, 4)],
        ..finish(RunOutcome::Error, 4)
    };
    assert_eq!(
        store
            .finish_job(&lease_ref(&first), &crashed)
            .await
            .unwrap(),
        FinishResult::Retried
    );

    let details = store.run_details(&project_id, &run.run_id).await.unwrap();
    let again = &details.run;
    assert_eq!(
        (again.job_status, again.state, again.outcome, again.result),
        (JobStatus::Queued, RunState::Initializing, None, None)
    );
    assert_eq!((again.started_at, again.completed_at), (None, None));
    let player = &again.players[0];
    assert_eq!(
        (player.state, player.result, player.completed_step_count),
        (RunState::Initializing, None, 0)
    );
    for step in player.steps.as_ref().unwrap() {
        assert_eq!(
            (step.run_state, step.run_result, step.report.as_deref()),
            (StepState::Pending, None, None)
        );
        assert_eq!(
            (step.start_time, step.end_time, step.duration_ms),
            (None, None, None)
        );
    }
    assert_eq!(
        again.bug_info.as_ref().unwrap().bug_count,
        1,
        "bugs found stay"
    );
    assert_eq!(details.artifacts.len(), 1, "artifacts stay");
    let last = events(&*store, &project_id, &run.run_id)
        .await
        .pop()
        .unwrap();
    assert_eq!(last.data["status"], "QUEUED");
    assert_eq!(last.data["retried"], true);
    assert_eq!(last.data["attempt"], 1);

    let second = lease(&*store, &worker_id, 5).await;
    assert_eq!(second.job_id, first.job_id);
    assert_eq!((second.attempt, second.fencing_token), (2, 2));
    assert_eq!(
        store
            .finish_job(&lease_ref(&second), &finish(RunOutcome::Timeout, 6))
            .await
            .unwrap(),
        FinishResult::Retried
    );
    let third = lease(&*store, &worker_id, 7).await;
    assert_eq!(third.attempt, 3);
    assert_eq!(
        store
            .finish_job(&lease_ref(&third), &finish(RunOutcome::Error, 8))
            .await
            .unwrap(),
        FinishResult::Completed(RunOutcome::Error),
        "two retries are all it may have"
    );
}

async fn a_stop_no_user_asked_for_is_retried(store: Arc<dyn Store>, _db: DbGuard) {
    let project_id = project(&*store, "p").await;
    create(&*store, &project_id, &[run_on(PlatformKind::Web, 1, 1)]).await;
    let worker_id = worker(&*store, None, &[PlatformKind::Web]).await;
    let leased = lease(&*store, &worker_id, 1).await;
    assert_eq!(
        store
            .finish_job(&lease_ref(&leased), &finish(RunOutcome::Stopped, 2))
            .await
            .unwrap(),
        FinishResult::Retried
    );
}

async fn a_user_stop_reaches_the_worker_and_completes_without_retry(
    store: Arc<dyn Store>,
    _db: DbGuard,
) {
    let project_id = project(&*store, "p").await;
    let runs = [
        run_on(PlatformKind::Web, 1, 3),
        run_on(PlatformKind::Web, 1, 3),
    ];
    create(&*store, &project_id, &runs).await;
    let worker_id = worker(&*store, None, &[PlatformKind::Web]).await;

    for (outcome, verdict) in [
        (RunOutcome::Stopped, RunOutcome::Stopped),
        (RunOutcome::Error, RunOutcome::Error),
    ] {
        let leased = lease(&*store, &worker_id, 1).await;
        play_first_step(&*store, &leased, 2).await;
        assert_eq!(
            store
                .stop_job(&project_id, &leased.job_id, at(3))
                .await
                .unwrap(),
            StopOutcome::StopRequested
        );
        let stopping = events(&*store, &project_id, &leased.run_id)
            .await
            .pop()
            .unwrap();
        assert_eq!(stopping.data["status"], "STOPPING");
        assert_eq!(stopping.data["state"], "running");

        let renewal = store
            .renew_lease(&lease_ref(&leased), at(30), at(60))
            .await
            .unwrap();
        assert!(renewal.stop_requested);
        // The worker may still report while it winds down.
        let winding_down = JobProgress {
            logs: vec![playtest_types::LogLine {
                stream: playtest_types::LogStream::Stderr,
                line: "stopping".to_string(),
                at: at(4),
            }],
            ..Default::default()
        };
        store
            .record_progress(&lease_ref(&leased), &winding_down, at(4))
            .await
            .unwrap();
        assert_eq!(
            store
                .finish_job(&lease_ref(&leased), &finish(outcome, 5))
                .await
                .unwrap(),
            FinishResult::Completed(verdict),
            "a stopped job is not retried, whatever its worker says"
        );
        let run = store
            .run_details(&project_id, &leased.run_id)
            .await
            .unwrap()
            .run;
        assert_eq!(
            (run.job_status, run.outcome),
            (JobStatus::Completed, Some(verdict))
        );
    }
}

async fn expired_leases_are_retried_or_completed_as_errors(store: Arc<dyn Store>, db: DbGuard) {
    let project_id = project(&*store, "p").await;
    let (retried, failed, stopped, alive) = (
        run_on(PlatformKind::Web, 1, 1),
        run_on(PlatformKind::Web, 1, 0),
        run_on(PlatformKind::Web, 1, 1),
        run_on(PlatformKind::Web, 1, 0),
    );
    create(
        &*store,
        &project_id,
        &[
            retried.clone(),
            failed.clone(),
            stopped.clone(),
            alive.clone(),
        ],
    )
    .await;
    let worker_id = worker(&*store, None, &[PlatformKind::Web]).await;
    let mut leased = Vec::new();
    for now in 0..4 {
        leased.push(lease(&*store, &worker_id, now).await);
    }
    store
        .stop_job(&project_id, &stopped.job_id, at(5))
        .await
        .unwrap();
    store
        .renew_lease(&lease_ref(&leased[3]), at(970), at(1000))
        .await
        .unwrap();

    // Expired at 30, 31 and 32 seconds: the first two now, one at a time.
    let first = store.expire_leases(at(40), 1).await.unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(
        (
            first[0].job_id.as_str(),
            first[0].run_id.as_str(),
            first[0].result
        ),
        (
            retried.job_id.as_str(),
            retried.run_id.as_str(),
            FinishResult::Retried
        )
    );
    assert_eq!(first[0].worker_id, worker_id);
    let rest = store.expire_leases(at(40), 10).await.unwrap();
    let results: Vec<(&str, FinishResult)> =
        rest.iter().map(|e| (e.job_id.as_str(), e.result)).collect();
    assert_eq!(
        results,
        [
            (
                failed.job_id.as_str(),
                FinishResult::Completed(RunOutcome::Error)
            ),
            (
                stopped.job_id.as_str(),
                FinishResult::Completed(RunOutcome::Stopped)
            ),
        ]
    );
    assert_eq!(store.expire_leases(at(40), 10).await.unwrap(), []);

    let note = events(&*store, &project_id, &failed.run_id)
        .await
        .pop()
        .unwrap();
    assert_eq!(note.data["status"], "COMPLETED");
    assert!(
        note.data["note"].as_str().unwrap().contains("lease"),
        "{}",
        note.data
    );
    assert_eq!(note.at, stored(at(40)));
    assert_eq!(
        db.query_i64(&format!(
            "SELECT COUNT(*) FROM jobs WHERE id = '{}' AND status = 'STARTING'",
            alive.job_id
        ))
        .await,
        1,
        "a renewed lease is left alone"
    );
    // The retried job waits for a worker again.
    let again = lease(&*store, &worker_id, 41).await;
    assert_eq!(
        (again.job_id.as_str(), again.attempt),
        (retried.job_id.as_str(), 2)
    );
}

async fn stopping_a_queued_job_says_so_in_its_events(store: Arc<dyn Store>, _db: DbGuard) {
    let project_id = project(&*store, "p").await;
    let run = run_on(PlatformKind::Web, 1, 0);
    create(&*store, &project_id, std::slice::from_ref(&run)).await;
    store
        .stop_job(&project_id, &run.job_id, at(3))
        .await
        .unwrap();
    let events = events(&*store, &project_id, &run.run_id).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].at, stored(at(3)));
    assert_eq!(
        (&events[0].data["status"], &events[0].data["outcome"]),
        (
            &serde_json::json!("COMPLETED"),
            &serde_json::json!("stopped")
        )
    );
}

playtest_store::backend_tests!(
    stopping_a_queued_job_says_so_in_its_events,
    a_verdict_completes_the_job_its_run_players_and_steps,
    an_error_with_retries_left_queues_the_job_again_as_new,
    a_stop_no_user_asked_for_is_retried,
    a_user_stop_reaches_the_worker_and_completes_without_retry,
    expired_leases_are_retried_or_completed_as_errors,
);
