//! `/builds`: the project's stored builds, to list, read, pin or rename,
//! delete, and download through a short-lived signed URL.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use playtest_store::{BuildFilter, BuildPatch};
use playtest_types::{
    Build, BuildList, BuildStatus, ErrorBody, ListBuildsQuery, Pagination, Permission,
    UpdateBuildRequest,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::extract::{ApiJson, ApiQuery};
use crate::janitor::discard_upload_bytes;
use crate::{ApiError, AppState, validate};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_builds))
        .routes(routes!(get_build, update_build, delete_build))
        .routes(routes!(download_build))
}

/// Builds are read by keys that run tests or manage storage.
fn require_read(caller: &Caller) -> Result<(), ApiError> {
    if caller.may(Permission::ReadRuns) {
        return Ok(());
    }
    caller.require(Permission::ManageBuildStorage)
}

fn build_not_found() -> ApiError {
    ApiError::not_found("Build not found")
}

/// The project's builds, newest first, with those still uploading.
#[utoipa::path(get, path = "/builds", tag = "Builds", params(ListBuildsQuery),
    responses(
        (status = 200, description = "A page of builds", body = BuildList),
        (status = 400, description = "A parameter is invalid", body = ErrorBody),
    ))]
async fn list_builds(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<ListBuildsQuery>,
) -> Result<Json<BuildList>, ApiError> {
    require_read(&caller)?;
    let page = validate::page(query.page, query.page_size)?;
    let tags = validate::tag_filter("tags", query.tags.as_deref())?;
    if let Some(name) = &query.name {
        validate::text("name", name, 0, 255)?;
    }
    let filter = BuildFilter {
        platform: query.platform,
        tags,
        name_contains: query.name.filter(|name| !name.is_empty()),
    };
    let found = state
        .store()
        .list_builds(&caller.project_id, &filter, page)
        .await?;
    Ok(Json(BuildList {
        data: found.items,
        pagination: Pagination::new(page.page, page.page_size, found.total),
    }))
}

/// One build.
#[utoipa::path(get, path = "/builds/{build_id}", tag = "Builds",
    params(("build_id" = String, Path, description = "The build's id")),
    responses(
        (status = 200, description = "The build", body = Build),
        (status = 404, description = "No such build in the project", body = ErrorBody),
    ))]
async fn get_build(
    State(state): State<AppState>,
    caller: Caller,
    Path(build_id): Path<String>,
) -> Result<Json<Build>, ApiError> {
    require_read(&caller)?;
    let record = state
        .store()
        .build(&caller.project_id, &build_id)
        .await
        .map_err(|err| ApiError::or_not_found(err, build_not_found()))?;
    Ok(Json(record.build))
}

/// Renames, re-tags, re-describes or pins a build. Pinned builds are never
/// removed by `auto_delete`.
#[utoipa::path(patch, path = "/builds/{build_id}", tag = "Builds", request_body = UpdateBuildRequest,
    params(("build_id" = String, Path, description = "The build's id")),
    responses(
        (status = 200, description = "The build as it now is", body = Build),
        (status = 400, description = "A field is invalid", body = ErrorBody),
        (status = 404, description = "No such build in the project", body = ErrorBody),
    ))]
async fn update_build(
    State(state): State<AppState>,
    caller: Caller,
    Path(build_id): Path<String>,
    ApiJson(request): ApiJson<UpdateBuildRequest>,
) -> Result<Json<Build>, ApiError> {
    caller.require(Permission::ManageBuildStorage)?;
    if let Some(name) = &request.name {
        validate::text("name", name, 1, 255)?;
        validate::name("name", name)?;
    }
    if let Some(description) = &request.description {
        validate::text("description", description, 0, 1000)?;
    }
    if let Some(tags) = &request.tags {
        validate::tags("tags", tags)?;
    }
    let patch = BuildPatch {
        name: request.name,
        description: request
            .description
            .map(|text| Some(text).filter(|text| !text.is_empty())),
        tags: request.tags,
        pinned: request.pinned,
    };
    let build = state
        .store()
        .update_build(&caller.project_id, &build_id, &patch)
        .await
        .map_err(|err| ApiError::or_not_found(err, build_not_found()))?;
    Ok(Json(build))
}

/// Deletes a build and its bytes, releasing its storage. A build still
/// uploading is cancelled.
#[utoipa::path(delete, path = "/builds/{build_id}", tag = "Builds",
    params(("build_id" = String, Path, description = "The build's id")),
    responses(
        (status = 204, description = "The build is gone"),
        (status = 404, description = "No such build in the project", body = ErrorBody),
    ))]
async fn delete_build(
    State(state): State<AppState>,
    caller: Caller,
    Path(build_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.require(Permission::ManageBuildStorage)?;
    let deleted = state
        .store()
        .delete_build(&caller.project_id, &build_id)
        .await
        .map_err(|err| ApiError::or_not_found(err, build_not_found()))?;
    discard_upload_bytes(state.blobs(), &deleted).await;
    Ok(StatusCode::NO_CONTENT)
}

/// Redirects to a short-lived signed URL of the build's file, saved under
/// its file name. The API key is not needed (nor sent) to follow it.
#[utoipa::path(get, path = "/builds/{build_id}/download", tag = "Builds",
    params(("build_id" = String, Path, description = "The build's id")),
    responses(
        (status = 302, description = "The signed URL, in Location"),
        (status = 404, description = "No such build in the project", body = ErrorBody),
        (status = 409, description = "The build is still uploading", body = ErrorBody),
    ))]
async fn download_build(
    State(state): State<AppState>,
    caller: Caller,
    Path(build_id): Path<String>,
) -> Result<Response, ApiError> {
    require_read(&caller)?;
    let record = state
        .store()
        .build(&caller.project_id, &build_id)
        .await
        .map_err(|err| ApiError::or_not_found(err, build_not_found()))?;
    if record.build.status != BuildStatus::Ready {
        return Err(ApiError::Conflict {
            code: "BUILD_NOT_READY",
            message: "The build is still uploading; download it once its upload is complete".into(),
            details: Default::default(),
        });
    }
    let url = state
        .blobs()
        .presign_get(
            &record.blob_key,
            state.settings().uploads.url_lifetime,
            Some(&record.build.file_name),
        )
        .await?;
    state
        .store()
        .touch_build(&caller.project_id, &build_id, state.clock().now())
        .await?;
    Ok((StatusCode::FOUND, [(header::LOCATION, url.to_string())]).into_response())
}
