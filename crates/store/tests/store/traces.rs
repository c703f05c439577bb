//! Bug traces: stored with their occurrence, read back whole on the
//! occurrence and as a length in lists, shortened by minimisation runs,
//! and carried by replay runs to their worker.

use std::sync::Arc;

use playtest_store::testing::DbGuard;
use playtest_store::{ArtifactRecord, JobProgress, NewBugOccurrence, Store, StoreError, ids};
use playtest_types::{
    Action, BugCategory, BugTrace, Confidence, PlatformKind, ReplayOrigin, ReplaySpec, Severity,
};

use crate::fixtures::{Leased, at, create, finish, lease, lease_ref, project, run_on, worker};

fn trace(seed: u64, actions: usize) -> BugTrace {
    BugTrace {
        seed,
        actions: (0..actions)
            .map(|i| {
                if i % 2 == 0 {
                    Action::Key("ArrowUp".to_string())
                } else {
                    Action::WaitMs(50)
                }
            })
            .collect(),
    }
}

fn traced_bug(fingerprint: &str, steps: &str, trace: Option<BugTrace>) -> NewBugOccurrence {
    NewBugOccurrence {
        id: ids::prefixed("occ"),
        new_bug_id: ids::prefixed("bug"),
        fingerprint: fingerprint.to_string(),
        title: "The board freezes".to_string(),
        description: "no tile moves any more".to_string(),
        category: BugCategory::Gameplay,
        severity: Severity::High,
        confidence: Confidence::High,
        reproduction_steps: steps.to_string(),
        player_number: 0,
        test_step: None,
        turn: Some(2),
        video_offset_ms: None,
        screenshot: None,
        trace,
        minimizes: None,
        detected_at: at(5),
    }
}

/// Leases the oldest queued job and reports `bug` on it.
async fn report(store: &dyn Store, worker_id: &str, bug: &NewBugOccurrence) -> Leased {
    let leased = lease(store, worker_id, 1).await;
    let progress = JobProgress {
        started: true,
        bugs: vec![bug.clone()],
        ..Default::default()
    };
    store
        .record_progress(&lease_ref(&leased), &progress, at(5))
        .await
        .unwrap();
    leased
}

/// A project with `runs` queued web runs and a worker for them.
async fn project_with_runs(store: &dyn Store, runs: usize) -> (String, String) {
    let project_id = project(store, "p").await;
    let queued: Vec<_> = (0..runs).map(|_| run_on(PlatformKind::Web, 1, 0)).collect();
    create(store, &project_id, &queued).await;
    let worker_id = worker(store, None, &[PlatformKind::Web]).await;
    (project_id, worker_id)
}

async fn a_trace_round_trips_with_its_occurrence_and_lists_show_its_length(
    store: Arc<dyn Store>,
    _db: DbGuard,
) {
    let (project_id, worker_id) = project_with_runs(&*store, 1).await;
    let found = traced_bug("fp_freeze", "press up 3 times", Some(trace(42, 5)));
    let leased = report(&*store, &worker_id, &found).await;

    let record = store.bug_occurrence(&project_id, &found.id).await.unwrap();
    assert_eq!(record.run_id, leased.run_id);
    assert_eq!(record.trace, Some(trace(42, 5)));
    assert_eq!(record.occurrence.details.trace_length, Some(5));
    assert_eq!(
        record.occurrence.details.trace_url, None,
        "no trace.json yet"
    );
    let listed = store.run_bugs(&project_id, &leased.run_id).await.unwrap();
    assert_eq!(listed, vec![record.occurrence.clone()]);

    // Once the run lists its trace artifact, the occurrence names it.
    let mut done = finish(playtest_types::RunOutcome::Failed, 9);
    done.artifacts = vec![ArtifactRecord {
        filename: "trace.json".to_string(),
        blob_key: format!("runs/{project_id}/{}/trace.json", leased.run_id),
        size: 10,
        uploaded_at: at(9),
    }];
    store.finish_job(&lease_ref(&leased), &done).await.unwrap();
    let record = store.bug_occurrence(&project_id, &found.id).await.unwrap();
    assert_eq!(
        record.occurrence.details.trace_url.as_deref(),
        Some("trace.json")
    );
}

