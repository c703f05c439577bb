//! The worker protocol under `/api/v1/worker/...`, authorised by a worker
//! token (see `worker_auth`): register, lease (long poll), then for each
//! leased job heartbeat, report, upload artifacts and complete. Every job
//! call carries the lease's fencing token; the store refuses a stale one
//! with 409 `LEASE_LOST`, the worker's cue to drop the job.

mod assignment;
mod jobs;
mod register;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register::register_worker))
        .routes(routes!(assignment::lease_job))
        .routes(routes!(jobs::heartbeat))
        .routes(routes!(jobs::report))
        .routes(routes!(jobs::artifact_upload_url))
        .routes(routes!(jobs::complete_job))
}
