//! `/keys`: an admin key manages the project's keys; a secret is shown once.

use chrono::{Duration, Utc};
use playtest_types::{CreateKeyRequest, Permission, UpdateKeyRequest};
use reqwest::Method;
use serde_json::json;

use crate::support::{api_error, on_both_backends};

on_both_backends! {
    async fn an_admin_creates_a_key_whose_secret_is_shown_only_once(app) {
        let request = CreateKeyRequest {
            name: "ci".into(),
            permissions: vec![Permission::ReadRuns, Permission::OperateRuns],
            expires_at: Some(Utc::now() + Duration::days(30)),
        };
        let created = app.admin.create_key(&request).await.unwrap();
        assert!(created.secret.expose().starts_with("pt_"));
        assert!(created.secret.expose().starts_with(&created.key.prefix));
        assert_eq!(created.key.permissions, vec![Permission::ReadRuns, Permission::OperateRuns]);
        assert!(!created.key.disabled);

        let listed = app.raw(Method::GET, "/api/v1/keys", Some(&app.admin_key), None).await;
        assert!(!listed.body.to_string().contains(created.secret.expose()), "a listing shows a secret");
        assert!(listed.body["data"].as_array().unwrap().iter().all(|k| k.get("secret").is_none()));
        assert!(!listed.body.to_string().contains("hash"));

        let ci = app.client(created.secret.expose());
        ci.list_runs(&Default::default()).await.unwrap();
    }

    async fn a_deleted_key_stops_working_at_once(app) {
        let request = CreateKeyRequest { name: "temp".into(), permissions: vec![Permission::ReadRuns], expires_at: None };
        let created = app.admin.create_key(&request).await.unwrap();
        let temp = app.client(created.secret.expose());
        temp.list_runs(&Default::default()).await.unwrap();
        app.admin.delete_key(&created.key.id).await.unwrap();
        let (status, body) = api_error(temp.list_runs(&Default::default()).await.unwrap_err());
        assert_eq!(status, 401);
        assert_eq!(body.error, "Invalid API key");
        assert_eq!(api_error(app.admin.delete_key(&created.key.id).await.unwrap_err()).0, 404);
    }

    async fn a_disabled_key_is_refused_at_once_and_can_be_renamed(app) {
        let request = CreateKeyRequest { name: "temp".into(), permissions: vec![Permission::ReadRuns], expires_at: None };
        let created = app.admin.create_key(&request).await.unwrap();
        let temp = app.client(created.secret.expose());
        temp.list_runs(&Default::default()).await.unwrap();
        let changed = app.admin.update_key(&created.key.id, &UpdateKeyRequest { disabled: Some(true), name: Some("old".into()) }).await.unwrap();
        assert!(changed.disabled);
        assert_eq!(changed.name, "old");
        let (status, body) = api_error(temp.list_runs(&Default::default()).await.unwrap_err());
        assert_eq!((status, body.error.as_str()), (403, "API key is disabled"));
    }

    async fn bad_key_requests_name_the_field(app) {
        let answer = app.json(Method::POST, "/api/v1/keys", &json!({"name": "x", "permissions": ["project:everything"]})).await;
        assert_eq!(answer.status, 400);
        assert_eq!(answer.body["details"]["field"], "permissions[0]");
        let answer = app.json(Method::POST, "/api/v1/keys", &json!({"name": "x", "permissions": []})).await;
        assert_eq!(answer.body["details"]["field"], "permissions");
        let answer = app.json(Method::POST, "/api/v1/keys", &json!({"name": "x", "permissions": ["project:admin"], "expires_at": "2001-01-01T00:00:00Z"})).await;
        assert_eq!(answer.body["details"]["field"], "expires_at");
        let answer = app.json(Method::POST, "/api/v1/keys", &json!({"name": "x", "permissions": ["project:admin"], "owner": "me"})).await;
        assert_eq!(answer.body["details"]["field"], "owner");
        assert_eq!(app.admin.list_keys().await.unwrap().data.len(), 1);
    }
}
