//! `GET /builds/upload/parts`: signed URLs for parts of a multipart upload.
//! No API key: the upload id, which only the initiator was given, is the
//! authorisation, so a CI job can hand part uploads to helpers without
//! sharing its key.

use axum::Json;
use playtest_blob::MAX_PARTS;
use playtest_store::{BuildRecord, UploadKind};
use playtest_types::{PartUrl, UploadPartsQuery, UploadPartsResponse};

use crate::{ApiError, AppState};

/// With `project_id` (the nexus path's), only an upload of that project.
pub async fn part_urls(
    state: &AppState,
    query: UploadPartsQuery,
    project_id: Option<&str>,
) -> Result<Json<UploadPartsResponse>, ApiError> {
    let record = pending_upload(state, &query.upload_id, &query.object_key).await?;
    if project_id.is_some_and(|project_id| project_id != record.build.project_id) {
        return Err(unknown_upload());
    }
    let Some(UploadKind::Multipart { total_parts, .. }) =
        record.upload.as_ref().map(|upload| &upload.kind)
    else {
        return Err(unknown_upload());
    };
    let numbers = part_numbers(&query.part_numbers, *total_parts)?;
    let lifetime = state.settings().uploads.url_lifetime;
    let mut upload_urls = Vec::with_capacity(numbers.len());
    for part_number in numbers {
        let url = state
            .blobs()
            .presign_part(&record.blob_key, &query.upload_id, part_number, lifetime)
            .await?;
        upload_urls.push(PartUrl {
            part_number: i64::from(part_number),
            url: url.to_string(),
        });
    }
    Ok(Json(UploadPartsResponse { upload_urls }))
}

/// The pending multipart upload with this id and object key; an unknown,
/// finished or expired one, or a key that does not match, is 404.
async fn pending_upload(
    state: &AppState,
    upload_id: &str,
    object_key: &str,
) -> Result<BuildRecord, ApiError> {
    let record = state
        .store()
        .build_by_upload_id(upload_id)
        .await?
        .filter(|record| record.blob_key == object_key)
        .ok_or_else(unknown_upload)?;
    match &record.upload {
        Some(upload) if upload.expires_at > state.clock().now() => Ok(record),
        _ => Err(ApiError::UploadNotFound(
            "The upload has expired; start a new upload".into(),
        )),
    }
}

fn unknown_upload() -> ApiError {
    ApiError::UploadNotFound(
        "Upload not found: check upload_id and object_key as POST /builds/upload returned them; a completed, cancelled or expired upload is gone".into(),
    )
}

/// Parses `1,2,3`: each a part of this upload (1..=total_parts), at most
/// 10,000 of them.
fn part_numbers(list: &str, total_parts: i64) -> Result<Vec<u32>, ApiError> {
    let field = "part_numbers";
    let invalid = |what: String| ApiError::validation(field, what);
    let mut numbers = Vec::new();
    for item in list.split(',') {
        let item = item.trim();
        let number: i64 = item.parse().map_err(|_| {
            invalid(format!(
                "part_numbers must be comma-separated part numbers like 1,2,3 (got {item:?})"
            ))
        })?;
        if number < 1 || number > total_parts {
            return Err(invalid(format!(
                "part {number} is not a part of this upload: it has parts 1 to {total_parts}"
            )));
        }
        numbers.push(number as u32);
    }
    if numbers.len() > MAX_PARTS as usize {
        return Err(invalid(format!(
            "ask for at most {MAX_PARTS} part URLs at once"
        )));
    }
    Ok(numbers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_numbers_are_a_comma_list_within_the_upload() {
        assert_eq!(part_numbers("1, 2,3", 3).unwrap(), vec![1, 2, 3]);
        assert!(part_numbers("0", 3).is_err());
        assert!(part_numbers("4", 3).is_err());
        assert!(part_numbers("", 3).is_err());
        assert!(part_numbers("1,,2", 3).is_err());
        assert!(part_numbers("x", 3).is_err());
    }
}
