//! Projects and API keys.

use std::sync::Arc;

use playtest_store::testing::DbGuard;
use playtest_store::{NewApiKey, Store, StoreError, ids};
use playtest_types::Permission;

use crate::fixtures::{at, project, stored};

fn new_key(project_id: &str, secret_hash: &str) -> NewApiKey {
    NewApiKey {
        id: ids::prefixed("key"),
        project_id: project_id.to_string(),
        name: "ci".to_string(),
        prefix: "pt_abcdefg".to_string(),
        secret_hash: secret_hash.to_string(),
        permissions: vec![Permission::ReadRuns, Permission::OperateRuns],
        expires_at: Some(at(3600)),
        created_at: at(0),
    }
}

async fn ensure_project_returns_the_existing_project_of_that_name(
    store: Arc<dyn Store>,
    _db: DbGuard,
) {
    let first = store
        .ensure_project("prj_first", "default", at(0))
        .await
        .unwrap();
    assert_eq!(first.id, "prj_first");
    assert_eq!((first.storage_used, first.storage_capacity), (0, None));
    let again = store
        .ensure_project("prj_second", "default", at(1))
        .await
        .unwrap();
    assert_eq!(again, first);
    assert_eq!(store.project("prj_first").await.unwrap(), first);
    assert!(matches!(
        store.project("prj_second").await,
        Err(StoreError::NotFound("project"))
    ));
}

async fn racing_ensure_project_calls_agree_on_one_project(store: Arc<dyn Store>, _db: DbGuard) {
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .ensure_project(&format!("prj_{i}"), "shared", at(0))
                    .await
            })
        })
        .collect();
    let mut ids = Vec::new();
    for task in tasks {
        ids.push(task.await.unwrap().unwrap().id);
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "{ids:?}");
}

async fn a_key_is_found_by_its_secret_hash_with_every_field_intact(
    store: Arc<dyn Store>,
    _db: DbGuard,
) {
    let project_id = project(&*store, "p").await;
    let created = store
        .create_key(new_key(&project_id, "hash-1"))
        .await
        .unwrap();
    assert_eq!(created.secret_hash, "hash-1");
    assert_eq!(
        created.key.permissions,
        vec![Permission::ReadRuns, Permission::OperateRuns]
    );
    assert_eq!(created.key.expires_at, Some(stored(at(3600))));
    assert_eq!(created.key.created_at, stored(at(0)));
    assert!(!created.key.disabled);
    assert_eq!(created.key.last_used_at, None);

    let found = store.key_by_secret_hash("hash-1").await.unwrap();
    assert_eq!(found, Some(created));
    assert_eq!(store.key_by_secret_hash("hash-2").await.unwrap(), None);
}

async fn a_duplicate_secret_hash_is_a_conflict(store: Arc<dyn Store>, _db: DbGuard) {
    let project_id = project(&*store, "p").await;
    store
        .create_key(new_key(&project_id, "same"))
        .await
        .unwrap();
    let err = store
        .create_key(new_key(&project_id, "same"))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert_eq!(store.list_keys(&project_id).await.unwrap().len(), 1);
}

async fn a_key_of_a_missing_project_is_refused(store: Arc<dyn Store>, _db: DbGuard) {
    let err = store
        .create_key(new_key("prj_missing", "h"))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound("project")), "{err:?}");
}

async fn touching_a_key_records_when_it_was_last_used(store: Arc<dyn Store>, _db: DbGuard) {
    let project_id = project(&*store, "p").await;
    let key = store
        .create_key(new_key(&project_id, "h"))
        .await
        .unwrap()
        .key;
    store.touch_key(&key.id, at(60)).await.unwrap();
    let found = store.key_by_secret_hash("h").await.unwrap().unwrap();
    assert_eq!(found.key.last_used_at, Some(stored(at(60))));
    assert!(matches!(
        store.touch_key("key_missing", at(61)).await,
        Err(StoreError::NotFound("key"))
    ));
}

async fn keys_are_renamed_disabled_and_deleted_only_within_their_project(
    store: Arc<dyn Store>,
    _db: DbGuard,
) {
    let mine = project(&*store, "mine").await;
    let theirs = project(&*store, "theirs").await;
    let key = store.create_key(new_key(&mine, "h1")).await.unwrap().key;
    store.create_key(new_key(&theirs, "h2")).await.unwrap();

    let renamed = store
        .update_key(&mine, &key.id, Some("deploy"), None)
        .await
        .unwrap();
    assert_eq!(
        (renamed.key.name.as_str(), renamed.key.disabled),
        ("deploy", false)
    );
    let disabled = store
        .update_key(&mine, &key.id, None, Some(true))
        .await
        .unwrap();
    assert_eq!(
        (disabled.key.name.as_str(), disabled.key.disabled),
        ("deploy", true)
    );

    let foreign = store
        .update_key(&theirs, &key.id, Some("stolen"), Some(false))
        .await;
    assert!(matches!(foreign, Err(StoreError::NotFound("key"))));
    assert!(matches!(
        store.delete_key(&theirs, &key.id).await,
        Err(StoreError::NotFound("key"))
    ));
    let listed = store.list_keys(&mine).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].key.name.as_str(), listed[0].key.disabled),
        ("deploy", true)
    );

    store.delete_key(&mine, &key.id).await.unwrap();
    assert!(store.list_keys(&mine).await.unwrap().is_empty());
    assert_eq!(store.key_by_secret_hash("h1").await.unwrap(), None);
    assert!(matches!(
        store.delete_key(&mine, &key.id).await,
        Err(StoreError::NotFound("key"))
    ));
    assert_eq!(store.list_keys(&theirs).await.unwrap().len(), 1);
}

async fn keys_are_listed_newest_first(store: Arc<dyn Store>, _db: DbGuard) {
    let project_id = project(&*store, "p").await;
    for (i, hash) in ["a", "b", "c"].into_iter().enumerate() {
        let key = NewApiKey {
            created_at: at(i as i64),
            ..new_key(&project_id, hash)
        };
        store.create_key(key).await.unwrap();
    }
    let hashes: Vec<_> = store
        .list_keys(&project_id)
        .await
        .unwrap()
        .into_iter()
        .map(|k| k.secret_hash)
        .collect();
    assert_eq!(hashes, ["c", "b", "a"]);
}

playtest_store::backend_tests!(
    ensure_project_returns_the_existing_project_of_that_name,
    racing_ensure_project_calls_agree_on_one_project,
    a_key_is_found_by_its_secret_hash_with_every_field_intact,
    a_duplicate_secret_hash_is_a_conflict,
    a_key_of_a_missing_project_is_refused,
    touching_a_key_records_when_it_was_last_used,
    keys_are_renamed_disabled_and_deleted_only_within_their_project,
    keys_are_listed_newest_first,
);
