//! What the store keeps of builds and their uploads, beyond the wire
//! [`Build`]: where the bytes live, the upload in progress, and the rules a
//! new upload's reservation is checked against.
//!
//! A build's bytes count against its project's storage from the moment its
//! upload is initiated (the reservation) until the build is deleted, or its
//! upload is cancelled or expires: `projects.storage_used` is the sum of the
//! `file_size` of every build row of the project, kept in step by the same
//! transactions that add and remove rows.

use chrono::{DateTime, Utc};
use playtest_types::{Build, BuildDetails, BuildPlatform, DeletionPolicy};

/// How the bytes of an upload in progress arrive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadKind {
    /// One PUT of the whole file to a presigned URL.
    Single,
    /// Parts PUT one by one; `upload_id` is the blob store's.
    Multipart {
        upload_id: String,
        part_size: i64,
        total_parts: i64,
    },
}

/// An upload that has been initiated and neither completed, cancelled nor
/// expired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingUpload {
    pub kind: UploadKind,
    pub expires_at: DateTime<Utc>,
}

impl PendingUpload {
    pub fn upload_id(&self) -> Option<&str> {
        match &self.kind {
            UploadKind::Single => None,
            UploadKind::Multipart { upload_id, .. } => Some(upload_id),
        }
    }
}

/// A build as stored: the wire object, where its bytes live, and its upload
/// while it is still `uploading` (`None` once ready).
#[derive(Debug, Clone, PartialEq)]
pub struct BuildRecord {
    pub build: Build,
    pub blob_key: String,
    pub upload: Option<PendingUpload>,
}

/// A build whose upload is being initiated, fully decided by the caller.
#[derive(Debug, Clone, PartialEq)]
pub struct NewBuild {
    pub id: String,
    pub project_id: String,
    pub name: String,
    pub platform: BuildPlatform,
    pub file_name: String,
    pub file_size: i64,
    pub tags: Vec<String>,
    pub description: Option<String>,
    pub details: BuildDetails,
    pub blob_key: String,
    pub upload: PendingUpload,
    pub created_at: DateTime<Utc>,
}

/// The storage rules a reservation is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StorageRules {
    /// Capacity of projects that have none of their own; `None`: unlimited.
    pub default_capacity: Option<i64>,
    /// When set, unpinned ready builds are deleted in this order until the
    /// new one fits; when `None`, a build that does not fit is refused.
    pub auto_delete: Option<DeletionPolicy>,
}

/// What a successful reservation did.
#[derive(Debug, Clone, PartialEq)]
pub struct Reservation {
    pub build: BuildRecord,
    /// Builds deleted to make room (`auto_delete`); their blobs are the
    /// caller's to delete.
    pub evicted: Vec<BuildRecord>,
}

/// Which builds to list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BuildFilter {
    pub platform: Option<BuildPlatform>,
    /// A build must carry every one of these.
    pub tags: Vec<String>,
    /// Builds whose name contains this text (case-insensitive).
    pub name_contains: Option<String>,
}

/// Changes to a build's own fields; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BuildPatch {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
    pub pinned: Option<bool>,
}

/// What the file turned out to be, once its upload is complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompletedFile {
    pub size: i64,
    pub sha256: String,
}
