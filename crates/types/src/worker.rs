//! The worker protocol: how a worker process (remote, or embedded in
//! `playtest serve`) registers, leases jobs, keeps its lease alive, reports
//! what happens and finishes. Every call after registration names the job
//! and carries the lease's fencing token; a call with a token that is no
//! longer current (the lease expired and the job moved on) is refused, so a
//! worker that was presumed dead cannot overwrite its successor's work.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    BugCategory, BugTrace, Confidence, Launch, PlatformKind, RunOptions, RunOutcome, Secret,
    Severity, StepResult, StepState, TestSpec, TestType,
};

/// What a worker plays on one platform: which test types it can run on
/// builds of it. A replay or minimisation of a bug is played as the test
/// type of the run that found the bug (`verification` or `discovery`: a
/// game loop records no trace to replay).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Capability {
    pub platform: PlatformKind,
    /// At least one.
    pub test_types: Vec<TestType>,
}

/// Body of `POST /worker/register`: what this worker can play. Give
/// `capabilities`, or (the older shape) `platforms`, not both.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterWorkerRequest {
    /// A name for people: the host name, say.
    pub name: String,
    /// The test types it plays, per platform.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub capabilities: Vec<Capability>,
    /// The older shape: platforms of which it plays every test type.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(deprecated)]
    pub platforms: Vec<PlatformKind>,
    /// How many jobs it runs at once.
    pub slots: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// A registered worker, as `GET /workers` lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Worker {
    pub id: String,
    pub name: String,
    /// The platforms of its capabilities.
    pub platforms: Vec<PlatformKind>,
    /// The test types it plays, per platform.
    #[serde(default)]
    pub capabilities: Vec<Capability>,
    pub slots: u32,
    pub version: Option<String>,
    pub registered_at: DateTime<Utc>,
    pub last_heartbeat_at: DateTime<Utc>,
    /// Heard from recently enough to be counted on.
    pub connected: bool,
    /// Jobs it holds a lease on now.
    pub active_jobs: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WorkerList {
    pub data: Vec<Worker>,
}

/// Body of `POST /worker/workers/{worker_id}/lease`: wait up to
/// `wait_seconds` (long poll) for a job this worker can drive.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeaseJobRequest {
    /// 0 to 60; default 30.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_seconds: Option<u32>,
}

/// The build a job runs, and where to fetch it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AssignedBuild {
    pub id: String,
    pub file_name: String,
    pub size: i64,
    pub sha256: String,
    /// Short-lived signed URL.
    pub download_url: String,
}

/// A leased job: everything a worker needs to run it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct JobAssignment {
    pub job_id: String,
    pub run_id: String,
    pub project_id: String,
    /// Carried by every later call about this job.
    pub fencing_token: i64,
    /// 1 for the first try, 2 for the first retry, ...
    pub attempt: i32,
    pub lease_expires_at: DateTime<Utc>,
    /// How often to heartbeat, in milliseconds: well within the lease, and
    /// often enough that a stop request arrives within two seconds.
    pub heartbeat_interval_ms: u32,
    pub test_id: String,
    pub test: TestSpec,
    pub platform: PlatformKind,
    pub launch: Launch,
    pub build: Option<AssignedBuild>,
    pub options: RunOptions,
    /// Seed of everything random in the run (the game's randomness, the
    /// explorer's choices): the same seed on the same build repeats a run.
    #[serde(default)]
    pub seed: u64,
    /// Images uploaded with the test (references of `screen_similar`).
    #[serde(default)]
    pub assets: Vec<AssignedAsset>,
    /// Set when the run re-plays a bug instead of playing the test.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replay: Option<ReplaySpec>,
}

/// An image of the test, fetched by the worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AssignedAsset {
    pub name: String,
    pub size: i64,
    pub sha256: String,
    pub download_url: String,
}

/// A bug to re-play: its trace, and the fingerprint that says it appeared
/// again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ReplaySpec {
    pub occurrence_id: String,
    pub fingerprint: String,
    pub trace: BugTrace,
    /// Shrink the trace to the shortest that still shows the bug (delta
    /// debugging) and report it as a bug that `minimizes` the occurrence.
    #[serde(default)]
    pub minimize: bool,
}

