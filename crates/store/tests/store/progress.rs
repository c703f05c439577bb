//! What a worker reports: the run starting, its steps, the bugs it finds
//! and its log, each with its events, numbered one after another.

use std::sync::Arc;

use playtest_store::testing::DbGuard;
use playtest_store::{JobProgress, NewBugOccurrence, RunFilter, Store, StoreError, ids};
use playtest_types::{
    BugCategory, Confidence, JobStatus, LogLine, LogStream, PlatformKind, RunEventKind, RunState,
    Severity, StepReport, StepResult, StepState,
};
use serde_json::json;

use crate::fixtures::{
    Leased, at, create, events, lease, lease_ref, page, project, run_on, stored, worker,
};

fn step(player_number: i32, step_number: i32, state: StepState) -> StepReport {
    StepReport {
        player_number,
        step_number,
        state,
        result: None,
        report: None,
        start_time: None,
        end_time: None,
    }
}

fn bug(fingerprint: &str, title: &str, seconds: i64) -> NewBugOccurrence {
    NewBugOccurrence {
        id: ids::prefixed("occ"),
        new_bug_id: ids::prefixed("bug"),
        fingerprint: fingerprint.to_string(),
        title: title.to_string(),
        description: "the score went negative".to_string(),
        category: BugCategory::Gameplay,
        severity: Severity::Medium,
        confidence: Confidence::High,
        reproduction_steps: "lose a life at 0 points".to_string(),
        player_number: 0,
        test_step: Some(1),
        turn: Some(12),
        video_offset_ms: Some(1500),
        screenshot: Some("score.png".to_string()),
        trace: None,
        minimizes: None,
        detected_at: at(seconds),
    }
}

fn log(line: &str, seconds: i64) -> LogLine {
    LogLine {
        stream: LogStream::Agent,
        line: line.to_string(),
        at: at(seconds),
    }
}

/// A project with one leased web run of one player with `steps` steps.
async fn leased_run(store: &dyn Store, steps: usize) -> (String, Leased) {
    let project_id = project(store, "p").await;
    create(store, &project_id, &[run_on(PlatformKind::Web, steps, 0)]).await;
    let worker_id = worker(store, None, &[PlatformKind::Web]).await;
    let leased = lease(store, &worker_id, 1).await;
    (project_id, leased)
}

async fn progress_writes_steps_bugs_and_logs_with_consecutive_events(
    store: Arc<dyn Store>,
    _db: DbGuard,
) {
    let (project_id, leased) = leased_run(&*store, 2).await;
    let lease = lease_ref(&leased);
    let first = JobProgress {
        started: true,
        cleaning_up: false,
        steps: vec![StepReport {
            report: Some("walking to the door".to_string()),
            ..step(0, 1, StepState::Running)
        }],
        bugs: vec![],
        logs: vec![log("launched", 2)],
    };
    store.record_progress(&lease, &first, at(2)).await.unwrap();
    let second = JobProgress {
        started: true,
        cleaning_up: false,
        steps: vec![StepReport {
            result: Some(StepResult::Success),
            end_time: Some(at(5)),
            ..step(0, 1, StepState::Completed)
        }],
        bugs: vec![
            bug("fp_score", "Negative score", 4),
            bug("fp_jump", "Double jump", 4),
        ],
        logs: vec![log("door opened", 5), log("looking around", 6)],
    };
    store.record_progress(&lease, &second, at(6)).await.unwrap();

    let details = store
        .run_details(&project_id, &leased.run_id)
        .await
        .unwrap()
        .run;
    assert_eq!(
        (details.job_status, details.state),
        (JobStatus::Running, RunState::Running)
    );
    assert_eq!(
        details.started_at,
        Some(stored(at(2))),
        "the first start counts"
    );
    let player = &details.players[0];
    assert_eq!(
        (player.state, player.completed_step_count),
        (RunState::Running, 1)
    );
    let steps = player.steps.as_ref().unwrap();
    assert_eq!(steps[0].run_state, StepState::Completed);
    assert_eq!(steps[0].run_result, Some(StepResult::Success));
    assert_eq!(steps[0].report.as_deref(), Some("walking to the door"));
    assert_eq!(
        (steps[0].start_time, steps[0].end_time, steps[0].duration_ms),
        (Some(stored(at(2))), Some(stored(at(5))), Some(3000))
    );
    assert_eq!(steps[1].run_state, StepState::Pending);
    assert_eq!(details.bug_info.as_ref().unwrap().bug_count, 2);

    let bugs = store.run_bugs(&project_id, &leased.run_id).await.unwrap();
    assert_eq!(bugs.len(), 2);
    let score = bugs.iter().find(|b| b.title == "Negative score").unwrap();
    assert_eq!(score.bug_id, second.bugs[0].new_bug_id);
    assert_eq!(score.details.screenshot_url.as_deref(), Some("score.png"));
    assert_eq!(score.details.fingerprint, "fp_score");
    assert_eq!(score.details.video_offset_ms, Some(1500));
    assert_eq!((score.test_step, score.turn), (Some(1), Some(12)));

    let events = events(&*store, &project_id, &leased.run_id).await;
    let seqs: Vec<i64> = events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=events.len() as i64).collect::<Vec<_>>());
    let kinds: Vec<RunEventKind> = events.iter().map(|e| e.kind).collect();
    use RunEventKind::{Bug, Log, State, Step};
    assert_eq!(kinds, [State, State, Step, Log, Step, Bug, Bug, Log, Log]);
    assert_eq!(
        events[1].data,
        json!({"status": "RUNNING", "state": "running", "result": null, "outcome": null})
    );
    assert_eq!(events[1].at, stored(at(2)));
    let completed: StepReport = serde_json::from_value(events[4].data.clone()).unwrap();
    assert_eq!(completed.state, StepState::Completed);
    assert_eq!(
        completed.start_time,
        Some(stored(at(2))),
        "the step as it stands"
    );
    for event in &events[5..7] {
        let occurrence: playtest_types::BugOccurrence =
            serde_json::from_value(event.data.clone()).unwrap();
        assert!(bugs.contains(&occurrence), "{occurrence:?}");
    }
    let line: LogLine = serde_json::from_value(events[8].data.clone()).unwrap();
    assert_eq!(line.line, "looking around");
    assert_eq!(events[8].at, stored(at(6)));

    let later = store
        .run_events(&project_id, &leased.run_id, 4, 2)
        .await
        .unwrap();
    assert_eq!(later.iter().map(|e| e.seq).collect::<Vec<_>>(), [5, 6]);
}

