//! `/workers`: the workers serving the project (with what they can play
//! and when they were last heard from), and the tokens they register with.
//! Tokens made here serve only the caller's project; the operator makes
//! tokens for every project with `playtest workers token create` on the
//! store.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use playtest_store::{WorkerRecord, WorkerTokenRecord};
use playtest_types::{
    CreateWorkerTokenRequest, CreatedWorkerToken, ErrorBody, Permission, Worker, WorkerList,
    WorkerToken, WorkerTokenList,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::extract::ApiJson;
use crate::keys::issue_worker_token;
use crate::{ApiError, AppState, validate};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_workers))
        .routes(routes!(list_worker_tokens, create_worker_token))
        .routes(routes!(revoke_worker_token))
}

/// A stored worker as the API shows it.
pub fn wire_worker(state: &AppState, record: WorkerRecord) -> Worker {
    let timeout = state.scheduler().settings().worker_timeout();
    let cutoff = state.clock().now() - chrono::Duration::from_std(timeout).unwrap_or_default();
    Worker {
        connected: record.last_heartbeat_at >= cutoff,
        platforms: record.platforms(),
        id: record.id,
        name: record.name,
        capabilities: record.capabilities,
        slots: record.slots,
        version: record.version,
        registered_at: record.registered_at,
        last_heartbeat_at: record.last_heartbeat_at,
        active_jobs: record.active_jobs,
    }
}

fn wire_token(record: WorkerTokenRecord) -> WorkerToken {
    record.token
}

/// The workers that can take this project's jobs, most recently heard
/// from first.
#[utoipa::path(get, path = "/workers", tag = "Workers",
    responses(
        (status = 200, description = "The workers", body = WorkerList),
        (status = 403, description = "The key lacks project:read-runs", body = ErrorBody),
    ))]
async fn list_workers(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<WorkerList>, ApiError> {
    caller.require(Permission::ReadRuns)?;
    let workers = state.store().list_workers(Some(&caller.project_id)).await?;
    Ok(Json(WorkerList {
        data: workers
            .into_iter()
            .map(|record| wire_worker(&state, record))
            .collect(),
    }))
}

/// The project's worker tokens (never their secrets).
#[utoipa::path(get, path = "/workers/tokens", tag = "Workers",
    responses(
        (status = 200, description = "The tokens", body = WorkerTokenList),
        (status = 403, description = "The key lacks project:admin", body = ErrorBody),
    ))]
async fn list_worker_tokens(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<WorkerTokenList>, ApiError> {
    caller.require(Permission::Admin)?;
    let tokens = state
        .store()
        .list_worker_tokens(Some(&caller.project_id))
        .await?;
    Ok(Json(WorkerTokenList {
        data: tokens.into_iter().map(wire_token).collect(),
    }))
}

/// Creates a worker token for this project; its secret is in this answer
/// and nowhere else.
#[utoipa::path(post, path = "/workers/tokens", tag = "Workers",
    request_body = CreateWorkerTokenRequest,
    responses(
        (status = 201, description = "The token with its secret", body = CreatedWorkerToken),
        (status = 400, description = "A field is invalid", body = ErrorBody),
        (status = 403, description = "The key lacks project:admin", body = ErrorBody),
    ))]
async fn create_worker_token(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(request): ApiJson<CreateWorkerTokenRequest>,
) -> Result<(StatusCode, Json<CreatedWorkerToken>), ApiError> {
    caller.require(Permission::Admin)?;
    validate::name("name", &request.name)?;
    let (record, secret) = issue_worker_token(
        state.store(),
        &request.name,
        Some(&caller.project_id),
        state.clock().now(),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedWorkerToken {
            token: wire_token(record),
            secret,
        }),
    ))
}

/// Revokes a token: its workers can no longer lease or report.
#[utoipa::path(delete, path = "/workers/tokens/{token_id}", tag = "Workers",
    params(("token_id" = String, Path, description = "The token's id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, description = "No such token in the project", body = ErrorBody),
    ))]
async fn revoke_worker_token(
    State(state): State<AppState>,
    caller: Caller,
    Path(token_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.require(Permission::Admin)?;
    state
        .store()
        .revoke_worker_token(Some(&caller.project_id), &token_id)
        .await
        .map_err(|err| {
            ApiError::or_not_found(err, ApiError::not_found("Worker token not found"))
        })?;
    Ok(StatusCode::NO_CONTENT)
}
