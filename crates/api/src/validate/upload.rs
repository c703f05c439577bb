//! Checks of `POST /builds/upload`, and the decision it leads to: one PUT
//! or parts, of which size, and for how long the upload may stay open.

use playtest_blob::MAX_PARTS;
use playtest_types::InitiateUploadRequest;

use super::{Checked, name, range, tags, text};
use crate::{ApiError, UploadSettings};

/// Longest file name, in characters.
pub const MAX_FILE_NAME_CHARS: usize = 255;
pub const MAX_BUILD_DESCRIPTION_CHARS: usize = 1000;
/// Bounds of `upload_timeout`, in minutes.
pub const UPLOAD_TIMEOUT_MINUTES: (i64, i64) = (1, 1440);

/// How the bytes of a new upload are to arrive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadShape {
    Single,
    Multipart { part_size: i64, total_parts: i64 },
}

/// What a valid request leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadPlan {
    pub shape: UploadShape,
    pub timeout_minutes: i64,
}

/// Checks every field of the request and decides its plan. The project id,
/// when given, is the handler's to compare with the caller's.
pub fn initiate_upload(
    request: &InitiateUploadRequest,
    settings: &UploadSettings,
) -> Result<UploadPlan, ApiError> {
    text("name", &request.name, 1, 255)?;
    name("name", &request.name)?;
    file_name(&request.file_name)?;
    if request.file_size < 1 {
        return Err(ApiError::validation(
            "file_size",
            format!(
                "file_size must be at least 1 byte (got {}); an empty file is not a build",
                request.file_size
            ),
        ));
    }
    if request.file_size as u64 > settings.max_build_bytes {
        return Err(ApiError::PayloadTooLarge(format!(
            "The file is {} bytes; this server accepts builds of at most {} bytes",
            request.file_size, settings.max_build_bytes
        )));
    }
    if let Some(description) = &request.description {
        text("description", description, 0, MAX_BUILD_DESCRIPTION_CHARS)?;
    }
    tags("tags", &request.tags)?;
    let shape = shape_for(request.file_size as u64, request.multipart, settings);
    let (min, max) = UPLOAD_TIMEOUT_MINUTES;
    let timeout_minutes = match request.upload_timeout {
        Some(minutes) => {
            range("upload_timeout", minutes, min, max)?;
            minutes
        }
        None if shape == UploadShape::Single => settings.single_part_timeout_minutes,
        None => settings.multipart_timeout_minutes,
    };
    Ok(UploadPlan {
        shape,
        timeout_minutes,
    })
}

/// A build's file name.
pub fn file_name(value: &str) -> Checked {
    plain_file_name("file_name", value)
}

/// A plain file name: it becomes the last segment of an object key and the
/// name a download is saved under, so nothing that reads as a path.
pub fn plain_file_name(field: &str, value: &str) -> Checked {
    text(field, value, 1, MAX_FILE_NAME_CHARS)?;
    let refuse = |why: &str| {
        Err(ApiError::validation(
            field,
            format!("{field} must be a plain file name like game.zip: {why} (got {value:?})"),
        ))
    };
    if value.contains(['/', '\\']) {
        return refuse("no / or \\");
    }
    if value.starts_with('.') {
        return refuse("it must not start with a dot");
    }
    if value.chars().any(char::is_control) {
        return refuse("no control characters");
    }
    if value.trim() != value {
        return refuse("no leading or trailing spaces");
    }
    Ok(())
}