async fn a_report_sent_again_adds_no_bug(store: Arc<dyn Store>, _db: DbGuard) {
    let (project_id, leased) = leased_run(&*store, 1).await;
    let report = JobProgress {
        bugs: vec![bug("fp", "Crash", 3)],
        ..Default::default()
    };
    store
        .record_progress(&lease_ref(&leased), &report, at(3))
        .await
        .unwrap();
    store
        .record_progress(&lease_ref(&leased), &report, at(4))
        .await
        .unwrap();
    assert_eq!(
        store
            .run_bugs(&project_id, &leased.run_id)
            .await
            .unwrap()
            .len(),
        1
    );
    let listed = store
        .list_runs(&project_id, &RunFilter::default(), page(0, 10))
        .await
        .unwrap();
    assert_eq!(listed.items[0].bug_info.as_ref().unwrap().bug_count, 1);
}

async fn a_report_about_a_step_the_run_lacks_writes_nothing(store: Arc<dyn Store>, _db: DbGuard) {
    let (project_id, leased) = leased_run(&*store, 1).await;
    let before = events(&*store, &project_id, &leased.run_id).await;
    let report = JobProgress {
        started: true,
        steps: vec![step(0, 2, StepState::Running)],
        logs: vec![log("hello", 2)],
        ..Default::default()
    };
    assert!(matches!(
        store
            .record_progress(&lease_ref(&leased), &report, at(2))
            .await,
        Err(StoreError::NotFound("step"))
    ));
    assert_eq!(events(&*store, &project_id, &leased.run_id).await, before);
    let run = store
        .run_details(&project_id, &leased.run_id)
        .await
        .unwrap()
        .run;
    assert_eq!(run.state, RunState::Initializing);
}

async fn one_fingerprint_is_one_bug_across_the_runs_of_a_project(
    store: Arc<dyn Store>,
    _db: DbGuard,
) {
    let mine = project(&*store, "mine").await;
    let theirs = project(&*store, "theirs").await;
    create(
        &*store,
        &mine,
        &[
            run_on(PlatformKind::Web, 1, 0),
            run_on(PlatformKind::Web, 1, 0),
        ],
    )
    .await;
    create(&*store, &theirs, &[run_on(PlatformKind::Web, 1, 0)]).await;
    let worker_id = worker(&*store, None, &[PlatformKind::Web]).await;
    let mut occurrences = Vec::new();
    for (i, title) in ["First title", "Second title", "Their title"]
        .into_iter()
        .enumerate()
    {
        let leased = lease(&*store, &worker_id, i as i64).await;
        let found = bug("fp_shared", title, 10 + i as i64);
        let report = JobProgress {
            bugs: vec![found.clone()],
            ..Default::default()
        };
        store
            .record_progress(&lease_ref(&leased), &report, at(10))
            .await
            .unwrap();
        let shown = store
            .run_bugs(&leased.project_id, &leased.run_id)
            .await
            .unwrap();
        occurrences.push((found, shown.into_iter().next().unwrap()));
    }
    let (first, second, foreign) = (&occurrences[0], &occurrences[1], &occurrences[2]);
    assert_eq!(first.1.bug_id, first.0.new_bug_id);
    assert_eq!(
        second.1.bug_id, first.0.new_bug_id,
        "shared within a project"
    );
    assert_eq!(
        second.1.title, "Second title",
        "each occurrence keeps its own words"
    );
    assert_eq!(
        foreign.1.bug_id, foreign.0.new_bug_id,
        "not across projects"
    );
}

