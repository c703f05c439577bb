//! Builds as records: what reads back, lists and their filters, edits,
//! uploads found by id, and isolation between projects.

use std::sync::Arc;

use playtest_store::testing::DbGuard;
use playtest_store::{
    BuildFilter, BuildPatch, CompletedFile, NewBuild, PendingUpload, Store, StoreError, UploadKind,
};
use playtest_types::{
    AppDetails, Build, BuildDetails, BuildPlatform, BuildStatus, CiDetails, CiSystem,
};

use crate::fixtures::{at, new_build, page, project, ready_build, stored, unlimited};

fn names(builds: &[Build]) -> Vec<&str> {
    builds.iter().map(|b| b.name.as_str()).collect()
}

fn multipart(upload_id: &str) -> PendingUpload {
    PendingUpload {
        kind: UploadKind::Multipart {
            upload_id: upload_id.to_string(),
            part_size: 8 << 20,
            total_parts: 3,
        },
        expires_at: at(7200),
    }
}

async fn a_reserved_build_reads_back_with_every_field(store: Arc<dyn Store>, _db: DbGuard) {
    let project_id = project(&*store, "p").await;
    let new = NewBuild {
        platform: BuildPlatform::IosSimulator,
        tags: vec!["nightly".to_string(), "arm64".to_string()],
        description: Some("the nightly build".to_string()),
        details: BuildDetails {
            ci: Some(CiDetails {
                system: Some(CiSystem::GithubActions),
                run_id: Some("42".to_string()),
                ..Default::default()
            }),
            app: Some(AppDetails {
                version: Some("1.2.3".to_string()),
                ..Default::default()
            }),
            ..Default::default()
        },
        upload: multipart("up-1"),
        ..new_build(&project_id, "game", 20 << 20)
    };
    let reservation = store.reserve_build(&new, unlimited()).await.unwrap();
    assert!(reservation.evicted.is_empty());
    let record = reservation.build;
    let expected = Build {
        id: new.id.clone(),
        project_id: project_id.clone(),
        name: "game".to_string(),
        platform: BuildPlatform::IosSimulator,
        status: BuildStatus::Uploading,
        file_name: "game.zip".to_string(),
        file_size: 20 << 20,
        sha256: None,
        tags: new.tags.clone(),
        pinned: false,
        description: new.description.clone(),
        details: new.details.clone(),
        created_at: stored(at(0)),
        last_used: None,
    };
    assert_eq!(record.build, expected);
    assert_eq!(record.blob_key, new.blob_key);
    let upload = record.upload.clone().unwrap();
    assert_eq!(upload.kind, new.upload.kind);
    assert_eq!(upload.expires_at, stored(at(7200)));
    assert_eq!(upload.upload_id(), Some("up-1"));
    assert_eq!(store.build(&project_id, &new.id).await.unwrap(), record);
}

async fn a_pending_multipart_upload_is_found_by_its_upload_id_only(
    store: Arc<dyn Store>,
    _db: DbGuard,
) {
    let project_id = project(&*store, "p").await;
    let parts = NewBuild {
        upload: multipart("up-1"),
        ..new_build(&project_id, "big", 100)
    };
    let reserved = store
        .reserve_build(&parts, unlimited())
        .await
        .unwrap()
        .build;
    store
        .reserve_build(&new_build(&project_id, "small", 10), unlimited())
        .await
        .unwrap();

    assert_eq!(
        store.build_by_upload_id("up-1").await.unwrap(),
        Some(reserved)
    );
    assert_eq!(store.build_by_upload_id("up-2").await.unwrap(), None);

    let again = NewBuild {
        upload: multipart("up-1"),
        ..new_build(&project_id, "copy", 100)
    };
    let err = store.reserve_build(&again, unlimited()).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");

    let file = CompletedFile {
        size: 100,
        sha256: "00".repeat(32),
    };
    store
        .finish_upload(&project_id, &parts.id, &file, at(5))
        .await
        .unwrap();
    assert_eq!(store.build_by_upload_id("up-1").await.unwrap(), None);
}

