//! What goes into the store and what comes back out, where it differs from
//! the wire types (secrets' hashes, blob keys, inputs computed by the API).

use chrono::{DateTime, Utc};
use playtest_types::{
    ApiKey, BugOccurrence, BugTrace, Initiator, Permission, PlatformKind, ReplaySpec, Run,
    RunOptions, RunStateFilter, StepGoal, TestSpec,
};
use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct ProjectRecord {
    pub id: String,
    pub name: String,
    pub storage_used: i64,
    pub storage_capacity: Option<i64>,
    pub created_at: DateTime<Utc>,
}

/// A key about to be stored. Only the hash of its secret is kept.
#[derive(Debug, Clone)]
pub struct NewApiKey {
    pub id: String,
    pub project_id: String,
    pub name: String,
    pub prefix: String,
    pub secret_hash: String,
    pub permissions: Vec<Permission>,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ApiKeyRecord {
    pub key: ApiKey,
    pub secret_hash: String,
}

/// Which page of a list to read. Pages are 0-indexed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub page: i64,
    pub page_size: i64,
}

impl PageRequest {
    pub fn offset(self) -> i64 {
        self.page.saturating_mul(self.page_size)
    }
}

/// One page of a list and the size of the whole list.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
}

/// Which runs to list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunFilter {
    pub state: RunStateFilter,
    pub job_id: Option<String>,
    pub test_plan_execution_id: Option<String>,
    /// A run must carry every one of these.
    pub tags: Vec<String>,
    /// Only runs with at least one bug occurrence.
    pub with_bugs: bool,
}

/// A player of a new run, with the goals of its steps.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPlayer {
    pub id: String,
    pub player_number: i32,
    pub test_name: String,
    pub steps: Vec<StepGoal>,
}

/// One job and its run, fully decided by the caller.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRun {
    pub job_id: String,
    pub run_id: String,
    pub test_id: String,
    pub test_name: String,
    /// The test as it was when the run was started; the run plays this.
    pub test_spec: TestSpec,
    pub deployment_config_id: String,
    pub platform: PlatformKind,
    pub build_id: Option<String>,
    pub tags: Vec<String>,
    pub initiator: Initiator,
    pub options: RunOptions,
    pub templating_enabled: bool,
    pub template_data: Map<String, Value>,
    pub retries: i32,
    pub players: Vec<NewPlayer>,
    /// Set for a run that re-plays (or minimises) a bug's trace: what it
    /// replays, kept with the run as it was when the run started.
    pub replay: Option<ReplaySpec>,
}

/// A test plan's execution: the runs started together from one plan.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPlanExecution {
    pub id: String,
    pub test_plan_id: String,
}

/// Everything one `POST /runs` creates, written in one transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRunBatch {
    pub project_id: String,
    pub created_at: DateTime<Utc>,
    pub plan_execution: Option<NewPlanExecution>,
    pub runs: Vec<NewRun>,
}

/// A stored artifact. The API turns the blob key into a signed URL.
#[derive(Debug, Clone, PartialEq)]
pub struct ArtifactRecord {
    pub filename: String,
    pub blob_key: String,
    pub size: i64,
    pub uploaded_at: DateTime<Utc>,
}

/// A run with its players' steps and everything else `GET /runs/{id}` shows.
#[derive(Debug, Clone, PartialEq)]
pub struct RunDetailsRecord {
    pub run: Run,
    pub options: RunOptions,
    pub templating_enabled: bool,
    pub template_data: Map<String, Value>,
    pub retries: i32,
    pub artifacts: Vec<ArtifactRecord>,
}

/// The bugs of one run.
pub type RunBugs = Vec<BugOccurrence>;

/// One bug occurrence with its run and its trace.
#[derive(Debug, Clone, PartialEq)]
pub struct OccurrenceRecord {
    pub occurrence: BugOccurrence,
    pub run_id: String,
    pub trace: Option<BugTrace>,
}

/// What a stop request did to one job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopOutcome {
    /// No such job in this project.
    NotFound,
    /// The job had already completed; nothing changed.
    AlreadyCompleted,
    /// The job was still queued and is now completed as stopped.
    Stopped,
    /// The job is running; its worker has been asked to stop.
    StopRequested,
    /// A stop had already been requested.
    AlreadyStopping,
}

/// What a worker needs of a run to play it, as it was when the run started.
#[derive(Debug, Clone, PartialEq)]
pub struct RunWork {
    pub run_id: String,
    pub project_id: String,
    pub test_id: String,
    pub test_spec: TestSpec,
    pub deployment_config_id: String,
    pub platform: PlatformKind,
    pub build_id: Option<String>,
    pub options: RunOptions,
    /// What the run re-plays instead of its test, if it is a replay run.
    pub replay: Option<ReplaySpec>,
}
