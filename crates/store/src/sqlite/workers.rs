//! Worker tokens and registered workers in SQLite.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::AssertSqlSafe;

use super::{SqliteStore, ts};
use crate::capabilities::platforms_of;
use crate::codec::to_json;
use crate::rows::{
    INSERT_TOKEN, INSERT_WORKER, TOKEN_COLUMNS, TokenRow, WORKER_COLUMNS, WORKER_FROM, WorkerRow,
};
use crate::sql_error::on_write;
use crate::{
    NewWorker, NewWorkerToken, Result, StoreError, WorkerRecord, WorkerStore, WorkerTokenRecord,
};

#[async_trait]
impl WorkerStore for SqliteStore {
    async fn create_worker_token(&self, token: &NewWorkerToken) -> Result<WorkerTokenRecord> {
        let row: TokenRow = sqlx::query_as(INSERT_TOKEN.as_str())
            .bind(&token.id)
            .bind(&token.project_id)
            .bind(&token.name)
            .bind(&token.prefix)
            .bind(&token.secret_hash)
            .bind(ts(token.created_at))
            .fetch_one(&self.writer)
            .await
            .map_err(|err| {
                on_write(
                    err,
                    || "a worker token with this id or secret already exists".into(),
                    "project",
                )
            })?;
        Ok(row.into())
    }

    async fn worker_token_by_secret_hash(
        &self,
        secret_hash: &str,
    ) -> Result<Option<WorkerTokenRecord>> {
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM worker_tokens WHERE secret_hash = $1");
        let row: Option<TokenRow> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(secret_hash)
            .fetch_optional(&self.reader)
            .await?;
        Ok(row.map(WorkerTokenRecord::from))
    }

    async fn list_worker_tokens(&self, project_id: Option<&str>) -> Result<Vec<WorkerTokenRecord>> {
        let scope = if project_id.is_some() {
            "WHERE project_id = $1"
        } else {
            ""
        };
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM worker_tokens {scope} ORDER BY seq DESC");
        let mut query = sqlx::query_as(AssertSqlSafe(sql));
        if let Some(project_id) = project_id {
            query = query.bind(project_id);
        }
        let rows: Vec<TokenRow> = query.fetch_all(&self.reader).await?;
        Ok(rows.into_iter().map(WorkerTokenRecord::from).collect())
    }

    async fn revoke_worker_token(&self, project_id: Option<&str>, token_id: &str) -> Result<()> {
        let done = sqlx::query(
            "UPDATE worker_tokens SET revoked = 1 WHERE id = $1 AND ($2 IS NULL OR project_id = $2)",
        )
        .bind(token_id)
        .bind(project_id)
        .execute(&self.writer)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("worker token"));
        }
        Ok(())
    }

    async fn register_worker(&self, worker: &NewWorker) -> Result<WorkerRecord> {
        sqlx::query(INSERT_WORKER)
            .bind(&worker.id)
            .bind(&worker.token_id)
            .bind(&worker.name)
            .bind(to_json(&platforms_of(&worker.capabilities))?)
            .bind(to_json(&worker.capabilities)?)
            .bind(i64::from(worker.slots))
            .bind(&worker.version)
            .bind(ts(worker.registered_at))
            .execute(&self.writer)
            .await
            .map_err(|err| {
                on_write(
                    err,
                    || "a worker with this id already exists".into(),
                    "worker token",
                )
            })?;
        self.worker(&worker.id).await
    }

    async fn worker(&self, worker_id: &str) -> Result<WorkerRecord> {
        let sql = format!("SELECT {WORKER_COLUMNS} FROM {WORKER_FROM} WHERE w.id = $1");
        let row: Option<WorkerRow> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(worker_id)
            .fetch_optional(&self.reader)
            .await?;
        row.ok_or(StoreError::NotFound("worker"))?.into_record()
    }

    async fn touch_worker(&self, worker_id: &str, at: DateTime<Utc>) -> Result<()> {
        // Calls may arrive out of order: the latest time wins.
        let done = sqlx::query(
            "UPDATE workers SET last_heartbeat_at = MAX(last_heartbeat_at, $2) WHERE id = $1",
        )
        .bind(worker_id)
        .bind(ts(at))
        .execute(&self.writer)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("worker"));
        }
        Ok(())
    }

    async fn list_workers(&self, project_id: Option<&str>) -> Result<Vec<WorkerRecord>> {
        // A token of no project serves every project.
        let scope = if project_id.is_some() {
            "WHERE t.project_id = $1 OR t.project_id IS NULL"
        } else {
            ""
        };
        let sql = format!(
            "SELECT {WORKER_COLUMNS} FROM {WORKER_FROM} {scope} ORDER BY w.last_heartbeat_at DESC, w.id"
        );
        let mut query = sqlx::query_as(AssertSqlSafe(sql));
        if let Some(project_id) = project_id {
            query = query.bind(project_id);
        }
        let rows: Vec<WorkerRow> = query.fetch_all(&self.reader).await?;
        rows.into_iter().map(WorkerRow::into_record).collect()
    }
}
