//! Test assets: stored per test and name, replaced by name, listed by name,
//! never visible from another project, and handed back when their test is
//! deleted (so that their bytes can go too).

use std::sync::Arc;

use playtest_store::testing::DbGuard;
use playtest_store::{NewTestAsset, Store, StoreError};

use crate::fixtures::{at, project, stored, test_spec};

fn asset(project_id: &str, test_id: &str, name: &str, size: i64, seconds: i64) -> NewTestAsset {
    NewTestAsset {
        project_id: project_id.to_string(),
        test_id: test_id.to_string(),
        name: name.to_string(),
        content_type: "image/png".to_string(),
        size,
        sha256: format!("{size:064x}"),
        blob_key: format!("assets/{project_id}/{test_id}/{name}"),
        uploaded_at: at(seconds),
    }
}

async fn project_and_test(store: &dyn Store) -> (String, String) {
    let project_id = project(store, "p").await;
    let test = store
        .create_test(&project_id, "tst_menu", &test_spec("menu", &[1]), at(0))
        .await
        .unwrap();
    (project_id, test.id)
}

async fn assets_are_stored_listed_by_name_read_and_deleted(store: Arc<dyn Store>, _db: DbGuard) {
    let (project_id, test_id) = project_and_test(&*store).await;
    assert!(
        store
            .test_assets(&project_id, &test_id)
            .await
            .unwrap()
            .is_empty()
    );

    let put = store
        .put_test_asset(&asset(&project_id, &test_id, "menu.png", 10, 1))
        .await
        .unwrap();
    assert!(!put.replaced);
    assert_eq!(put.record.asset.name, "menu.png");
    assert_eq!(put.record.asset.uploaded_at, stored(at(1)));
    assert_eq!(
        put.record.blob_key,
        format!("assets/{project_id}/{test_id}/menu.png")
    );
    store
        .put_test_asset(&asset(&project_id, &test_id, "board.png", 20, 2))
        .await
        .unwrap();

    let names: Vec<String> = store
        .test_assets(&project_id, &test_id)
        .await
        .unwrap()
        .into_iter()
        .map(|record| record.asset.name)
        .collect();
    assert_eq!(names, ["board.png", "menu.png"]);
    let read = store
        .test_asset(&project_id, &test_id, "menu.png")
        .await
        .unwrap();
    assert_eq!(read, put.record);

    let deleted = store
        .delete_test_asset(&project_id, &test_id, "menu.png")
        .await
        .unwrap();
    assert_eq!(deleted, put.record);
    let err = store
        .test_asset(&project_id, &test_id, "menu.png")
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound("test asset")), "{err:?}");
    let err = store
        .delete_test_asset(&project_id, &test_id, "menu.png")
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");
}

async fn an_asset_of_the_same_name_replaces_the_old_one(store: Arc<dyn Store>, _db: DbGuard) {
    let (project_id, test_id) = project_and_test(&*store).await;
    store
        .put_test_asset(&asset(&project_id, &test_id, "menu.png", 10, 1))
        .await
        .unwrap();
    let again = NewTestAsset {
        content_type: "image/jpeg".to_string(),
        ..asset(&project_id, &test_id, "menu.png", 99, 5)
    };
    let put = store.put_test_asset(&again).await.unwrap();
    assert!(put.replaced);
    let listed = store.test_assets(&project_id, &test_id).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].asset.size, 99);
    assert_eq!(listed[0].asset.content_type, "image/jpeg");
    assert_eq!(listed[0].asset.uploaded_at, stored(at(5)));
}

async fn assets_of_an_unknown_or_foreign_test_are_not_found(store: Arc<dyn Store>, _db: DbGuard) {
    let (project_id, test_id) = project_and_test(&*store).await;
    store
        .put_test_asset(&asset(&project_id, &test_id, "menu.png", 10, 1))
        .await
        .unwrap();
    let other = project(&*store, "other").await;
    let err = store
        .put_test_asset(&asset(&other, &test_id, "x.png", 1, 1))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound("test")), "{err:?}");
    let err = store.test_assets(&other, &test_id).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound("test")), "{err:?}");
    let err = store
        .test_assets(&project_id, "tst_none")
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound("test")), "{err:?}");
    let err = store
        .test_asset(&other, &test_id, "menu.png")
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");
    let err = store
        .delete_test_asset(&other, &test_id, "menu.png")
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");
    assert_eq!(
        store
            .test_assets(&project_id, &test_id)
            .await
            .unwrap()
            .len(),
        1
    );
}

async fn deleting_a_test_deletes_its_assets_and_hands_them_back(
    store: Arc<dyn Store>,
    _db: DbGuard,
) {
    let (project_id, test_id) = project_and_test(&*store).await;
    for name in ["a.png", "b.png"] {
        store
            .put_test_asset(&asset(&project_id, &test_id, name, 1, 1))
            .await
            .unwrap();
    }
    let other = project(&*store, "other").await;
    let err = store.delete_test(&other, &test_id).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound("test")), "{err:?}");
    assert_eq!(
        store
            .test_assets(&project_id, &test_id)
            .await
            .unwrap()
            .len(),
        2
    );

    let mut gone: Vec<String> = store
        .delete_test(&project_id, &test_id)
        .await
        .unwrap()
        .into_iter()
        .map(|record| record.blob_key)
        .collect();
    gone.sort();
    assert_eq!(
        gone,
        [
            format!("assets/{project_id}/{test_id}/a.png"),
            format!("assets/{project_id}/{test_id}/b.png")
        ]
    );
    // A test of the same id made again starts without assets.
    store
        .create_test(&project_id, &test_id, &test_spec("menu", &[1]), at(3))
        .await
        .unwrap();
    assert!(
        store
            .test_assets(&project_id, &test_id)
            .await
            .unwrap()
            .is_empty()
    );
}

playtest_store::backend_tests!(
    assets_are_stored_listed_by_name_read_and_deleted,
    an_asset_of_the_same_name_replaces_the_old_one,
    assets_of_an_unknown_or_foreign_test_are_not_found,
    deleting_a_test_deletes_its_assets_and_hands_them_back,
);
