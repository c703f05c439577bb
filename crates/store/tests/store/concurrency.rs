//! Many writers at once: every write succeeds (no `SQLITE_BUSY` on SQLite),
//! and optimistic concurrency lets exactly one of several racing updates win.

use std::sync::Arc;

use playtest_store::testing::DbGuard;
use playtest_store::{NewApiKey, RunFilter, Store, StoreError, ids};

use crate::fixtures::{at, batch, new_run, page, project, test_spec};

async fn concurrent_writes_all_succeed(store: Arc<dyn Store>, db: DbGuard) {
    let project_id = project(&*store, "p").await;
    let key = NewApiKey {
        id: ids::prefixed("key"),
        project_id: project_id.clone(),
        name: "ci".to_string(),
        prefix: "pt_0123456".to_string(),
        secret_hash: "hash".to_string(),
        permissions: vec![],
        expires_at: None,
        created_at: at(0),
    };
    let key_id = store.create_key(key).await.unwrap().key.id;
    store
        .create_test(&project_id, "tst_shared", &test_spec("shared", &[1]), at(0))
        .await
        .unwrap();

    let mut tasks = Vec::new();
    for i in 0..40i64 {
        let (store, project_id, key_id) = (store.clone(), project_id.clone(), key_id.clone());
        tasks.push(tokio::spawn(async move {
            match i % 4 {
                0 => {
                    let runs = (0..5).map(|_| new_run(&[3, 2], &["load"])).collect();
                    store.create_runs(&batch(&project_id, runs)).await
                }
                1 => store
                    .create_test(
                        &project_id,
                        &format!("tst_{i}"),
                        &test_spec("t", &[2]),
                        at(i),
                    )
                    .await
                    .map(drop),
                2 => store
                    .update_test(
                        &project_id,
                        "tst_shared",
                        &test_spec("s", &[1]),
                        None,
                        at(i),
                    )
                    .await
                    .map(drop),
                _ => {
                    store.touch_key(&key_id, at(i)).await?;
                    store
                        .list_runs(&project_id, &RunFilter::default(), page(0, 20))
                        .await
                        .map(drop)
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }

    assert_eq!(db.query_i64("SELECT COUNT(*) FROM runs").await, 50);
    assert_eq!(db.query_i64("SELECT COUNT(*) FROM run_steps").await, 250);
    assert_eq!(
        store
            .list_tests(&project_id, page(0, 1))
            .await
            .unwrap()
            .total,
        11
    );
    assert_eq!(
        store.test(&project_id, "tst_shared").await.unwrap().version,
        11
    );
}

async fn of_racing_updates_from_one_version_exactly_one_wins(store: Arc<dyn Store>, _db: DbGuard) {
    let project_id = project(&*store, "p").await;
    store
        .create_test(&project_id, "tst_1", &test_spec("v1", &[1]), at(0))
        .await
        .unwrap();

    let tasks: Vec<_> = (0..10)
        .map(|i| {
            let (store, project_id) = (store.clone(), project_id.clone());
            tokio::spawn(async move {
                store
                    .update_test(
                        &project_id,
                        "tst_1",
                        &test_spec(&format!("v{i}"), &[1]),
                        Some(1),
                        at(i),
                    )
                    .await
            })
        })
        .collect();
    let mut wins = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(test) => {
                assert_eq!(test.version, 2);
                wins += 1;
            }
            Err(StoreError::VersionConflict { current }) => assert_eq!(current, 2),
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(wins, 1);
    assert_eq!(store.test(&project_id, "tst_1").await.unwrap().version, 2);
}

playtest_store::backend_tests!(
    concurrent_writes_all_succeed,
    of_racing_updates_from_one_version_exactly_one_wins
);
