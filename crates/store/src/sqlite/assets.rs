//! Test assets in SQLite: one record per (test, name), replaced in place;
//! a test is deleted together with its assets' records, in one write
//! transaction.

use sqlx::AssertSqlSafe;

use super::{SqliteStore, ts};
use crate::assets::{ASSET_COLUMNS, TestAssetRow};
use crate::{NewTestAsset, PutTestAsset, Result, StoreError, TestAssetRecord};

pub(super) async fn put(store: &SqliteStore, asset: &NewTestAsset) -> Result<PutTestAsset> {
    let mut tx = store.begin_write().await?;
    let replaced: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM test_assets WHERE project_id = $1 AND test_id = $2 AND name = $3)",
    )
    .bind(&asset.project_id)
    .bind(&asset.test_id)
    .bind(&asset.name)
    .fetch_one(&mut *tx)
    .await?;
    // The test is looked up in the project: no row, no test.
    let sql = format!(
        "INSERT INTO test_assets (test_id, name, project_id, content_type, size, sha256, blob_key, uploaded_at) \
         SELECT id, $3, project_id, $4, $5, $6, $7, $8 FROM tests WHERE project_id = $1 AND id = $2 \
         ON CONFLICT (test_id, name) DO UPDATE SET content_type = excluded.content_type, \
         size = excluded.size, sha256 = excluded.sha256, blob_key = excluded.blob_key, \
         uploaded_at = excluded.uploaded_at RETURNING {ASSET_COLUMNS}"
    );
    let row: Option<TestAssetRow> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(&asset.project_id)
        .bind(&asset.test_id)
        .bind(&asset.name)
        .bind(&asset.content_type)
        .bind(asset.size)
        .bind(&asset.sha256)
        .bind(&asset.blob_key)
        .bind(ts(asset.uploaded_at))
        .fetch_optional(&mut *tx)
        .await?;
    let row = row.ok_or(StoreError::NotFound("test"))?;
    tx.commit().await?;
    Ok(PutTestAsset {
        record: row.into(),
        replaced,
    })
}

pub(super) async fn list(
    store: &SqliteStore,
    project_id: &str,
    test_id: &str,
) -> Result<Vec<TestAssetRecord>> {
    let mut tx = store.reader.begin().await?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM tests WHERE project_id = $1 AND id = $2)")
            .bind(project_id)
            .bind(test_id)
            .fetch_one(&mut *tx)
            .await?;
    if !exists {
        return Err(StoreError::NotFound("test"));
    }
    let sql = format!(
        "SELECT {ASSET_COLUMNS} FROM test_assets WHERE project_id = $1 AND test_id = $2 ORDER BY name"
    );
    let rows: Vec<TestAssetRow> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(project_id)
        .bind(test_id)
        .fetch_all(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(rows.into_iter().map(TestAssetRecord::from).collect())
}

pub(super) async fn get(
    store: &SqliteStore,
    project_id: &str,
    test_id: &str,
    name: &str,
) -> Result<TestAssetRecord> {
    let sql = format!(
        "SELECT {ASSET_COLUMNS} FROM test_assets WHERE project_id = $1 AND test_id = $2 AND name = $3"
    );
    let row: Option<TestAssetRow> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(project_id)
        .bind(test_id)
        .bind(name)
        .fetch_optional(&store.reader)
        .await?;
    Ok(row.ok_or(StoreError::NotFound("test asset"))?.into())
}

pub(super) async fn delete(
    store: &SqliteStore,
    project_id: &str,
    test_id: &str,
    name: &str,
) -> Result<TestAssetRecord> {
    let sql = format!(
        "DELETE FROM test_assets WHERE project_id = $1 AND test_id = $2 AND name = $3 \
         RETURNING {ASSET_COLUMNS}"
    );
    let row: Option<TestAssetRow> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(project_id)
        .bind(test_id)
        .bind(name)
        .fetch_optional(&store.writer)
        .await?;
    Ok(row.ok_or(StoreError::NotFound("test asset"))?.into())
}

/// Deletes the test and its assets' records; returns the assets.
pub(super) async fn delete_test(
    store: &SqliteStore,
    project_id: &str,
    test_id: &str,
) -> Result<Vec<TestAssetRecord>> {
    let mut tx = store.begin_write().await?;
    let sql = format!(
        "DELETE FROM test_assets WHERE project_id = $1 AND test_id = $2 RETURNING {ASSET_COLUMNS}"
    );
    let assets: Vec<TestAssetRow> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(project_id)
        .bind(test_id)
        .fetch_all(&mut *tx)
        .await?;
    let done = sqlx::query("DELETE FROM tests WHERE project_id = $1 AND id = $2")
        .bind(project_id)
        .bind(test_id)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound("test"));
    }
    tx.commit().await?;
    Ok(assets.into_iter().map(TestAssetRecord::from).collect())
}
