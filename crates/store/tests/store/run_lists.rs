//! Listing runs: order, pages, filters, players, isolation.

use std::sync::Arc;

use playtest_store::testing::DbGuard;
use playtest_store::{NewPlanExecution, RunFilter, Store};
use playtest_types::{Run, RunStateFilter};

use crate::fixtures::{
    add_bug, batch, complete_run, new_run, page, project, runs, seed_tagged_runs,
};

fn ids(runs: &[Run]) -> Vec<&str> {
    runs.iter().map(|r| r.multiplayer_run_id.as_str()).collect()
}

/// Newest first: the reverse of creation order.
fn newest_first(created: &[String]) -> Vec<&str> {
    created.iter().rev().map(String::as_str).collect()
}

async fn runs_are_listed_newest_first_in_pages_with_the_whole_total(
    store: Arc<dyn Store>,
    _db: DbGuard,
) {
    let project_id = project(&*store, "p").await;
    let created = runs(&*store, &project_id, 5).await;
    let all = RunFilter::default();

    let first = store
        .list_runs(&project_id, &all, page(0, 2))
        .await
        .unwrap();
    let second = store
        .list_runs(&project_id, &all, page(1, 2))
        .await
        .unwrap();
    let third = store
        .list_runs(&project_id, &all, page(2, 2))
        .await
        .unwrap();
    let beyond = store
        .list_runs(&project_id, &all, page(3, 2))
        .await
        .unwrap();
    assert_eq!(
        [first.total, second.total, third.total, beyond.total],
        [5; 4]
    );
    let listed: Vec<&str> = [&first, &second, &third]
        .iter()
        .flat_map(|p| ids(&p.items))
        .collect();
    assert_eq!(listed, newest_first(&created));
    assert!(beyond.items.is_empty());
}

async fn runs_of_one_batch_are_listed_newest_first_too(store: Arc<dyn Store>, _db: DbGuard) {
    let project_id = project(&*store, "p").await;
    let made: Vec<_> = (0..10).map(|_| new_run(&[1], &[])).collect();
    store
        .create_runs(&batch(&project_id, made.clone()))
        .await
        .unwrap();
    let created: Vec<String> = made.iter().map(|r| r.run_id.clone()).collect();
    let found = store
        .list_runs(&project_id, &RunFilter::default(), page(0, 20))
        .await
        .unwrap();
    assert_eq!(ids(&found.items), newest_first(&created));
}

async fn listed_runs_carry_their_players_without_steps(store: Arc<dyn Store>, _db: DbGuard) {
    let project_id = project(&*store, "p").await;
    let duo = new_run(&[3, 2], &[]);
    let solo = new_run(&[1], &[]);
    store
        .create_runs(&batch(&project_id, vec![duo.clone(), solo.clone()]))
        .await
        .unwrap();

    let found = store
        .list_runs(&project_id, &RunFilter::default(), page(0, 10))
        .await
        .unwrap();
    assert_eq!(
        ids(&found.items),
        [solo.run_id.as_str(), duo.run_id.as_str()]
    );
    let players = &found.items[1].players;
    let numbers: Vec<_> = players
        .iter()
        .map(|p| (p.id.as_str(), p.player_number, p.step_count))
        .collect();
    assert_eq!(
        numbers,
        [
            (duo.players[0].id.as_str(), 0, 3),
            (duo.players[1].id.as_str(), 1, 2)
        ]
    );
    assert!(players.iter().all(|p| p.steps.is_none()));
    assert_eq!(found.items[0].players.len(), 1);

    // The details of the same run are the list's run plus steps.
    let mut details = store
        .run_details(&project_id, &duo.run_id)
        .await
        .unwrap()
        .run;
    for player in &mut details.players {
        assert!(player.steps.take().is_some());
    }
    assert_eq!(details, found.items[1]);
}

