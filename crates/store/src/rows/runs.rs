//! Rows of runs and of what hangs off them (players, steps, artifacts, bug
//! occurrences), and their assembly into [`playtest_types::Run`] and
//! [`RunDetailsRecord`].

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use playtest_types::{
    BugInfo, BugOccurrence, Player, PlayerPlatform, Run, RunBuild, RunOutcome, RunResult, RunState,
    RunStep, RunTest, StepGoal,
};
use serde_json::Value;
use sqlx::types::Json;

use crate::codec::{bug_label, duration_ms, from_json, from_opt_text, from_text};
use crate::{ArtifactRecord, Result, RunDetailsRecord};

/// The `FROM` of every run query: a run and its job.
pub(crate) const RUN_FROM: &str = "runs r JOIN jobs j ON j.id = r.job_id";

pub(crate) const RUN_COLUMNS: &str = "r.id, r.project_id, r.job_id, j.status AS job_status, \
    j.queue_rejection_reason, r.test_id, r.test_name, r.test_type, r.deployment_config_id, r.build_id, \
    r.build_name, r.state, r.result, r.outcome, r.bug_count, r.tags, r.initiator, r.test_plan_execution_id, \
    r.created_at, r.started_at, r.completed_at";

/// What `GET /runs/{id}` shows beyond [`RUN_COLUMNS`].
pub(crate) const RUN_DETAIL_COLUMNS: &str =
    "r.options, r.templating_enabled, r.template_data, r.retries";

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
    tags: Json<Value>,
    initiator: Json<Value>,
    test_plan_execution_id: Option<String>,
    created_at: DateTime<Utc>,
    started_at: Option<DateTime<Utc>>,
    completed_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct RunDetailsRow {
    #[sqlx(flatten)]
    run: RunRow,
    options: Json<Value>,
    templating_enabled: bool,
    template_data: Json<Value>,
    retries: i32,
}

impl RunRow {
    pub(crate) fn id(&self) -> &str {
        &self.id
    }
}

impl RunDetailsRow {
    pub(crate) fn run_id(&self) -> &str {
        &self.run.id
    }
}

pub(crate) const PLAYER_COLUMNS: &str = "id, run_id, player_number, test_name, state, result, step_count, completed_step_count, platform_kind, device";

#[derive(sqlx::FromRow)]
pub(crate) struct PlayerRow {
    id: String,
    run_id: String,
    player_number: i32,
    test_name: String,
    state: String,
    result: Option<String>,
    step_count: i32,
    completed_step_count: i32,
    platform_kind: String,
    device: String,
}

pub(crate) const STEP_COLUMNS: &str = "player_number, step_number, goal, finish_condition, state, result, report, \
    start_time, end_time, duration_ms";

#[derive(sqlx::FromRow)]
pub(crate) struct StepRow {
    player_number: i32,
    step_number: i32,
    goal: String,
    finish_condition: String,
    state: String,
    result: Option<String>,
    report: Option<String>,
    start_time: Option<DateTime<Utc>>,
    end_time: Option<DateTime<Utc>>,
    duration_ms: Option<i64>,
}

pub(crate) const ARTIFACT_COLUMNS: &str = "filename, blob_key, size, uploaded_at";

#[derive(sqlx::FromRow)]
pub(crate) struct ArtifactRow {
    filename: String,
    blob_key: String,
    size: i64,
    uploaded_at: DateTime<Utc>,
}

pub(crate) const OCCURRENCE_COLUMNS: &str = "id, bug_id, title, description, category, severity, confidence, \
    reproduction_steps, player_number, test_step, turn, detected_at, details";

#[derive(sqlx::FromRow)]
pub(crate) struct OccurrenceRow {
    id: String,
    bug_id: String,
    title: String,
    description: String,
    category: String,
    severity: String,
    confidence: String,
    reproduction_steps: String,
    player_number: i32,
    test_step: Option<i32>,
    turn: Option<i32>,
    detected_at: DateTime<Utc>,
    details: Json<Value>,
}

