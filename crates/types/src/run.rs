//! Runs and jobs: starting them, listing them, reading one, stopping them.
//!
//! A *job* is one unit of scheduled work; each job produces one *run*
//! (called `multiplayer_run` in the reference API), which holds the verdict,
//! the players and their steps, and the artifacts.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::Pagination;

/// Where a run is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RunState {
    Initializing,
    Running,
    Completed,
}

/// The reference API's coarse verdict of a completed run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RunResult {
    Success,
    Failure,
    Error,
}

/// Our finer verdict: why a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RunOutcome {
    Success,
    Failed,
    Timeout,
    Error,
    Stopped,
}

impl RunOutcome {
    /// The reference API's `result` for this outcome.
    pub fn result(self) -> RunResult {
        match self {
            RunOutcome::Success => RunResult::Success,
            RunOutcome::Failed => RunResult::Failure,
            RunOutcome::Timeout | RunOutcome::Error | RunOutcome::Stopped => RunResult::Error,
        }
    }
}

/// Where a job is in the scheduler.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum JobStatus {
    Queued,
    Starting,
    Running,
    Stopping,
    CleaningUp,
    Completed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BugInfo {
    pub bug_label: String,
    pub bug_count: i64,
}

/// The test a run executes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RunTest {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub test_type: String,
}

/// The build a run plays.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RunBuild {
    pub id: String,
    pub name: String,
}

/// Who started a run: `{"type": "api_key", "value": {"key_id", "name"}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Initiator {
    #[serde(rename = "type")]
    pub kind: String,
    #[schema(value_type = Object)]
    pub value: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PlayerPlatform {
    #[serde(rename = "type")]
    pub kind: String,
    pub device: String,
}

/// Where a step is: `pending`, `running`, `completed`, or `incomplete` when
/// the run ended before the step finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum StepState {
    Pending,
    Running,
    Completed,
    Incomplete,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum StepResult {
    Success,
    Failure,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StepGoal {
    pub goal: String,
    pub finish_condition: String,
}

/// One step of one player in one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RunStep {
    /// Counts from 1, in the order of the test's steps (players count from 0).
    pub step_number: i32,
    pub start_time: Option<DateTime<Utc>>,
    pub end_time: Option<DateTime<Utc>>,
    pub duration_ms: Option<i64>,
    pub run_state: StepState,
    pub run_result: Option<StepResult>,
    pub report: Option<String>,
    pub test: StepGoal,
}

/// One player of a run. `steps` is present in a run's details, absent in lists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Player {
    pub id: String,
    pub state: RunState,
    /// Once the player's part is over; left out before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub result: Option<RunResult>,
    pub player_number: i32,
    pub test_name: String,
    pub composite_test_id: String,
    pub step_count: i32,
    pub completed_step_count: i32,
    pub platform: PlayerPlatform,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steps: Option<Vec<RunStep>>,
}

/// A run as listed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Run {
    pub multiplayer_run_id: String,
    pub project_id: String,
    pub state: RunState,
    pub result: Option<RunResult>,
    pub bug_info: Option<BugInfo>,
    pub test: RunTest,
    pub build: Option<RunBuild>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub duration_ms: Option<i64>,
    pub initiator: Initiator,
    pub tags: Vec<String>,
    pub players: Vec<Player>,
    /// Ours: the job that produced this run.
    pub job_id: String,
    /// Ours: the job's place in the scheduler.
    pub job_status: JobStatus,
    /// Ours: why the run ended (finer than `result`).
    pub outcome: Option<RunOutcome>,
    /// Ours: why no worker has taken the job yet, when none can.
    pub queue_rejection_reason: Option<String>,
    pub test_plan_execution_id: Option<String>,
    pub deployment_config_id: String,
    /// Ours: set when the run re-plays a bug's trace instead of the test.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replay_of: Option<ReplayOrigin>,
}

/// The bug occurrence a replay or minimisation run plays again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReplayOrigin {
    pub occurrence_id: String,
    /// True for a minimisation run (shortens the trace), false for a replay
    /// (says whether the bug still happens).
    pub minimize: bool,
}

/// A stored file a run produced (video, logs, trace, screenshots).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Artifact {
    pub filename: String,
    pub url: String,
    pub size: i64,
    pub uploaded_at: DateTime<Utc>,
}

/// A run with everything known about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RunDetails {
    #[serde(flatten)]
    pub run: Run,
    pub templating_enabled: bool,
    #[schema(value_type = Object)]
    pub template_data: serde_json::Map<String, serde_json::Value>,
    pub options: RunOptions,
    pub retries: i32,
    pub artifacts: Vec<Artifact>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ListRunsResponse {
    pub data: Vec<Run>,
    pub pagination: Pagination,
}

/// Which runs `GET /runs` returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RunStateFilter {
    Running,
    Completed,
    #[default]
    All,
}

/// Query of `GET /runs`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListRunsQuery {
    /// `running` (not yet completed), `completed`, or `all` (default).
    #[param(inline)]
    pub state: Option<RunStateFilter>,
    /// 0-indexed page number.
    #[param(minimum = 0)]
    pub page: Option<i64>,
    /// Runs per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub page_size: Option<i64>,
    /// Only the run of this job.
    pub job_id: Option<String>,
    /// Only runs of this test plan execution.
    pub test_plan_execution_id: Option<String>,
    /// Comma-separated tags; a run must carry all of them.
    pub tags: Option<String>,
    /// `true`: only runs that found bugs.
    pub bugs: Option<bool>,
}

/// Limits and switches of one run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RunOptions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_time_seconds: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_time_seconds: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub performance_monitoring: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile_auto_grant_permissions: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile_geolocation: Option<String>,
    /// Web: record `recording.mp4` (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_video: Option<bool>,
}

/// Body of `POST /runs`: exactly one of `multiplayer_test_id` and
/// `test_plan_id`, and a deployment config.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StartRunRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multiplayer_test_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_plan_id: Option<String>,
    pub deployment_config_id: String,
    #[serde(default)]
    pub additional_tags: Vec<String>,
    #[serde(default)]
    pub render_templates: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub template_data: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<RunOptions>,
    /// Ours: play this build instead of the deployment config's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build_id: Option<String>,
    /// Ours: re-queue a job this many times after error, timeout or stop (0..10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<i64>,
    /// Ours: run each test this many times in parallel (1..10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instances: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StartRunData {
    pub job_id: String,
    pub multiplayer_run_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_ids: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multiplayer_run_ids: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_plan_execution_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StartRunResponse {
    pub ok: bool,
    pub status: u16,
    pub message: String,
    pub data: StartRunData,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StopRunsRequest {
    #[schema(min_items = 1)]
    pub job_ids: Vec<String>,
}

/// What happened to one job of a stop request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StopResult {
    pub job_id: String,
    pub ok: bool,
    pub status: u16,
    /// What happened, when the job was stopped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub message: Option<String>,
    /// Why not, when it could not be.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StopRunsResponse {
    pub ok: bool,
    pub message: String,
    pub received_count: i64,
    pub stopped_count: i64,
    pub results: Vec<StopResult>,
}
