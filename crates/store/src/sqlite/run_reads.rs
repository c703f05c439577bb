//! Reading runs in SQLite: the filtered, paginated list (players loaded for
//! the whole page in one query), one run's details, one run's bugs. Each
//! read runs in one read transaction, so its queries see one snapshot.

use playtest_types::{Run, RunStateFilter};
use sqlx::{AssertSqlSafe, QueryBuilder, Sqlite, SqliteConnection};

use super::SqliteStore;
use crate::rows::{
    ARTIFACT_COLUMNS, ArtifactRow, OCCURRENCE_COLUMNS, OccurrenceRow, PLAYER_COLUMNS, PlayerRow,
    RUN_COLUMNS, RUN_DETAIL_COLUMNS, RUN_FROM, RunDetailsRow, RunRow, STEP_COLUMNS, StepRow,
    run_details as assemble_details, runs_with_players,
};
use crate::{Page, PageRequest, Result, RunBugs, RunDetailsRecord, RunFilter, StoreError};

/// Up to this many runs carrying the rarest wanted tag, collecting them
/// through the tag index (and sorting them) beats scanning the project's
/// runs newest first and checking each one's tags.
const TAG_DRIVEN_LIMIT: i64 = 5_000;

/// The wanted tag with the fewest runs, if few enough to start from.
/// SQLite's planner keeps no per-value statistics, so it cannot tell a
/// rare tag from a common one; counting in the index costs little.
async fn driving_tag<'f>(
    conn: &mut SqliteConnection,
    filter: &'f RunFilter,
) -> Result<Option<&'f str>> {
    let mut rarest: Option<(&str, i64)> = None;
    for tag in &filter.tags {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM run_tags WHERE tag = $1")
            .bind(tag)
            .fetch_one(&mut *conn)
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
    match filter.state {
        // Spelled as the two other states, so the (project_id, state, seq) index serves it.
        RunStateFilter::Running => query.push(" AND r.state IN ('initializing', 'running')"),
        RunStateFilter::Completed => query.push(" AND r.state = 'completed'"),
        RunStateFilter::All => query,
    };
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

pub(super) async fn list_runs(
    store: &SqliteStore,
    project_id: &str,
    filter: &RunFilter,
    page: PageRequest,
) -> Result<Page<Run>> {
    let mut tx = store.reader.begin().await?;
    let driving_tag = driving_tag(&mut tx, filter).await?;

    let mut count = QueryBuilder::<Sqlite>::new("SELECT COUNT(*) FROM runs r");
    push_filters(&mut count, project_id, filter, driving_tag);
    let total: i64 = count.build_query_scalar().fetch_one(&mut *tx).await?;
    if total <= page.offset() {
        tx.commit().await?;
        return Ok(Page {
            items: Vec::new(),
            total,
        });
    }

    let mut select = QueryBuilder::<Sqlite>::new(format!("SELECT {RUN_COLUMNS} FROM {RUN_FROM}"));
    push_filters(&mut select, project_id, filter, driving_tag);
    select
        .push(" ORDER BY r.seq DESC LIMIT ")
        .push_bind(page.page_size);
    select.push(" OFFSET ").push_bind(page.offset());
    let runs: Vec<RunRow> = select.build_query_as().fetch_all(&mut *tx).await?;
    if runs.is_empty() {
        tx.commit().await?;
        return Ok(Page {
            items: Vec::new(),
            total,
        });
    }

    let mut players = QueryBuilder::<Sqlite>::new(format!(
        "SELECT {PLAYER_COLUMNS} FROM run_players WHERE run_id IN ("
    ));
    let mut ids = players.separated(", ");
    for run in &runs {
        ids.push_bind(run.id().to_owned());
    }
    players.push(") ORDER BY run_id, player_number");
    let players: Vec<PlayerRow> = players.build_query_as().fetch_all(&mut *tx).await?;
    tx.commit().await?;

    Ok(Page {
        items: runs_with_players(runs, players)?,
        total,
    })
}

pub(super) async fn run_details(
    store: &SqliteStore,
    project_id: &str,
    run_id: &str,
) -> Result<RunDetailsRecord> {
    let mut tx = store.reader.begin().await?;
    let sql = format!(
        "SELECT {RUN_COLUMNS}, {RUN_DETAIL_COLUMNS} FROM {RUN_FROM} WHERE r.project_id = $1 AND r.id = $2"
    );
    let run: Option<RunDetailsRow> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(project_id)
        .bind(run_id)
        .fetch_optional(&mut *tx)
        .await?;
    let run = run.ok_or(StoreError::NotFound("run"))?;

    let sql = format!(
        "SELECT {PLAYER_COLUMNS} FROM run_players WHERE run_id = $1 ORDER BY player_number"
    );
    let players: Vec<PlayerRow> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(run.run_id())
        .fetch_all(&mut *tx)
        .await?;
    let sql = format!(
        "SELECT {STEP_COLUMNS} FROM run_steps WHERE run_id = $1 ORDER BY player_number, step_number"
    );
    let steps: Vec<StepRow> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(run.run_id())
        .fetch_all(&mut *tx)
        .await?;
    let sql =
        format!("SELECT {ARTIFACT_COLUMNS} FROM run_artifacts WHERE run_id = $1 ORDER BY filename");
    let artifacts: Vec<ArtifactRow> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(run.run_id())
        .fetch_all(&mut *tx)
        .await?;
    tx.commit().await?;

    assemble_details(run, players, steps, artifacts)
}

pub(super) async fn run_bugs(
    store: &SqliteStore,
    project_id: &str,
    run_id: &str,
) -> Result<RunBugs> {
    let mut tx = store.reader.begin().await?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM runs WHERE project_id = $1 AND id = $2)")
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
