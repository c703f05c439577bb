//! Rows of runs, and their assembly into [`playtest_types::Run`],
//! [`RunDetailsRecord`] and [`RunWork`].
//!
//! A run comes back in one row with what hangs off it (players, steps,
//! artifacts) aggregated into JSON columns (see [`super::run_parts`]), so
//! reading a run or a page of runs is one statement. JSON is read as text
//! (`CAST(... AS TEXT)`, as PostgreSQL keeps JSONB) and parsed straight into
//! its type; a bad value is a [`crate::StoreError::Corrupt`].

use chrono::{DateTime, Utc};
use playtest_types::{
    BugInfo, Player, ReplayOrigin, ReplaySpec, Run, RunBuild, RunOutcome, RunResult, RunState,
    RunTest,
};

use super::run_parts::{
    ARTIFACT_FIELDS, PLAYER_FIELDS, STEP_FIELDS, artifacts, players, players_with_steps,
};
use crate::codec::{bug_label, duration_ms, from_opt_text, from_text};
use crate::{Page, Result, RunDetailsRecord, RunWork};

/// The `FROM` of every run query: a run and its job.
pub(crate) const RUN_FROM: &str = "runs r JOIN jobs j ON j.id = r.job_id";

pub(crate) const RUN_COLUMNS: &str = "r.id, r.project_id, r.job_id, j.status AS job_status, \
    j.queue_rejection_reason, r.test_id, r.test_name, r.test_type, r.deployment_config_id, r.build_id, \
    r.build_name, r.state, r.result, r.outcome, r.bug_count, CAST(r.tags AS TEXT) AS tags, \
    CAST(r.initiator AS TEXT) AS initiator, r.test_plan_execution_id, r.created_at, r.started_at, r.completed_at, \
    (SELECT x.occurrence_id FROM run_replays x WHERE x.run_id = r.id) AS replay_occurrence_id, \
    (SELECT x.minimize FROM run_replays x WHERE x.run_id = r.id) AS replay_minimize";

/// What `GET /runs/{id}` shows beyond [`RUN_COLUMNS`], but for the JSON
/// arrays `players`, `steps` and `artifacts` each backend aggregates.
pub(crate) const RUN_DETAIL_COLUMNS: &str = "CAST(r.options AS TEXT) AS options, r.templating_enabled, \
    CAST(r.template_data AS TEXT) AS template_data, r.retries";

/// A backend's way to put `fields` of the rows of `from` into one JSON
/// array column (SQLite's `json_group_array`, PostgreSQL's `json_agg`).
pub(crate) type JsonRows = fn(fields: &str, from: &str) -> String;

/// The start of a page of runs (runs are `r`), with their players: the
/// caller adds its own last columns and `FROM`.
pub(crate) fn page_columns_sql(json_rows: JsonRows) -> String {
    let players = json_rows(PLAYER_FIELDS, "run_players p WHERE p.run_id = r.id");
    format!("SELECT {RUN_COLUMNS}, {players} AS players, ")
}

/// A run and all its parts, in one statement. Binds: project_id, run_id.
pub(crate) fn run_details_sql(json_rows: JsonRows) -> String {
    let players = json_rows(PLAYER_FIELDS, "run_players p WHERE p.run_id = r.id");
    let steps = json_rows(STEP_FIELDS, "run_steps s WHERE s.run_id = r.id");
    let artifacts = json_rows(ARTIFACT_FIELDS, "run_artifacts a WHERE a.run_id = r.id");
    format!(
        "SELECT {RUN_COLUMNS}, {RUN_DETAIL_COLUMNS}, {players} AS players, {steps} AS steps, \
         {artifacts} AS artifacts FROM {RUN_FROM} WHERE r.project_id = $1 AND r.id = $2"
    )
}

#[derive(sqlx::FromRow)]
pub(crate) struct RunRow {
    id: String,
    project_id: String,
    job_id: String,
    job_status: String,
    queue_rejection_reason: Option<String>,
    test_id: String,
    test_name: String,
    test_type: String,
    deployment_config_id: String,
    build_id: Option<String>,
    build_name: Option<String>,
    state: String,
    result: Option<String>,
    outcome: Option<String>,
    bug_count: i64,
    tags: String,
    initiator: String,
    test_plan_execution_id: Option<String>,
    created_at: DateTime<Utc>,
    started_at: Option<DateTime<Utc>>,
    completed_at: Option<DateTime<Utc>>,
    /// Set for a replay run (from `run_replays`).
    replay_occurrence_id: Option<String>,
    replay_minimize: Option<bool>,
}

/// A run of a page: [`RUN_COLUMNS`], `players` (a JSON array of
/// [`super::run_parts::PLAYER_FIELDS`] objects) and `total`, the size of the
/// whole list, the same on every row.
#[derive(sqlx::FromRow)]
pub(crate) struct RunPageRow {
    #[sqlx(flatten)]
    run: RunRow,
    players: String,
    total: i64,
}

