//! Reading runs in SQLite: the filtered, paginated list, one run's details,
//! artifacts and bugs, a test plan's execution. A page of runs with their
//! players, and its total, is one statement, as is a run with its players,
//! steps and artifacts (aggregated with `json_group_array`, see
//! [`crate::rows`]): one statement reads one snapshot, and every statement
//! costs a hop to the connection's thread.

use std::sync::LazyLock;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use playtest_types::{Run, TestPlanExecution};
use sqlx::{AssertSqlSafe, QueryBuilder, Sqlite, SqlitePool};

use super::SqliteStore;
use crate::rows::{
    OCCURRENCE, OCCURRENCE_COLUMNS, OccurrenceDetailRow, OccurrenceRow, PLAN_EXECUTION,
    PlanExecutionRow, RUN_WORK, RunDetailsRow, RunPageRow, RunWorkRow, page_columns_sql,
    run_details as assemble, run_details_sql, run_page,
};
use crate::run_filter::{is_counted, push_counted_total, state_condition};
use crate::{
    ArtifactRecord, OccurrenceRecord, Page, PageRequest, Result, RunBugs, RunDetailsRecord,
    RunFilter, RunReadStore, RunWork, StoreError,
};

/// Up to this many runs carrying the rarest wanted tag, collecting them
/// through the tag index (and sorting them) beats scanning the project's
/// runs newest first and checking each one's tags.
const TAG_DRIVEN_LIMIT: i64 = 5_000;

/// The wanted tag with the fewest runs, if few enough to start from.
/// SQLite's planner keeps no per-value statistics, so it cannot tell a
/// rare tag from a common one; counting in the index costs little.
async fn driving_tag<'f>(reader: &SqlitePool, filter: &'f RunFilter) -> Result<Option<&'f str>> {
    let mut rarest: Option<(&str, i64)> = None;
    for tag in &filter.tags {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM run_tags WHERE tag = $1")
            .bind(tag)
            .fetch_one(reader)
            .await?;
        if rarest.is_none_or(|(_, fewest)| count < fewest) {
            rarest = Some((tag, count));
        }
    }
    Ok(rarest
        .filter(|(_, count)| *count <= TAG_DRIVEN_LIMIT)
        .map(|(tag, _)| tag))
}

/// `WHERE ...` for the runs of `project_id` that pass `filter` (runs are
/// `r`). `driving_tag`, when given, is looked up through the tag index.
fn push_filters(
    query: &mut QueryBuilder<Sqlite>,
    project_id: &str,
    filter: &RunFilter,
    driving_tag: Option<&str>,
) {
    query
        .push(" WHERE r.project_id = ")
        .push_bind(project_id.to_owned());
    if let Some(condition) = state_condition(filter.state) {
        query.push(" AND r.state ").push(condition);
    }
    if let Some(job_id) = &filter.job_id {
        query.push(" AND r.job_id = ").push_bind(job_id.clone());
    }
    if let Some(execution_id) = &filter.test_plan_execution_id {
        query
            .push(" AND r.test_plan_execution_id = ")
            .push_bind(execution_id.clone());
    }
    if let Some(tag) = driving_tag {
        query
            .push(" AND r.id IN (SELECT run_id FROM run_tags WHERE tag = ")
            .push_bind(tag.to_owned());
        query.push(")");
    }
    for tag in filter
        .tags
        .iter()
        .filter(|t| Some(t.as_str()) != driving_tag)
    {
        query
            .push(" AND EXISTS (SELECT 1 FROM run_tags t WHERE t.run_id = r.id AND t.tag = ")
            .push_bind(tag.clone());
        query.push(")");
    }
    if filter.with_bugs {
        query.push(" AND r.bug_count > 0");
    }
}

/// A scalar subquery: how many runs pass `filter`, read from `run_counts`
/// when it holds the number.
fn push_total(
    query: &mut QueryBuilder<Sqlite>,
    project_id: &str,
    filter: &RunFilter,
    driving_tag: Option<&str>,
) {
    if is_counted(filter) {
        push_counted_total(query, project_id, filter.state);
    } else {
        query.push("(SELECT COUNT(*) FROM runs r");
        push_filters(query, project_id, filter, driving_tag);
        query.push(")");
    }
}

/// `fields` of the rows of `from` as a JSON array, `[]` if none. In no
/// particular order: [`crate::rows`] sorts them (cheaper than the temporary
/// B-tree an ordered aggregate takes).
fn json_rows(fields: &str, from: &str) -> String {
    format!("(SELECT json_group_array(json_object({fields})) FROM {from})")
}

/// The columns of a run of a page (runs are `r`), with its players.
static PAGE_COLUMNS: LazyLock<String> = LazyLock::new(|| page_columns_sql(json_rows));

