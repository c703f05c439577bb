//! Projects, and the API keys that act in them.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::{ApiKeyRecord, NewApiKey, ProjectRecord, Result};

#[async_trait]
pub trait ProjectStore: Send + Sync {
    /// The project with this name, created (with this id, at `at`) if
    /// there is none.
    async fn ensure_project(
        &self,
        id: &str,
        name: &str,
        at: DateTime<Utc>,
    ) -> Result<ProjectRecord>;
    async fn project(&self, project_id: &str) -> Result<ProjectRecord>;
}

/// API keys; only the hash of a key's secret is stored.
#[async_trait]
pub trait KeyStore: Send + Sync {
    async fn create_key(&self, key: NewApiKey) -> Result<ApiKeyRecord>;
    /// The key whose secret hashes to `secret_hash`, in any project.
    async fn key_by_secret_hash(&self, secret_hash: &str) -> Result<Option<ApiKeyRecord>>;
    async fn list_keys(&self, project_id: &str) -> Result<Vec<ApiKeyRecord>>;
    async fn update_key(
        &self,
        project_id: &str,
        key_id: &str,
        name: Option<&str>,
        disabled: Option<bool>,
    ) -> Result<ApiKeyRecord>;
    async fn delete_key(&self, project_id: &str, key_id: &str) -> Result<()>;
    async fn touch_key(&self, key_id: &str, at: DateTime<Utc>) -> Result<()>;
}
