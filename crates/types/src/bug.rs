//! Bugs found by a run. An *occurrence* is one sighting in one run; its
//! `bug_id` is shared by every occurrence with the same fingerprint in the
//! same project.

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
    pub trace_url: Option<String>,
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
    pub test_step: Option<i32>,
    pub turn: Option<i32>,
    pub detected_at: DateTime<Utc>,
    pub details: BugDetails,
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
