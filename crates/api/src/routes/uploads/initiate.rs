//! `POST /builds/upload`: reserves the build's storage and hands out where
//! to send its bytes.

use axum::Json;
use chrono::Duration as ChronoDuration;
use playtest_store::{NewBuild, PendingUpload, Reservation, StorageRules, UploadKind, ids};
use playtest_types::{InitiateUploadRequest, InitiateUploadResponse, Permission};

use crate::auth::Caller;
use crate::janitor::discard_upload_bytes;
use crate::validate::{self, UploadShape};
use crate::{ApiError, AppState};

pub async fn initiate(
    state: &AppState,
    caller: &Caller,
    request: InitiateUploadRequest,
) -> Result<Json<InitiateUploadResponse>, ApiError> {
    caller.require(Permission::ManageBuildStorage)?;
    if let Some(project_id) = &request.project_id
        && project_id != &caller.project_id
    {
        return Err(ApiError::not_found_field(
            "Project not found; project_id must be the API key's project (or be left out)",
            "project_id",
        ));
    }
    let settings = state.settings().uploads;
    let plan = validate::initiate_upload(&request, &settings)?;

    let build_id = ids::prefixed("bld");
    let blob_key = format!(
        "builds/{}/{build_id}/{}",
        caller.project_id, request.file_name
    );
    let kind = match plan.shape {
        UploadShape::Single => UploadKind::Single,
        UploadShape::Multipart {
            part_size,
            total_parts,
        } => UploadKind::Multipart {
            upload_id: state
                .blobs()
                .create_multipart(&blob_key, part_size as u64)
                .await?,
            part_size,
            total_parts,
        },
    };
    let now = state.clock().now();
    let new_build = NewBuild {
        id: build_id.clone(),
        project_id: caller.project_id.clone(),
        name: request.name,
        platform: request.platform,
        file_name: request.file_name,
        file_size: request.file_size,
        tags: request.tags,
        description: request.description,
        details: request.details.unwrap_or_default(),
        blob_key: blob_key.clone(),
        upload: PendingUpload {
            kind: kind.clone(),
            expires_at: now + ChronoDuration::minutes(plan.timeout_minutes),
        },
        created_at: now,
    };
    let rules = StorageRules {
        default_capacity: settings.default_capacity.map(|bytes| bytes as i64),
        auto_delete: request.auto_delete.then_some(request.deletion_policy),
    };
    let reservation = match state.store().reserve_build(&new_build, rules).await {
        Ok(reservation) => reservation,
        Err(err) => {
            if let UploadKind::Multipart { upload_id, .. } = &kind {
                // Nothing refers to the multipart upload: drop it now.
                let _ = state.blobs().abort_multipart(&blob_key, upload_id).await;
            }
            return Err(err.into());
        }
    };
    delete_evicted(state, &reservation).await;

    let response = match kind {
        UploadKind::Single => InitiateUploadResponse::SinglePart {
            build_id,
            upload_url: state
                .blobs()
                .presign_put(&blob_key, settings.url_lifetime)
                .await?
                .to_string(),
            object_key: blob_key,
        },
        UploadKind::Multipart {
            upload_id,
            part_size,
            total_parts,
        } => InitiateUploadResponse::Multipart {
            build_id,
            upload_id,
            object_key: blob_key,
            total_parts,
            part_size,
        },
    };
    Ok(Json(response))
}

/// Removes the bytes of the builds `auto_delete` made room with.
async fn delete_evicted(state: &AppState, reservation: &Reservation) {
    for evicted in &reservation.evicted {
        tracing::info!(
            build_id = %evicted.build.id,
            for_build = %reservation.build.build.id,
            "auto_delete removed a build to make room"
        );
        discard_upload_bytes(state.blobs(), evicted).await;
    }
}
