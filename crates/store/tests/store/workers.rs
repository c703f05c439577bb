//! Worker tokens (scoped to a project or serving all), revocation, and the
//! workers registered with them.

use std::sync::Arc;

use playtest_store::testing::DbGuard;
use playtest_store::{NewWorker, Store, StoreError, ids};
use playtest_types::{Capability, PlatformKind, TestType};

use crate::fixtures::{at, batch, lease, new_run, new_worker_token, project, stored, worker};

async fn worker_tokens_are_listed_by_project_and_found_by_their_secret(
    store: Arc<dyn Store>,
    _db: DbGuard,
) {
    let mine = project(&*store, "mine").await;
    let theirs = project(&*store, "theirs").await;
    let scoped = store
        .create_worker_token(&new_worker_token(Some(&mine)))
        .await
        .unwrap();
    let global = store
        .create_worker_token(&new_worker_token(None))
        .await
        .unwrap();
    let foreign = store
        .create_worker_token(&new_worker_token(Some(&theirs)))
        .await
        .unwrap();
    assert_eq!(scoped.token.project_id.as_deref(), Some(mine.as_str()));
    assert_eq!(scoped.token.created_at, stored(at(0)));
    assert!(!scoped.token.revoked);

    let found = store
        .worker_token_by_secret_hash(&global.secret_hash)
        .await
        .unwrap();
    assert_eq!(found.as_ref(), Some(&global));
    assert_eq!(
        store.worker_token_by_secret_hash("nope").await.unwrap(),
        None
    );

    let listed = store.list_worker_tokens(Some(&mine)).await.unwrap();
    assert_eq!(listed, std::slice::from_ref(&scoped));
    let all = store.list_worker_tokens(None).await.unwrap();
    assert_eq!(all, [foreign, global, scoped], "newest first");

    let mut twin = new_worker_token(None);
    twin.secret_hash = found.unwrap().secret_hash;
    assert!(matches!(
        store.create_worker_token(&twin).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store
            .create_worker_token(&new_worker_token(Some("prj_missing")))
            .await,
        Err(StoreError::NotFound("project"))
    ));
}

async fn a_token_is_revoked_only_within_its_project_and_stays_listed(
    store: Arc<dyn Store>,
    _db: DbGuard,
) {
    let mine = project(&*store, "mine").await;
    let theirs = project(&*store, "theirs").await;
    let scoped = store
        .create_worker_token(&new_worker_token(Some(&mine)))
        .await
        .unwrap();
    let global = store
        .create_worker_token(&new_worker_token(None))
        .await
        .unwrap();

    for (project_id, token_id) in [
        (Some(theirs.as_str()), scoped.token.id.as_str()),
        (Some(mine.as_str()), global.token.id.as_str()),
        (None, "wtk_missing"),
    ] {
        assert!(
            matches!(
                store.revoke_worker_token(project_id, token_id).await,
                Err(StoreError::NotFound("worker token"))
            ),
            "{project_id:?} {token_id}"
        );
    }
    store
        .revoke_worker_token(Some(&mine), &scoped.token.id)
        .await
        .unwrap();
    store
        .revoke_worker_token(None, &global.token.id)
        .await
        .unwrap();
    // Again: nothing changes, and that is no error.
    store
        .revoke_worker_token(Some(&mine), &scoped.token.id)
        .await
        .unwrap();

    let listed = store.list_worker_tokens(None).await.unwrap();
    assert_eq!(listed.len(), 2);
    assert!(listed.iter().all(|t| t.token.revoked));
    let found = store
        .worker_token_by_secret_hash(&scoped.secret_hash)
        .await
        .unwrap()
        .unwrap();
    assert!(found.token.revoked, "a revoked token is still found");
}

