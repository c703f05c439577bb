//! `POST /runs/stop`: stops jobs one by one and reports each. 200 when all
//! were stopped (or asked to stop), 404 when none was found, 207 otherwise.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use playtest_store::StopOutcome;
use playtest_types::{ErrorBody, Permission, StopResult, StopRunsRequest, StopRunsResponse};

use crate::auth::Caller;
use crate::extract::ApiJson;
use crate::{ApiError, AppState, validate};

const MAX_JOBS: usize = 100;

fn result_of(job_id: String, outcome: StopOutcome) -> StopResult {
    let (ok, status, text) = match outcome {
        StopOutcome::Stopped => (true, 200, "Job stopped"),
        StopOutcome::StopRequested => (true, 202, "Stop requested; the worker is ending the job"),
        StopOutcome::AlreadyStopping => (true, 202, "Stop already requested"),
        StopOutcome::AlreadyCompleted => (false, 409, "Job already completed"),
        StopOutcome::NotFound => (false, 404, "Job not found"),
    };
    let (message, error) = if ok {
        (Some(text.to_string()), None)
    } else {
        (None, Some(text.to_string()))
    };
    StopResult {
        job_id,
        ok,
        status,
        message,
        error,
    }
}

/// Stops jobs of the project.
#[utoipa::path(post, path = "/runs/stop", tag = "Runs", operation_id = "stopRuns", request_body = StopRunsRequest,
    responses(
        (status = 200, description = "Every job was stopped or asked to stop", body = StopRunsResponse),
        (status = 207, description = "Some jobs could not be stopped", body = StopRunsResponse),
        (status = 400, description = "The body is invalid", body = ErrorBody),
        (status = 404, description = "None of the jobs was found", body = StopRunsResponse),
    ))]
pub async fn stop_runs(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(request): ApiJson<StopRunsRequest>,
) -> Result<(StatusCode, Json<StopRunsResponse>), ApiError> {
    caller.require(Permission::OperateRuns)?;
    if request.job_ids.is_empty() || request.job_ids.len() > MAX_JOBS {
        return Err(ApiError::validation(
            "job_ids",
            format!("job_ids must hold 1 to {MAX_JOBS} ids"),
        ));
    }
    for (i, job_id) in request.job_ids.iter().enumerate() {
        validate::id(&format!("job_ids[{i}]"), job_id)?;
    }
    let now = state.clock().now();
    let mut results = Vec::with_capacity(request.job_ids.len());
    for job_id in request.job_ids {
        let outcome = state
            .store()
            .stop_job(&caller.project_id, &job_id, now)
            .await?;
        results.push(result_of(job_id, outcome));
    }
    let received = results.len() as i64;
    let stopped = results.iter().filter(|r| r.ok).count() as i64;
    let found = results.iter().filter(|r| r.status != 404).count();
    let status = if stopped == received {
        StatusCode::OK
    } else if found == 0 {
        StatusCode::NOT_FOUND
    } else {
        StatusCode::MULTI_STATUS
    };
    let message = match status {
        StatusCode::OK => format!("Stopped {stopped} of {received} jobs"),
        StatusCode::NOT_FOUND => "No matching jobs found".to_string(),
        _ => format!("Stopped {stopped} of {received} jobs; see results for the others"),
    };
    let body = StopRunsResponse {
        ok: status == StatusCode::OK,
        message,
        received_count: received,
        stopped_count: stopped,
        results,
    };
    Ok((status, Json(body)))
}
