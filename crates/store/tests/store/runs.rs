//! Starting runs in batches, and reading one run: its details, its
//! artifacts, its bugs.

use std::sync::Arc;

use playtest_store::testing::DbGuard;
use playtest_store::{NewPlanExecution, RunFilter, Store, StoreError};
use playtest_types::{
    BugCategory, Confidence, JobStatus, PlatformKind, RunOutcome, RunResult, RunState, Severity,
    StepState,
};

use crate::fixtures::{add_bug, at, batch, complete_run, instant, new_run, page, project, stored};

async fn a_batch_queues_jobs_and_initializes_runs_players_and_steps(
    store: Arc<dyn Store>,
    _db: DbGuard,
) {
    let project_id = project(&*store, "p").await;
    let web = new_run(&[2, 1], &["smoke", "nightly"]);
    let mut linux = new_run(&[0], &[]);
    linux.platform = PlatformKind::Linux;
    linux.build_id = None;
    store
        .create_runs(&batch(&project_id, vec![web.clone(), linux.clone()]))
        .await
        .unwrap();

    let details = store.run_details(&project_id, &web.run_id).await.unwrap();
    let run = &details.run;
    assert_eq!(run.multiplayer_run_id, web.run_id);
    assert_eq!(run.project_id, project_id);
    assert_eq!(
        (run.state, run.result, run.outcome),
        (RunState::Initializing, None, None)
    );
    assert_eq!(
        (run.job_id.as_str(), run.job_status),
        (web.job_id.as_str(), JobStatus::Queued)
    );
    assert_eq!(run.queue_rejection_reason, None);
    assert_eq!(run.test.id, "tst_walk");
    assert_eq!(
        (run.test.name.as_str(), run.test.test_type.as_str()),
        ("walk", "verification")
    );
    assert_eq!(
        run.build.as_ref().map(|b| (b.id.as_str(), b.name.as_str())),
        Some(("bld_1", "bld_1"))
    );
    assert_eq!(
        run.bug_info
            .as_ref()
            .map(|b| (b.bug_count, b.bug_label.as_str())),
        Some((0, "no bugs"))
    );
    assert_eq!(run.created_at, stored(at(0)));
    assert_eq!(
        (run.started_at, run.completed_at, run.duration_ms),
        (None, None, None)
    );
    assert_eq!(run.initiator, web.initiator);
    assert_eq!(run.tags, ["smoke", "nightly"]);
    assert_eq!(run.test_plan_execution_id, None);
    assert_eq!(run.deployment_config_id, "dcf_web");

    assert_eq!(run.players.len(), 2);
    for (player, new) in run.players.iter().zip(&web.players) {
        assert_eq!(
            (player.id.as_str(), player.player_number),
            (new.id.as_str(), new.player_number)
        );
        assert_eq!(player.test_name, new.test_name);
        assert_eq!(
            (player.state, player.result),
            (RunState::Initializing, None)
        );
        assert_eq!(
            (player.step_count, player.completed_step_count),
            (new.steps.len() as i32, 0)
        );
        assert_eq!(
            (
                player.platform.kind.as_str(),
                player.platform.device.as_str()
            ),
            ("web", "chromium")
        );
        assert_eq!(player.composite_test_id, "tst_walk");
        let steps = player.steps.as_ref().expect("details carry steps");
        assert_eq!(steps.len(), new.steps.len());
        for (number, (step, goal)) in steps.iter().zip(&new.steps).enumerate() {
            assert_eq!(step.step_number, number as i32 + 1, "steps count from 1");
            assert_eq!(&step.test, goal);
            assert_eq!(
                (step.run_state, step.run_result, step.report.as_deref()),
                (StepState::Pending, None, None)
            );
            assert_eq!(
                (step.start_time, step.end_time, step.duration_ms),
                (None, None, None)
            );
        }
    }
    assert_eq!(details.options, web.options);
    assert!(details.templating_enabled);
    assert_eq!(details.template_data, web.template_data);
    assert_eq!(details.retries, 2);
    assert!(details.artifacts.is_empty());

    let linux_run = store
        .run_details(&project_id, &linux.run_id)
        .await
        .unwrap()
        .run;
    assert_eq!(linux_run.build, None);
    let player = &linux_run.players[0];
    assert_eq!(
        (
            player.platform.kind.as_str(),
            player.platform.device.as_str()
        ),
        ("linux", "x86_64")
    );
    assert_eq!(
        (player.step_count, player.steps.as_ref().map(Vec::len)),
        (0, Some(0))
    );
}

