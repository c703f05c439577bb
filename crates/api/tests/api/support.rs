//! The test server and what tests need around it.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use playtest_api::{Settings, keys};
use playtest_blob::BlobStore;
use playtest_blob::testing::S3sFs;
use playtest_client::Client;
use playtest_store::testing::{self, DbGuard};
use playtest_store::{Store, SystemClock};
use playtest_types::{
    DeploymentConfig, DeploymentConfigSpec, Launch, Permission, PlatformKind, Secret, Test,
    TestPlayer, TestSpec, TestStep, TestType,
};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use tokio::net::TcpListener;

#[derive(Debug, Clone, Copy)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Where the server keeps build bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blobs {
    /// A temp folder, with the server's own signed URLs.
    Local,
    /// A real S3 service (s3s-fs) on loopback.
    S3,
}

/// What keeps a test's blob store alive (held, never read).
#[allow(dead_code)]
enum BlobHolder {
    Folder(tempfile::TempDir),
    S3(Box<S3sFs>),
}

/// A running server with a fresh database and an admin key.
pub struct TestApp {
    pub base: String,
    pub store: Arc<dyn Store>,
    pub project_id: String,
    pub admin_key: String,
    /// A client with the admin key.
    pub admin: Client,
    /// The test database, dropped with the app.
    pub database: DbGuard,
    /// The server's blob store, to look behind the API.
    pub blobs: Arc<dyn BlobStore>,
    _blob_holder: BlobHolder,
    http: reqwest::Client,
}

/// An answer to a raw request.
pub struct Raw {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        TestApp::spawn_with(backend, |_| {}).await
    }

    /// Starts a server whose settings `adjust` may change.
    pub async fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut Settings)) -> TestApp {
        TestApp::spawn_full(backend, Blobs::Local, adjust).await
    }

    /// Starts a server on this database and blob store.
    pub async fn spawn_full(
        backend: Backend,
        blobs: Blobs,
        adjust: impl FnOnce(&mut Settings),
    ) -> TestApp {
        let (store, database) = match backend {
            Backend::Sqlite => testing::fresh_sqlite().await,
            Backend::Postgres => testing::fresh_postgres().await,
        };
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind port 0");
        let addr = listener.local_addr().unwrap();
        let mut settings = Settings::for_address(addr);
        adjust(&mut settings);
        let project = keys::ensure_project(store.as_ref(), keys::DEFAULT_PROJECT, Utc::now())
            .await
            .unwrap();
        let (_, admin_key) = keys::issue_key(
            store.as_ref(),
            &project.id,
            "admin",
            vec![Permission::Admin],
            None,
            Utc::now(),
        )
        .await
        .unwrap();
        let admin_key = admin_key.expose().to_string();
        let (service, blob_holder) = match blobs {
            Blobs::Local => {
                let dir = tempfile::TempDir::new().unwrap();
                let service =
                    playtest_blob::local_service(dir.path().join("blobs"), &settings.public_url)
                        .await
                        .unwrap();
                (service, BlobHolder::Folder(dir))
            }
            Blobs::S3 => {
                let server = S3sFs::start().await;
                (server.service(), BlobHolder::S3(Box::new(server)))
            }
        };
        let blob_store = service.store.clone();
        tokio::spawn(playtest_api::serve(
            settings,
            store.clone(),
            service,
            Arc::new(SystemClock),
            listener,
            std::future::pending(),
        ));
        let base = format!("http://{addr}");
        let admin = Client::new(&base, Some(Secret::new(admin_key.clone()))).unwrap();
        TestApp {
            base,
            store,
            project_id: project.id,
            admin_key,
            admin,
            http: reqwest::Client::new(),
            database,
            blobs: blob_store,
            _blob_holder: blob_holder,
        }
    }

    /// A new key of this project with these permissions.
    pub async fn key(&self, permissions: &[Permission]) -> String {
        self.key_in(&self.project_id, permissions, None).await
    }

    pub async fn key_in(
        &self,
        project_id: &str,
        permissions: &[Permission],
        expires: Option<DateTime<Utc>>,
    ) -> String {
        keys::issue_key(
            self.store.as_ref(),
            project_id,
            "test key",
            permissions.to_vec(),
            expires,
            Utc::now(),
        )
        .await
        .unwrap()
        .1
        .expose()
        .to_string()
    }

    /// An admin key of another project.
    pub async fn foreign_admin(&self) -> Client {
        let other = keys::ensure_project(self.store.as_ref(), "other", Utc::now())
            .await
            .unwrap();
        let key = self.key_in(&other.id, &[Permission::Admin], None).await;
        self.client(&key)
    }

    pub fn client(&self, key: &str) -> Client {
        Client::new(&self.base, Some(Secret::new(key))).unwrap()
    }

    /// A request as given: `body` is sent with `content_type` when both are there.
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        body: Option<(&str, Vec<u8>)>,
    ) -> Raw {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(key) = key {
            request = request.header("X-Api-Key", key);
        }
        if let Some((content_type, bytes)) = body {
            request = request.header("Content-Type", content_type).body(bytes);
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.unwrap();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Raw {
            status,
            headers,
            body,
        }
    }

    /// A JSON request with the admin key.
    pub async fn json(&self, method: Method, path: &str, body: &Value) -> Raw {
        let bytes = serde_json::to_vec(body).unwrap();
        self.raw(
            method,
            path,
            Some(&self.admin_key),
            Some(("application/json", bytes)),
        )
        .await
    }

    pub async fn create_test(&self, name: &str, steps: usize) -> Test {
        self.admin
            .create_test(&test_spec(name, steps))
            .await
            .unwrap()
    }

    pub async fn create_config(&self) -> DeploymentConfig {
        self.admin
            .create_deployment_config(&config_spec("web"))
            .await
            .unwrap()
    }
}

