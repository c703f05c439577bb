//! Tests, test plans and deployment configs: versions, conflicts, pages,
//! and isolation between projects.

use std::sync::Arc;

use playtest_store::testing::DbGuard;
use playtest_store::{Store, StoreError};
use playtest_types::{PlatformKind, TestItem, TestPlanSpec};

use crate::fixtures::{at, config_spec, page, project, stored, test_spec};

fn plan_spec(name: &str) -> TestPlanSpec {
    TestPlanSpec {
        name: name.to_string(),
        description: String::new(),
        test_items: vec![TestItem {
            multiplayer_test_id: "tst_a".to_string(),
            retries: Some(1),
        }],
    }
}

async fn a_new_test_has_version_one_and_reads_back_as_written(store: Arc<dyn Store>, _db: DbGuard) {
    let project_id = project(&*store, "p").await;
    let spec = test_spec("login", &[2, 1]);
    let created = store
        .create_test(&project_id, "tst_1", &spec, at(0))
        .await
        .unwrap();
    assert_eq!(created.version, 1);
    assert_eq!(
        (created.created_at, created.updated_at),
        (stored(at(0)), stored(at(0)))
    );
    assert_eq!(created.spec, spec);
    assert_eq!(created.project_id, project_id);
    assert_eq!(store.test(&project_id, "tst_1").await.unwrap(), created);
}

async fn each_update_bumps_the_version_by_one(store: Arc<dyn Store>, _db: DbGuard) {
    let project_id = project(&*store, "p").await;
    store
        .create_test(&project_id, "tst_1", &test_spec("v1", &[1]), at(0))
        .await
        .unwrap();
    let second = store
        .update_test(&project_id, "tst_1", &test_spec("v2", &[2]), None, at(10))
        .await
        .unwrap();
    assert_eq!((second.version, second.spec.name.as_str()), (2, "v2"));
    let third = store
        .update_test(
            &project_id,
            "tst_1",
            &test_spec("v3", &[3]),
            Some(2),
            at(20),
        )
        .await
        .unwrap();
    assert_eq!((third.version, third.spec.name.as_str()), (3, "v3"));
    assert_eq!(
        (third.created_at, third.updated_at),
        (stored(at(0)), stored(at(20)))
    );
    assert_eq!(store.test(&project_id, "tst_1").await.unwrap(), third);
}

async fn stale_expected_version_is_a_conflict_and_changes_nothing(
    store: Arc<dyn Store>,
    _db: DbGuard,
) {
    let project_id = project(&*store, "p").await;
    store
        .create_test(&project_id, "tst_1", &test_spec("v1", &[1]), at(0))
        .await
        .unwrap();
    let current = store
        .update_test(&project_id, "tst_1", &test_spec("v2", &[1]), Some(1), at(1))
        .await
        .unwrap();

    let stale = store
        .update_test(
            &project_id,
            "tst_1",
            &test_spec("lost", &[1]),
            Some(1),
            at(2),
        )
        .await;
    assert!(
        matches!(stale, Err(StoreError::VersionConflict { current: 2 })),
        "{stale:?}"
    );
    assert_eq!(store.test(&project_id, "tst_1").await.unwrap(), current);
}

async fn updating_or_deleting_an_unknown_test_is_not_found(store: Arc<dyn Store>, _db: DbGuard) {
    let project_id = project(&*store, "p").await;
    let spec = test_spec("t", &[1]);
    assert!(matches!(
        store.test(&project_id, "tst_x").await,
        Err(StoreError::NotFound("test"))
    ));
    for expected in [None, Some(1)] {
        let updated = store
            .update_test(&project_id, "tst_x", &spec, expected, at(0))
            .await;
        assert!(
            matches!(updated, Err(StoreError::NotFound("test"))),
            "{updated:?}"
        );
    }
    assert!(matches!(
        store.delete_test(&project_id, "tst_x").await,
        Err(StoreError::NotFound("test"))
    ));
}

async fn a_deleted_test_is_gone(store: Arc<dyn Store>, _db: DbGuard) {
    let project_id = project(&*store, "p").await;
    store
        .create_test(&project_id, "tst_1", &test_spec("t", &[1]), at(0))
        .await
        .unwrap();
    store.delete_test(&project_id, "tst_1").await.unwrap();
    assert!(matches!(
        store.test(&project_id, "tst_1").await,
        Err(StoreError::NotFound("test"))
    ));
    assert_eq!(
        store
            .list_tests(&project_id, page(0, 10))
            .await
            .unwrap()
            .total,
        0
    );
}