/// [`RUN_COLUMNS`], [`RUN_DETAIL_COLUMNS`] and the JSON arrays `players`,
/// `steps` (of every player) and `artifacts`, of the objects
/// [`super::run_parts`] describes.
#[derive(sqlx::FromRow)]
pub(crate) struct RunDetailsRow {
    #[sqlx(flatten)]
    run: RunRow,
    options: String,
    templating_enabled: bool,
    template_data: String,
    retries: i32,
    players: String,
    steps: String,
    artifacts: String,
}

/// The page the rows make up, or `None` if there are none (and so no
/// total either).
pub(crate) fn run_page(rows: Vec<RunPageRow>) -> Result<Option<Page<Run>>> {
    let Some(total) = rows.first().map(|row| row.total) else {
        return Ok(None);
    };
    let items = rows
        .into_iter()
        .map(|row| {
            let players = players(&row.players, &row.run.test_id)?;
            row.run.into_run(players)
        })
        .collect::<Result<_>>()?;
    Ok(Some(Page { items, total }))
}

/// One run with its players' steps and its artifacts.
pub(crate) fn run_details(row: RunDetailsRow) -> Result<RunDetailsRecord> {
    let players = players_with_steps(&row.players, &row.steps, &row.run.test_id)?;
    Ok(RunDetailsRecord {
        artifacts: artifacts(&row.artifacts)?,
        run: row.run.into_run(players)?,
        options: serde_json::from_str(&row.options)?,
        templating_enabled: row.templating_enabled,
        template_data: serde_json::from_str(&row.template_data)?,
        retries: row.retries,
    })
}

impl RunRow {
    fn into_run(self, players: Vec<Player>) -> Result<Run> {
        let state: RunState = from_text(&self.state)?;
        let outcome: Option<RunOutcome> = from_opt_text(self.outcome.as_deref())?;
        let stored_result: Option<RunResult> = from_opt_text(self.result.as_deref())?;
        let result = match state {
            RunState::Completed => outcome.map(RunOutcome::result).or(stored_result),
            RunState::Initializing | RunState::Running => None,
        };
        Ok(Run {
            multiplayer_run_id: self.id,
            project_id: self.project_id,
            state,
            result,
            bug_info: Some(BugInfo {
                bug_label: bug_label(self.bug_count),
                bug_count: self.bug_count,
            }),
            test: RunTest {
                id: self.test_id,
                name: self.test_name,
                test_type: self.test_type,
            },
            build: self.build_id.map(|id| RunBuild {
                name: self.build_name.unwrap_or_else(|| id.clone()),
                id,
            }),
            created_at: self.created_at,
            started_at: self.started_at,
            completed_at: self.completed_at,
            duration_ms: duration_ms(self.started_at, self.completed_at),
            initiator: serde_json::from_str(&self.initiator)?,
            tags: serde_json::from_str(&self.tags)?,
            players,
            job_id: self.job_id,
            job_status: from_text(&self.job_status)?,
            outcome,
            queue_rejection_reason: self.queue_rejection_reason,
            test_plan_execution_id: self.test_plan_execution_id,
            deployment_config_id: self.deployment_config_id,
            replay_of: self.replay_occurrence_id.map(|occurrence_id| ReplayOrigin {
                occurrence_id,
                minimize: self.replay_minimize.unwrap_or(false),
            }),
        })
    }
}

/// What a worker needs of a run (by its job), as [`RunWorkRow`] reads it:
/// the run and what it replays, if it is a replay run.
pub(crate) const RUN_WORK: &str = "SELECT r.id, r.project_id, r.test_id, \
    CAST(r.test_spec AS TEXT) AS test_spec, r.deployment_config_id, r.platform, r.build_id, \
    CAST(r.options AS TEXT) AS options, x.occurrence_id AS replay_occurrence_id, \
    x.fingerprint AS replay_fingerprint, CAST(x.trace AS TEXT) AS replay_trace, \
    x.minimize AS replay_minimize \
    FROM runs r LEFT JOIN run_replays x ON x.run_id = r.id WHERE r.job_id = $1";

#[derive(sqlx::FromRow)]
pub(crate) struct RunWorkRow {
    id: String,
    project_id: String,
    test_id: String,
    test_spec: String,
    deployment_config_id: String,
    platform: String,
    build_id: Option<String>,
    options: String,
    replay_occurrence_id: Option<String>,
    replay_fingerprint: Option<String>,
    replay_trace: Option<String>,
    replay_minimize: Option<bool>,
}

impl RunWorkRow {
    pub(crate) fn into_work(self) -> Result<RunWork> {
        let replay = match (self.replay_occurrence_id, self.replay_trace) {
            (Some(occurrence_id), Some(trace)) => Some(ReplaySpec {
                occurrence_id,
                fingerprint: self.replay_fingerprint.unwrap_or_default(),
                trace: serde_json::from_str(&trace)?,
                minimize: self.replay_minimize.unwrap_or(false),
            }),
            _ => None,
        };
        Ok(RunWork {
            run_id: self.id,
            project_id: self.project_id,
            test_id: self.test_id,
            test_spec: serde_json::from_str(&self.test_spec)?,
            deployment_config_id: self.deployment_config_id,
            platform: from_text(&self.platform)?,
            build_id: self.build_id,
            options: serde_json::from_str(&self.options)?,
            replay,
        })
    }
}
