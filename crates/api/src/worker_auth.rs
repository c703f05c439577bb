//! Authentication of workers: `Authorization: Bearer <worker token>` on
//! every `/worker/...` call. A token serves one project or, when the
//! operator made it on the store directly, every project. Revoked tokens
//! are refused at once (no cache), so revoking stops a fleet within one
//! request.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use playtest_store::WorkerRecord;

use crate::keys::hash_secret;
use crate::{ApiError, AppState};

/// The token a worker call came with.
#[derive(Debug, Clone)]
pub struct WorkerCaller {
    pub token_id: String,
    /// `None`: the token serves every project.
    pub project_id: Option<String>,
}

impl WorkerCaller {
    /// The registered worker `worker_id`, if it registered with this token;
    /// another token's worker is reported as not found.
    pub async fn own_worker(
        &self,
        state: &AppState,
        worker_id: &str,
    ) -> Result<WorkerRecord, ApiError> {
        let not_found = || {
            ApiError::not_found(
                "Worker not found for this token; register again with POST /api/v1/worker/register",
            )
        };
        let worker = state
            .store()
            .worker(worker_id)
            .await
            .map_err(|err| ApiError::or_not_found(err, not_found()))?;
        if worker.token_id != self.token_id {
            return Err(not_found());
        }
        Ok(worker)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for WorkerCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        parts
            .extensions
            .get::<WorkerCaller>()
            .cloned()
            .ok_or_else(|| {
                ApiError::Internal(anyhow::anyhow!(
                    "route is missing the worker authentication layer"
                ))
            })
    }
}

/// Middleware for the `/worker/...` routes.
pub async fn middleware(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let header = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .map(str::trim);
    let Some(secret) = header.and_then(|value| value.strip_prefix("Bearer ")) else {
        return ApiError::Unauthorized(
            "Worker token required: send Authorization: Bearer <token> (create one with playtest workers token create)",
        )
        .into_response();
    };
    let record = match state
        .store()
        .worker_token_by_secret_hash(&hash_secret(secret.trim()))
        .await
    {
        Ok(Some(record)) => record,
        Ok(None) => return ApiError::Unauthorized("Invalid worker token").into_response(),
        Err(err) => return ApiError::from(err).into_response(),
    };
    if record.token.revoked {
        return ApiError::Forbidden("Worker token is revoked".into()).into_response();
    }
    request.extensions_mut().insert(WorkerCaller {
        token_id: record.token.id,
        project_id: record.token.project_id,
    });
    next.run(request).await
}