async fn a_duplicate_id_is_a_conflict(store: Arc<dyn Store>, _db: DbGuard) {
    let project_id = project(&*store, "p").await;
    store
        .create_test(&project_id, "tst_1", &test_spec("a", &[1]), at(0))
        .await
        .unwrap();
    let again = store
        .create_test(&project_id, "tst_1", &test_spec("b", &[1]), at(1))
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    let config = config_spec("c", PlatformKind::Web);
    store
        .create_deployment_config(&project_id, "dcf_1", &config, at(0))
        .await
        .unwrap();
    let again = store
        .create_deployment_config(&project_id, "dcf_1", &config, at(1))
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
}

async fn another_projects_documents_are_not_found(store: Arc<dyn Store>, _db: DbGuard) {
    let mine = project(&*store, "mine").await;
    let theirs = project(&*store, "theirs").await;
    let test = test_spec("t", &[1]);
    let plan = plan_spec("plan");
    let config = config_spec("c", PlatformKind::Linux);
    store
        .create_test(&theirs, "tst_1", &test, at(0))
        .await
        .unwrap();
    store
        .create_test_plan(&theirs, "tpl_1", &plan, at(0))
        .await
        .unwrap();
    store
        .create_deployment_config(&theirs, "dcf_1", &config, at(0))
        .await
        .unwrap();

    assert!(matches!(
        store.test(&mine, "tst_1").await,
        Err(StoreError::NotFound("test"))
    ));
    assert!(matches!(
        store
            .update_test(&mine, "tst_1", &test, Some(1), at(1))
            .await,
        Err(StoreError::NotFound("test"))
    ));
    assert!(matches!(
        store.delete_test(&mine, "tst_1").await,
        Err(StoreError::NotFound("test"))
    ));
    assert_eq!(store.list_tests(&mine, page(0, 10)).await.unwrap().total, 0);

    assert!(matches!(
        store.test_plan(&mine, "tpl_1").await,
        Err(StoreError::NotFound("test plan"))
    ));
    assert!(matches!(
        store.update_test_plan(&mine, "tpl_1", &plan, at(1)).await,
        Err(StoreError::NotFound("test plan"))
    ));
    assert!(matches!(
        store.delete_test_plan(&mine, "tpl_1").await,
        Err(StoreError::NotFound("test plan"))
    ));
    assert_eq!(
        store
            .list_test_plans(&mine, page(0, 10))
            .await
            .unwrap()
            .total,
        0
    );

    assert!(matches!(
        store.deployment_config(&mine, "dcf_1").await,
        Err(StoreError::NotFound("deployment config"))
    ));
    let updated = store
        .update_deployment_config(&mine, "dcf_1", &config, at(1))
        .await;
    assert!(matches!(
        updated,
        Err(StoreError::NotFound("deployment config"))
    ));
    let deleted = store.delete_deployment_config(&mine, "dcf_1").await;
    assert!(matches!(
        deleted,
        Err(StoreError::NotFound("deployment config"))
    ));
    assert_eq!(
        store
            .list_deployment_configs(&mine, page(0, 10))
            .await
            .unwrap()
            .total,
        0
    );

    // And theirs are untouched.
    assert_eq!(store.test(&theirs, "tst_1").await.unwrap().version, 1);
    assert_eq!(store.test_plan(&theirs, "tpl_1").await.unwrap().spec, plan);
    assert_eq!(
        store
            .deployment_config(&theirs, "dcf_1")
            .await
            .unwrap()
            .spec,
        config
    );
}

