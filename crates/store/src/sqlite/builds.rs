//! Reading builds in SQLite, and editing what does not change storage:
//! names, tags, pins, last use.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use playtest_types::Build;
use sqlx::{AssertSqlSafe, QueryBuilder, Sqlite};

use super::{SqliteStore, ts};
use crate::build_filter::push_common_filters;
use crate::codec::to_json;
use crate::rows::{BUILD_COLUMNS, BuildRow, UPDATE_BUILD};
use crate::{
    BuildFilter, BuildPatch, BuildRecord, BuildStore, Page, PageRequest, Result, StoreError,
};

#[async_trait]
impl BuildStore for SqliteStore {
    async fn build(&self, project_id: &str, build_id: &str) -> Result<BuildRecord> {
        let sql = format!("SELECT {BUILD_COLUMNS} FROM builds WHERE project_id = $1 AND id = $2");
        let row: Option<BuildRow> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(project_id)
            .bind(build_id)
            .fetch_optional(&self.reader)
            .await?;
        row.ok_or(StoreError::NotFound("build"))?.into_record()
    }

    async fn build_by_upload_id(&self, upload_id: &str) -> Result<Option<BuildRecord>> {
        let sql = format!(
            "SELECT {BUILD_COLUMNS} FROM builds \
             WHERE upload_id = $1 AND status = 'uploading' AND upload_kind = 'multipart'"
        );
        let row: Option<BuildRow> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(upload_id)
            .fetch_optional(&self.reader)
            .await?;
        row.map(BuildRow::into_record).transpose()
    }

    async fn list_builds(
        &self,
        project_id: &str,
        filter: &BuildFilter,
        page: PageRequest,
    ) -> Result<Page<Build>> {
        let mut tx = self.reader.begin().await?;
        let mut count = QueryBuilder::<Sqlite>::new("SELECT COUNT(*) FROM builds");
        push_filters(&mut count, project_id, filter);
        let total: i64 = count.build_query_scalar().fetch_one(&mut *tx).await?;

        let mut select = QueryBuilder::<Sqlite>::new(format!("SELECT {BUILD_COLUMNS} FROM builds"));
        push_filters(&mut select, project_id, filter);
        // The limit is written out: SQLite plans a bound LIMIT for its value.
        select
            .push(format_args!(
                " ORDER BY seq DESC LIMIT {} OFFSET ",
                page.page_size
            ))
            .push_bind(page.offset());
        let rows: Vec<BuildRow> = select.build_query_as().fetch_all(&mut *tx).await?;
        tx.commit().await?;
        let items = rows
            .into_iter()
            .map(BuildRow::into_build)
            .collect::<Result<_>>()?;
        Ok(Page { items, total })
    }

    async fn update_build(
        &self,
        project_id: &str,
        build_id: &str,
        patch: &BuildPatch,
    ) -> Result<Build> {
        let row: Option<BuildRow> = sqlx::query_as(UPDATE_BUILD.as_str())
            .bind(project_id)
            .bind(build_id)
            .bind(patch.name.as_deref())
            .bind(patch.description.is_some())
            .bind(patch.description.clone().flatten())
            .bind(patch.tags.as_ref().map(to_json).transpose()?)
            .bind(patch.pinned)
            .fetch_optional(&self.writer)
            .await?;
        row.ok_or(StoreError::NotFound("build"))?.into_build()
    }

    async fn touch_build(&self, project_id: &str, build_id: &str, at: DateTime<Utc>) -> Result<()> {
        let done =
            sqlx::query("UPDATE builds SET last_used = $3 WHERE project_id = $1 AND id = $2")
                .bind(project_id)
                .bind(build_id)
                .bind(ts(at))
                .execute(&self.writer)
                .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("build"));
        }
        Ok(())
    }
}

/// ` WHERE ...` for the builds of `project_id` that pass `filter`.
fn push_filters(query: &mut QueryBuilder<Sqlite>, project_id: &str, filter: &BuildFilter) {
    // SQLite's LIKE ignores the case of ASCII letters.
    push_common_filters(query, project_id, filter, "LIKE");
    for tag in &filter.tags {
        query
            .push(" AND EXISTS (SELECT 1 FROM json_each(builds.tags) t WHERE t.value = ")
            .push_bind(tag.clone())
            .push(")");
    }
}