async fn an_occurrence_without_a_trace_has_none_and_no_length(store: Arc<dyn Store>, _db: DbGuard) {
    let (project_id, worker_id) = project_with_runs(&*store, 1).await;
    let found = traced_bug("fp_crash", "start the game", None);
    report(&*store, &worker_id, &found).await;
    let record = store.bug_occurrence(&project_id, &found.id).await.unwrap();
    assert_eq!(record.trace, None);
    assert_eq!(record.occurrence.details.trace_length, None);
}

async fn an_occurrence_of_another_project_is_not_found(store: Arc<dyn Store>, _db: DbGuard) {
    let (_, worker_id) = project_with_runs(&*store, 1).await;
    let found = traced_bug("fp", "x", Some(trace(1, 2)));
    report(&*store, &worker_id, &found).await;
    let other = project(&*store, "other").await;
    let err = store.bug_occurrence(&other, &found.id).await.unwrap_err();
    assert!(
        matches!(err, StoreError::NotFound("bug occurrence")),
        "{err:?}"
    );
    let err = store
        .bug_occurrence(&other, "occ_nothing")
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");
}

async fn a_shorter_minimised_trace_replaces_the_original_steps_and_trace(
    store: Arc<dyn Store>,
    _db: DbGuard,
) {
    let (project_id, worker_id) = project_with_runs(&*store, 2).await;
    let original = traced_bug("fp_freeze", "ten long steps", Some(trace(42, 10)));
    report(&*store, &worker_id, &original).await;

    let shorter = NewBugOccurrence {
        minimizes: Some(original.id.clone()),
        ..traced_bug("fp_freeze", "three steps", Some(trace(42, 3)))
    };
    let minimising = report(&*store, &worker_id, &shorter).await;

    let record = store
        .bug_occurrence(&project_id, &original.id)
        .await
        .unwrap();
    assert_eq!(record.occurrence.reproduction_steps, "three steps");
    assert_eq!(record.trace, Some(trace(42, 3)));
    assert_eq!(record.occurrence.details.trace_length, Some(3));
    let noted = record
        .occurrence
        .details
        .minimized
        .expect("the shortening is noted");
    assert_eq!((noted.from, noted.to), (10, 3));
    assert_eq!(noted.run_id, minimising.run_id);
    // The finding is an occurrence of its own run as well.
    let own = store
        .bug_occurrence(&project_id, &shorter.id)
        .await
        .unwrap();
    assert_eq!(own.run_id, minimising.run_id);
    assert_eq!(own.trace, Some(trace(42, 3)));
}

async fn a_minimised_trace_that_is_not_shorter_changes_nothing(
    store: Arc<dyn Store>,
    _db: DbGuard,
) {
    let (project_id, worker_id) = project_with_runs(&*store, 3).await;
    let original = traced_bug("fp_freeze", "three steps", Some(trace(42, 3)));
    report(&*store, &worker_id, &original).await;

    let longer = NewBugOccurrence {
        minimizes: Some(original.id.clone()),
        ..traced_bug("fp_freeze", "five steps", Some(trace(42, 5)))
    };
    report(&*store, &worker_id, &longer).await;
    let other_bug = NewBugOccurrence {
        minimizes: Some(original.id.clone()),
        ..traced_bug("fp_other", "one step", Some(trace(42, 1)))
    };
    report(&*store, &worker_id, &other_bug).await;

    let record = store
        .bug_occurrence(&project_id, &original.id)
        .await
        .unwrap();
    assert_eq!(record.occurrence.reproduction_steps, "three steps");
    assert_eq!(record.trace, Some(trace(42, 3)));
    assert_eq!(record.occurrence.details.minimized, None);
}