async fn the_state_filter_separates_running_from_completed_runs(
    store: Arc<dyn Store>,
    db: DbGuard,
) {
    let project_id = project(&*store, "p").await;
    let created = runs(&*store, &project_id, 4).await;
    complete_run(&db, &created[1], "success").await;
    complete_run(&db, &created[3], "stopped").await;
    db.execute(&format!(
        "UPDATE runs SET state = 'running' WHERE id = '{}'",
        created[2]
    ))
    .await;

    let list = |state| {
        let store = store.clone();
        let project_id = project_id.clone();
        async move {
            let filter = RunFilter {
                state,
                ..Default::default()
            };
            store
                .list_runs(&project_id, &filter, page(0, 10))
                .await
                .unwrap()
        }
    };
    let running = list(RunStateFilter::Running).await;
    assert_eq!(
        (running.total, ids(&running.items)),
        (2, vec![created[2].as_str(), created[0].as_str()])
    );
    let completed = list(RunStateFilter::Completed).await;
    assert_eq!(
        (completed.total, ids(&completed.items)),
        (2, vec![created[3].as_str(), created[1].as_str()])
    );
    assert_eq!(list(RunStateFilter::All).await.total, 4);
}

async fn a_tag_filter_keeps_runs_carrying_every_tag(store: Arc<dyn Store>, _db: DbGuard) {
    let project_id = project(&*store, "p").await;
    let both = new_run(&[1], &["smoke", "nightly"]);
    let smoke = new_run(&[1], &["smoke"]);
    let nightly = new_run(&[1], &["nightly", "extra"]);
    let none = new_run(&[1], &[]);
    let made = vec![both.clone(), smoke.clone(), nightly.clone(), none];
    store.create_runs(&batch(&project_id, made)).await.unwrap();

    let tagged = |tags: &[&str]| RunFilter {
        tags: tags.iter().map(|t| t.to_string()).collect(),
        ..Default::default()
    };
    let found = store
        .list_runs(&project_id, &tagged(&["smoke"]), page(0, 10))
        .await
        .unwrap();
    assert_eq!(
        (found.total, ids(&found.items)),
        (2, vec![smoke.run_id.as_str(), both.run_id.as_str()])
    );
    let found = store
        .list_runs(&project_id, &tagged(&["nightly", "smoke"]), page(0, 10))
        .await
        .unwrap();
    assert_eq!(
        (found.total, ids(&found.items)),
        (1, vec![both.run_id.as_str()])
    );
    let found = store
        .list_runs(&project_id, &tagged(&["smoke", "missing"]), page(0, 10))
        .await
        .unwrap();
    assert_eq!((found.total, found.items.len()), (0, 0));
}

async fn a_tag_filter_gives_the_same_runs_however_common_the_tags(
    store: Arc<dyn Store>,
    db: DbGuard,
) {
    // Another project's runs make `common` a tag of thousands of runs.
    let crowd = project(&*store, "crowd").await;
    seed_tagged_runs(&db, &crowd, 6_000, "common").await;
    let project_id = project(&*store, "p").await;
    let both = new_run(&[1], &["common", "rare"]);
    let common = new_run(&[1], &["common"]);
    let rare = new_run(&[1], &["rare"]);
    store
        .create_runs(&batch(
            &project_id,
            vec![both.clone(), common.clone(), rare.clone()],
        ))
        .await
        .unwrap();

    let tagged = |tags: &[&str]| RunFilter {
        tags: tags.iter().map(|t| t.to_string()).collect(),
        ..Default::default()
    };
    let found = store
        .list_runs(&project_id, &tagged(&["common"]), page(0, 10))
        .await
        .unwrap();
    assert_eq!(
        (found.total, ids(&found.items)),
        (2, vec![common.run_id.as_str(), both.run_id.as_str()])
    );
    let found = store
        .list_runs(&project_id, &tagged(&["common", "rare"]), page(0, 10))
        .await
        .unwrap();
    assert_eq!(
        (found.total, ids(&found.items)),
        (1, vec![both.run_id.as_str()])
    );
    let found = store
        .list_runs(&project_id, &tagged(&["rare"]), page(0, 10))
        .await
        .unwrap();
    assert_eq!(
        (found.total, ids(&found.items)),
        (2, vec![rare.run_id.as_str(), both.run_id.as_str()])
    );
    let crowded = store
        .list_runs(&crowd, &tagged(&["common"]), page(3, 100))
        .await
        .unwrap();
    assert_eq!((crowded.total, crowded.items.len()), (6_000, 100));
}

