//! Keys, permissions, project isolation, rate limits, request ids.

use chrono::{Duration, Utc};
use playtest_types::{
    ListRunsQuery, Permission, StartRunRequest, StopRunsRequest, UpdateKeyRequest,
};
use reqwest::Method;

use crate::support::{Backend, TestApp, api_error, on_both_backends};

on_both_backends! {
    async fn a_request_without_a_key_gets_401_api_key_required(app) {
        let answer = app.raw(Method::GET, "/api/v1/runs", None, None).await;
        assert_eq!(answer.status, 401);
        assert_eq!(answer.body["error"], "API key required");
        assert_eq!(answer.body["code"], "UNAUTHORIZED");
    }

    async fn an_unknown_key_gets_401_invalid_api_key(app) {
        let answer = app.raw(Method::GET, "/api/v1/runs", Some("pt_not-a-real-key"), None).await;
        assert_eq!(answer.status, 401);
        assert_eq!(answer.body["error"], "Invalid API key");
    }

    async fn a_disabled_key_gets_403_until_it_is_enabled_again(app) {
        let secret = app.key(&[Permission::ReadRuns]).await;
        let keys = app.admin.list_keys().await.unwrap();
        let key = keys.data.iter().find(|k| secret.starts_with(&k.prefix) && k.name == "test key").unwrap();
        let disable = UpdateKeyRequest { disabled: Some(true), name: None };
        app.admin.update_key(&key.id, &disable).await.unwrap();
        let answer = app.raw(Method::GET, "/api/v1/runs", Some(&secret), None).await;
        assert_eq!(answer.status, 403);
        assert_eq!(answer.body["error"], "API key is disabled");

        let enable = UpdateKeyRequest { disabled: Some(false), name: None };
        app.admin.update_key(&key.id, &enable).await.unwrap();
        let answer = app.raw(Method::GET, "/api/v1/runs", Some(&secret), None).await;
        assert_eq!(answer.status, 200);
    }

    async fn an_expired_key_gets_403_api_key_expired(app) {
        let secret = app.key_in(&app.project_id, &[Permission::ReadRuns], Some(Utc::now() - Duration::minutes(1))).await;
        let answer = app.raw(Method::GET, "/api/v1/runs", Some(&secret), None).await;
        assert_eq!(answer.status, 403);
        assert_eq!(answer.body["error"], "API key expired");
    }

    async fn a_key_without_the_permission_gets_403_naming_it(app) {
        let reader = app.client(&app.key(&[Permission::ReadRuns]).await);
        reader.list_runs(&ListRunsQuery::default()).await.unwrap();
        let start = StartRunRequest { deployment_config_id: "dcf_x".into(), multiplayer_test_id: Some("tst_x".into()), ..Default::default() };
        let (status, body) = api_error(reader.start_run(&start).await.unwrap_err());
        assert_eq!(status, 403);
        assert_eq!(body.error, "API key missing required permission: project:operate-runs");
        let (status, body) = api_error(reader.stop_runs(&StopRunsRequest { job_ids: vec!["abc".into()] }).await.unwrap_err());
        assert_eq!(status, 403);
        assert_eq!(body.error, "API key missing required permission: project:operate-runs");
        let (_, body) = api_error(reader.list_keys().await.unwrap_err());
        assert_eq!(body.error, "API key missing required permission: project:admin");
        let (_, body) = api_error(reader.list_tests(&Default::default()).await.unwrap_err());
        assert_eq!(body.error, "API key missing required permission: project:manage-tests");

        let operator = app.client(&app.key(&[Permission::OperateRuns]).await);
        let (_, body) = api_error(operator.list_runs(&ListRunsQuery::default()).await.unwrap_err());
        assert_eq!(body.error, "API key missing required permission: project:read-runs");
    }

    async fn another_projects_key_sees_and_touches_none_of_this_projects_objects(app) {
        let test = app.create_test("mine", 1).await;
        let config = app.create_config().await;
        let started = app.admin.start_run(&StartRunRequest {
            multiplayer_test_id: Some(test.id.clone()),
            deployment_config_id: config.id.clone(),
            ..Default::default()
        }).await.unwrap();
        let run_id = started.data.multiplayer_run_id.clone();
        let job_id = started.data.job_id.clone();

        let stranger = app.foreign_admin().await;
        assert_eq!(api_error(stranger.get_test(&test.id).await.unwrap_err()).0, 404);
        assert_eq!(api_error(stranger.get_deployment_config(&config.id).await.unwrap_err()).0, 404);
        assert_eq!(api_error(stranger.get_run(&run_id).await.unwrap_err()).0, 404);
        assert_eq!(api_error(stranger.list_run_bugs(&run_id).await.unwrap_err()).0, 404);
        assert_eq!(api_error(stranger.delete_test(&test.id).await.unwrap_err()).0, 404);
        assert_eq!(stranger.list_runs(&ListRunsQuery::default()).await.unwrap().pagination.total_count, 0);
        assert_eq!(stranger.list_tests(&Default::default()).await.unwrap().pagination.total_count, 0);
        let (status, _) = api_error(stranger.start_run(&StartRunRequest {
            multiplayer_test_id: Some(test.id.clone()),
            deployment_config_id: config.id.clone(),
            ..Default::default()
        }).await.unwrap_err());
        assert_eq!(status, 404);
        let stop = stranger.stop_runs(&StopRunsRequest { job_ids: vec![job_id.clone()] }).await.unwrap();
        assert_eq!(stop.status, 404);
        let own_keys = app.admin.list_keys().await.unwrap();
        assert_eq!(api_error(stranger.delete_key(&own_keys.data[0].id).await.unwrap_err()).0, 404);

        // Nothing changed for the owner.
        let run = app.admin.get_run(&run_id).await.unwrap();
        assert_eq!(run.run.job_status, playtest_types::JobStatus::Queued);
        app.admin.get_test(&test.id).await.unwrap();
    }

    async fn the_last_use_of_a_key_is_recorded(app) {
        let secret = app.key(&[Permission::ReadRuns]).await;
        app.client(&secret).list_runs(&ListRunsQuery::default()).await.unwrap();
        let mut recorded = false;
        for _ in 0..50 {
            let keys = app.admin.list_keys().await.unwrap();
            let key = keys.data.iter().find(|k| secret.starts_with(&k.prefix)).unwrap();
            if key.last_used_at.is_some() {
                recorded = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert!(recorded, "last_used_at was never set");
    }

    async fn every_response_carries_a_request_id(app) {
        let ok = app.raw(Method::GET, "/api/v1/health", None, None).await;
        let refused = app.raw(Method::GET, "/api/v1/runs", None, None).await;
        let missing = app.raw(Method::GET, "/nowhere", None, None).await;
        for answer in [ok, refused, missing] {
            let id = answer.headers.get("x-request-id").expect("x-request-id").to_str().unwrap();
            assert_eq!(id.len(), 16);
        }
    }
}

#[tokio::test]
async fn a_key_over_its_rate_limit_gets_429_and_other_keys_are_not_slowed() {
    let app = TestApp::spawn_with(Backend::Sqlite, |settings| {
        settings.rate_limit.per_second = 0.5;
        settings.rate_limit.burst = 3;
    })
    .await;
    let noisy = app.key(&[Permission::ReadRuns]).await;
    let quiet = app.key(&[Permission::ReadRuns]).await;
    for remaining in ["2", "1", "0"] {
        let answer = app
            .raw(Method::GET, "/api/v1/runs", Some(&noisy), None)
            .await;
        assert_eq!(answer.status, 200);
        assert_eq!(answer.headers["x-ratelimit-limit"], "3");
        assert_eq!(answer.headers["x-ratelimit-remaining"], remaining);
        assert!(answer.headers.contains_key("x-ratelimit-reset"));
    }
    let refused = app
        .raw(Method::GET, "/api/v1/runs", Some(&noisy), None)
        .await;
    assert_eq!(refused.status, 429);
    assert_eq!(refused.body["code"], "RATE_LIMITED");
    assert_eq!(refused.headers["retry-after"], "2");
    assert_eq!(refused.headers["x-ratelimit-remaining"], "0");

    let other = app
        .raw(Method::GET, "/api/v1/runs", Some(&quiet), None)
        .await;
    assert_eq!(other.status, 200);
    assert_eq!(other.headers["x-ratelimit-remaining"], "2");
}
