//! `/tests`: tests of the project, versioned for optimistic concurrency.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use playtest_store::ids;
use playtest_types::{
    ErrorBody, PageQuery, Pagination, Permission, Test, TestList, TestSpec, UpdateTestRequest,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::extract::{ApiJson, ApiQuery};
use crate::{ApiError, AppState, validate};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tests, create_test))
        .routes(routes!(get_test, update_test, delete_test))
}

/// The project's tests, newest first.
#[utoipa::path(get, path = "/tests", tag = "Tests", params(PageQuery),
    responses(
        (status = 200, description = "A page of tests", body = TestList),
        (status = 400, description = "A parameter is invalid", body = ErrorBody),
        (status = 403, description = "The key lacks project:manage-tests", body = ErrorBody),
    ))]
async fn list_tests(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<TestList>, ApiError> {
    caller.require(Permission::ManageTests)?;
    let page = validate::page(query.page, query.page_size)?;
    let found = state.store().list_tests(&caller.project_id, page).await?;
    Ok(Json(TestList {
        data: found.items,
        pagination: Pagination::new(page.page, page.page_size, found.total),
    }))
}

/// Creates a test at version 1.
#[utoipa::path(post, path = "/tests", tag = "Tests", request_body = TestSpec,
    responses(
        (status = 201, description = "The new test", body = Test),
        (status = 400, description = "A field is invalid", body = ErrorBody),
    ))]
async fn create_test(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(spec): ApiJson<TestSpec>,
) -> Result<(StatusCode, Json<Test>), ApiError> {
    caller.require(Permission::ManageTests)?;
    validate::test_spec(&spec)?;
    let test = state
        .store()
        .create_test(
            &caller.project_id,
            &ids::prefixed("tst"),
            &spec,
            state.clock().now(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(test)))
}

/// One test.
#[utoipa::path(get, path = "/tests/{test_id}", tag = "Tests",
    params(("test_id" = String, Path, description = "The test's id")),
    responses(
        (status = 200, description = "The test", body = Test),
        (status = 404, description = "No such test in the project", body = ErrorBody),
    ))]
async fn get_test(
    State(state): State<AppState>,
    caller: Caller,
    Path(test_id): Path<String>,
) -> Result<Json<Test>, ApiError> {
    caller.require(Permission::ManageTests)?;
    Ok(Json(
        state.store().test(&caller.project_id, &test_id).await?,
    ))
}

/// Replaces a test's spec. With `expected_version`, only if nobody changed
/// it since (409 otherwise).
#[utoipa::path(put, path = "/tests/{test_id}", tag = "Tests", request_body = UpdateTestRequest,
    params(("test_id" = String, Path, description = "The test's id")),
    responses(
        (status = 200, description = "The test at its new version", body = Test),
        (status = 400, description = "A field is invalid", body = ErrorBody),
        (status = 404, description = "No such test in the project", body = ErrorBody),
        (status = 409, description = "expected_version is no longer current", body = ErrorBody),
    ))]
async fn update_test(
    State(state): State<AppState>,
    caller: Caller,
    Path(test_id): Path<String>,
    ApiJson(request): ApiJson<UpdateTestRequest>,
) -> Result<Json<Test>, ApiError> {
    caller.require(Permission::ManageTests)?;
    validate::test_spec(&request.spec)?;
    if let Some(version) = request.expected_version {
        validate::range("expected_version", version, 1, i64::MAX)?;
    }
    let test = state
        .store()
        .update_test(
            &caller.project_id,
            &test_id,
            &request.spec,
            request.expected_version,
            state.clock().now(),
        )
        .await?;
    Ok(Json(test))
}

/// Deletes a test and its assets. Runs already started keep their copy of
/// the test (not of its assets).
#[utoipa::path(delete, path = "/tests/{test_id}", tag = "Tests",
    params(("test_id" = String, Path, description = "The test's id")),
    responses(
        (status = 204, description = "The test is gone"),
        (status = 404, description = "No such test in the project", body = ErrorBody),
    ))]
async fn delete_test(
    State(state): State<AppState>,
    caller: Caller,
    Path(test_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.require(Permission::ManageTests)?;
    let assets = state
        .store()
        .delete_test(&caller.project_id, &test_id)
        .await?;
    for asset in assets {
        // The test is gone either way; bytes left behind are only space.
        if let Err(err) = state.blobs().delete(&asset.blob_key).await {
            tracing::warn!(blob_key = %asset.blob_key, error = %err, "a deleted test's asset bytes stay");
        }
    }
    Ok(StatusCode::NO_CONTENT)
}