async fn runs_are_filtered_by_job_and_by_plan_execution(store: Arc<dyn Store>, _db: DbGuard) {
    let project_id = project(&*store, "p").await;
    let alone = new_run(&[1], &[]);
    store
        .create_runs(&batch(&project_id, vec![alone.clone()]))
        .await
        .unwrap();
    let planned: Vec<_> = (0..3).map(|_| new_run(&[1], &[])).collect();
    let mut plan_batch = batch(&project_id, planned.clone());
    plan_batch.plan_execution = Some(NewPlanExecution {
        id: "tpe_1".to_string(),
        test_plan_id: "tpl_1".to_string(),
    });
    store.create_runs(&plan_batch).await.unwrap();

    let by_job = RunFilter {
        job_id: Some(alone.job_id.clone()),
        ..Default::default()
    };
    let found = store
        .list_runs(&project_id, &by_job, page(0, 10))
        .await
        .unwrap();
    assert_eq!(
        (found.total, ids(&found.items)),
        (1, vec![alone.run_id.as_str()])
    );

    let by_plan = RunFilter {
        test_plan_execution_id: Some("tpe_1".to_string()),
        ..Default::default()
    };
    let found = store
        .list_runs(&project_id, &by_plan, page(0, 10))
        .await
        .unwrap();
    assert_eq!(found.total, 3);
    assert!(
        found
            .items
            .iter()
            .all(|r| r.test_plan_execution_id.as_deref() == Some("tpe_1"))
    );
    let expected: Vec<_> = planned.iter().rev().map(|r| r.run_id.as_str()).collect();
    assert_eq!(ids(&found.items), expected);

    let both = RunFilter {
        job_id: Some(alone.job_id),
        test_plan_execution_id: Some("tpe_1".into()),
        ..Default::default()
    };
    assert_eq!(
        store
            .list_runs(&project_id, &both, page(0, 10))
            .await
            .unwrap()
            .total,
        0
    );
}

async fn with_bugs_keeps_only_runs_that_found_bugs(store: Arc<dyn Store>, db: DbGuard) {
    let project_id = project(&*store, "p").await;
    let created = runs(&*store, &project_id, 3).await;
    add_bug(
        &db,
        &project_id,
        &created[1],
        "occ_1",
        "2025-03-01T12:00:00.000000Z",
    )
    .await;

    let filter = RunFilter {
        with_bugs: true,
        ..Default::default()
    };
    let found = store
        .list_runs(&project_id, &filter, page(0, 10))
        .await
        .unwrap();
    assert_eq!(
        (found.total, ids(&found.items)),
        (1, vec![created[1].as_str()])
    );
    let info = found.items[0].bug_info.clone().unwrap();
    assert_eq!((info.bug_count, info.bug_label.as_str()), (1, "1 bug"));
}

async fn another_projects_runs_are_never_listed(store: Arc<dyn Store>, _db: DbGuard) {
    let mine = project(&*store, "mine").await;
    let theirs = project(&*store, "theirs").await;
    let my_runs = runs(&*store, &mine, 2).await;
    let their_run = new_run(&[1], &["smoke"]);
    store
        .create_runs(&batch(&theirs, vec![their_run.clone()]))
        .await
        .unwrap();

    let found = store
        .list_runs(&mine, &RunFilter::default(), page(0, 10))
        .await
        .unwrap();
    assert_eq!(
        (found.total, ids(&found.items)),
        (2, newest_first(&my_runs))
    );
    let by_job = RunFilter {
        job_id: Some(their_run.job_id),
        ..Default::default()
    };
    assert_eq!(
        store
            .list_runs(&mine, &by_job, page(0, 10))
            .await
            .unwrap()
            .total,
        0
    );
    let by_tag = RunFilter {
        tags: vec!["smoke".to_string()],
        ..Default::default()
    };
    assert_eq!(
        store
            .list_runs(&mine, &by_tag, page(0, 10))
            .await
            .unwrap()
            .total,
        0
    );
}

playtest_store::backend_tests!(
    runs_are_listed_newest_first_in_pages_with_the_whole_total,
    runs_of_one_batch_are_listed_newest_first_too,
    listed_runs_carry_their_players_without_steps,
    the_state_filter_separates_running_from_completed_runs,
    a_tag_filter_keeps_runs_carrying_every_tag,
    a_tag_filter_gives_the_same_runs_however_common_the_tags,
    runs_are_filtered_by_job_and_by_plan_execution,
    with_bugs_keeps_only_runs_that_found_bugs,
    another_projects_runs_are_never_listed,
);
