//! The totals of run lists filtered by state at most, which come from the
//! per-project counts the database keeps, stay exact whatever changes the
//! runs: batches, failed batches, stops, a worker's raw updates, deletions,
//! and whatever happens in other projects.

use std::sync::Arc;

use playtest_store::testing::DbGuard;
use playtest_store::{RunFilter, Store};
use playtest_types::RunStateFilter;

use crate::fixtures::{at, batch, complete_run, new_run, page, project, runs};

/// The totals of `project_id`'s list for `all`, `running` and `completed`.
pub async fn totals(store: &dyn Store, project_id: &str) -> [i64; 3] {
    let mut totals = [0; 3];
    let states = [
        RunStateFilter::All,
        RunStateFilter::Running,
        RunStateFilter::Completed,
    ];
    for (total, state) in totals.iter_mut().zip(states) {
        let filter = RunFilter {
            state,
            ..Default::default()
        };
        *total = store
            .list_runs(project_id, &filter, page(0, 1))
            .await
            .unwrap()
            .total;
    }
    totals
}

/// The same totals, counted in `runs`.
pub async fn counted(db: &DbGuard, project_id: &str) -> [i64; 3] {
    let count = |condition: &str| {
        format!("SELECT COUNT(*) FROM runs WHERE project_id = '{project_id}'{condition}")
    };
    [
        db.query_i64(&count("")).await,
        db.query_i64(&count(" AND state <> 'completed'")).await,
        db.query_i64(&count(" AND state = 'completed'")).await,
    ]
}

async fn list_totals_follow_batches_stops_and_a_workers_updates(
    store: Arc<dyn Store>,
    db: DbGuard,
) {
    let mine = project(&*store, "mine").await;
    let theirs = project(&*store, "theirs").await;
    assert_eq!(totals(&*store, &mine).await, [0, 0, 0]);

    let first: Vec<_> = (0..3).map(|_| new_run(&[2], &["a"])).collect();
    store
        .create_runs(&batch(&mine, first.clone()))
        .await
        .unwrap();
    runs(&*store, &mine, 2).await;
    runs(&*store, &theirs, 4).await;
    assert_eq!(totals(&*store, &mine).await, [5, 5, 0]);

    // A batch that fails writes no run, and counts none.
    let mut clash = new_run(&[1], &[]);
    clash.run_id = first[0].run_id.clone();
    let failing = batch(&mine, vec![new_run(&[1], &[]), clash]);
    assert!(store.create_runs(&failing).await.is_err());
    assert_eq!(totals(&*store, &mine).await, [5, 5, 0]);

    store
        .stop_job(&mine, &first[0].job_id, at(5))
        .await
        .unwrap();
    assert_eq!(totals(&*store, &mine).await, [5, 4, 1]);
    // A stop that changes nothing counts nothing.
    store
        .stop_job(&mine, &first[0].job_id, at(6))
        .await
        .unwrap();
    assert_eq!(totals(&*store, &mine).await, [5, 4, 1]);

    // A worker starts one run and completes another, in plain SQL.
    db.execute(&format!(
        "UPDATE runs SET state = 'running' WHERE id = '{}'",
        first[1].run_id
    ))
    .await;
    assert_eq!(totals(&*store, &mine).await, [5, 4, 1]);
    complete_run(&db, &first[2].run_id, "success").await;
    assert_eq!(totals(&*store, &mine).await, [5, 3, 2]);
    // Updates that move no run between states count nothing.
    db.execute(&format!(
        "UPDATE runs SET bug_count = bug_count + 1 WHERE project_id = '{mine}'"
    ))
    .await;

    assert_eq!(totals(&*store, &mine).await, counted(&db, &mine).await);
    assert_eq!(totals(&*store, &theirs).await, [4, 4, 0]);
    assert_eq!(totals(&*store, &theirs).await, counted(&db, &theirs).await);
}

async fn list_totals_follow_deleted_runs_and_projects(store: Arc<dyn Store>, db: DbGuard) {
    let mine = project(&*store, "mine").await;
    let theirs = project(&*store, "theirs").await;
    let created = runs(&*store, &mine, 3).await;
    runs(&*store, &theirs, 2).await;
    complete_run(&db, &created[0], "failed").await;

    db.execute(&format!(
        "DELETE FROM runs WHERE id IN ('{}', '{}')",
        created[0], created[1]
    ))
    .await;
    assert_eq!(totals(&*store, &mine).await, [1, 1, 0]);

    // A project's runs go with it (through its jobs); others' stay counted.
    db.execute(&format!("DELETE FROM projects WHERE id = '{mine}'"))
        .await;
    assert_eq!(
        db.query_i64(&format!(
            "SELECT COUNT(*) FROM run_counts WHERE project_id = '{mine}'"
        ))
        .await,
        0
    );
    assert_eq!(totals(&*store, &theirs).await, [2, 2, 0]);
}

async fn a_page_past_the_end_of_a_filtered_list_has_its_total(store: Arc<dyn Store>, _db: DbGuard) {
    let project_id = project(&*store, "p").await;
    let tagged: Vec<_> = (0..3).map(|_| new_run(&[1], &["nightly"])).collect();
    store
        .create_runs(&batch(&project_id, tagged))
        .await
        .unwrap();
    runs(&*store, &project_id, 2).await;

    let nightly = RunFilter {
        tags: vec!["nightly".to_string()],
        ..Default::default()
    };
    let beyond = store
        .list_runs(&project_id, &nightly, page(5, 2))
        .await
        .unwrap();
    assert_eq!((beyond.total, beyond.items.len()), (3, 0));
    let beyond = store
        .list_runs(&project_id, &RunFilter::default(), page(5, 2))
        .await
        .unwrap();
    assert_eq!((beyond.total, beyond.items.len()), (5, 0));
}

playtest_store::backend_tests!(
    list_totals_follow_batches_stops_and_a_workers_updates,
    list_totals_follow_deleted_runs_and_projects,
    a_page_past_the_end_of_a_filtered_list_has_its_total,
);
