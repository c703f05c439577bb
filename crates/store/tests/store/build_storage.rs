//! Builds and their project's storage: reservations count from the start,
//! are released by cancelling, expiring and deleting, stop at the capacity,
//! and `auto_delete` makes room by its policy, all or nothing. Races are in
//! `build_races`.

use std::sync::Arc;

use playtest_store::testing::DbGuard;
use playtest_store::{
    BuildFilter, BuildPatch, BuildRecord, CompletedFile, NewBuild, StorageRules, Store, StoreError,
};
use playtest_types::{BuildStatus, DeletionPolicy};

use crate::fixtures::{
    at, evicting, expiring, new_build, page, project, ready_build, storage_used, stored,
    three_ready_builds, unlimited,
};

fn ids(records: &[BuildRecord]) -> Vec<&str> {
    records.iter().map(|r| r.build.id.as_str()).collect()
}

async fn a_reservation_counts_against_storage_until_it_is_cancelled(
    store: Arc<dyn Store>,
    _db: DbGuard,
) {
    let project_id = project(&*store, "p").await;
    let reserved = store
        .reserve_build(&new_build(&project_id, "game", 30), unlimited())
        .await
        .unwrap()
        .build;
    assert_eq!(storage_used(&*store, &project_id).await, 30);

    let cancelled = store
        .cancel_upload(&project_id, &reserved.build.id)
        .await
        .unwrap();
    assert_eq!(cancelled, reserved);
    assert!(cancelled.upload.is_some());
    assert_eq!(storage_used(&*store, &project_id).await, 0);
    assert!(matches!(
        store.build(&project_id, &reserved.build.id).await,
        Err(StoreError::NotFound("build"))
    ));
    assert!(matches!(
        store.cancel_upload(&project_id, &reserved.build.id).await,
        Err(StoreError::NotFound("upload"))
    ));
}

async fn deleting_a_build_releases_its_storage_whatever_its_status(
    store: Arc<dyn Store>,
    _db: DbGuard,
) {
    let project_id = project(&*store, "p").await;
    let ready = ready_build(&*store, new_build(&project_id, "ready", 10)).await;
    let pending = store
        .reserve_build(&new_build(&project_id, "pending", 20), unlimited())
        .await
        .unwrap()
        .build;
    assert_eq!(storage_used(&*store, &project_id).await, 30);

    assert_eq!(
        store
            .delete_build(&project_id, &ready.build.id)
            .await
            .unwrap(),
        ready
    );
    assert_eq!(storage_used(&*store, &project_id).await, 20);
    assert_eq!(
        store
            .delete_build(&project_id, &pending.build.id)
            .await
            .unwrap(),
        pending
    );
    assert_eq!(storage_used(&*store, &project_id).await, 0);
    assert!(matches!(
        store.delete_build(&project_id, &ready.build.id).await,
        Err(StoreError::NotFound("build"))
    ));
}

async fn finishing_an_upload_records_its_digest_and_actual_size(
    store: Arc<dyn Store>,
    _db: DbGuard,
) {
    let project_id = project(&*store, "p").await;
    let reserved = store
        .reserve_build(&new_build(&project_id, "game", 30), unlimited())
        .await
        .unwrap()
        .build;
    let file = CompletedFile {
        size: 25,
        sha256: "cd".repeat(32),
    };
    let ready = store
        .finish_upload(&project_id, &reserved.build.id, &file, at(5))
        .await
        .unwrap();
    assert_eq!(ready.status, BuildStatus::Ready);
    assert_eq!(ready.sha256.as_deref(), Some(file.sha256.as_str()));
    assert_eq!(ready.file_size, 25);
    assert_eq!(storage_used(&*store, &project_id).await, 25);

    let record = store.build(&project_id, &ready.id).await.unwrap();
    assert_eq!(record.build, ready);
    assert_eq!(record.upload, None);
    assert_eq!(record.blob_key, reserved.blob_key);
}

