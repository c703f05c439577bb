//! Test assets as the store keeps them: the metadata of images uploaded
//! with a test (their bytes live in the blob store, under `blob_key`).
//! An asset belongs to its test: deleting the test deletes its assets'
//! records, and hands them back so that their bytes can go too.

use chrono::{DateTime, Utc};
use playtest_types::TestAsset;

/// An asset about to be stored (or to replace the one of its name).
#[derive(Debug, Clone, PartialEq)]
pub struct NewTestAsset {
    pub project_id: String,
    pub test_id: String,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub blob_key: String,
    pub uploaded_at: DateTime<Utc>,
}

/// A stored asset.
#[derive(Debug, Clone, PartialEq)]
pub struct TestAssetRecord {
    pub test_id: String,
    pub asset: TestAsset,
    pub blob_key: String,
}

/// What storing an asset did.
#[derive(Debug, Clone, PartialEq)]
pub struct PutTestAsset {
    pub record: TestAssetRecord,
    /// An asset of the same name was there before and is replaced.
    pub replaced: bool,
}

/// The columns [`TestAssetRow`] reads.
pub(crate) const ASSET_COLUMNS: &str =
    "test_id, name, content_type, size, sha256, blob_key, uploaded_at";

#[derive(sqlx::FromRow)]
pub(crate) struct TestAssetRow {
    test_id: String,
    name: String,
    content_type: String,
    size: i64,
    sha256: String,
    blob_key: String,
    uploaded_at: DateTime<Utc>,
}

impl From<TestAssetRow> for TestAssetRecord {
    fn from(row: TestAssetRow) -> Self {
        TestAssetRecord {
            test_id: row.test_id,
            blob_key: row.blob_key,
            asset: TestAsset {
                name: row.name,
                content_type: row.content_type,
                size: row.size,
                sha256: row.sha256,
                uploaded_at: row.uploaded_at,
            },
        }
    }
}
