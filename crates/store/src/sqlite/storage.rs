//! What changes a project's storage in SQLite: reserving a build (and
//! evicting builds to make room), finishing, cancelling, deleting and
//! expiring. Each runs in one write transaction, which holds SQLite's only
//! write lock from its first statement: reading `storage_used` and changing
//! it cannot interleave with another writer (see [`crate::quota`]).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use playtest_types::Build;
use sqlx::{AssertSqlSafe, SqliteConnection};

use super::{SqliteStore, ts};
use crate::codec::to_json;
use crate::quota::{
    ADD_STORAGE, FINISH_UPLOAD, INSERT_BUILD, Quota, RESERVED, SET_CAPACITY, delete_build_if,
    eviction_candidates, in_order, sizes_by_project, sort_by_expiry,
};
use crate::rows::{BUILD_COLUMNS, BuildRow, UploadColumns};
use crate::sql_error::on_write;
use crate::{
    BuildRecord, CompletedFile, NewBuild, Reservation, Result, StorageRules, StorageStore,
    StoreError,
};

/// Adds `delta` bytes (negative: releases) to a project's storage.
async fn add_storage(conn: &mut SqliteConnection, project_id: &str, delta: i64) -> Result<()> {
    if delta != 0 {
        sqlx::query(ADD_STORAGE)
            .bind(project_id)
            .bind(delta)
            .execute(conn)
            .await?;
    }
    Ok(())
}

#[async_trait]
impl StorageStore for SqliteStore {
    async fn set_storage_capacity(&self, project_id: &str, capacity: Option<i64>) -> Result<()> {
        let done = sqlx::query(SET_CAPACITY)
            .bind(project_id)
            .bind(capacity)
            .execute(&self.writer)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("project"));
        }
        Ok(())
    }

    async fn reserve_build(&self, build: &NewBuild, rules: StorageRules) -> Result<Reservation> {
        let mut tx = self.begin_write().await?;
        let storage: Option<(i64, Option<i64>)> =
            sqlx::query_as("SELECT storage_used, storage_capacity FROM projects WHERE id = $1")
                .bind(&build.project_id)
                .fetch_optional(&mut *tx)
                .await?;
        let (used, own_capacity) = storage.ok_or(StoreError::NotFound("project"))?;
        let quota = Quota::new(used, own_capacity, rules, build.file_size);

        let mut evicted = Vec::new();
        if quota.shortfall() > 0 {
            let policy = rules.auto_delete.ok_or_else(|| quota.exceeded())?;
            let candidates: Vec<(String, i64)> =
                sqlx::query_as(AssertSqlSafe(eviction_candidates(policy)))
                    .bind(&build.project_id)
                    .fetch_all(&mut *tx)
                    .await?;
            let victims = quota.victims(candidates)?;
            let sql = format!(
                "DELETE FROM builds WHERE project_id = $1 AND id IN (SELECT value FROM json_each($2)) \
                 RETURNING {BUILD_COLUMNS}"
            );
            let rows: Vec<BuildRow> = sqlx::query_as(AssertSqlSafe(sql))
                .bind(&build.project_id)
                .bind(to_json(&victims)?)
                .fetch_all(&mut *tx)
                .await?;
            let records = rows
                .into_iter()
                .map(BuildRow::into_record)
                .collect::<Result<_>>()?;
            evicted = in_order(&victims, records);
        }

        let freed: i64 = evicted.iter().map(|r| r.build.file_size).sum();
        let record = insert(&mut tx, build).await?;
        add_storage(&mut tx, &build.project_id, build.file_size - freed).await?;
        tx.commit().await?;
        Ok(Reservation {
            build: record,
            evicted,
        })
    }

    async fn finish_upload(
        &self,
        project_id: &str,
        build_id: &str,
        file: &CompletedFile,
        at: DateTime<Utc>,
    ) -> Result<Build> {
        let mut tx = self.begin_write().await?;
        let reserved: Option<i64> = sqlx::query_scalar(RESERVED)
            .bind(project_id)
            .bind(build_id)
            .fetch_optional(&mut *tx)
            .await?;
        let reserved = reserved.ok_or(StoreError::NotFound("upload"))?;
        let row: Option<BuildRow> = sqlx::query_as(FINISH_UPLOAD.as_str())
            .bind(project_id)
            .bind(build_id)
            .bind(file.size)
            .bind(&file.sha256)
            .bind(ts(at))
            .fetch_optional(&mut *tx)
            .await?;
        let build = row.ok_or(StoreError::NotFound("upload"))?.into_build()?;
        add_storage(&mut tx, project_id, file.size - reserved).await?;
        tx.commit().await?;
        Ok(build)
    }

    async fn cancel_upload(&self, project_id: &str, build_id: &str) -> Result<BuildRecord> {
        delete_one(self, project_id, build_id, "status = 'uploading'", "upload").await
    }

    async fn delete_build(&self, project_id: &str, build_id: &str) -> Result<BuildRecord> {
        delete_one(self, project_id, build_id, "TRUE", "build").await
    }

    async fn expire_uploads(&self, now: DateTime<Utc>, limit: i64) -> Result<Vec<BuildRecord>> {
        if limit <= 0 {
            return Ok(Vec::new());
        }
        let mut tx = self.begin_write().await?;
        let sql = format!(
            "DELETE FROM builds WHERE seq IN (SELECT seq FROM builds \
             WHERE status = 'uploading' AND upload_expires_at < $1 \
             ORDER BY upload_expires_at, seq LIMIT $2) RETURNING {BUILD_COLUMNS}"
        );
        let rows: Vec<BuildRow> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(ts(now))
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
        let mut expired = rows
            .into_iter()
            .map(BuildRow::into_record)
            .collect::<Result<Vec<_>>>()?;
        for (project_id, size) in sizes_by_project(&expired) {
            add_storage(&mut tx, &project_id, -size).await?;
        }
        tx.commit().await?;
        sort_by_expiry(&mut expired);
        Ok(expired)
    }
}

