//! Bugs found by a run. An *occurrence* is one sighting in one run; its
//! `bug_id` is shared by every occurrence with the same fingerprint in the
//! same project. An occurrence may carry the trace of inputs that led to
//! it, which a replay run plays again and a minimisation run shortens.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::Action;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum BugCategory {
    Ui,
    Gameplay,
    Performance,
    Crash,
    Audio,
    Visual,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

/// Evidence attached to an occurrence.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BugDetails {
    pub screenshot_url: Option<String>,
    pub video_offset_ms: Option<i64>,
    pub fingerprint: String,
    /// The run's `trace.json` artifact, when it has one.
    pub trace_url: Option<String>,
    /// Ours: how many actions the occurrence's replayable trace holds
    /// (`GET /bugs/occurrences/{id}` has the trace); null without one.
    #[serde(default)]
    pub trace_length: Option<i64>,
    /// Ours: set once a minimisation run shortened the trace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimized: Option<TraceMinimized>,
}

/// How a minimisation run shortened an occurrence's trace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TraceMinimized {
    /// Actions in the trace as first found.
    pub from: i64,
    /// Actions in the trace now.
    pub to: i64,
    /// The minimisation run that found the shorter trace.
    pub run_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BugOccurrence {
    pub id: String,
    pub bug_id: String,
    pub title: String,
    pub description: String,
    pub category: BugCategory,
    pub severity: Severity,
    pub confidence: Confidence,
    pub reproduction_steps: String,
    pub player_number: i32,
    /// The verification step (from 1) it was seen in; left out when it was
    /// seen outside one (exploring, a game loop).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub test_step: Option<i32>,
    /// The agent's action (counted from 1, as in `logs.txt`; 0 before the
    /// first) after which it was seen; left out when no agent acted (a
    /// game loop).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub turn: Option<i32>,
    pub detected_at: DateTime<Utc>,
    pub details: BugDetails,
}

/// One occurrence on its own (`GET /bugs/occurrences/{id}`): as runs list
/// it, with its run and its replayable trace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BugOccurrenceDetails {
    #[serde(flatten)]
    pub occurrence: BugOccurrence,
    /// The run that found it.
    pub multiplayer_run_id: String,
    /// The inputs that led to it; null when the run that found it recorded
    /// none (a game loop, say).
    pub trace: Option<BugTrace>,
}

/// Body of `POST /bugs/occurrences/{id}/replay` and `.../minimize`; may be
/// left out.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplayRequest {
    /// Longest the run may take (1 to 86400). Default: the original run's
    /// for a replay, 600 for a minimisation (which plays the game many times).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1, maximum = 86400)]
    pub max_time_seconds: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ListBugsResponse {
    pub multiplayer_run_id: String,
    pub bug_occurrences: Vec<BugOccurrence>,
}

/// The inputs that led to a bug, from a fresh start of the game, and the
/// seed the game's randomness was drawn from: replaying them on the same
/// build repeats the bug as far as the game allows.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BugTrace {
    pub seed: u64,
    /// In order; pauses between inputs are `wait_ms` actions.
    pub actions: Vec<Action>,
}