#[async_trait]
impl RunReadStore for SqliteStore {
    async fn list_runs(
        &self,
        project_id: &str,
        filter: &RunFilter,
        page: PageRequest,
    ) -> Result<Page<Run>> {
        let driving_tag = driving_tag(&self.reader, filter).await?;

        // The page is picked first, by `seq` alone (from an index, for the
        // runs OFFSET skips), and only its runs are read.
        let mut select = QueryBuilder::<Sqlite>::new(PAGE_COLUMNS.as_str());
        push_total(&mut select, project_id, filter, driving_tag);
        select.push(" AS total FROM (SELECT r.seq FROM runs r");
        push_filters(&mut select, project_id, filter, driving_tag);
        // The limit is written out: SQLite plans a bound LIMIT for its value,
        // so it would prepare the statement again at every execution.
        select.push(format_args!(
            " ORDER BY r.seq DESC LIMIT {} OFFSET ",
            page.page_size
        ));
        select.push_bind(page.offset()).push(
            ") page JOIN runs r ON r.seq = page.seq JOIN jobs j ON j.id = r.job_id ORDER BY page.seq DESC",
        );
        let rows: Vec<RunPageRow> = select.build_query_as().fetch_all(&self.reader).await?;
        if let Some(found) = run_page(rows)? {
            return Ok(found);
        }

        // Past the end: only the total is left to read.
        let mut count = QueryBuilder::<Sqlite>::new("SELECT ");
        push_total(&mut count, project_id, filter, driving_tag);
        let total: i64 = count.build_query_scalar().fetch_one(&self.reader).await?;
        Ok(Page {
            items: Vec::new(),
            total,
        })
    }

    async fn run_details(&self, project_id: &str, run_id: &str) -> Result<RunDetailsRecord> {
        let row: Option<RunDetailsRow> = sqlx::query_as(DETAILS.as_str())
            .bind(project_id)
            .bind(run_id)
            .fetch_optional(&self.reader)
            .await?;
        assemble(row.ok_or(StoreError::NotFound("run"))?)
    }

    async fn run_artifacts(&self, project_id: &str, run_id: &str) -> Result<Vec<ArtifactRecord>> {
        let mut tx = self.reader.begin().await?;
        let exists: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM runs WHERE project_id = $1 AND id = $2)",
        )
        .bind(project_id)
        .bind(run_id)
        .fetch_one(&mut *tx)
        .await?;
        if !exists {
            return Err(StoreError::NotFound("run"));
        }
        let rows: Vec<(String, String, i64, DateTime<Utc>)> = sqlx::query_as(
            "SELECT filename, blob_key, size, uploaded_at FROM run_artifacts WHERE run_id = $1 \
             ORDER BY filename",
        )
        .bind(run_id)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(rows
            .into_iter()
            .map(|(filename, blob_key, size, uploaded_at)| ArtifactRecord {
                filename,
                blob_key,
                size,
                uploaded_at,
            })
            .collect())
    }

    async fn run_bugs(&self, project_id: &str, run_id: &str) -> Result<RunBugs> {
        let mut tx = self.reader.begin().await?;
        let exists: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM runs WHERE project_id = $1 AND id = $2)",
        )
        .bind(project_id)
        .bind(run_id)
        .fetch_one(&mut *tx)
        .await?;
        if !exists {
            return Err(StoreError::NotFound("run"));
        }
        let sql = format!(
            "SELECT {OCCURRENCE_COLUMNS} FROM bug_occurrences WHERE project_id = $1 AND run_id = $2 \
             ORDER BY detected_at, id"
        );
        let rows: Vec<OccurrenceRow> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(project_id)
            .bind(run_id)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        rows.into_iter()
            .map(OccurrenceRow::into_occurrence)
            .collect()
    }

    async fn bug_occurrence(
        &self,
        project_id: &str,
        occurrence_id: &str,
    ) -> Result<OccurrenceRecord> {
        let row: Option<OccurrenceDetailRow> = sqlx::query_as(OCCURRENCE.as_str())
            .bind(project_id)
            .bind(occurrence_id)
            .fetch_optional(&self.reader)
            .await?;
        row.ok_or(StoreError::NotFound("bug occurrence"))?
            .into_record()
    }

    async fn run_work(&self, job_id: &str) -> Result<RunWork> {
        let row: Option<RunWorkRow> = sqlx::query_as(RUN_WORK)
            .bind(job_id)
            .fetch_optional(&self.reader)
            .await?;
        row.ok_or(StoreError::NotFound("job"))?.into_work()
    }

    async fn plan_execution(
        &self,
        project_id: &str,
        execution_id: &str,
    ) -> Result<TestPlanExecution> {
        let row: Option<PlanExecutionRow> = sqlx::query_as(PLAN_EXECUTION)
            .bind(project_id)
            .bind(execution_id)
            .fetch_optional(&self.reader)
            .await?;
        row.map(TestPlanExecution::from)
            .ok_or(StoreError::NotFound("test plan execution"))
    }
}

/// A run and all its parts, in one statement.
static DETAILS: LazyLock<String> = LazyLock::new(|| run_details_sql(json_rows));