async fn an_upload_no_longer_pending_cannot_be_finished_or_cancelled(
    store: Arc<dyn Store>,
    _db: DbGuard,
) {
    let project_id = project(&*store, "p").await;
    let file = CompletedFile {
        size: 30,
        sha256: "ef".repeat(32),
    };
    let cancelled = store
        .reserve_build(&new_build(&project_id, "cancelled", 30), unlimited())
        .await
        .unwrap()
        .build;
    store
        .cancel_upload(&project_id, &cancelled.build.id)
        .await
        .unwrap();
    assert!(matches!(
        store
            .finish_upload(&project_id, &cancelled.build.id, &file, at(5))
            .await,
        Err(StoreError::NotFound("upload"))
    ));

    let finished = store
        .reserve_build(&new_build(&project_id, "finished", 30), unlimited())
        .await
        .unwrap()
        .build;
    let id = finished.build.id.as_str();
    store
        .finish_upload(&project_id, id, &file, at(5))
        .await
        .unwrap();
    let bigger = CompletedFile { size: 99, ..file };
    assert!(matches!(
        store.finish_upload(&project_id, id, &bigger, at(6)).await,
        Err(StoreError::NotFound("upload"))
    ));
    assert!(matches!(
        store.cancel_upload(&project_id, id).await,
        Err(StoreError::NotFound("upload"))
    ));
    let kept = store.build(&project_id, id).await.unwrap().build;
    assert_eq!((kept.status, kept.file_size), (BuildStatus::Ready, 30));
    assert_eq!(storage_used(&*store, &project_id).await, 30);
}

async fn a_reservation_over_capacity_is_refused_with_the_sizes_and_changes_nothing(
    store: Arc<dyn Store>,
    _db: DbGuard,
) {
    let project_id = project(&*store, "p").await;
    ready_build(&*store, new_build(&project_id, "old", 80)).await;
    let capped = StorageRules {
        default_capacity: Some(100),
        auto_delete: None,
    };
    let err = store
        .reserve_build(&new_build(&project_id, "new", 30), capped)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::QuotaExceeded {
                used: 80,
                capacity: 100,
                needed: 30
            }
        ),
        "{err:?}"
    );
    assert_eq!(storage_used(&*store, &project_id).await, 80);
    let listed = store
        .list_builds(&project_id, &BuildFilter::default(), page(0, 10))
        .await
        .unwrap();
    assert_eq!(listed.total, 1);

    // The project's own capacity overrides the default, both ways.
    store
        .set_storage_capacity(&project_id, Some(110))
        .await
        .unwrap();
    store
        .reserve_build(&new_build(&project_id, "fits", 30), capped)
        .await
        .unwrap();
    store
        .set_storage_capacity(&project_id, Some(50))
        .await
        .unwrap();
    let err = store
        .reserve_build(&new_build(&project_id, "tiny", 1), unlimited())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::QuotaExceeded {
                used: 110,
                capacity: 50,
                needed: 1
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        store.project(&project_id).await.unwrap().storage_capacity,
        Some(50)
    );
}

async fn storage_of_a_missing_project_is_not_found(store: Arc<dyn Store>, _db: DbGuard) {
    assert!(matches!(
        store.set_storage_capacity("prj_missing", Some(1)).await,
        Err(StoreError::NotFound("project"))
    ));
    assert!(matches!(
        store
            .reserve_build(&new_build("prj_missing", "game", 1), unlimited())
            .await,
        Err(StoreError::NotFound("project"))
    ));
}

async fn auto_delete_of_the_least_recent_evicts_the_build_used_longest_ago(
    store: Arc<dyn Store>,
    _db: DbGuard,
) {
    let project_id = project(&*store, "p").await;
    let made = three_ready_builds(&*store, &project_id).await;
    let reservation = store
        .reserve_build(
            &new_build(&project_id, "new", 40),
            evicting(DeletionPolicy::LeastRecent),
        )
        .await
        .unwrap();
    // The first was uploaded first but used last: the second goes.
    assert_eq!(ids(&reservation.evicted), [made[1].as_str()]);
    assert_eq!(reservation.evicted[0].build.name, "second");
    assert_eq!(storage_used(&*store, &project_id).await, 100);
    assert!(store.build(&project_id, &made[0]).await.is_ok());
    assert!(store.build(&project_id, &made[2]).await.is_ok());
}

async fn auto_delete_of_the_oldest_evicts_the_builds_uploaded_first_in_order(
    store: Arc<dyn Store>,
    _db: DbGuard,
) {
    let project_id = project(&*store, "p").await;
    let made = three_ready_builds(&*store, &project_id).await;
    let reservation = store
        .reserve_build(
            &new_build(&project_id, "new", 70),
            evicting(DeletionPolicy::Oldest),
        )
        .await
        .unwrap();
    assert_eq!(
        ids(&reservation.evicted),
        [made[0].as_str(), made[1].as_str()]
    );
    assert_eq!(storage_used(&*store, &project_id).await, 100);
    let left = store
        .list_builds(&project_id, &BuildFilter::default(), page(0, 10))
        .await
        .unwrap();
    let left: Vec<&str> = left.items.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(left, ["new", "third"]);
}

