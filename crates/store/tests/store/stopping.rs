//! Stopping jobs in each status.

use std::sync::Arc;

use playtest_store::testing::DbGuard;
use playtest_store::{StopOutcome, Store};
use playtest_types::{JobStatus, RunOutcome, RunResult, RunState, StepState};

use crate::fixtures::{at, batch, complete_run, new_run, project, set_job_status, stored};

async fn stopping_a_queued_job_completes_it_and_its_run_as_stopped(
    store: Arc<dyn Store>,
    _db: DbGuard,
) {
    let project_id = project(&*store, "p").await;
    let run = new_run(&[2, 1], &[]);
    store
        .create_runs(&batch(&project_id, vec![run.clone()]))
        .await
        .unwrap();

    assert_eq!(
        store
            .stop_job(&project_id, &run.job_id, at(30))
            .await
            .unwrap(),
        StopOutcome::Stopped
    );
    let stopped = store
        .run_details(&project_id, &run.run_id)
        .await
        .unwrap()
        .run;
    assert_eq!(
        (stopped.job_status, stopped.state),
        (JobStatus::Completed, RunState::Completed)
    );
    assert_eq!(
        (stopped.outcome, stopped.result),
        (Some(RunOutcome::Stopped), Some(RunResult::Error))
    );
    assert_eq!(stopped.completed_at, Some(stored(at(30))));
    for player in &stopped.players {
        assert_eq!(
            (player.state, player.result),
            (RunState::Completed, Some(RunResult::Error))
        );
        assert!(
            player
                .steps
                .as_ref()
                .unwrap()
                .iter()
                .all(|s| s.run_state == StepState::Incomplete)
        );
    }
    assert_eq!(
        store
            .stop_job(&project_id, &run.job_id, at(31))
            .await
            .unwrap(),
        StopOutcome::AlreadyCompleted
    );
}

async fn stopping_an_active_job_asks_its_worker_to_stop(store: Arc<dyn Store>, db: DbGuard) {
    let project_id = project(&*store, "p").await;
    for status in ["STARTING", "RUNNING"] {
        let run = new_run(&[1], &[]);
        store
            .create_runs(&batch(&project_id, vec![run.clone()]))
            .await
            .unwrap();
        set_job_status(&db, &run.job_id, status).await;

        let outcome = store
            .stop_job(&project_id, &run.job_id, at(5))
            .await
            .unwrap();
        assert_eq!(outcome, StopOutcome::StopRequested, "from {status}");
        let found = store
            .run_details(&project_id, &run.run_id)
            .await
            .unwrap()
            .run;
        assert_eq!(
            (found.job_status, found.state),
            (JobStatus::Stopping, RunState::Initializing)
        );
        let requested_at = db
            .query_i64(&format!(
                "SELECT COUNT(*) FROM jobs WHERE id = '{}' AND stop_requested_at IS NOT NULL",
                run.job_id
            ))
            .await;
        assert_eq!(requested_at, 1);
        let again = store
            .stop_job(&project_id, &run.job_id, at(6))
            .await
            .unwrap();
        assert_eq!(again, StopOutcome::AlreadyStopping, "from {status}");
    }
}

async fn stopping_a_completed_job_changes_nothing(store: Arc<dyn Store>, db: DbGuard) {
    let project_id = project(&*store, "p").await;
    let run = new_run(&[1], &[]);
    store
        .create_runs(&batch(&project_id, vec![run.clone()]))
        .await
        .unwrap();
    complete_run(&db, &run.run_id, "success").await;
    let before = store.run_details(&project_id, &run.run_id).await.unwrap();

    assert_eq!(
        store
            .stop_job(&project_id, &run.job_id, at(9))
            .await
            .unwrap(),
        StopOutcome::AlreadyCompleted
    );
    assert_eq!(
        store.run_details(&project_id, &run.run_id).await.unwrap(),
        before
    );
}

async fn stopping_an_unknown_or_foreign_job_is_not_found(store: Arc<dyn Store>, _db: DbGuard) {
    let mine = project(&*store, "mine").await;
    let theirs = project(&*store, "theirs").await;
    let run = new_run(&[1], &[]);
    store
        .create_runs(&batch(&theirs, vec![run.clone()]))
        .await
        .unwrap();

    assert_eq!(
        store.stop_job(&mine, &run.job_id, at(1)).await.unwrap(),
        StopOutcome::NotFound
    );
    assert_eq!(
        store.stop_job(&mine, "nosuchjob000", at(1)).await.unwrap(),
        StopOutcome::NotFound
    );
    let untouched = store.run_details(&theirs, &run.run_id).await.unwrap().run;
    assert_eq!(untouched.job_status, JobStatus::Queued);
}

async fn concurrent_stops_of_one_queued_job_have_one_winner(store: Arc<dyn Store>, _db: DbGuard) {
    let project_id = project(&*store, "p").await;
    let run = new_run(&[3], &[]);
    store
        .create_runs(&batch(&project_id, vec![run.clone()]))
        .await
        .unwrap();

    let stops: Vec<_> = (0..8)
        .map(|i| {
            let (store, project_id, job_id) =
                (store.clone(), project_id.clone(), run.job_id.clone());
            tokio::spawn(async move { store.stop_job(&project_id, &job_id, at(i)).await })
        })
        .collect();
    let mut outcomes = Vec::new();
    for stop in stops {
        outcomes.push(stop.await.unwrap().unwrap());
    }
    let winners = outcomes
        .iter()
        .filter(|o| **o == StopOutcome::Stopped)
        .count();
    assert_eq!(winners, 1, "{outcomes:?}");
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, StopOutcome::Stopped | StopOutcome::AlreadyCompleted))
    );
}

playtest_store::backend_tests!(
    stopping_a_queued_job_completes_it_and_its_run_as_stopped,
    stopping_an_active_job_asks_its_worker_to_stop,
    stopping_a_completed_job_changes_nothing,
    stopping_an_unknown_or_foreign_job_is_not_found,
    concurrent_stops_of_one_queued_job_have_one_winner,
);
