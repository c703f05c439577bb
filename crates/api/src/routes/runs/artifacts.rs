//! `/runs/{run_id}/artifacts`: the files a run produced (video, logs,
//! trace, screenshots), listed with short-lived signed URLs, and one of
//! them by name as a redirect to its signed URL.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use playtest_store::{ArtifactRecord, ids};
use playtest_types::{Artifact, ErrorBody, Permission};
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::{ApiError, AppState};

#[derive(Debug, serde::Serialize, ToSchema)]
pub struct ArtifactList {
    pub data: Vec<Artifact>,
}

async fn artifacts_of(
    state: &AppState,
    caller: &Caller,
    run_id: &str,
) -> Result<Vec<ArtifactRecord>, ApiError> {
    caller.require(Permission::ReadRuns)?;
    let not_found = || ApiError::not_found("Run not found");
    if !ids::is_short_id(run_id) {
        return Err(not_found());
    }
    state
        .store()
        .run_artifacts(&caller.project_id, run_id)
        .await
        .map_err(|err| ApiError::or_not_found(err, not_found()))
}

/// The run's artifacts, each with a signed URL valid for the configured
/// URL lifetime.
#[utoipa::path(get, path = "/runs/{run_id}/artifacts", tag = "Runs",
    params(("run_id" = String, Path, description = "The run's id")),
    responses(
        (status = 200, description = "The artifacts", body = ArtifactList),
        (status = 404, description = "No such run in the project", body = ErrorBody),
    ))]
pub async fn list_artifacts(
    State(state): State<AppState>,
    caller: Caller,
    Path(run_id): Path<String>,
) -> Result<Json<ArtifactList>, ApiError> {
    let lifetime = state.settings().uploads.url_lifetime;
    let mut data = Vec::new();
    for artifact in artifacts_of(&state, &caller, &run_id).await? {
        let url = state
            .blobs()
            .presign_get(&artifact.blob_key, lifetime, Some(&artifact.filename))
            .await?;
        data.push(Artifact {
            filename: artifact.filename,
            url: url.to_string(),
            size: artifact.size,
            uploaded_at: artifact.uploaded_at,
        });
    }
    Ok(Json(ArtifactList { data }))
}

/// Redirects to a signed URL of one artifact.
#[utoipa::path(get, path = "/runs/{run_id}/artifacts/{filename}", tag = "Runs",
    params(
        ("run_id" = String, Path, description = "The run's id"),
        ("filename" = String, Path, description = "The artifact's file name"),
    ),
    responses(
        (status = 302, description = "The signed URL, in Location"),
        (status = 404, description = "No such run or artifact", body = ErrorBody),
    ))]
pub async fn get_artifact(
    State(state): State<AppState>,
    caller: Caller,
    Path((run_id, filename)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let artifact = artifacts_of(&state, &caller, &run_id)
        .await?
        .into_iter()
        .find(|artifact| artifact.filename == filename)
        .ok_or_else(|| ApiError::not_found("The run has no artifact of that name"))?;
    let url = state
        .blobs()
        .presign_get(
            &artifact.blob_key,
            state.settings().uploads.url_lifetime,
            Some(&artifact.filename),
        )
        .await?;
    Ok((StatusCode::FOUND, [(header::LOCATION, url.to_string())]).into_response())
}
