//! What the store keeps for running jobs: worker tokens, registered
//! workers, leases with fencing tokens, and the run's event log.
//!
//! A lease is the right of one worker to work on one job until it expires.
//! Each lease of a job gets the next fencing token of that job; every write
//! a worker makes names the job and its token ([`LeaseRef`]), and the store
//! refuses it ([`crate::StoreError::LeaseLost`]) unless that token is still
//! the job's current one and the job is still active. So after a lease has
//! expired and the job was retried or finished, the old worker can change
//! nothing, even if it wakes up and keeps talking.
//!
//! Every change of a job's status or a run's state, every step and bug, is
//! written in one transaction together with its [`RunEventRecord`], so the
//! event stream of a run never shows a change the tables do not have.

use std::time::Duration;

use chrono::{DateTime, Utc};
use playtest_types::{
    BugCategory, BugTrace, Capability, Confidence, LogLine, PlatformKind, RunEventKind, RunOutcome,
    Severity, StepReport,
};

/// A worker token about to be stored; only its secret's hash is kept.
#[derive(Debug, Clone, PartialEq)]
pub struct NewWorkerToken {
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub secret_hash: String,
    /// `None`: serves every project.
    pub project_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct WorkerTokenRecord {
    pub token: playtest_types::WorkerToken,
    pub secret_hash: String,
}

/// A worker registering with a token.
#[derive(Debug, Clone, PartialEq)]
pub struct NewWorker {
    pub id: String,
    pub token_id: String,
    pub name: String,
    /// What it plays, per platform (one entry a platform).
    pub capabilities: Vec<Capability>,
    pub slots: u32,
    pub version: Option<String>,
    pub registered_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct WorkerRecord {
    pub id: String,
    pub token_id: String,
    /// The token's project scope: `None` serves every project.
    pub project_id: Option<String>,
    pub name: String,
    pub capabilities: Vec<Capability>,
    pub slots: u32,
    pub version: Option<String>,
    pub registered_at: DateTime<Utc>,
    pub last_heartbeat_at: DateTime<Utc>,
    /// Jobs it holds an active lease on.
    pub active_jobs: i64,
}

impl WorkerRecord {
    /// The platforms of its capabilities.
    pub fn platforms(&self) -> Vec<PlatformKind> {
        crate::capabilities::platforms_of(&self.capabilities)
    }
}

/// A worker asking for a job.
#[derive(Debug, Clone, PartialEq)]
pub struct LeaseRequest {
    pub worker_id: String,
    /// Only jobs of these platforms and test types.
    pub capabilities: Vec<Capability>,
    /// Only jobs of this project (a project-scoped token's worker).
    pub project_id: Option<String>,
    pub now: DateTime<Utc>,
    pub lease_for: Duration,
}

/// A job just leased: QUEUED became STARTING, owned by the worker.
#[derive(Debug, Clone, PartialEq)]
pub struct LeasedJob {
    pub job_id: String,
    pub run_id: String,
    pub project_id: String,
    pub fencing_token: i64,
    /// 1 for the first try.
    pub attempt: i32,
    pub lease_expires_at: DateTime<Utc>,
}

/// What every write of a leaseholder names. The store checks all three:
/// the job's current fencing token, and that this worker holds the lease
/// (so a worker of another token cannot write by guessing a small token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseRef {
    pub job_id: String,
    pub worker_id: String,
    pub fencing_token: i64,
}

/// What a renewed lease tells its worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeaseRenewal {
    pub lease_expires_at: DateTime<Utc>,
    pub stop_requested: bool,
}

/// A bug occurrence a worker found, with its evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct NewBugOccurrence {
    pub id: String,
    /// Used when this fingerprint is new in the project.
    pub new_bug_id: String,
    pub fingerprint: String,
    pub title: String,
    pub description: String,
    pub category: BugCategory,
    pub severity: Severity,
    pub confidence: Confidence,
    pub reproduction_steps: String,
    pub player_number: i32,
    pub test_step: Option<i32>,
    /// The agent's action after which it was seen, when an agent played.
    pub turn: Option<i32>,
    pub video_offset_ms: Option<i64>,
    /// An artifact file name of the run.
    pub screenshot: Option<String>,
    /// The inputs that led to it, for replay.
    pub trace: Option<BugTrace>,
    /// The occurrence (of the same project) whose trace this one
    /// shortens: a minimisation run's finding. See [`crate::ProgressStore::record_progress`].
    pub minimizes: Option<String>,
    pub detected_at: DateTime<Utc>,
}

/// What a worker reports in one call, written in one transaction.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobProgress {
    /// STARTING → RUNNING, and the run initializing → running.
    pub started: bool,
    /// RUNNING or STOPPING → CLEANING_UP: the game ended, artifacts are
    /// being uploaded. Applied after everything else of the report.
    pub cleaning_up: bool,
    pub steps: Vec<StepReport>,
    pub bugs: Vec<NewBugOccurrence>,
    pub logs: Vec<LogLine>,
}

/// How a job ended, as its worker says.
#[derive(Debug, Clone, PartialEq)]
pub struct JobFinish {
    pub outcome: RunOutcome,
    pub artifacts: Vec<crate::ArtifactRecord>,
    pub reason: Option<String>,
    pub at: DateTime<Utc>,
}

/// What finishing did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FinishResult {
    /// Back to QUEUED for another attempt (error, timeout, or a stop that
    /// no user asked for, with retries left).
    Retried,
    /// COMPLETED with this outcome.
    Completed(RunOutcome),
}

/// A job whose lease ran out, and what became of it.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpiredLease {
    pub job_id: String,
    pub run_id: String,
    pub worker_id: String,
    pub result: FinishResult,
}

/// An event about to be appended to a run's log.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRunEvent {
    pub kind: RunEventKind,
    pub data: serde_json::Value,
    pub at: DateTime<Utc>,
}

/// A stored event; `seq` grows with every event of the run.
pub type RunEventRecord = playtest_types::RunEvent;
