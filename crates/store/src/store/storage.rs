//! What changes a project's storage: a build's upload reserved, finished,
//! cancelled or expired, a build deleted, the project's capacity set (see
//! [`crate::builds`] for how storage is counted).

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::{BuildRecord, CompletedFile, NewBuild, Reservation, Result, StorageRules};

#[async_trait]
pub trait StorageStore: Send + Sync {
    /// Sets a project's own storage capacity in bytes (`None`: the server's
    /// default applies).
    async fn set_storage_capacity(&self, project_id: &str, capacity: Option<i64>) -> Result<()>;
    /// Inserts a build in `uploading` status and reserves its `file_size` in
    /// the project's storage, in one transaction: when it does not fit, and
    /// `rules.auto_delete` allows, unpinned ready builds are deleted first
    /// (all of them or none); otherwise [`crate::StoreError::QuotaExceeded`]
    /// and nothing changes.
    async fn reserve_build(&self, build: &NewBuild, rules: StorageRules) -> Result<Reservation>;
    /// Marks a pending upload's build `ready` with its digest. `NotFound` if
    /// the build is not (or no longer) uploading: cancelled, expired, done.
    async fn finish_upload(
        &self,
        project_id: &str,
        build_id: &str,
        file: &CompletedFile,
        at: DateTime<Utc>,
    ) -> Result<playtest_types::Build>;
    /// Deletes a build whose upload is still pending and releases its
    /// reservation. `NotFound` if it is not uploading.
    async fn cancel_upload(&self, project_id: &str, build_id: &str) -> Result<BuildRecord>;
    /// Deletes a build in any status and releases its storage.
    async fn delete_build(&self, project_id: &str, build_id: &str) -> Result<BuildRecord>;
    /// Deletes up to `limit` pending uploads that expired before `now`,
    /// releasing their reservations, and returns them so that their parts
    /// can be removed from the blob store.
    async fn expire_uploads(&self, now: DateTime<Utc>, limit: i64) -> Result<Vec<BuildRecord>>;
}
