//! `GET /test-plan-executions/{id}`: how the runs one test plan start
//! stand (queued, running, passed, failed, errored, stopped, skipped).

use axum::Json;
use axum::extract::{Path, State};
use playtest_types::{ErrorBody, Permission, TestPlanExecution};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::{ApiError, AppState};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_plan_execution))
}

/// One execution of a test plan and the counts of its runs.
#[utoipa::path(get, path = "/test-plan-executions/{execution_id}", tag = "Runs",
    params(("execution_id" = String, Path, description = "test_plan_execution_id from POST /runs")),
    responses(
        (status = 200, description = "The execution", body = TestPlanExecution),
        (status = 404, description = "No such execution in the project", body = ErrorBody),
    ))]
async fn get_plan_execution(
    State(state): State<AppState>,
    caller: Caller,
    Path(execution_id): Path<String>,
) -> Result<Json<TestPlanExecution>, ApiError> {
    caller.require(Permission::ReadRuns)?;
    let not_found = || ApiError::not_found("Test plan execution not found");
    if execution_id.is_empty() || execution_id.len() > 64 {
        return Err(not_found());
    }
    let execution = state
        .store()
        .plan_execution(&caller.project_id, &execution_id)
        .await
        .map_err(|err| ApiError::or_not_found(err, not_found()))?;
    Ok(Json(execution))
}