async fn insert(conn: &mut SqliteConnection, build: &NewBuild) -> Result<BuildRecord> {
    let upload = UploadColumns::of(&build.upload.kind);
    let row: BuildRow = sqlx::query_as(INSERT_BUILD.as_str())
        .bind(&build.id)
        .bind(&build.project_id)
        .bind(&build.name)
        .bind(build.platform.as_str())
        .bind(&build.file_name)
        .bind(build.file_size)
        .bind(to_json(&build.tags)?)
        .bind(&build.description)
        .bind(to_json(&build.details)?)
        .bind(&build.blob_key)
        .bind(upload.kind)
        .bind(upload.upload_id)
        .bind(upload.part_size)
        .bind(upload.total_parts)
        .bind(ts(build.upload.expires_at))
        .bind(ts(build.created_at))
        .fetch_one(conn)
        .await
        .map_err(|err| {
            on_write(
                err,
                || "a build with this id or upload id already exists".into(),
                "project",
            )
        })?;
    row.into_record()
}

/// Deletes one build of the project (only if `condition` holds) and
/// releases its storage. `NotFound(missing)` if there is none.
async fn delete_one(
    store: &SqliteStore,
    project_id: &str,
    build_id: &str,
    condition: &'static str,
    missing: &'static str,
) -> Result<BuildRecord> {
    let mut tx = store.begin_write().await?;
    let row: Option<BuildRow> = sqlx::query_as(AssertSqlSafe(delete_build_if(condition)))
        .bind(project_id)
        .bind(build_id)
        .fetch_optional(&mut *tx)
        .await?;
    let record = row.ok_or(StoreError::NotFound(missing))?.into_record()?;
    add_storage(&mut tx, project_id, -record.build.file_size).await?;
    tx.commit().await?;
    Ok(record)
}