async fn a_registered_worker_is_read_back_with_its_tokens_project(
    store: Arc<dyn Store>,
    _db: DbGuard,
) {
    let mine = project(&*store, "mine").await;
    let token = store
        .create_worker_token(&new_worker_token(Some(&mine)))
        .await
        .unwrap();
    let new = NewWorker {
        id: ids::prefixed("wrk"),
        token_id: token.token.id.clone(),
        name: "host-a".to_string(),
        capabilities: vec![
            Capability {
                platform: PlatformKind::Linux,
                test_types: vec![TestType::GameLoop],
            },
            Capability {
                platform: PlatformKind::Web,
                test_types: vec![TestType::Verification, TestType::Discovery],
            },
        ],
        slots: u32::MAX,
        version: None,
        registered_at: at(3),
    };
    let registered = store.register_worker(&new).await.unwrap();
    assert_eq!(registered.id, new.id);
    assert_eq!(registered.token_id, token.token.id);
    assert_eq!(registered.project_id.as_deref(), Some(mine.as_str()));
    assert_eq!(registered.capabilities, new.capabilities);
    assert_eq!(
        registered.platforms(),
        [PlatformKind::Linux, PlatformKind::Web]
    );
    assert_eq!(registered.slots, u32::MAX);
    assert_eq!(registered.version, None);
    assert_eq!(registered.registered_at, stored(at(3)));
    assert_eq!(registered.last_heartbeat_at, stored(at(3)));
    assert_eq!(registered.active_jobs, 0);
    assert_eq!(store.worker(&new.id).await.unwrap(), registered);

    assert!(matches!(
        store.register_worker(&new).await,
        Err(StoreError::Conflict(_))
    ));
    let orphan = NewWorker {
        id: ids::prefixed("wrk"),
        token_id: "wtk_missing".to_string(),
        ..new
    };
    assert!(matches!(
        store.register_worker(&orphan).await,
        Err(StoreError::NotFound("worker token"))
    ));
    assert!(matches!(
        store.worker("wrk_missing").await,
        Err(StoreError::NotFound("worker"))
    ));
}

async fn touching_a_worker_moves_its_heartbeat_forward_only(store: Arc<dyn Store>, _db: DbGuard) {
    let worker_id = worker(&*store, None, &[PlatformKind::Web]).await;
    store.touch_worker(&worker_id, at(10)).await.unwrap();
    store.touch_worker(&worker_id, at(5)).await.unwrap();
    let touched = store.worker(&worker_id).await.unwrap();
    assert_eq!(touched.last_heartbeat_at, stored(at(10)));
    assert!(matches!(
        store.touch_worker("wrk_missing", at(1)).await,
        Err(StoreError::NotFound("worker"))
    ));
}

async fn workers_are_listed_by_the_projects_their_tokens_serve(
    store: Arc<dyn Store>,
    _db: DbGuard,
) {
    let mine = project(&*store, "mine").await;
    let theirs = project(&*store, "theirs").await;
    let scoped = worker(&*store, Some(&mine), &[PlatformKind::Web]).await;
    let global = worker(&*store, None, &[PlatformKind::Web]).await;
    let foreign = worker(&*store, Some(&theirs), &[PlatformKind::Web]).await;
    store.touch_worker(&scoped, at(20)).await.unwrap();
    store.touch_worker(&global, at(30)).await.unwrap();
    store.touch_worker(&foreign, at(10)).await.unwrap();

    let ids = |workers: Vec<playtest_store::WorkerRecord>| -> Vec<String> {
        workers.into_iter().map(|w| w.id).collect()
    };
    assert_eq!(
        ids(store.list_workers(Some(&mine)).await.unwrap()),
        [global.clone(), scoped.clone()],
        "most recently heard from first"
    );
    assert_eq!(
        ids(store.list_workers(None).await.unwrap()),
        [global, scoped, foreign]
    );
}

async fn a_workers_active_jobs_are_the_leases_it_holds(store: Arc<dyn Store>, _db: DbGuard) {
    let project_id = project(&*store, "p").await;
    let runs = vec![new_run(&[1], &[]), new_run(&[1], &[])];
    store.create_runs(&batch(&project_id, runs)).await.unwrap();
    let worker_id = worker(&*store, None, &[PlatformKind::Web]).await;
    lease(&*store, &worker_id, 40).await;
    lease(&*store, &worker_id, 41).await;

    let busy = store.worker(&worker_id).await.unwrap();
    assert_eq!(busy.active_jobs, 2);
    assert_eq!(
        busy.last_heartbeat_at,
        stored(at(41)),
        "a lease is a sign of life"
    );
    let listed = store.list_workers(Some(&project_id)).await.unwrap();
    assert_eq!(listed[0].active_jobs, 2);
}

playtest_store::backend_tests!(
    worker_tokens_are_listed_by_project_and_found_by_their_secret,
    a_token_is_revoked_only_within_its_project_and_stays_listed,
    a_registered_worker_is_read_back_with_its_tokens_project,
    touching_a_worker_moves_its_heartbeat_forward_only,
    workers_are_listed_by_the_projects_their_tokens_serve,
    a_workers_active_jobs_are_the_leases_it_holds,
);
