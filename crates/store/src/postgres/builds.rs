//! Reading builds in PostgreSQL, and editing what does not change storage:
//! names, tags, pins, last use.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use playtest_types::Build;
use sqlx::{AssertSqlSafe, Postgres, QueryBuilder};

use super::PostgresStore;
use crate::build_filter::push_common_filters;
use crate::codec::to_json;
use crate::rows::{BUILD_COLUMNS, BuildRow, UPDATE_BUILD};
use crate::{
    BuildFilter, BuildPatch, BuildRecord, BuildStore, Page, PageRequest, Result, StoreError,
};

#[async_trait]
impl BuildStore for PostgresStore {
    async fn build(&self, project_id: &str, build_id: &str) -> Result<BuildRecord> {
        let sql = format!("SELECT {BUILD_COLUMNS} FROM builds WHERE project_id = $1 AND id = $2");
        let row: Option<BuildRow> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(project_id)
            .bind(build_id)
            .fetch_optional(&self.pool)
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
            .fetch_optional(&self.pool)
            .await?;
        row.map(BuildRow::into_record).transpose()
    }

    async fn list_builds(
        &self,
        project_id: &str,
        filter: &BuildFilter,
        page: PageRequest,
    ) -> Result<Page<Build>> {
        let mut tx = self.begin_read().await?;
        let mut count = QueryBuilder::<Postgres>::new("SELECT COUNT(*) FROM builds");
        push_filters(&mut count, project_id, filter)?;
        let total: i64 = count.build_query_scalar().fetch_one(&mut *tx).await?;

        let mut select =
            QueryBuilder::<Postgres>::new(format!("SELECT {BUILD_COLUMNS} FROM builds"));
        push_filters(&mut select, project_id, filter)?;
        // The limit is written out: the generic plan of a bound LIMIT may
        // sort the project's builds rather than walk the index.
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
            .fetch_optional(&self.pool)
            .await?;
        row.ok_or(StoreError::NotFound("build"))?.into_build()
    }

    async fn touch_build(&self, project_id: &str, build_id: &str, at: DateTime<Utc>) -> Result<()> {
        let done =
            sqlx::query("UPDATE builds SET last_used = $3 WHERE project_id = $1 AND id = $2")
                .bind(project_id)
                .bind(build_id)
                .bind(at)
                .execute(&self.pool)
                .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("build"));
        }
        Ok(())
    }
}

/// ` WHERE ...` for the builds of `project_id` that pass `filter`.
fn push_filters(
    query: &mut QueryBuilder<Postgres>,
    project_id: &str,
    filter: &BuildFilter,
) -> Result<()> {
    push_common_filters(query, project_id, filter, "ILIKE");
    if !filter.tags.is_empty() {
        // A JSON array contains another when it holds each of its elements.
        query
            .push(" AND tags @> ")
            .push_bind(to_json(&filter.tags)?);
    }
    Ok(())
}
