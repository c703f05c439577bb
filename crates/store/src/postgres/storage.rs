//! What changes a project's storage in PostgreSQL: reserving a build (and
//! evicting builds to make room), finishing, cancelling, deleting and
//! expiring.
//!
//! Several replicas may reserve at once, so each of these transactions
//! first locks the row of every project whose storage it changes
//! (`SELECT ... FOR UPDATE`, several in id order), and reads and changes
//! `storage_used` only under that lock (see [`crate::quota`]). Projects are
//! always locked before builds, so two of them never wait for each other in
//! a cycle; the writes that lock a build alone (renaming, pinning, touching)
//! wait for nothing else.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use playtest_types::Build;
use sqlx::{AssertSqlSafe, PgConnection};

use super::PostgresStore;
use crate::codec::to_json;
use crate::quota::{
    ADD_STORAGE, EVICTABLE, FINISH_UPLOAD, INSERT_BUILD, Quota, RESERVED, SET_CAPACITY,
    delete_build_if, eviction_candidates, in_order, sizes_by_project, sort_by_expiry,
};
use crate::rows::{BUILD_COLUMNS, BuildRow, UploadColumns};
use crate::sql_error::on_write;
use crate::{
    BuildRecord, CompletedFile, NewBuild, Reservation, Result, StorageRules, StorageStore,
    StoreError,
};

/// Locks a project's row until the transaction ends, and reads its storage
/// (used, own capacity). `None` if there is no such project.
async fn lock_project(
    conn: &mut PgConnection,
    project_id: &str,
) -> Result<Option<(i64, Option<i64>)>> {
    Ok(sqlx::query_as(
        "SELECT storage_used, storage_capacity FROM projects WHERE id = $1 FOR UPDATE",
    )
    .bind(project_id)
    .fetch_optional(conn)
    .await?)
}

/// Adds `delta` bytes (negative: releases) to a project's storage.
async fn add_storage(conn: &mut PgConnection, project_id: &str, delta: i64) -> Result<()> {
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
impl StorageStore for PostgresStore {
    async fn set_storage_capacity(&self, project_id: &str, capacity: Option<i64>) -> Result<()> {
        let done = sqlx::query(SET_CAPACITY)
            .bind(project_id)
            .bind(capacity)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("project"));
        }
        Ok(())
    }

    async fn reserve_build(&self, build: &NewBuild, rules: StorageRules) -> Result<Reservation> {
        let mut tx = self.pool.begin().await?;
        let (used, own_capacity) = lock_project(&mut tx, &build.project_id)
            .await?
            .ok_or(StoreError::NotFound("project"))?;
        let quota = Quota::new(used, own_capacity, rules, build.file_size);

        let mut evicted = Vec::new();
        if quota.shortfall() > 0 {
            let policy = rules.auto_delete.ok_or_else(|| quota.exceeded())?;
            // Lock the candidates first, so none is pinned or used while they
            // are chosen; then read them in order (a locking read may return
            // rows changed while it waited out of order).
            let sql =
                format!("SELECT id FROM builds WHERE project_id = $1 AND {EVICTABLE} FOR UPDATE");
            sqlx::query(AssertSqlSafe(sql))
                .bind(&build.project_id)
                .execute(&mut *tx)
                .await?;
            let candidates: Vec<(String, i64)> =
                sqlx::query_as(AssertSqlSafe(eviction_candidates(policy)))
                    .bind(&build.project_id)
                    .fetch_all(&mut *tx)
                    .await?;
            let victims = quota.victims(candidates)?;
            let sql = format!(
                "DELETE FROM builds WHERE project_id = $1 AND id = ANY($2) RETURNING {BUILD_COLUMNS}"
            );
            let rows: Vec<BuildRow> = sqlx::query_as(AssertSqlSafe(sql))
                .bind(&build.project_id)
                .bind(&victims)
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
        let mut tx = self.pool.begin().await?;
        if lock_project(&mut tx, project_id).await?.is_none() {
            return Err(StoreError::NotFound("upload"));
        }
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
            .bind(at)
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
        let mut tx = self.pool.begin().await?;
        let due: Vec<(String, String)> = sqlx::query_as(
            "SELECT id, project_id FROM builds WHERE status = 'uploading' AND upload_expires_at < $1 \
             ORDER BY upload_expires_at, seq LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        if due.is_empty() {
            return Ok(Vec::new());
        }
        let (ids, mut projects): (Vec<String>, Vec<String>) = due.into_iter().unzip();
        projects.sort();
        projects.dedup();
        sqlx::query("SELECT id FROM projects WHERE id = ANY($1) ORDER BY id FOR UPDATE")
            .bind(&projects)
            .execute(&mut *tx)
            .await?;
        // Under the locks, again: another janitor, a completion or a
        // cancellation may have taken some of them since.
        let sql = format!(
            "DELETE FROM builds WHERE id = ANY($1) AND status = 'uploading' AND upload_expires_at < $2 \
             RETURNING {BUILD_COLUMNS}"
        );
        let rows: Vec<BuildRow> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(&ids)
            .bind(now)
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

async fn insert(conn: &mut PgConnection, build: &NewBuild) -> Result<BuildRecord> {
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
        .bind(build.upload.expires_at)
        .bind(build.created_at)
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
    store: &PostgresStore,
    project_id: &str,
    build_id: &str,
    condition: &'static str,
    missing: &'static str,
) -> Result<BuildRecord> {
    let mut tx = store.pool.begin().await?;
    if lock_project(&mut tx, project_id).await?.is_none() {
        return Err(StoreError::NotFound(missing));
    }
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