async fn a_batch_that_fails_half_way_writes_nothing(store: Arc<dyn Store>, db: DbGuard) {
    let project_id = project(&*store, "p").await;
    let first = new_run(&[2], &["a"]);
    let mut second = new_run(&[1], &["b"]);
    second.run_id = first.run_id.clone();
    let mut failing = batch(&project_id, vec![first, second]);
    failing.plan_execution = Some(NewPlanExecution {
        id: "tpe_1".to_string(),
        test_plan_id: "tpl_1".to_string(),
    });

    let err = store.create_runs(&failing).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    for table in [
        "test_plan_executions",
        "jobs",
        "runs",
        "run_tags",
        "run_players",
        "run_steps",
    ] {
        assert_eq!(
            db.query_i64(&format!("SELECT COUNT(*) FROM {table}")).await,
            0,
            "rows left in {table}"
        );
    }
    // The store still works after the rollback.
    store
        .create_runs(&batch(&project_id, vec![new_run(&[1], &[])]))
        .await
        .unwrap();
    assert_eq!(db.query_i64("SELECT COUNT(*) FROM runs").await, 1);
}

async fn a_run_id_taken_by_an_earlier_batch_is_a_conflict(store: Arc<dyn Store>, _db: DbGuard) {
    let project_id = project(&*store, "p").await;
    let run = new_run(&[1], &[]);
    store
        .create_runs(&batch(&project_id, vec![run.clone()]))
        .await
        .unwrap();
    let mut again = new_run(&[1], &[]);
    again.run_id = run.run_id;
    let err = store
        .create_runs(&batch(&project_id, vec![again]))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
}

async fn a_batch_of_a_missing_project_is_refused(store: Arc<dyn Store>, _db: DbGuard) {
    let err = store
        .create_runs(&batch("prj_missing", vec![new_run(&[1], &[])]))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound("project")), "{err:?}");
}

async fn duplicate_tags_of_a_run_are_kept_once_for_filtering(store: Arc<dyn Store>, _db: DbGuard) {
    let project_id = project(&*store, "p").await;
    let run = new_run(&[1], &["x", "x"]);
    store
        .create_runs(&batch(&project_id, vec![run.clone()]))
        .await
        .unwrap();
    let filter = RunFilter {
        tags: vec!["x".to_string()],
        ..Default::default()
    };
    let found = store
        .list_runs(&project_id, &filter, page(0, 10))
        .await
        .unwrap();
    assert_eq!(found.total, 1);
}

async fn a_run_of_another_project_is_not_found(store: Arc<dyn Store>, _db: DbGuard) {
    let mine = project(&*store, "mine").await;
    let theirs = project(&*store, "theirs").await;
    let run = new_run(&[1], &[]);
    store
        .create_runs(&batch(&theirs, vec![run.clone()]))
        .await
        .unwrap();
    assert!(matches!(
        store.run_details(&mine, &run.run_id).await,
        Err(StoreError::NotFound("run"))
    ));
    assert!(matches!(
        store.run_bugs(&mine, &run.run_id).await,
        Err(StoreError::NotFound("run"))
    ));
    assert!(matches!(
        store.run_details(&mine, "nosuchrun000").await,
        Err(StoreError::NotFound("run"))
    ));
    assert!(matches!(
        store.run_bugs(&mine, "nosuchrun000").await,
        Err(StoreError::NotFound("run"))
    ));
    assert!(store.run_details(&theirs, &run.run_id).await.is_ok());
}

async fn a_completed_run_shows_its_result_outcome_and_duration(store: Arc<dyn Store>, db: DbGuard) {
    let project_id = project(&*store, "p").await;
    let run = new_run(&[1], &[]);
    store
        .create_runs(&batch(&project_id, vec![run.clone()]))
        .await
        .unwrap();
    complete_run(&db, &run.run_id, "failed").await;

    let found = store
        .run_details(&project_id, &run.run_id)
        .await
        .unwrap()
        .run;
    assert_eq!(
        (found.state, found.job_status),
        (RunState::Completed, JobStatus::Completed)
    );
    assert_eq!(
        (found.outcome, found.result),
        (Some(RunOutcome::Failed), Some(RunResult::Failure))
    );
    assert_eq!(found.duration_ms, Some(2500));
}

async fn artifacts_are_listed_by_filename(store: Arc<dyn Store>, db: DbGuard) {
    let project_id = project(&*store, "p").await;
    let run = new_run(&[1], &[]);
    store
        .create_runs(&batch(&project_id, vec![run.clone()]))
        .await
        .unwrap();
    let id = &run.run_id;
    db.execute(&format!(
        "INSERT INTO run_artifacts (run_id, filename, blob_key, size, uploaded_at) VALUES \
         ('{id}', 'recording.mp4', 'runs/{id}/recording.mp4', 2048, '2025-03-01T12:00:05.250000Z'), \
         ('{id}', 'Logs.txt', 'runs/{id}/Logs.txt', 10, '2025-03-01T12:00:04.000000Z'), \
         ('{id}', 'trace.json', 'runs/{id}/trace.json', 99, '2025-03-01T12:00:06.000000Z')"
    ))
    .await;
    let artifacts = store.run_details(&project_id, id).await.unwrap().artifacts;
    let names: Vec<_> = artifacts.iter().map(|a| a.filename.as_str()).collect();
    assert_eq!(names, ["Logs.txt", "recording.mp4", "trace.json"]);
    assert_eq!(
        (artifacts[1].size, artifacts[1].blob_key.clone()),
        (2048, format!("runs/{id}/recording.mp4"))
    );
    assert_eq!(
        artifacts[1].uploaded_at,
        instant("2025-03-01T12:00:05.250000Z")
    );
}

