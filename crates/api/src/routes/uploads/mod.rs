//! The four upload endpoints of the reference, served twice: under
//! `/api/v1/builds/upload...` and under
//! `/api/nexus/projects/{project_id}/builds/upload...`, the path the official
//! nunu uploader builds from its API URL. The handlers of each mount are thin
//! and share one implementation per endpoint; a nexus path naming another
//! project than the key's is 404.
//!
//! `GET .../parts` takes no API key (the upload id authorises it), so it is
//! in the public routers, outside the authentication layer.

mod cancel;
mod complete;
mod initiate;
mod parts;

use axum::Json;
use axum::extract::{Path, State};
use playtest_types::{
    CancelUploadQuery, CancelUploadResponse, CompleteUploadRequest, CompleteUploadResponse,
    ErrorBody, InitiateUploadRequest, InitiateUploadResponse, UploadPartsQuery,
    UploadPartsResponse,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::extract::{ApiJson, ApiQuery};
use crate::{ApiError, AppState};

/// The authenticated endpoints, under `/api/v1`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(initiate_upload, cancel_upload))
        .routes(routes!(complete_upload))
}

/// The part URLs, under `/api/v1`, without an API key.
pub fn public_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(upload_part_urls))
}

/// The authenticated endpoints, under `/api`.
pub fn nexus_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(nexus_initiate_upload, nexus_cancel_upload))
        .routes(routes!(nexus_complete_upload))
}

/// The part URLs, under `/api`, without an API key.
pub fn nexus_public_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(nexus_upload_part_urls))
}

/// Starts an upload: below the multipart threshold (unless `multipart` is
/// set) one URL to PUT the whole file to; otherwise an upload id whose part
/// URLs come from `GET /builds/upload/parts`. The file's size is reserved in
/// the project's storage until the upload completes, is cancelled or expires.
#[utoipa::path(post, path = "/builds/upload", tag = "Builds", request_body = InitiateUploadRequest,
    responses(
        (status = 200, description = "Where to send the file", body = InitiateUploadResponse),
        (status = 400, description = "A field is invalid", body = ErrorBody),
        (status = 402, description = "The project's storage capacity would be exceeded", body = ErrorBody),
        (status = 404, description = "project_id is not the key's project", body = ErrorBody),
        (status = 413, description = "The file is larger than this server accepts", body = ErrorBody),
    ))]
async fn initiate_upload(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(request): ApiJson<InitiateUploadRequest>,
) -> Result<Json<InitiateUploadResponse>, ApiError> {
    initiate::initiate(&state, &caller, request).await
}

/// Signed URLs to PUT parts of a multipart upload to. Each PUT answers with
/// an `ETag` that the complete must name.
#[utoipa::path(get, path = "/builds/upload/parts", tag = "Builds", params(UploadPartsQuery),
    security(()),
    responses(
        (status = 200, description = "One URL per part asked for", body = UploadPartsResponse),
        (status = 400, description = "part_numbers is not a list of this upload's parts", body = ErrorBody),
        (status = 404, description = "No pending upload has this id and object key", body = ErrorBody),
    ))]
async fn upload_part_urls(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<UploadPartsQuery>,
) -> Result<Json<UploadPartsResponse>, ApiError> {
    parts::part_urls(&state, query, None).await
}

/// Checks that the whole file arrived (every part, in order, with matching
/// ETags and sizes) and makes the build ready, with its SHA-256.
#[utoipa::path(post, path = "/builds/upload/complete", tag = "Builds", request_body = CompleteUploadRequest,
    responses(
        (status = 200, description = "The build is ready", body = CompleteUploadResponse),
        (status = 400, description = "A part or the file's size is wrong; the message says what to resend", body = ErrorBody),
        (status = 404, description = "No pending upload matches", body = ErrorBody),
    ))]
async fn complete_upload(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(request): ApiJson<CompleteUploadRequest>,
) -> Result<Json<CompleteUploadResponse>, ApiError> {
    complete::complete(&state, &caller, request).await
}

/// Gives up an upload: its reservation is released and its parts dropped.
#[utoipa::path(delete, path = "/builds/upload", tag = "Builds", params(CancelUploadQuery),
    responses(
        (status = 200, description = "The upload is cancelled", body = CancelUploadResponse),
        (status = 404, description = "No pending upload matches", body = ErrorBody),
    ))]
