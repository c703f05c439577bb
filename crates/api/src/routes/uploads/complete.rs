//! `POST /builds/upload/complete`: checks that the whole file arrived and
//! makes the build ready.
//!
//! Order matters for consistency: the blob store commits the object first
//! (atomically: whole or absent), then the store flips the build to ready
//! only if it is still uploading. If a cancel or the janitor got there in
//! between, the object just committed is deleted again and the client is
//! told the upload is gone. Completing a build that is already ready
//! answers as the first complete did, so a client whose first answer was
//! lost can retry.

use axum::Json;
use playtest_blob::{CompletedPart, MAX_PARTS};
use playtest_store::{BuildRecord, CompletedFile, StoreError, UploadKind};
use playtest_types::{CompleteUploadRequest, CompleteUploadResponse, Permission};

use crate::auth::Caller;
use crate::{ApiError, AppState, validate};

pub async fn complete(
    state: &AppState,
    caller: &Caller,
    request: CompleteUploadRequest,
) -> Result<Json<CompleteUploadResponse>, ApiError> {
    caller.require(Permission::ManageBuildStorage)?;
    validate::id("build_id", &request.build_id)?;
    let record = state
        .store()
        .build(&caller.project_id, &request.build_id)
        .await
        .map_err(|err| ApiError::or_not_found(err, unknown_upload()))?;
    if request
        .object_key
        .as_ref()
        .is_some_and(|key| key != &record.blob_key)
    {
        return Err(unknown_upload());
    }
    let Some(upload) = &record.upload else {
        return Ok(completed(record.build.id));
    };
    if upload.expires_at <= state.clock().now() {
        return Err(expired());
    }
    let file = match &upload.kind {
        UploadKind::Single => single(state, &record).await?,
        UploadKind::Multipart {
            upload_id,
            part_size,
            total_parts,
        } => {
            let expected = ExpectedParts {
                upload_id,
                part_size: *part_size,
                total_parts: *total_parts,
            };
            multipart(state, caller, &record, &request, expected).await?
        }
    };
    match state
        .store()
        .finish_upload(
            &caller.project_id,
            &record.build.id,
            &file,
            state.clock().now(),
        )
        .await
    {
        Ok(build) => {
            tracing::info!(build_id = %build.id, size = build.file_size, sha256 = ?build.sha256, "build uploaded");
            Ok(completed(build.id))
        }
        Err(StoreError::NotFound(_)) => {
            let _ = state.blobs().delete(&record.blob_key).await;
            Err(ApiError::UploadNotFound(
                "The upload was cancelled or expired while it was being completed; start a new upload".into(),
            ))
        }
        Err(err) => Err(err.into()),
    }
}

fn completed(build_id: String) -> Json<CompleteUploadResponse> {
    Json(CompleteUploadResponse {
        status: "completed".into(),
        build_id,
    })
}

fn unknown_upload() -> ApiError {
    ApiError::UploadNotFound(
        "Upload not found: no upload of this project has this build_id and object_key".into(),
    )
}

fn expired() -> ApiError {
    ApiError::UploadNotFound("The upload has expired; start a new upload".into())
}

fn size_mismatch(message: String) -> ApiError {
    ApiError::BadRequest {
        code: "SIZE_MISMATCH",
        message,
    }
}

/// A single PUT: the object must be there, of the announced size.
async fn single(state: &AppState, record: &BuildRecord) -> Result<CompletedFile, ApiError> {
    let Some(object) = state.blobs().head(&record.blob_key).await? else {
        return Err(ApiError::BadRequest {
            code: "UPLOAD_INCOMPLETE",
            message: "Nothing has arrived at upload_url yet; PUT the file there, then complete"
                .into(),
        });
    };
    let announced = record.build.file_size;
    if object.size as i64 != announced {
        state.blobs().delete(&record.blob_key).await?;
        return Err(size_mismatch(format!(
            "The file that arrived is {} bytes, but the upload was started for {announced} bytes (did the file change?); PUT the whole file to upload_url again, then complete",
            object.size
        )));
    }
    Ok(CompletedFile {
        size: object.size as i64,
        sha256: object.sha256,
    })
}

struct ExpectedParts<'a> {
    upload_id: &'a str,
    part_size: i64,
    total_parts: i64,
}

/// Parts: every one of them named, with its ETag; the last one must make
/// the file its announced size.
async fn multipart(
    state: &AppState,
    caller: &Caller,
    record: &BuildRecord,
    request: &CompleteUploadRequest,
    expected: ExpectedParts<'_>,
) -> Result<CompletedFile, ApiError> {
    let upload_id = request.upload_id.as_deref().ok_or_else(|| {
        ApiError::validation(
            "upload_id",
            "upload_id is required to complete a multipart upload",
        )
    })?;
    if upload_id != expected.upload_id {
        return Err(unknown_upload());
    }
    if request.object_key.is_none() {
        return Err(ApiError::validation(
            "object_key",
            "object_key is required to complete a multipart upload",
        ));
    }
    let parts = named_parts(request, expected.total_parts)?;
    let announced = record.build.file_size;
    let last_size = announced - (expected.total_parts - 1) * expected.part_size;
    let blobs = state.blobs();
    let arrived = blobs.list_parts(&record.blob_key, upload_id).await?;
    if let Some(last) = arrived
        .iter()
        .find(|part| i64::from(part.part_number) == expected.total_parts)
        && last.size as i64 != last_size
    {
        return Err(ApiError::InvalidPart {
            part_number: last.part_number,
            message: format!(
                "Part {}: is {} bytes, but a file of {announced} bytes in parts of {} ends with a part of {last_size} bytes (did the file change?); send the part again, then complete",
                last.part_number, last.size, expected.part_size
            ),
        });
    }
    let object = blobs
        .complete_multipart(
            &record.blob_key,
            upload_id,
            &parts,
            Some(expected.part_size as u64),
        )
        .await?;
    if object.size as i64 != announced {
        // The parts were consumed: this upload cannot go on.
        blobs.delete(&record.blob_key).await?;
        let _ = state
            .store()
            .cancel_upload(&caller.project_id, &record.build.id)
            .await;
        return Err(size_mismatch(format!(
            "The parts add up to {} bytes, but the upload was started for {announced} bytes; start a new upload",
            object.size
        )));
    }
    Ok(CompletedFile {
        size: object.size as i64,
        sha256: object.sha256,
    })
}

/// The parts of the request, all `total_parts` of them.
fn named_parts(
    request: &CompleteUploadRequest,
    total_parts: i64,
) -> Result<Vec<CompletedPart>, ApiError> {
    let listed = request.parts.as_deref().unwrap_or_default();
    if listed.is_empty() {
        return Err(ApiError::validation(
            "parts",
            "parts is required to complete a multipart upload: every part's part_number and the ETag its PUT answered",
        ));
    }
    if listed.len() as i64 != total_parts {
        return Err(ApiError::validation(
            "parts",
            format!(
                "this upload has {total_parts} parts; list every one of them (got {})",
                listed.len()
            ),
        ));
    }
    listed
        .iter()
        .enumerate()
        .map(|(index, part)| {
            if part.part_number < 1 || part.part_number > i64::from(MAX_PARTS) {
                return Err(ApiError::validation(
                    format!("parts[{index}].part_number"),
                    format!(
                        "part numbers run from 1 to {total_parts} (got {})",
                        part.part_number
                    ),
                ));
            }
            Ok(CompletedPart {
                part_number: part.part_number as u32,
                etag: part.etag.clone(),
            })
        })
        .collect()
}
