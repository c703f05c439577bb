//! Bad input of every kind gets a 4xx in the contract's error shape, names
//! the field, and leaves the store as it was.

use reqwest::Method;
use serde_json::json;

use crate::support::{Backend, Raw, TestApp, on_both_backends};

fn assert_error_shape(answer: &Raw, status: u16, code: &str) {
    assert_eq!(answer.status, status, "body: {}", answer.body);
    assert!(
        answer.body["error"].as_str().is_some_and(|e| !e.is_empty()),
        "body: {}",
        answer.body
    );
    assert_eq!(answer.body["code"], code, "body: {}", answer.body);
    assert!(answer.body["details"].is_object(), "body: {}", answer.body);
}

async fn test_count(app: &TestApp) -> i64 {
    app.admin
        .list_tests(&Default::default())
        .await
        .unwrap()
        .pagination
        .total_count
}

on_both_backends! {
    async fn malformed_json_is_a_400_and_stores_nothing(app) {
        let key = app.admin_key.clone();
        let answer = app.raw(Method::POST, "/api/v1/tests", Some(&key), Some(("application/json", b"{\"name\": ".to_vec()))).await;
        assert_error_shape(&answer, 400, "INVALID_JSON");
        assert_eq!(test_count(&app).await, 0);
    }

    async fn a_field_of_the_wrong_type_is_named(app) {
        let answer = app.json(Method::POST, "/api/v1/tests", &json!({"name": "t", "test_type": "verification",
            "players": [{"name": "p", "steps": [{"goal": "g", "actions": [{"click": ["x", 1]}]}]}]})).await;
        assert_error_shape(&answer, 400, "VALIDATION_ERROR");
        assert_eq!(answer.body["details"]["field"], "players[0].steps[0].actions[0].click[0]");
        assert_eq!(test_count(&app).await, 0);
    }

    async fn an_unknown_enum_value_is_named(app) {
        let answer = app.json(Method::POST, "/api/v1/tests", &json!({"name": "t", "test_type": "chaos"})).await;
        assert_error_shape(&answer, 400, "VALIDATION_ERROR");
        assert_eq!(answer.body["details"]["field"], "test_type");
    }

    async fn negative_and_huge_numbers_are_refused_with_the_field_named(app) {
        for (value, field) in [(json!(-1), "max_seconds"), (json!(1_000_000_000_000_i64), "max_seconds"), (json!(1e300), "max_seconds")] {
            let answer = app.json(Method::POST, "/api/v1/tests", &json!({"name": "t", "test_type": "game_loop", "max_seconds": value})).await;
            assert_error_shape(&answer, 400, "VALIDATION_ERROR");
            assert_eq!(answer.body["details"]["field"], field);
        }
        let answer = app.raw(Method::GET, "/api/v1/runs?page_size=100000000000000000000000", Some(&app.admin_key), None).await;
        assert_error_shape(&answer, 400, "VALIDATION_ERROR");
        assert_eq!(answer.body["details"]["field"], "page_size");
        assert_eq!(test_count(&app).await, 0);
    }

    async fn an_oversized_string_is_refused_with_the_field_named(app) {
        let answer = app.json(Method::POST, "/api/v1/tests", &json!({"name": "n".repeat(201), "test_type": "game_loop"})).await;
        assert_error_shape(&answer, 400, "VALIDATION_ERROR");
        assert_eq!(answer.body["details"]["field"], "name");
        assert_eq!(test_count(&app).await, 0);
    }

    async fn sql_metacharacters_and_unicode_are_stored_as_given(app) {
        let name = "'; DROP TABLE tests; -- 🎮 ゲーム \"x\" \\ %_";
        let answer = app.json(Method::POST, "/api/v1/tests", &json!({"name": name, "test_type": "game_loop", "tags": ["ünï", "a'b"]})).await;
        assert_eq!(answer.status, 201, "{}", answer.body);
        let id = answer.body["id"].as_str().unwrap();
        let test = app.admin.get_test(id).await.unwrap();
        assert_eq!(test.spec.name, name);
        assert_eq!(test.spec.tags, vec!["ünï", "a'b"]);
        let lookup = app.raw(Method::GET, "/api/v1/tests/'%20OR%201=1%20--", Some(&app.admin_key), None).await;
        assert_error_shape(&lookup, 404, "NOT_FOUND");
        let filtered = app.raw(Method::GET, "/api/v1/runs?tags=a'b,%25", Some(&app.admin_key), None).await;
        assert_eq!(filtered.status, 200);
        assert_eq!(test_count(&app).await, 1);
    }

    async fn a_database_fault_is_a_500_with_the_request_id_and_nothing_internal(app) {
        app.database.execute("DROP TABLE run_tags").await;
        let answer = app.raw(Method::GET, "/api/v1/runs?tags=a", Some(&app.admin_key), None).await;
        assert_error_shape(&answer, 500, "INTERNAL_ERROR");
        let request_id = answer.headers["x-request-id"].to_str().unwrap();
        assert_eq!(answer.body["details"]["request_id"], request_id);
        let text = answer.body.to_string().to_lowercase();
        for internal in ["run_tags", "sql", "table", "relation", "sqlx"] {
            assert!(!text.contains(internal), "the 500 body leaks {internal}: {text}");
        }
    }

    async fn an_invalid_run_id_is_a_404_not_a_400(app) {
        for id in ["short", "UPPERCASE123", "abc%2Fdef%2Fghi", "aaaaaaaaaaaaaaaaaaaaaaaaaaaa"] {
            let answer = app.raw(Method::GET, &format!("/api/v1/runs/{id}"), Some(&app.admin_key), None).await;
            assert_error_shape(&answer, 404, "NOT_FOUND");
            assert_eq!(answer.body["error"], "Run not found");
        }
    }
}

#[tokio::test]
async fn a_body_without_the_json_content_type_is_a_415_in_the_error_shape() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let answer = app
        .raw(
            Method::POST,
            "/api/v1/tests",
            Some(&app.admin_key),
            Some(("text/plain", b"{}".to_vec())),
        )
        .await;
    assert_error_shape(&answer, 415, "UNSUPPORTED_MEDIA_TYPE");
}

#[tokio::test]
async fn an_unknown_route_is_a_404_in_the_error_shape() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let answer = app
        .raw(
            Method::GET,
            "/api/v1/no-such-thing",
            Some(&app.admin_key),
            None,
        )
        .await;
    assert_error_shape(&answer, 404, "NOT_FOUND");
}

#[tokio::test]
async fn a_wrong_method_is_a_405_in_the_error_shape() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let answer = app
        .raw(Method::PATCH, "/api/v1/runs", Some(&app.admin_key), None)
        .await;
    assert_error_shape(&answer, 405, "METHOD_NOT_ALLOWED");
}

#[tokio::test]
async fn a_body_over_the_limit_is_a_413_and_stores_nothing() {
    let app = TestApp::spawn_with(Backend::Sqlite, |settings| settings.max_body_bytes = 2048).await;
    let body = serde_json::to_vec(
        &json!({"name": "t", "test_type": "game_loop", "description": "x".repeat(4096)}),
    )
    .unwrap();
    let answer = app
        .raw(
            Method::POST,
            "/api/v1/tests",
            Some(&app.admin_key),
            Some(("application/json", body)),
        )
        .await;
    assert_error_shape(&answer, 413, "PAYLOAD_TOO_LARGE");
    assert_eq!(test_count(&app).await, 0);
}