/// Body of the calls that only prove the lease.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeaseProof {
    pub fencing_token: i64,
}

/// Answer of a heartbeat: the renewed lease, and whether to stop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct JobControl {
    pub lease_expires_at: DateTime<Utc>,
    /// A user asked for the run to stop: end the agent, finish as stopped.
    pub stop_requested: bool,
}

/// Where one step of one player got to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepReport {
    /// From 0.
    pub player_number: i32,
    /// From 1, as in run details.
    pub step_number: i32,
    pub state: StepState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<StepResult>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<DateTime<Utc>>,
}

/// A bug a worker found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BugReport {
    /// Same cause, same fingerprint: occurrences of one fingerprint in a
    /// project share a `bug_id`.
    pub fingerprint: String,
    pub title: String,
    pub description: String,
    pub category: BugCategory,
    pub severity: Severity,
    pub confidence: Confidence,
    pub reproduction_steps: String,
    #[serde(default)]
    pub player_number: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_step: Option<i32>,
    /// The agent's action after which it was seen (from 1; 0 before the
    /// first), when an agent played.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0)]
    pub turn: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video_offset_ms: Option<i64>,
    /// An artifact of this run (uploaded before or after) showing the bug.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub screenshot: Option<String>,
    /// The machine-readable inputs that led to it, for replay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<BugTrace>,
    /// Set by a minimisation run: the occurrence whose trace this one
    /// shortens. Its reproduction steps and trace are replaced when this
    /// trace is shorter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimizes: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum LogStream {
    Stdout,
    Stderr,
    Agent,
}

/// One line of a run's log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LogLine {
    pub stream: LogStream,
    pub line: String,
    pub at: DateTime<Utc>,
}

/// Body of `POST /worker/workers/{worker_id}/jobs/{job_id}/report`: what happened since the
/// last report, in order. Every part is optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JobReport {
    pub fencing_token: i64,
    /// The run is under way (the build is prepared and launched).
    #[serde(default)]
    pub started: bool,
    /// The game has ended; the worker is uploading what it produced
    /// (RUNNING or STOPPING → CLEANING_UP). Sent after `started`.
    #[serde(default)]
    pub cleaning_up: bool,
    #[serde(default)]
    pub steps: Vec<StepReport>,
    #[serde(default)]
    pub bugs: Vec<BugReport>,
    #[serde(default)]
    pub logs: Vec<LogLine>,
}

/// Body of `POST /worker/workers/{worker_id}/jobs/{job_id}/artifacts`: a file to upload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArtifactUploadRequest {
    pub fencing_token: i64,
    /// A plain file name: `recording.mp4`, `logs.txt`.
    pub filename: String,
}

/// Where to PUT an artifact's bytes; it is listed on the run when the job
/// completes naming it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ArtifactUploadUrl {
    pub upload_url: String,
}

/// Body of `POST /worker/workers/{worker_id}/jobs/{job_id}/complete`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteJobRequest {
    pub fencing_token: i64,
    pub outcome: RunOutcome,
    /// Artifacts PUT to their URLs, to list on the run.
    #[serde(default)]
    pub artifacts: Vec<String>,
    /// Why, when the outcome is not success (shown in logs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Answer of a complete.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CompleteJobResponse {
    /// The job went back to the queue for another attempt.
    pub retried: bool,
}

/// Body of `POST /workers/tokens`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWorkerTokenRequest {
    pub name: String,
}

/// A worker token as listed: never its secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WorkerToken {
    pub id: String,
    pub name: String,
    /// The first characters of the secret, to recognise it.
    pub prefix: String,
    /// `None`: the token serves every project (made by the operator).
    pub project_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub revoked: bool,
}

/// Answer of `POST /workers/tokens`: the secret, shown this once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CreatedWorkerToken {
    #[serde(flatten)]
    pub token: WorkerToken,
    #[schema(value_type = String)]
    pub secret: Secret,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WorkerTokenList {
    pub data: Vec<WorkerToken>,
}
