//! Test assets as the store keeps them: the metadata of images uploaded
//! with a test (their bytes live in the blob store, under `blob_key`).
//! An asset belongs to its test: deleting the test deletes its assets'
//! records, and hands them back so that their bytes can go too.
//! Both backends run the statements of those two rules as they are here.

use std::sync::LazyLock;

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

/// Whether test `$2` (project `$1`) has an asset named `$3`: whether
/// [`PUT_ASSET`] replaces one.
pub(crate) const ASSET_EXISTS: &str = "SELECT EXISTS \
    (SELECT 1 FROM test_assets WHERE project_id = $1 AND test_id = $2 AND name = $3)";

/// Stores an asset of test `$2` (looked up in project `$1`: no test, no
/// row), replacing the one of the same name `$3`: `$4` content type,
/// `$5` size, `$6` digest, `$7` blob key, `$8` upload time.
pub(crate) static PUT_ASSET: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO test_assets (test_id, name, project_id, content_type, size, sha256, blob_key, uploaded_at) \
         SELECT id, $3, project_id, $4, $5, $6, $7, $8 FROM tests WHERE project_id = $1 AND id = $2 \
         ON CONFLICT (test_id, name) DO UPDATE SET content_type = excluded.content_type, \
         size = excluded.size, sha256 = excluded.sha256, blob_key = excluded.blob_key, \
         uploaded_at = excluded.uploaded_at RETURNING {ASSET_COLUMNS}"
    )
});

/// Deletes the assets of test `$2` (project `$1`), before the test.
pub(crate) static DELETE_TEST_ASSETS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "DELETE FROM test_assets WHERE project_id = $1 AND test_id = $2 RETURNING {ASSET_COLUMNS}"
    )
});

/// Deletes test `$2` of project `$1`, after its assets.
pub(crate) const DELETE_TEST: &str = "DELETE FROM tests WHERE project_id = $1 AND id = $2";
