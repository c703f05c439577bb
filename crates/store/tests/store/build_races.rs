//! Many reservations and releases at once: the capacity is never
//! overbooked, no build is evicted twice, and `storage_used` stays the sum
//! of the project's build sizes.

use std::sync::Arc;

use playtest_store::testing::DbGuard;
use playtest_store::{BuildPatch, CompletedFile, Store, StoreError};
use playtest_types::DeletionPolicy;

use crate::fixtures::{
    at, evicting, expiring, new_build, project, ready_build, storage_used, three_ready_builds,
    unlimited,
};

async fn concurrent_reservations_never_overbook_the_capacity(store: Arc<dyn Store>, _db: DbGuard) {
    let project_id = project(&*store, "p").await;
    store
        .set_storage_capacity(&project_id, Some(100))
        .await
        .unwrap();
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let (store, build) = (store.clone(), new_build(&project_id, &format!("b{i}"), 30));
            tokio::spawn(async move { store.reserve_build(&build, unlimited()).await })
        })
        .collect();
    let mut reserved = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => reserved += 1,
            Err(StoreError::QuotaExceeded {
                used,
                capacity,
                needed,
            }) => {
                assert_eq!((used, capacity, needed), (90, 100, 30));
            }
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(reserved, 3);
    assert_eq!(storage_used(&*store, &project_id).await, 90);
}

async fn concurrent_evicting_reservations_evict_each_build_once(
    store: Arc<dyn Store>,
    _db: DbGuard,
) {
    let project_id = project(&*store, "p").await;
    let mut made = three_ready_builds(&*store, &project_id).await;
    let rules = evicting(DeletionPolicy::LeastRecent);
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let (store, build) = (store.clone(), new_build(&project_id, &format!("b{i}"), 30));
            tokio::spawn(async move { store.reserve_build(&build, rules).await })
        })
        .collect();
    let mut reserved = 0;
    let mut evicted = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            Ok(reservation) => {
                reserved += 1;
                evicted.extend(reservation.evicted.into_iter().map(|r| r.build.id));
            }
            Err(StoreError::QuotaExceeded { .. }) => {}
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    // Uploads in progress are never evicted, so three fit, each in place
    // of one ready build.
    assert_eq!(reserved, 3);
    evicted.sort();
    made.sort();
    assert_eq!(evicted, made);
    assert_eq!(storage_used(&*store, &project_id).await, 90);
}

/// The bytes a project's builds hold minus what the project counts: 0.
async fn miscounted(db: &DbGuard, project_id: &str) -> i64 {
    db.query_i64(&format!(
        "SELECT CAST(storage_used - (SELECT COALESCE(SUM(file_size), 0) FROM builds \
         WHERE project_id = '{project_id}') AS BIGINT) FROM projects WHERE id = '{project_id}'"
    ))
    .await
}

async fn storage_stays_counted_exactly_through_concurrent_changes(
    store: Arc<dyn Store>,
    db: DbGuard,
) {
    let project_id = project(&*store, "p").await;
    store
        .set_storage_capacity(&project_id, Some(300))
        .await
        .unwrap();
    let mut ready = Vec::new();
    for i in 0..10 {
        let build = new_build(&project_id, &format!("ready{i}"), 10);
        ready.push(ready_build(&*store, build).await.build.id);
    }
    let mut pending = Vec::new();
    for i in 0..10 {
        let build = expiring(&project_id, &format!("pending{i}"), 10, 100);
        let reserved = store.reserve_build(&build, unlimited()).await.unwrap();
        pending.push(reserved.build.build.id);
    }

    let rules = evicting(DeletionPolicy::LeastRecent);
    let mut tasks = Vec::new();
    for i in 0..10usize {
        let (store, project_id) = (store.clone(), project_id.clone());
        let (ready_id, pending_id) = (ready[i].clone(), pending[i].clone());
        tasks.push(tokio::spawn(async move {
            let build = new_build(&project_id, &format!("new{i}"), 50);
            let file = CompletedFile {
                size: 7,
                sha256: "34".repeat(32),
            };
            let pin = BuildPatch {
                pinned: Some(i % 3 == 0),
                ..Default::default()
            };
            let results = [
                store.reserve_build(&build, rules).await.map(drop),
                store
                    .touch_build(&project_id, &ready_id, at(i as i64))
                    .await,
                store
                    .update_build(&project_id, &ready_id, &pin)
                    .await
                    .map(drop),
                if i % 2 == 0 {
                    store.delete_build(&project_id, &ready_id).await.map(drop)
                } else {
                    Ok(())
                },
                if i % 2 == 0 {
                    store
                        .cancel_upload(&project_id, &pending_id)
                        .await
                        .map(drop)
                } else {
                    store
                        .finish_upload(&project_id, &pending_id, &file, at(50))
                        .await
                        .map(drop)
                },
                store.expire_uploads(at(200), 2).await.map(drop),
            ];
            for result in results {
                match result {
                    Ok(()) | Err(StoreError::NotFound(_) | StoreError::QuotaExceeded { .. }) => {}
                    Err(other) => panic!("unexpected {other:?}"),
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(miscounted(&db, &project_id).await, 0);
    assert!(storage_used(&*store, &project_id).await <= 300);
}

playtest_store::backend_tests!(
    concurrent_reservations_never_overbook_the_capacity,
    concurrent_evicting_reservations_evict_each_build_once,
    storage_stays_counted_exactly_through_concurrent_changes,
);
