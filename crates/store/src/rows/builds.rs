//! Rows of builds, and their assembly into [`BuildRecord`]: the wire
//! [`Build`], its blob key and, while it is `uploading`, its upload.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use playtest_types::{Build, BuildStatus};
use serde_json::Value;
use sqlx::types::Json;

use crate::codec::{from_json, from_text};
use crate::{BuildRecord, PendingUpload, Result, StoreError, UploadKind};

/// Unqualified, so that they serve `RETURNING` as well as `SELECT`.
pub(crate) const BUILD_COLUMNS: &str = "id, project_id, name, platform, status, file_name, \
    file_size, sha256, tags, pinned, description, details, blob_key, upload_kind, upload_id, \
    part_size, total_parts, upload_expires_at, created_at, last_used";

/// A build's metadata patch, each field kept when not given (the
/// description cleared when `$4` says so). Binds: project_id, id, name,
/// set_description, description, tags, pinned.
pub(crate) static UPDATE_BUILD: LazyLock<String> = LazyLock::new(|| {
    format!(
        "UPDATE builds SET name = COALESCE($3, name), \
         description = CASE WHEN $4 THEN $5 ELSE description END, \
         tags = COALESCE($6, tags), pinned = COALESCE($7, pinned) \
         WHERE project_id = $1 AND id = $2 RETURNING {BUILD_COLUMNS}"
    )
});

#[derive(sqlx::FromRow)]
pub(crate) struct BuildRow {
    id: String,
    project_id: String,
    name: String,
    platform: String,
    status: String,
    file_name: String,
    file_size: i64,
    sha256: Option<String>,
    tags: Json<Value>,
    pinned: bool,
    description: Option<String>,
    details: Json<Value>,
    blob_key: String,
    upload_kind: Option<String>,
    upload_id: Option<String>,
    part_size: Option<i64>,
    total_parts: Option<i64>,
    upload_expires_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    last_used: Option<DateTime<Utc>>,
}

impl BuildRow {
    pub(crate) fn into_record(self) -> Result<BuildRecord> {
        let status: BuildStatus = from_text(&self.status)?;
        let upload = match status {
            BuildStatus::Uploading => Some(self.pending_upload()?),
            BuildStatus::Ready => None,
        };
        Ok(BuildRecord {
            build: Build {
                id: self.id,
                project_id: self.project_id,
                name: self.name,
                platform: from_text(&self.platform)?,
                status,
                file_name: self.file_name,
                file_size: self.file_size,
                sha256: self.sha256,
                tags: from_json(self.tags)?,
                pinned: self.pinned,
                description: self.description,
                details: from_json(self.details)?,
                created_at: self.created_at,
                last_used: self.last_used,
            },
            blob_key: self.blob_key,
            upload,
        })
    }

    pub(crate) fn into_build(self) -> Result<Build> {
        Ok(self.into_record()?.build)
    }

    fn pending_upload(&self) -> Result<PendingUpload> {
        let missing = |column: &str| {
            StoreError::Corrupt(format!("uploading build {} has no {column}", self.id))
        };
        let kind = match self.upload_kind.as_deref() {
            Some("single") => UploadKind::Single,
            Some("multipart") => UploadKind::Multipart {
                upload_id: self.upload_id.clone().ok_or_else(|| missing("upload_id"))?,
                part_size: self.part_size.ok_or_else(|| missing("part_size"))?,
                total_parts: self.total_parts.ok_or_else(|| missing("total_parts"))?,
            },
            Some(other) => {
                return Err(StoreError::Corrupt(format!("unknown upload kind {other}")));
            }
            None => return Err(missing("upload_kind")),
        };
        Ok(PendingUpload {
            kind,
            expires_at: self
                .upload_expires_at
                .ok_or_else(|| missing("upload_expires_at"))?,
        })
    }
}

/// The upload columns of a new build: `upload_kind`, `upload_id`,
/// `part_size`, `total_parts`.
pub(crate) struct UploadColumns<'a> {
    pub kind: &'static str,
    pub upload_id: Option<&'a str>,
    pub part_size: Option<i64>,
    pub total_parts: Option<i64>,
}

impl<'a> UploadColumns<'a> {
    pub(crate) fn of(kind: &'a UploadKind) -> Self {
        match kind {
            UploadKind::Single => UploadColumns {
                kind: "single",
                upload_id: None,
                part_size: None,
                total_parts: None,
            },
            UploadKind::Multipart {
                upload_id,
                part_size,
                total_parts,
            } => UploadColumns {
                kind: "multipart",
                upload_id: Some(upload_id),
                part_size: Some(*part_size),
                total_parts: Some(*total_parts),
            },
        }
    }
}