async fn a_runs_artifacts_read_alone_are_those_of_its_details(store: Arc<dyn Store>, db: DbGuard) {
    let project_id = project(&*store, "p").await;
    let other_project = project(&*store, "q").await;
    let run = new_run(&[1], &[]);
    let bare = new_run(&[1], &[]);
    store
        .create_runs(&batch(&project_id, vec![run.clone(), bare.clone()]))
        .await
        .unwrap();
    let id = &run.run_id;
    db.execute(&format!(
        "INSERT INTO run_artifacts (run_id, filename, blob_key, size, uploaded_at) VALUES \
         ('{id}', 'recording.mp4', 'runs/{id}/recording.mp4', 2048, '2025-03-01T12:00:05.250000Z'), \
         ('{id}', 'Logs.txt', 'runs/{id}/Logs.txt', 10, '2025-03-01T12:00:04.000000Z'), \
         ('{id}', 'trace.json', 'runs/{id}/trace.json', 99, '2025-03-01T12:00:06.000000Z')"
    ))
    .await;

    let artifacts = store.run_artifacts(&project_id, id).await.unwrap();
    let details = store.run_details(&project_id, id).await.unwrap();
    assert_eq!(artifacts, details.artifacts);
    assert!(
        store
            .run_artifacts(&project_id, &bare.run_id)
            .await
            .unwrap()
            .is_empty()
    );
    for (project_id, run_id) in [(&other_project, id.as_str()), (&project_id, "nosuchrun123")] {
        assert!(matches!(
            store.run_artifacts(project_id, run_id).await,
            Err(StoreError::NotFound("run"))
        ));
    }
}

async fn a_runs_bugs_come_in_the_order_they_were_found(store: Arc<dyn Store>, db: DbGuard) {
    let project_id = project(&*store, "p").await;
    let run = new_run(&[1], &[]);
    let other = new_run(&[1], &[]);
    store
        .create_runs(&batch(&project_id, vec![run.clone(), other.clone()]))
        .await
        .unwrap();
    add_bug(
        &db,
        &project_id,
        &run.run_id,
        "occ_late",
        "2025-03-01T12:00:09.000001Z",
    )
    .await;
    add_bug(
        &db,
        &project_id,
        &run.run_id,
        "occ_early",
        "2025-03-01T12:00:09.000000Z",
    )
    .await;
    add_bug(
        &db,
        &project_id,
        &other.run_id,
        "occ_other",
        "2025-03-01T12:00:01.000000Z",
    )
    .await;

    let bugs = store.run_bugs(&project_id, &run.run_id).await.unwrap();
    let ids: Vec<_> = bugs.iter().map(|b| b.id.as_str()).collect();
    assert_eq!(ids, ["occ_early", "occ_late"]);
    let bug = &bugs[0];
    assert_eq!(
        (bug.bug_id.as_str(), bug.title.as_str()),
        ("bug_occ_early", "Crash occ_early")
    );
    assert_eq!(
        (bug.category, bug.severity, bug.confidence),
        (BugCategory::Crash, Severity::High, Confidence::Medium)
    );
    assert_eq!(
        (bug.player_number, bug.test_step, bug.turn),
        (0, Some(1), Some(7))
    );
    assert_eq!(bug.details.video_offset_ms, Some(1500));
    assert_eq!(bug.details.fingerprint, "fp_occ_early");
    assert_eq!(bug.detected_at, instant("2025-03-01T12:00:09.000000Z"));
    assert_eq!(bugs[1].detected_at, instant("2025-03-01T12:00:09.000001Z"));

    let found = store
        .run_details(&project_id, &run.run_id)
        .await
        .unwrap()
        .run;
    assert_eq!(
        found.bug_info.map(|b| (b.bug_count, b.bug_label)),
        Some((2, "2 bugs".to_string()))
    );
    assert_eq!(
        store
            .run_bugs(&project_id, &other.run_id)
            .await
            .unwrap()
            .len(),
        1
    );
}

playtest_store::backend_tests!(
    a_batch_queues_jobs_and_initializes_runs_players_and_steps,
    a_batch_that_fails_half_way_writes_nothing,
    a_run_id_taken_by_an_earlier_batch_is_a_conflict,
    a_batch_of_a_missing_project_is_refused,
    duplicate_tags_of_a_run_are_kept_once_for_filtering,
    a_run_of_another_project_is_not_found,
    a_completed_run_shows_its_result_outcome_and_duration,
    artifacts_are_listed_by_filename,
    a_runs_artifacts_read_alone_are_those_of_its_details,
    a_runs_bugs_come_in_the_order_they_were_found,
);
