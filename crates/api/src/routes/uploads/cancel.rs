//! `DELETE /builds/upload`: gives up an upload, releasing its reservation
//! and dropping whatever parts arrived.

use axum::Json;
use playtest_store::StoreError;
use playtest_types::{CancelUploadQuery, CancelUploadResponse, Permission};

use crate::auth::Caller;
use crate::janitor::discard_upload_bytes;
use crate::{ApiError, AppState, validate};

pub async fn cancel(
    state: &AppState,
    caller: &Caller,
    query: CancelUploadQuery,
) -> Result<Json<CancelUploadResponse>, ApiError> {
    caller.require(Permission::ManageBuildStorage)?;
    validate::id("build_id", &query.build_id)?;
    let record = state
        .store()
        .build(&caller.project_id, &query.build_id)
        .await
        .map_err(|err| ApiError::or_not_found(err, not_pending()))?;
    let pending_id = record.upload.as_ref().map(|upload| upload.upload_id());
    let matches = match pending_id {
        None => false,
        Some(None) => true,
        Some(Some(upload_id)) => query.upload_id.as_deref() == Some(upload_id),
    };
    if record.blob_key != query.object_key || !matches {
        return Err(not_pending());
    }
    let cancelled = match state
        .store()
        .cancel_upload(&caller.project_id, &query.build_id)
        .await
    {
        Ok(cancelled) => cancelled,
        Err(StoreError::NotFound(_)) => return Err(not_pending()),
        Err(err) => return Err(err.into()),
    };
    discard_upload_bytes(state.blobs(), &cancelled).await;
    tracing::info!(build_id = %cancelled.build.id, "upload cancelled");
    Ok(Json(CancelUploadResponse { success: true }))
}

fn not_pending() -> ApiError {
    ApiError::UploadNotFound(
        "Upload not found: no pending upload of this project has this build_id, object_key and upload_id (a completed build is deleted with DELETE /api/v1/builds/{id})".into(),
    )
}
