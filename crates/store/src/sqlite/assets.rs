//! Test assets in SQLite: one record per (test, name), replaced in place;
//! a test is deleted together with its assets' records, in one write
//! transaction.

use async_trait::async_trait;
use sqlx::AssertSqlSafe;

use super::{SqliteStore, ts};
use crate::assets::{
    ASSET_COLUMNS, ASSET_EXISTS, DELETE_TEST, DELETE_TEST_ASSETS, PUT_ASSET, TestAssetRow,
};
use crate::{NewTestAsset, PutTestAsset, Result, StoreError, TestAssetRecord, TestAssetStore};

#[async_trait]
impl TestAssetStore for SqliteStore {
    async fn put_test_asset(&self, asset: &NewTestAsset) -> Result<PutTestAsset> {
        let mut tx = self.begin_write().await?;
        let replaced: bool = sqlx::query_scalar(ASSET_EXISTS)
            .bind(&asset.project_id)
            .bind(&asset.test_id)
            .bind(&asset.name)
            .fetch_one(&mut *tx)
            .await?;
        // The test is looked up in the project: no row, no test.
        let row: Option<TestAssetRow> = sqlx::query_as(PUT_ASSET.as_str())
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

    async fn test_assets(&self, project_id: &str, test_id: &str) -> Result<Vec<TestAssetRecord>> {
        let mut tx = self.reader.begin().await?;
        let exists: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM tests WHERE project_id = $1 AND id = $2)",
        )
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

    async fn test_asset(
        &self,
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
            .fetch_optional(&self.reader)
            .await?;
        Ok(row.ok_or(StoreError::NotFound("test asset"))?.into())
    }

    async fn delete_test_asset(
        &self,
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
            .fetch_optional(&self.writer)
            .await?;
        Ok(row.ok_or(StoreError::NotFound("test asset"))?.into())
    }

    async fn delete_test(&self, project_id: &str, test_id: &str) -> Result<Vec<TestAssetRecord>> {
        let mut tx = self.begin_write().await?;
        let assets: Vec<TestAssetRow> = sqlx::query_as(DELETE_TEST_ASSETS.as_str())
            .bind(project_id)
            .bind(test_id)
            .fetch_all(&mut *tx)
            .await?;
        let done = sqlx::query(DELETE_TEST)
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
}