impl OccurrenceRow {
    pub(crate) fn into_occurrence(self) -> Result<BugOccurrence> {
        Ok(BugOccurrence {
            id: self.id,
            bug_id: self.bug_id,
            title: self.title,
            description: self.description,
            category: from_text(&self.category)?,
            severity: from_text(&self.severity)?,
            confidence: from_text(&self.confidence)?,
            reproduction_steps: self.reproduction_steps,
            player_number: self.player_number,
            test_step: self.test_step,
            turn: self.turn,
            detected_at: self.detected_at,
            details: from_json(self.details)?,
        })
    }
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
            initiator: from_json(self.initiator)?,
            tags: from_json(self.tags)?,
            players,
            job_id: self.job_id,
            job_status: from_text(&self.job_status)?,
            outcome,
            queue_rejection_reason: self.queue_rejection_reason,
            test_plan_execution_id: self.test_plan_execution_id,
            deployment_config_id: self.deployment_config_id,
        })
    }
}

impl PlayerRow {
    fn into_player(self, composite_test_id: &str, steps: Option<Vec<RunStep>>) -> Result<Player> {
        Ok(Player {
            id: self.id,
            state: from_text(&self.state)?,
            result: from_opt_text(self.result.as_deref())?,
            player_number: self.player_number,
            test_name: self.test_name,
            composite_test_id: composite_test_id.to_string(),
            step_count: self.step_count,
            completed_step_count: self.completed_step_count,
            platform: PlayerPlatform {
                kind: self.platform_kind,
                device: self.device,
            },
            steps,
        })
    }
}

impl StepRow {
    fn into_step(self) -> Result<RunStep> {
        Ok(RunStep {
            step_number: self.step_number,
            start_time: self.start_time,
            end_time: self.end_time,
            duration_ms: self.duration_ms,
            run_state: from_text(&self.state)?,
            run_result: from_opt_text(self.result.as_deref())?,
            report: self.report,
            test: StepGoal {
                goal: self.goal,
                finish_condition: self.finish_condition,
            },
        })
    }
}

impl From<ArtifactRow> for ArtifactRecord {
    fn from(row: ArtifactRow) -> Self {
        ArtifactRecord {
            filename: row.filename,
            blob_key: row.blob_key,
            size: row.size,
            uploaded_at: row.uploaded_at,
        }
    }
}

/// The runs of a page with their players (without steps). `players` may come
/// in any order of runs, each run's players ordered by number.
pub(crate) fn runs_with_players(runs: Vec<RunRow>, players: Vec<PlayerRow>) -> Result<Vec<Run>> {
    let mut by_run: HashMap<String, Vec<PlayerRow>> = HashMap::with_capacity(runs.len());
    for player in players {
        by_run
            .entry(player.run_id.clone())
            .or_default()
            .push(player);
    }
    runs.into_iter()
        .map(|run| {
            let players = by_run
                .remove(&run.id)
                .unwrap_or_default()
                .into_iter()
                .map(|p| p.into_player(&run.test_id, None))
                .collect::<Result<Vec<_>>>()?;
            run.into_run(players)
        })
        .collect()
}

/// One run with its players' steps and its artifacts. `steps` are ordered by
/// player, then step number.
pub(crate) fn run_details(
    row: RunDetailsRow,
    players: Vec<PlayerRow>,
    steps: Vec<StepRow>,
    artifacts: Vec<ArtifactRow>,
) -> Result<RunDetailsRecord> {
    let mut steps_of: HashMap<i32, Vec<RunStep>> = HashMap::with_capacity(players.len());
    for step in steps {
        steps_of
            .entry(step.player_number)
            .or_default()
            .push(step.into_step()?);
    }
    let players = players
        .into_iter()
        .map(|p| {
            let steps = steps_of.remove(&p.player_number).unwrap_or_default();
            p.into_player(&row.run.test_id, Some(steps))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(RunDetailsRecord {
        run: row.run.into_run(players)?,
        options: from_json(row.options)?,
        templating_enabled: row.templating_enabled,
        template_data: from_json(row.template_data)?,
        retries: row.retries,
        artifacts: artifacts.into_iter().map(ArtifactRecord::from).collect(),
    })
}