async fn builds_are_listed_newest_first_in_pages_with_the_whole_total(
    store: Arc<dyn Store>,
    _db: DbGuard,
) {
    let project_id = project(&*store, "p").await;
    for name in ["a", "b", "c", "d", "e"] {
        ready_build(&*store, new_build(&project_id, name, 1)).await;
    }
    let all = BuildFilter::default();
    let mut listed = Vec::new();
    for number in 0..3 {
        let found = store
            .list_builds(&project_id, &all, page(number, 2))
            .await
            .unwrap();
        assert_eq!(found.total, 5);
        listed.extend(found.items);
    }
    assert_eq!(names(&listed), ["e", "d", "c", "b", "a"]);
    let beyond = store
        .list_builds(&project_id, &all, page(3, 2))
        .await
        .unwrap();
    assert!(beyond.items.is_empty());
    assert_eq!(beyond.total, 5);
}

async fn build_lists_filter_by_platform_every_tag_and_part_of_the_name(
    store: Arc<dyn Store>,
    _db: DbGuard,
) {
    let project_id = project(&*store, "p").await;
    let made = [
        (
            "Game 100% done",
            BuildPlatform::Web,
            &["nightly", "arm"][..],
        ),
        ("game 1000", BuildPlatform::Linux, &["nightly"][..]),
        ("game_x", BuildPlatform::Web, &["arm"][..]),
        ("gameXx", BuildPlatform::Windows, &[][..]),
        ("menu", BuildPlatform::Web, &["nightly", "arm", "smoke"][..]),
    ];
    for (name, platform, tags) in made {
        let build = NewBuild {
            platform,
            tags: tags.iter().map(|t| t.to_string()).collect(),
            ..new_build(&project_id, name, 1)
        };
        store.reserve_build(&build, unlimited()).await.unwrap();
    }
    let list = |filter: BuildFilter| {
        let (store, project_id) = (store.clone(), project_id.clone());
        async move {
            let found = store
                .list_builds(&project_id, &filter, page(0, 10))
                .await
                .unwrap();
            assert_eq!(found.total, found.items.len() as i64);
            found
                .items
                .iter()
                .map(|b| b.name.clone())
                .collect::<Vec<_>>()
        }
    };
    let named = |text: &str| BuildFilter {
        name_contains: Some(text.to_string()),
        ..Default::default()
    };
    let tagged = |tags: &[&str]| BuildFilter {
        tags: tags.iter().map(|t| t.to_string()).collect(),
        ..Default::default()
    };

    let web = BuildFilter {
        platform: Some(BuildPlatform::Web),
        ..Default::default()
    };
    assert_eq!(list(web).await, ["menu", "game_x", "Game 100% done"]);
    assert_eq!(
        list(tagged(&["nightly"])).await,
        ["menu", "game 1000", "Game 100% done"]
    );
    assert_eq!(
        list(tagged(&["arm", "nightly"])).await,
        ["menu", "Game 100% done"]
    );
    assert_eq!(
        list(tagged(&["arm", "missing"])).await,
        Vec::<String>::new()
    );
    assert_eq!(list(named("GAME 1")).await, ["game 1000", "Game 100% done"]);
    // `%` and `_` are the searched text, not wildcards.
    assert_eq!(list(named("100%")).await, ["Game 100% done"]);
    assert_eq!(list(named("e_")).await, ["game_x"]);
    let combined = BuildFilter {
        platform: Some(BuildPlatform::Web),
        tags: vec!["arm".to_string()],
        name_contains: Some("game".to_string()),
    };
    assert_eq!(list(combined).await, ["game_x", "Game 100% done"]);
}