async fn a_minimisation_naming_an_unknown_or_foreign_occurrence_is_stored_as_a_plain_one(
    store: Arc<dyn Store>,
    _db: DbGuard,
) {
    let (mine, worker_id) = project_with_runs(&*store, 1).await;
    let theirs = project(&*store, "theirs").await;
    create(&*store, &theirs, &[run_on(PlatformKind::Web, 1, 0)]).await;
    // The queue's order: my first run, then theirs, then my second.
    create(&*store, &mine, &[run_on(PlatformKind::Web, 1, 0)]).await;
    let found = NewBugOccurrence {
        minimizes: Some("occ_does_not_exist".to_string()),
        ..traced_bug("fp", "x", Some(trace(1, 1)))
    };
    report(&*store, &worker_id, &found).await;
    let foreign = traced_bug("fp", "their long steps", Some(trace(1, 9)));
    report(&*store, &worker_id, &foreign).await;
    let reaching = NewBugOccurrence {
        minimizes: Some(foreign.id.clone()),
        ..traced_bug("fp", "mine", Some(trace(1, 1)))
    };
    let second_worker = worker(&*store, None, &[PlatformKind::Web]).await;
    report(&*store, &second_worker, &reaching).await;

    assert!(store.bug_occurrence(&mine, &found.id).await.is_ok());
    assert!(store.bug_occurrence(&mine, &reaching.id).await.is_ok());
    let theirs_now = store.bug_occurrence(&theirs, &foreign.id).await.unwrap();
    assert_eq!(theirs_now.occurrence.reproduction_steps, "their long steps");
    assert_eq!(theirs_now.trace, Some(trace(1, 9)));
}

async fn a_replay_run_carries_what_it_replays_to_its_worker_and_says_so(
    store: Arc<dyn Store>,
    _db: DbGuard,
) {
    let project_id = project(&*store, "p").await;
    let replay = ReplaySpec {
        occurrence_id: "occ_1".to_string(),
        fingerprint: "fp_freeze".to_string(),
        trace: trace(42, 4),
        minimize: true,
    };
    let replaying = playtest_store::NewRun {
        replay: Some(replay.clone()),
        ..run_on(PlatformKind::Web, 1, 0)
    };
    let plain = run_on(PlatformKind::Web, 1, 0);
    create(&*store, &project_id, &[replaying.clone(), plain.clone()]).await;

    let work = store.run_work(&replaying.job_id).await.unwrap();
    assert_eq!(work.replay, Some(replay));
    assert_eq!(store.run_work(&plain.job_id).await.unwrap().replay, None);

    let details = store
        .run_details(&project_id, &replaying.run_id)
        .await
        .unwrap();
    assert_eq!(
        details.run.replay_of,
        Some(ReplayOrigin {
            occurrence_id: "occ_1".to_string(),
            minimize: true
        })
    );
    let listed = store
        .list_runs(
            &project_id,
            &Default::default(),
            crate::fixtures::page(0, 10),
        )
        .await
        .unwrap();
    let origins: Vec<_> = listed.items.iter().map(|r| r.replay_of.is_some()).collect();
    assert_eq!(
        origins,
        [false, true],
        "newest first: only the replay run has an origin"
    );
}

playtest_store::backend_tests!(
    a_trace_round_trips_with_its_occurrence_and_lists_show_its_length,
    an_occurrence_without_a_trace_has_none_and_no_length,
    an_occurrence_of_another_project_is_not_found,
    a_shorter_minimised_trace_replaces_the_original_steps_and_trace,
    a_minimised_trace_that_is_not_shorter_changes_nothing,
    a_minimisation_naming_an_unknown_or_foreign_occurrence_is_stored_as_a_plain_one,
    a_replay_run_carries_what_it_replays_to_its_worker_and_says_so,
);