async fn lists_are_newest_first_with_the_total_of_the_whole_list(
    store: Arc<dyn Store>,
    _db: DbGuard,
) {
    let project_id = project(&*store, "p").await;
    let other = project(&*store, "other").await;
    for i in 0..5 {
        store
            .create_test(
                &project_id,
                &format!("tst_{i}"),
                &test_spec("t", &[1]),
                at(i),
            )
            .await
            .unwrap();
        store
            .create_test_plan(&project_id, &format!("tpl_{i}"), &plan_spec("p"), at(i))
            .await
            .unwrap();
        let config = config_spec("c", PlatformKind::Web);
        store
            .create_deployment_config(&project_id, &format!("dcf_{i}"), &config, at(i))
            .await
            .unwrap();
    }
    store
        .create_test(&other, "tst_other", &test_spec("t", &[1]), at(9))
        .await
        .unwrap();

    let mut pages = Vec::new();
    for n in 0..4 {
        let found = store.list_tests(&project_id, page(n, 2)).await.unwrap();
        assert_eq!(found.total, 5);
        pages.push(found.items.into_iter().map(|t| t.id).collect::<Vec<_>>());
    }
    assert_eq!(
        pages,
        [
            vec!["tst_4", "tst_3"],
            vec!["tst_2", "tst_1"],
            vec!["tst_0"],
            vec![]
        ]
    );

    let plans = store
        .list_test_plans(&project_id, page(1, 3))
        .await
        .unwrap();
    assert_eq!(plans.total, 5);
    assert_eq!(
        plans
            .items
            .iter()
            .map(|p| p.id.as_str())
            .collect::<Vec<_>>(),
        ["tpl_1", "tpl_0"]
    );
    let configs = store
        .list_deployment_configs(&project_id, page(0, 10))
        .await
        .unwrap();
    assert_eq!(configs.total, 5);
    assert_eq!(configs.items[0].id, "dcf_4");
}

async fn test_plans_and_deployment_configs_are_replaced_by_updates(
    store: Arc<dyn Store>,
    _db: DbGuard,
) {
    let project_id = project(&*store, "p").await;
    let plan = store
        .create_test_plan(&project_id, "tpl_1", &plan_spec("first"), at(0))
        .await
        .unwrap();
    assert_eq!(plan.spec.name, "first");
    let updated = store
        .update_test_plan(&project_id, "tpl_1", &plan_spec("second"), at(5))
        .await
        .unwrap();
    assert_eq!(
        (
            updated.spec.name.as_str(),
            updated.created_at,
            updated.updated_at
        ),
        ("second", stored(at(0)), stored(at(5)))
    );
    assert_eq!(
        store.test_plan(&project_id, "tpl_1").await.unwrap(),
        updated
    );

    let web = config_spec("web", PlatformKind::Web);
    let config = store
        .create_deployment_config(&project_id, "dcf_1", &web, at(0))
        .await
        .unwrap();
    assert_eq!(config.spec.kind, PlatformKind::Web);
    let linux = config_spec("native", PlatformKind::Linux);
    let updated = store
        .update_deployment_config(&project_id, "dcf_1", &linux, at(5))
        .await
        .unwrap();
    assert_eq!(updated.spec, linux);
    assert_eq!(
        store.deployment_config(&project_id, "dcf_1").await.unwrap(),
        updated
    );

    store.delete_test_plan(&project_id, "tpl_1").await.unwrap();
    store
        .delete_deployment_config(&project_id, "dcf_1")
        .await
        .unwrap();
    assert!(matches!(
        store.test_plan(&project_id, "tpl_1").await,
        Err(StoreError::NotFound("test plan"))
    ));
    let gone = store.deployment_config(&project_id, "dcf_1").await;
    assert!(matches!(
        gone,
        Err(StoreError::NotFound("deployment config"))
    ));
}

async fn a_document_of_a_missing_project_is_refused(store: Arc<dyn Store>, _db: DbGuard) {
    let created = store
        .create_test("prj_missing", "tst_1", &test_spec("t", &[1]), at(0))
        .await;
    assert!(
        matches!(created, Err(StoreError::NotFound("project"))),
        "{created:?}"
    );
}

playtest_store::backend_tests!(
    a_new_test_has_version_one_and_reads_back_as_written,
    each_update_bumps_the_version_by_one,
    stale_expected_version_is_a_conflict_and_changes_nothing,
    updating_or_deleting_an_unknown_test_is_not_found,
    a_deleted_test_is_gone,
    a_duplicate_id_is_a_conflict,
    another_projects_documents_are_not_found,
    lists_are_newest_first_with_the_total_of_the_whole_list,
    test_plans_and_deployment_configs_are_replaced_by_updates,
    a_document_of_a_missing_project_is_refused,
);
