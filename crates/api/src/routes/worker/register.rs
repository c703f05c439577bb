//! `POST /worker/register`: a worker announces what it can play: the test
//! types it runs on each platform (or, in the older shape, its platforms,
//! taken as every test type of them).

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
    let capabilities = validate::capabilities(&request)?;
    validate::range("slots", i64::from(request.slots), 1, i64::from(MAX_SLOTS))?;
    if let Some(version) = &request.version {
        validate::text("version", version, 1, 64)?;
    }
    let record = state
        .store()
        .register_worker(&NewWorker {
            id: ids::prefixed("wrk"),
            token_id: caller.token_id.clone(),
            name: request.name,
            capabilities,
            slots: request.slots,
            version: request.version,
            registered_at: state.clock().now(),
        })
        .await?;
    tracing::info!(worker_id = %record.id, name = %record.name, "worker registered");
    Ok((StatusCode::CREATED, Json(wire_worker(&state, record))))
}
