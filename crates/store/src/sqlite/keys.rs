//! Projects and API keys in SQLite.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::AssertSqlSafe;

use super::{SqliteStore, opt_ts, ts};
use crate::codec::to_json;
use crate::rows::{INSERT_KEY, KEY_COLUMNS, KeyRow, PROJECT_COLUMNS, ProjectRow, UPDATE_KEY};
use crate::sql_error::on_write;
use crate::{ApiKeyRecord, KeyStore, NewApiKey, ProjectRecord, ProjectStore, Result, StoreError};

#[async_trait]
impl ProjectStore for SqliteStore {
    async fn ensure_project(
        &self,
        id: &str,
        name: &str,
        at: DateTime<Utc>,
    ) -> Result<ProjectRecord> {
        // Racing callers may all insert; one wins and all read the winner.
        sqlx::query(
            "INSERT INTO projects (id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(name)
        .bind(ts(at))
        .execute(&self.writer)
        .await?;
        let sql = format!("SELECT {PROJECT_COLUMNS} FROM projects WHERE name = $1");
        let row: Option<ProjectRow> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(name)
            .fetch_optional(&self.reader)
            .await?;
        row.map(ProjectRecord::from).ok_or_else(|| {
            StoreError::Conflict(format!(
                "project id {id} is already used by another project"
            ))
        })
    }

    async fn project(&self, project_id: &str) -> Result<ProjectRecord> {
        let sql = format!("SELECT {PROJECT_COLUMNS} FROM projects WHERE id = $1");
        let row: Option<ProjectRow> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(project_id)
            .fetch_optional(&self.reader)
            .await?;
        row.map(ProjectRecord::from)
            .ok_or(StoreError::NotFound("project"))
    }
}

#[async_trait]
impl KeyStore for SqliteStore {
    async fn create_key(&self, key: NewApiKey) -> Result<ApiKeyRecord> {
        let row: KeyRow = sqlx::query_as(INSERT_KEY.as_str())
            .bind(&key.id)
            .bind(&key.project_id)
            .bind(&key.name)
            .bind(&key.prefix)
            .bind(&key.secret_hash)
            .bind(to_json(&key.permissions)?)
            .bind(opt_ts(key.expires_at))
            .bind(ts(key.created_at))
            .fetch_one(&self.writer)
            .await
            .map_err(|err| {
                on_write(
                    err,
                    || "an API key with this id or secret already exists".into(),
                    "project",
                )
            })?;
        row.into_record()
    }

    async fn key_by_secret_hash(&self, secret_hash: &str) -> Result<Option<ApiKeyRecord>> {
        let sql = format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE secret_hash = $1");
        let row: Option<KeyRow> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(secret_hash)
            .fetch_optional(&self.reader)
            .await?;
        row.map(KeyRow::into_record).transpose()
    }

    async fn list_keys(&self, project_id: &str) -> Result<Vec<ApiKeyRecord>> {
        let sql = format!(
            "SELECT {KEY_COLUMNS} FROM api_keys WHERE project_id = $1 ORDER BY created_at DESC, id DESC"
        );
        let rows: Vec<KeyRow> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(project_id)
            .fetch_all(&self.reader)
            .await?;
        rows.into_iter().map(KeyRow::into_record).collect()
    }

    async fn update_key(
        &self,
        project_id: &str,
        key_id: &str,
        name: Option<&str>,
        disabled: Option<bool>,
    ) -> Result<ApiKeyRecord> {
        let row: Option<KeyRow> = sqlx::query_as(UPDATE_KEY.as_str())
            .bind(project_id)
            .bind(key_id)
            .bind(name)
            .bind(disabled)
            .fetch_optional(&self.writer)
            .await?;
        row.ok_or(StoreError::NotFound("key"))?.into_record()
    }

    async fn delete_key(&self, project_id: &str, key_id: &str) -> Result<()> {
        let done = sqlx::query("DELETE FROM api_keys WHERE project_id = $1 AND id = $2")
            .bind(project_id)
            .bind(key_id)
            .execute(&self.writer)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("key"));
        }
        Ok(())
    }

    async fn touch_key(&self, key_id: &str, at: DateTime<Utc>) -> Result<()> {
        let done = sqlx::query("UPDATE api_keys SET last_used_at = $2 WHERE id = $1")
            .bind(key_id)
            .bind(ts(at))
            .execute(&self.writer)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("key"));
        }
        Ok(())
    }
}
