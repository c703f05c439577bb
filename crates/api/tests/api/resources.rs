//! Tests, test plans and deployment configs: CRUD, validation, versions.

use playtest_types::{PageQuery, TestItem, TestPlanSpec, UpdateTestRequest};
use reqwest::Method;
use serde_json::json;

use crate::support::{api_error, config_spec, on_both_backends, test_spec};

on_both_backends! {
    async fn a_test_is_created_read_updated_and_deleted(app) {
        let test = app.create_test("login", 2).await;
        assert!(test.id.starts_with("tst_"));
        assert_eq!(test.version, 1);
        assert_eq!(test.spec, test_spec("login", 2));
        assert_eq!(app.admin.get_test(&test.id).await.unwrap(), test);

        let mut changed = test_spec("login v2", 3);
        changed.tags = vec!["regression".into()];
        let updated = app.admin.update_test(&test.id, &UpdateTestRequest { spec: changed.clone(), expected_version: Some(1) }).await.unwrap();
        assert_eq!(updated.version, 2);
        assert_eq!(updated.spec, changed);
        let again = app.admin.update_test(&test.id, &UpdateTestRequest { spec: changed.clone(), expected_version: None }).await.unwrap();
        assert_eq!(again.version, 3);

        app.admin.delete_test(&test.id).await.unwrap();
        assert_eq!(api_error(app.admin.get_test(&test.id).await.unwrap_err()).0, 404);
    }

    async fn an_update_based_on_a_stale_version_is_a_409_and_changes_nothing(app) {
        let test = app.create_test("login", 1).await;
        app.admin.update_test(&test.id, &UpdateTestRequest { spec: test_spec("first", 1), expected_version: Some(1) }).await.unwrap();
        let (status, body) = api_error(
            app.admin.update_test(&test.id, &UpdateTestRequest { spec: test_spec("second", 1), expected_version: Some(1) }).await.unwrap_err(),
        );
        assert_eq!(status, 409);
        assert_eq!(body.code, "VERSION_CONFLICT");
        assert_eq!(body.details["current_version"], 2);
        let stored = app.admin.get_test(&test.id).await.unwrap();
        assert_eq!((stored.version, stored.spec.name.as_str()), (2, "first"));
    }

    async fn lists_are_newest_first_and_paginated(app) {
        for i in 0..5 {
            app.create_test(&format!("t{i}"), 1).await;
        }
        let page = app.admin.list_tests(&PageQuery { page: Some(1), page_size: Some(2) }).await.unwrap();
        assert_eq!(page.pagination.total_count, 5);
        assert_eq!(page.pagination.total_pages, 3);
        let names: Vec<_> = page.data.iter().map(|t| t.spec.name.as_str()).collect();
        assert_eq!(names, ["t2", "t1"]);
    }

    async fn a_test_plan_refers_only_to_tests_of_the_project(app) {
        let test = app.create_test("a", 1).await;
        let spec = TestPlanSpec {
            name: "nightly".into(),
            description: String::new(),
            test_items: vec![TestItem { multiplayer_test_id: test.id.clone(), retries: Some(2) }],
        };
        let plan = app.admin.create_test_plan(&spec).await.unwrap();
        assert!(plan.id.starts_with("tpl_"));
        assert_eq!(app.admin.get_test_plan(&plan.id).await.unwrap().spec, spec);

        let mut bad = spec.clone();
        bad.test_items.push(TestItem { multiplayer_test_id: "tst_missing".into(), retries: None });
        let (status, body) = api_error(app.admin.create_test_plan(&bad).await.unwrap_err());
        assert_eq!(status, 404);
        assert_eq!(body.details["field"], "test_items[1].multiplayer_test_id");

        let answer = app.json(Method::POST, "/api/v1/test-plans", &json!({"name": "x", "test_items": []})).await;
        assert_eq!((answer.status.as_u16(), answer.body["details"]["field"].as_str()), (400, Some("test_items")));
        let answer = app.json(Method::POST, "/api/v1/test-plans", &json!({"name": "x", "test_items": [{"multiplayer_test_id": test.id, "retries": 11}]})).await;
        assert_eq!(answer.body["details"]["field"], "test_items[0].retries");
        assert_eq!(app.admin.list_test_plans(&Default::default()).await.unwrap().pagination.total_count, 1);

        app.admin.update_test_plan(&plan.id, &TestPlanSpec { name: "renamed".into(), ..spec }).await.unwrap();
        assert_eq!(app.admin.get_test_plan(&plan.id).await.unwrap().spec.name, "renamed");
        app.admin.delete_test_plan(&plan.id).await.unwrap();
        assert_eq!(api_error(app.admin.get_test_plan(&plan.id).await.unwrap_err()).0, 404);
    }

    async fn a_deployment_config_is_validated_and_round_trips(app) {
        let config = app.create_config().await;
        assert!(config.id.starts_with("dcf_"));
        assert_eq!(config.spec, config_spec("web"));
        let answer = app.json(Method::POST, "/api/v1/deployment-configs", &json!({"name": "x", "kind": "web", "launch": {"entry": "../x"}})).await;
        assert_eq!((answer.status.as_u16(), answer.body["details"]["field"].as_str()), (400, Some("launch.entry")));
        let answer = app.json(Method::POST, "/api/v1/deployment-configs", &json!({"name": "x", "kind": "xbox", "launch": {"entry": "a"}})).await;
        assert_eq!(answer.body["details"]["field"], "kind");
        let answer = app.json(Method::POST, "/api/v1/deployment-configs", &json!({"name": "x", "kind": "web", "launch": {"entry": "a", "width": 0}})).await;
        assert_eq!(answer.body["details"]["field"], "launch.width");
        let mut changed = config_spec("linux build");
        changed.kind = playtest_types::PlatformKind::Linux;
        changed.launch.entry = "bin/game".into();
        let updated = app.admin.update_deployment_config(&config.id, &changed).await.unwrap();
        assert_eq!(updated.spec, changed);
        assert_eq!(app.admin.list_deployment_configs(&Default::default()).await.unwrap().pagination.total_count, 1);
        app.admin.delete_deployment_config(&config.id).await.unwrap();
        assert_eq!(api_error(app.admin.get_deployment_config(&config.id).await.unwrap_err()).0, 404);
    }
}
