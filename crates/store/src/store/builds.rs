//! Reading builds, and editing what does not change a project's storage:
//! names, tags, pins, last use. What does change it is
//! [`crate::StorageStore`].

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::{BuildFilter, BuildPatch, BuildRecord, Page, PageRequest, Result};

#[async_trait]
pub trait BuildStore: Send + Sync {
    async fn build(&self, project_id: &str, build_id: &str) -> Result<BuildRecord>;
    /// The build whose multipart upload has this id and is still pending, in
    /// any project: the upload id is what authorises part URLs.
    async fn build_by_upload_id(&self, upload_id: &str) -> Result<Option<BuildRecord>>;
    /// Newest first.
    async fn list_builds(
        &self,
        project_id: &str,
        filter: &BuildFilter,
        page: PageRequest,
    ) -> Result<Page<playtest_types::Build>>;
    async fn update_build(
        &self,
        project_id: &str,
        build_id: &str,
        patch: &BuildPatch,
    ) -> Result<playtest_types::Build>;
    /// Records that a run or a download used the build.
    async fn touch_build(&self, project_id: &str, build_id: &str, at: DateTime<Utc>) -> Result<()>;
}