async fn an_update_changes_only_the_fields_it_names(store: Arc<dyn Store>, _db: DbGuard) {
    let project_id = project(&*store, "p").await;
    let new = NewBuild {
        description: Some("first".to_string()),
        tags: vec!["a".to_string()],
        ..new_build(&project_id, "game", 1)
    };
    let before = ready_build(&*store, new).await.build;

    let unchanged = store
        .update_build(&project_id, &before.id, &BuildPatch::default())
        .await
        .unwrap();
    assert_eq!(unchanged, before);

    let renamed = store
        .update_build(
            &project_id,
            &before.id,
            &BuildPatch {
                name: Some("renamed".to_string()),
                pinned: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (
            renamed.name.as_str(),
            renamed.pinned,
            renamed.description.as_deref()
        ),
        ("renamed", true, Some("first"))
    );

    let cleared = store
        .update_build(
            &project_id,
            &before.id,
            &BuildPatch {
                description: Some(None),
                tags: Some(vec!["b".to_string(), "c".to_string()]),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(cleared.description, None);
    assert_eq!(cleared.tags, ["b", "c"]);
    assert_eq!((cleared.name.as_str(), cleared.pinned), ("renamed", true));
    assert_eq!(
        store.build(&project_id, &before.id).await.unwrap().build,
        cleared
    );

    let err = store
        .update_build(&project_id, "bld_missing", &BuildPatch::default())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound("build")), "{err:?}");
}

async fn touching_a_build_records_when_it_was_last_used(store: Arc<dyn Store>, _db: DbGuard) {
    let project_id = project(&*store, "p").await;
    let build = ready_build(&*store, new_build(&project_id, "game", 1)).await;
    assert_eq!(build.build.last_used, None);
    store
        .touch_build(&project_id, &build.build.id, at(60))
        .await
        .unwrap();
    let touched = store.build(&project_id, &build.build.id).await.unwrap();
    assert_eq!(touched.build.last_used, Some(stored(at(60))));
    assert!(matches!(
        store.touch_build(&project_id, "bld_missing", at(61)).await,
        Err(StoreError::NotFound("build"))
    ));
}

async fn another_projects_builds_are_not_found(store: Arc<dyn Store>, _db: DbGuard) {
    let mine = project(&*store, "mine").await;
    let theirs = project(&*store, "theirs").await;
    let ready = ready_build(&*store, new_build(&mine, "ready", 10)).await;
    let pending = store
        .reserve_build(&new_build(&mine, "pending", 20), unlimited())
        .await
        .unwrap()
        .build;
    let (ready_id, pending_id) = (ready.build.id.as_str(), pending.build.id.as_str());
    let not_found = |result: Result<(), StoreError>, what: &str| match result {
        Err(StoreError::NotFound(found)) => assert_eq!(found, what),
        other => panic!("expected {what} not found, got {other:?}"),
    };

    not_found(store.build(&theirs, ready_id).await.map(drop), "build");
    not_found(
        store
            .update_build(&theirs, ready_id, &BuildPatch::default())
            .await
            .map(drop),
        "build",
    );
    not_found(store.touch_build(&theirs, ready_id, at(9)).await, "build");
    not_found(
        store.delete_build(&theirs, ready_id).await.map(drop),
        "build",
    );
    not_found(
        store.cancel_upload(&theirs, pending_id).await.map(drop),
        "upload",
    );
    let file = CompletedFile {
        size: 20,
        sha256: "11".repeat(32),
    };
    not_found(
        store
            .finish_upload(&theirs, pending_id, &file, at(9))
            .await
            .map(drop),
        "upload",
    );
    let theirs_listed = store
        .list_builds(&theirs, &BuildFilter::default(), page(0, 10))
        .await
        .unwrap();
    assert_eq!(theirs_listed.total, 0);

    assert_eq!(store.build(&mine, ready_id).await.unwrap(), ready);
    assert_eq!(store.build(&mine, pending_id).await.unwrap(), pending);
    assert_eq!(store.project(&mine).await.unwrap().storage_used, 30);
    assert_eq!(store.project(&theirs).await.unwrap().storage_used, 0);
}

playtest_store::backend_tests!(
    a_reserved_build_reads_back_with_every_field,
    a_pending_multipart_upload_is_found_by_its_upload_id_only,
    builds_are_listed_newest_first_in_pages_with_the_whole_total,
    build_lists_filter_by_platform_every_tag_and_part_of_the_name,
    an_update_changes_only_the_fields_it_names,
    touching_a_build_records_when_it_was_last_used,
    another_projects_builds_are_not_found,
);
