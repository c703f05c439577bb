//! Worker tokens and the workers that registered with them.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::{NewWorker, NewWorkerToken, Result, WorkerRecord, WorkerTokenRecord};

#[async_trait]
pub trait WorkerStore: Send + Sync {
    async fn create_worker_token(&self, token: &NewWorkerToken) -> Result<WorkerTokenRecord>;
    /// The token whose secret hashes to this, revoked or not.
    async fn worker_token_by_secret_hash(
        &self,
        secret_hash: &str,
    ) -> Result<Option<WorkerTokenRecord>>;
    /// With `Some(project)`, that project's tokens; with `None`, every token.
    async fn list_worker_tokens(&self, project_id: Option<&str>) -> Result<Vec<WorkerTokenRecord>>;
    /// Revokes a token (of that project, when given): its workers can no
    /// longer lease or report. `NotFound("worker token")` otherwise.
    async fn revoke_worker_token(&self, project_id: Option<&str>, token_id: &str) -> Result<()>;
    async fn register_worker(&self, worker: &NewWorker) -> Result<WorkerRecord>;
    /// `NotFound("worker")` if there is none.
    async fn worker(&self, worker_id: &str) -> Result<WorkerRecord>;
    /// Records that the worker was heard from.
    async fn touch_worker(&self, worker_id: &str, at: DateTime<Utc>) -> Result<()>;
    /// Workers whose token serves this project (or every worker with
    /// `None`), most recently heard from first.
    async fn list_workers(&self, project_id: Option<&str>) -> Result<Vec<WorkerRecord>>;
}