async fn events_of_an_unknown_or_foreign_run_are_not_found(store: Arc<dyn Store>, _db: DbGuard) {
    let (project_id, leased) = leased_run(&*store, 1).await;
    let other = project(&*store, "other").await;
    for (project_id, run_id) in [
        (&other, leased.run_id.as_str()),
        (&project_id, "nosuchrun000"),
    ] {
        assert!(matches!(
            store.run_events(project_id, run_id, 0, 10).await,
            Err(StoreError::NotFound("run"))
        ));
    }
    assert_eq!(
        store
            .run_events(&project_id, &leased.run_id, 1, 10)
            .await
            .unwrap(),
        [],
        "nothing after the last event"
    );

    let note = playtest_store::NewRunEvent {
        kind: RunEventKind::Log,
        data: json!({"stream": "agent", "line": "a note", "at": "2025-03-01T12:00:00Z"}),
        at: at(7),
    };
    store
        .append_run_events(&leased.run_id, &[note.clone(), note.clone()])
        .await
        .unwrap();
    let appended = store
        .run_events(&project_id, &leased.run_id, 1, 10)
        .await
        .unwrap();
    assert_eq!(appended.iter().map(|e| e.seq).collect::<Vec<_>>(), [2, 3]);
    assert_eq!(appended[0].data, note.data);
    assert!(matches!(
        store.append_run_events("nosuchrun000", &[note]).await,
        Err(StoreError::NotFound("run"))
    ));
}

async fn a_job_cleaning_up_goes_on_to_complete_and_a_stop_no_longer_applies(
    store: Arc<dyn Store>,
    _db: DbGuard,
) {
    let (project_id, leased) = leased_run(&*store, 1).await;
    let lease = lease_ref(&leased);
    let started = JobProgress {
        started: true,
        ..Default::default()
    };
    store
        .record_progress(&lease, &started, at(2))
        .await
        .unwrap();
    let winding_down = JobProgress {
        cleaning_up: true,
        ..Default::default()
    };
    store
        .record_progress(&lease, &winding_down, at(3))
        .await
        .unwrap();
    let run = store
        .run_details(&project_id, &leased.run_id)
        .await
        .unwrap()
        .run;
    assert_eq!(
        (run.job_status, run.state),
        (JobStatus::CleaningUp, RunState::Running)
    );
    let events = store
        .run_events(&project_id, &leased.run_id, 0, 100)
        .await
        .unwrap();
    assert_eq!(
        events.last().unwrap().data["status"],
        "CLEANING_UP",
        "{events:#?}"
    );

    let stop = store
        .stop_job(&project_id, &run.job_id, at(4))
        .await
        .unwrap();
    assert_eq!(stop, playtest_store::StopOutcome::AlreadyStopping);
    let renewal = store.renew_lease(&lease, at(10), at(40)).await.unwrap();
    assert!(
        !renewal.stop_requested,
        "the game has ended: nothing to stop"
    );
    let finish = playtest_store::JobFinish {
        outcome: playtest_types::RunOutcome::Success,
        artifacts: vec![],
        reason: None,
        at: at(5),
    };
    store.finish_job(&lease, &finish).await.unwrap();
    let run = store
        .run_details(&project_id, &leased.run_id)
        .await
        .unwrap()
        .run;
    assert_eq!(
        (run.job_status, run.outcome),
        (
            JobStatus::Completed,
            Some(playtest_types::RunOutcome::Success)
        )
    );
}

playtest_store::backend_tests!(
    a_job_cleaning_up_goes_on_to_complete_and_a_stop_no_longer_applies,
    progress_writes_steps_bugs_and_logs_with_consecutive_events,
    a_report_sent_again_adds_no_bug,
    a_report_about_a_step_the_run_lacks_writes_nothing,
    one_fingerprint_is_one_bug_across_the_runs_of_a_project,
    events_of_an_unknown_or_foreign_run_are_not_found,
);