pub fn test_spec(name: &str, steps: usize) -> TestSpec {
    TestSpec {
        name: name.to_string(),
        test_type: TestType::Verification,
        description: String::new(),
        min_seconds: None,
        max_seconds: Some(300),
        tags: vec!["smoke".to_string()],
        players: vec![TestPlayer {
            name: "player one".to_string(),
            steps: (0..steps)
                .map(|i| TestStep {
                    goal: format!("step {i}"),
                    finish_condition: String::new(),
                    actions: vec![],
                    expected_results: vec![],
                })
                .collect(),
        }],
        discovery: None,
        game_loop: None,
    }
}

pub fn config_spec(name: &str) -> DeploymentConfigSpec {
    DeploymentConfigSpec {
        name: name.to_string(),
        kind: PlatformKind::Web,
        build_id: None,
        launch: Launch {
            entry: "index.html".to_string(),
            args: vec![],
            env: Default::default(),
            width: 800,
            height: 600,
            init_scripts: vec![],
        },
    }
}

/// The error body's fields of an API error, for assertions.
pub fn api_error(err: playtest_client::Error) -> (u16, playtest_types::ErrorBody) {
    match err {
        playtest_client::Error::Api { status, body } => (status, body),
        other => panic!("expected an API error, got {other:?}"),
    }
}

/// Writes each test once per backend: `mod sqlite { ... } mod postgres { ... }`.
macro_rules! on_both_backends {
    ($(async fn $name:ident($app:ident) $body:block)*) => {
        mod sqlite {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[tokio::test]
                async fn $name() {
                    let $app = $crate::support::TestApp::spawn($crate::support::Backend::Sqlite).await;
                    $body
                }
            )*
        }
        mod postgres {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[tokio::test]
                async fn $name() {
                    let $app = $crate::support::TestApp::spawn($crate::support::Backend::Postgres).await;
                    $body
                }
            )*
        }
    };
}
pub(crate) use on_both_backends;
