//! Test assets: the records of images uploaded with a test (their bytes
//! are the blob store's, and the caller's to delete). An asset belongs to
//! its test, so deleting a test is here too.

use async_trait::async_trait;

use crate::{NewTestAsset, PutTestAsset, Result, TestAssetRecord};

#[async_trait]
pub trait TestAssetStore: Send + Sync {
    /// Stores an asset's record, replacing the test's asset of the same
    /// name. `NotFound("test")` if the test is not in the project.
    async fn put_test_asset(&self, asset: &NewTestAsset) -> Result<PutTestAsset>;
    /// A test's assets by name. `NotFound("test")` if the test is not in
    /// the project.
    async fn test_assets(&self, project_id: &str, test_id: &str) -> Result<Vec<TestAssetRecord>>;
    /// `NotFound("test asset")` if the test has none of this name (or is
    /// not in the project).
    async fn test_asset(
        &self,
        project_id: &str,
        test_id: &str,
        name: &str,
    ) -> Result<TestAssetRecord>;
    /// Deletes the record and returns it (its bytes are the caller's to
    /// delete). `NotFound("test asset")` as [`TestAssetStore::test_asset`].
    async fn delete_test_asset(
        &self,
        project_id: &str,
        test_id: &str,
        name: &str,
    ) -> Result<TestAssetRecord>;
    /// Deletes a test and its assets' records, in one transaction, and
    /// returns those assets so that their bytes can be deleted too.
    async fn delete_test(&self, project_id: &str, id: &str) -> Result<Vec<TestAssetRecord>>;
}