/// Parts when the file is at or over the threshold or the client asks for
/// them; the configured part size, raised when the file would need more than
/// [`MAX_PARTS`] parts.
pub fn shape_for(
    file_size: u64,
    multipart: Option<bool>,
    settings: &UploadSettings,
) -> UploadShape {
    let wants_parts = multipart.unwrap_or(false) || file_size >= settings.multipart_threshold;
    if !wants_parts {
        return UploadShape::Single;
    }
    let part_size = settings
        .part_size
        .max(file_size.div_ceil(u64::from(MAX_PARTS)))
        .max(1);
    UploadShape::Multipart {
        part_size: part_size as i64,
        total_parts: file_size.div_ceil(part_size) as i64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use playtest_types::{BuildPlatform, DeletionPolicy};

    fn request(file_size: i64) -> InitiateUploadRequest {
        InitiateUploadRequest {
            project_id: None,
            name: "nightly".into(),
            file_name: "game.zip".into(),
            file_size,
            platform: BuildPlatform::Linux,
            description: None,
            multipart: None,
            auto_delete: false,
            deletion_policy: DeletionPolicy::LeastRecent,
            upload_timeout: None,
            tags: vec![],
            details: None,
        }
    }

    fn settings() -> UploadSettings {
        UploadSettings {
            multipart_threshold: 1000,
            part_size: 100,
            ..UploadSettings::default()
        }
    }

    fn field_of(result: Result<UploadPlan, ApiError>) -> String {
        match result {
            Err(ApiError::Validation { field, .. }) => field,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn files_below_the_threshold_go_in_one_put_with_the_short_timeout() {
        let plan = initiate_upload(&request(999), &settings()).unwrap();
        assert_eq!(plan.shape, UploadShape::Single);
        assert_eq!(plan.timeout_minutes, 10);
    }

    #[test]
    fn files_at_the_threshold_go_in_parts_with_the_long_timeout() {
        let plan = initiate_upload(&request(1000), &settings()).unwrap();
        assert_eq!(
            plan.shape,
            UploadShape::Multipart {
                part_size: 100,
                total_parts: 10
            }
        );
        assert_eq!(plan.timeout_minutes, 60);
    }

    #[test]
    fn asking_for_multipart_splits_a_small_file_and_the_last_part_is_short() {
        let mut small = request(250);
        small.multipart = Some(true);
        let plan = initiate_upload(&small, &settings()).unwrap();
        assert_eq!(
            plan.shape,
            UploadShape::Multipart {
                part_size: 100,
                total_parts: 3
            }
        );
    }

    #[test]
    fn huge_files_get_bigger_parts_to_stay_within_ten_thousand() {
        let shape = shape_for(100 * 10_000 + 1, None, &settings());
        let UploadShape::Multipart {
            part_size,
            total_parts,
        } = shape
        else {
            panic!("expected parts, got {shape:?}")
        };
        assert!(total_parts <= 10_000, "{total_parts} parts");
        assert!(part_size as u64 * total_parts as u64 > 100 * 10_000);
    }

    #[test]
    fn empty_files_are_refused_naming_file_size() {
        assert_eq!(
            field_of(initiate_upload(&request(0), &settings())),
            "file_size"
        );
    }

    #[test]
    fn files_over_the_maximum_are_too_large() {
        let limits = UploadSettings {
            max_build_bytes: 10,
            ..settings()
        };
        let err = initiate_upload(&request(11), &limits).unwrap_err();
        assert!(matches!(err, ApiError::PayloadTooLarge(_)), "{err:?}");
    }

    #[test]
    fn path_like_file_names_are_refused() {
        for bad in [
            "../../x",
            "a/b.zip",
            "a\\b",
            ".hidden",
            "",
            "x\u{0}y",
            " game.zip",
        ] {
            let mut bad_request = request(10);
            bad_request.file_name = bad.into();
            assert_eq!(
                field_of(initiate_upload(&bad_request, &settings())),
                "file_name",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn upload_timeout_must_be_one_minute_to_a_day() {
        for bad in [0, 1441] {
            let mut bad_request = request(10);
            bad_request.upload_timeout = Some(bad);
            assert_eq!(
                field_of(initiate_upload(&bad_request, &settings())),
                "upload_timeout"
            );
        }
        let mut fine = request(10);
        fine.upload_timeout = Some(1440);
        assert_eq!(
            initiate_upload(&fine, &settings()).unwrap().timeout_minutes,
            1440
        );
    }
}