async fn cancel_upload(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<CancelUploadQuery>,
) -> Result<Json<CancelUploadResponse>, ApiError> {
    cancel::cancel(&state, &caller, query).await
}

/// Refuses a nexus path that names another project than the key's.
fn same_project(caller: &Caller, project_id: &str) -> Result<(), ApiError> {
    if caller.project_id == project_id {
        return Ok(());
    }
    Err(ApiError::not_found(
        "Project not found; the path must name the API key's project",
    ))
}

/// `POST /builds/upload` for the nunu uploader.
#[utoipa::path(post, path = "/nexus/projects/{project_id}/builds/upload", tag = "Builds",
    request_body = InitiateUploadRequest,
    params(("project_id" = String, Path, description = "The API key's project")),
    responses(
        (status = 200, description = "Where to send the file", body = InitiateUploadResponse),
        (status = 400, description = "A field is invalid", body = ErrorBody),
        (status = 402, description = "The project's storage capacity would be exceeded", body = ErrorBody),
        (status = 404, description = "The path names another project", body = ErrorBody),
        (status = 413, description = "The file is larger than this server accepts", body = ErrorBody),
    ))]
async fn nexus_initiate_upload(
    State(state): State<AppState>,
    caller: Caller,
    Path(project_id): Path<String>,
    ApiJson(request): ApiJson<InitiateUploadRequest>,
) -> Result<Json<InitiateUploadResponse>, ApiError> {
    same_project(&caller, &project_id)?;
    initiate::initiate(&state, &caller, request).await
}

/// `GET /builds/upload/parts` for the nunu uploader; no API key.
#[utoipa::path(get, path = "/nexus/projects/{project_id}/builds/upload/parts", tag = "Builds",
    params(("project_id" = String, Path, description = "The upload's project"), UploadPartsQuery),
    security(()),
    responses(
        (status = 200, description = "One URL per part asked for", body = UploadPartsResponse),
        (status = 400, description = "part_numbers is not a list of this upload's parts", body = ErrorBody),
        (status = 404, description = "No pending upload of this project has this id and object key", body = ErrorBody),
    ))]
async fn nexus_upload_part_urls(
    State(state): State<AppState>,
    Path(project_id): Path<String>,
    ApiQuery(query): ApiQuery<UploadPartsQuery>,
) -> Result<Json<UploadPartsResponse>, ApiError> {
    parts::part_urls(&state, query, Some(&project_id)).await
}

/// `POST /builds/upload/complete` for the nunu uploader.
#[utoipa::path(post, path = "/nexus/projects/{project_id}/builds/upload/complete", tag = "Builds",
    request_body = CompleteUploadRequest,
    params(("project_id" = String, Path, description = "The API key's project")),
    responses(
        (status = 200, description = "The build is ready", body = CompleteUploadResponse),
        (status = 400, description = "A part or the file's size is wrong; the message says what to resend", body = ErrorBody),
        (status = 404, description = "No pending upload matches, or the path names another project", body = ErrorBody),
    ))]
async fn nexus_complete_upload(
    State(state): State<AppState>,
    caller: Caller,
    Path(project_id): Path<String>,
    ApiJson(request): ApiJson<CompleteUploadRequest>,
) -> Result<Json<CompleteUploadResponse>, ApiError> {
    same_project(&caller, &project_id)?;
    complete::complete(&state, &caller, request).await
}

/// `DELETE /builds/upload` for the nunu uploader.
#[utoipa::path(delete, path = "/nexus/projects/{project_id}/builds/upload", tag = "Builds",
    params(("project_id" = String, Path, description = "The API key's project"), CancelUploadQuery),
    responses(
        (status = 200, description = "The upload is cancelled", body = CancelUploadResponse),
        (status = 404, description = "No pending upload matches, or the path names another project", body = ErrorBody),
    ))]
async fn nexus_cancel_upload(
    State(state): State<AppState>,
    caller: Caller,
    Path(project_id): Path<String>,
    ApiQuery(query): ApiQuery<CancelUploadQuery>,
) -> Result<Json<CancelUploadResponse>, ApiError> {
    same_project(&caller, &project_id)?;
    cancel::cancel(&state, &caller, query).await
}