async fn pinned_and_uploading_builds_are_never_evicted(store: Arc<dyn Store>, _db: DbGuard) {
    let project_id = project(&*store, "p").await;
    store
        .set_storage_capacity(&project_id, Some(100))
        .await
        .unwrap();
    let pinned = ready_build(&*store, new_build(&project_id, "pinned", 30)).await;
    store
        .update_build(
            &project_id,
            &pinned.build.id,
            &BuildPatch {
                pinned: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    store
        .reserve_build(&new_build(&project_id, "uploading", 30), unlimited())
        .await
        .unwrap();
    let plain = ready_build(&*store, new_build(&project_id, "plain", 30)).await;

    let rules = evicting(DeletionPolicy::Oldest);
    let reservation = store
        .reserve_build(&new_build(&project_id, "new", 40), rules)
        .await
        .unwrap();
    assert_eq!(ids(&reservation.evicted), [plain.build.id.as_str()]);
    assert_eq!(storage_used(&*store, &project_id).await, 100);

    let err = store
        .reserve_build(&new_build(&project_id, "more", 1), rules)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::QuotaExceeded {
                used: 100,
                capacity: 100,
                needed: 1
            }
        ),
        "{err:?}"
    );
    assert!(store.build(&project_id, &pinned.build.id).await.is_ok());
}

async fn auto_delete_evicts_nothing_when_evicting_everything_would_not_be_enough(
    store: Arc<dyn Store>,
    _db: DbGuard,
) {
    let project_id = project(&*store, "p").await;
    let made = three_ready_builds(&*store, &project_id).await;
    let err = store
        .reserve_build(
            &new_build(&project_id, "huge", 101),
            evicting(DeletionPolicy::LeastRecent),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::QuotaExceeded {
                used: 90,
                capacity: 100,
                needed: 101
            }
        ),
        "{err:?}"
    );
    assert_eq!(storage_used(&*store, &project_id).await, 90);
    for id in &made {
        assert!(store.build(&project_id, id).await.is_ok());
    }
}

async fn expiring_takes_only_pending_uploads_past_their_time_oldest_first(
    store: Arc<dyn Store>,
    _db: DbGuard,
) {
    let mine = project(&*store, "mine").await;
    let theirs = project(&*store, "theirs").await;
    let reserve = async |build: NewBuild| {
        store
            .reserve_build(&build, unlimited())
            .await
            .unwrap()
            .build
            .build
            .id
    };
    let late = reserve(expiring(&mine, "late", 3, 300)).await;
    let first = reserve(expiring(&mine, "first", 1, 100)).await;
    let second = reserve(expiring(&theirs, "second", 2, 200)).await;
    // Ready builds keep no expiry, whatever the upload's was.
    let ready = ready_build(&*store, expiring(&mine, "ready", 10, 50)).await;
    assert_eq!(storage_used(&*store, &mine).await, 14);

    let now = at(250);
    let taken = store.expire_uploads(now, 1).await.unwrap();
    assert_eq!(ids(&taken), [first.as_str()]);
    assert_eq!(
        taken[0].upload.as_ref().map(|u| u.expires_at),
        Some(stored(at(100)))
    );
    assert_eq!(storage_used(&*store, &mine).await, 13);

    let taken = store.expire_uploads(now, 10).await.unwrap();
    assert_eq!(ids(&taken), [second.as_str()]);
    assert_eq!(storage_used(&*store, &theirs).await, 0);
    assert!(store.expire_uploads(now, 10).await.unwrap().is_empty());

    assert!(store.build(&mine, &late).await.is_ok());
    assert!(store.build(&mine, &ready.build.id).await.is_ok());
    assert_eq!(storage_used(&*store, &mine).await, 13);
    let file = CompletedFile {
        size: 1,
        sha256: "12".repeat(32),
    };
    assert!(matches!(
        store.finish_upload(&mine, &first, &file, at(260)).await,
        Err(StoreError::NotFound("upload"))
    ));
}

playtest_store::backend_tests!(
    a_reservation_counts_against_storage_until_it_is_cancelled,
    deleting_a_build_releases_its_storage_whatever_its_status,
    finishing_an_upload_records_its_digest_and_actual_size,
    an_upload_no_longer_pending_cannot_be_finished_or_cancelled,
    a_reservation_over_capacity_is_refused_with_the_sizes_and_changes_nothing,
    storage_of_a_missing_project_is_not_found,
    auto_delete_of_the_least_recent_evicts_the_build_used_longest_ago,
    auto_delete_of_the_oldest_evicts_the_builds_uploaded_first_in_order,
    pinned_and_uploading_builds_are_never_evicted,
    auto_delete_evicts_nothing_when_evicting_everything_would_not_be_enough,
    expiring_takes_only_pending_uploads_past_their_time_oldest_first,
);
