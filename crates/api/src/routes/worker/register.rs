//! `POST /worker/register`: a worker announces what it can drive.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use playtest_store::{NewWorker, ids};
use playtest_types::{ErrorBody, RegisterWorkerRequest, Worker};

use crate::routes::workers::wire_worker;
use crate::worker_auth::WorkerCaller;
use crate::{ApiError, AppState, validate};

/// Most jobs one worker may run at once.
const MAX_SLOTS: u32 = 64;

/// Registers a worker under the caller's token. A worker registers each
/// time it starts; the id it gets names it in every later call.
#[utoipa::path(post, path = "/worker/register", tag = "Worker protocol",
    request_body = RegisterWorkerRequest,
    security(("worker_token" = [])),
    responses(
        (status = 201, description = "The registered worker", body = Worker),
        (status = 400, description = "A field is invalid", body = ErrorBody),
        (status = 401, description = "No or unknown worker token", body = ErrorBody),
    ))]
pub async fn register_worker(
    State(state): State<AppState>,
    caller: WorkerCaller,
    crate::extract::ApiJson(request): crate::extract::ApiJson<RegisterWorkerRequest>,
) -> Result<(StatusCode, Json<Worker>), ApiError> {
    validate::name("name", &request.name)?;
    if request.platforms.is_empty() {
        return Err(ApiError::validation(
            "platforms",
            "platforms must name at least one platform kind the worker can drive (web, linux)",
        ));
    }
    validate::range("slots", i64::from(request.slots), 1, i64::from(MAX_SLOTS))?;
    if let Some(version) = &request.version {
        validate::text("version", version, 1, 64)?;
    }
    let mut platforms = request.platforms.clone();
    platforms.sort_by_key(|p| p.as_str());
    platforms.dedup();
    let record = state
        .store()
        .register_worker(&NewWorker {
            id: ids::prefixed("wrk"),
            token_id: caller.token_id.clone(),
            name: request.name,
            platforms,
            slots: request.slots,
            version: request.version,
            registered_at: state.clock().now(),
        })
        .await?;
    tracing::info!(worker_id = %record.id, name = %record.name, "worker registered");
    Ok((StatusCode::CREATED, Json(wire_worker(&state, record))))
}
