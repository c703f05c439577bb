//! `/test-plans`: named lists of tests started together. Every test a plan
//! names must exist in the project when the plan is written.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use playtest_store::ids;
use playtest_types::{
    ErrorBody, PageQuery, Pagination, Permission, TestPlan, TestPlanList, TestPlanSpec,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::extract::{ApiJson, ApiQuery};
use crate::{ApiError, AppState, validate};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_test_plans, create_test_plan))
        .routes(routes!(get_test_plan, update_test_plan, delete_test_plan))
}

/// Checks the spec and that each of its tests is in the project.
async fn check(state: &AppState, project_id: &str, spec: &TestPlanSpec) -> Result<(), ApiError> {
    validate::plan_spec(spec)?;
    for (i, item) in spec.test_items.iter().enumerate() {
        state
            .store()
            .test(project_id, &item.multiplayer_test_id)
            .await
            .map_err(|err| {
                ApiError::or_not_found(
                    err,
                    ApiError::not_found_field(
                        format!("Test {} not found", item.multiplayer_test_id),
                        format!("test_items[{i}].multiplayer_test_id"),
                    ),
                )
            })?;
    }
    Ok(())
}

/// The project's test plans, newest first.
#[utoipa::path(get, path = "/test-plans", tag = "Tests", params(PageQuery),
    responses(
        (status = 200, description = "A page of test plans", body = TestPlanList),
        (status = 400, description = "A parameter is invalid", body = ErrorBody),
    ))]
async fn list_test_plans(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<TestPlanList>, ApiError> {
    caller.require(Permission::ManageTests)?;
    let page = validate::page(query.page, query.page_size)?;
    let found = state
        .store()
        .list_test_plans(&caller.project_id, page)
        .await?;
    Ok(Json(TestPlanList {
        data: found.items,
        pagination: Pagination::new(page.page, page.page_size, found.total),
    }))
}

/// Creates a test plan.
#[utoipa::path(post, path = "/test-plans", tag = "Tests", request_body = TestPlanSpec,
    responses(
        (status = 201, description = "The new test plan", body = TestPlan),
        (status = 400, description = "A field is invalid", body = ErrorBody),
        (status = 404, description = "A test of the plan is not in the project", body = ErrorBody),
    ))]
async fn create_test_plan(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(spec): ApiJson<TestPlanSpec>,
) -> Result<(StatusCode, Json<TestPlan>), ApiError> {
    caller.require(Permission::ManageTests)?;
    check(&state, &caller.project_id, &spec).await?;
    let plan = state
        .store()
        .create_test_plan(
            &caller.project_id,
            &ids::prefixed("tpl"),
            &spec,
            state.clock().now(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(plan)))
}

/// One test plan.
#[utoipa::path(get, path = "/test-plans/{plan_id}", tag = "Tests",
    params(("plan_id" = String, Path, description = "The test plan's id")),
    responses(
        (status = 200, description = "The test plan", body = TestPlan),
        (status = 404, description = "No such test plan in the project", body = ErrorBody),
    ))]
async fn get_test_plan(
    State(state): State<AppState>,
    caller: Caller,
    Path(plan_id): Path<String>,
) -> Result<Json<TestPlan>, ApiError> {
    caller.require(Permission::ManageTests)?;
    Ok(Json(
        state
            .store()
            .test_plan(&caller.project_id, &plan_id)
            .await?,
    ))
}

/// Replaces a test plan.
#[utoipa::path(put, path = "/test-plans/{plan_id}", tag = "Tests", request_body = TestPlanSpec,
    params(("plan_id" = String, Path, description = "The test plan's id")),
    responses(
        (status = 200, description = "The changed test plan", body = TestPlan),
        (status = 400, description = "A field is invalid", body = ErrorBody),
        (status = 404, description = "No such test plan, or one of its tests, in the project", body = ErrorBody),
    ))]
async fn update_test_plan(
    State(state): State<AppState>,
    caller: Caller,
    Path(plan_id): Path<String>,
    ApiJson(spec): ApiJson<TestPlanSpec>,
) -> Result<Json<TestPlan>, ApiError> {
    caller.require(Permission::ManageTests)?;
    check(&state, &caller.project_id, &spec).await?;
    Ok(Json(
        state
            .store()
            .update_test_plan(&caller.project_id, &plan_id, &spec, state.clock().now())
            .await?,
    ))
}

/// Deletes a test plan. Its past executions keep their runs.
#[utoipa::path(delete, path = "/test-plans/{plan_id}", tag = "Tests",
    params(("plan_id" = String, Path, description = "The test plan's id")),
    responses(
        (status = 204, description = "The test plan is gone"),
        (status = 404, description = "No such test plan in the project", body = ErrorBody),
    ))]
async fn delete_test_plan(
    State(state): State<AppState>,
    caller: Caller,
    Path(plan_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.require(Permission::ManageTests)?;
    state
        .store()
        .delete_test_plan(&caller.project_id, &plan_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
