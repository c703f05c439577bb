//! Test plans: a named list of tests started together.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::Pagination;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestItem {
    pub multiplayer_test_id: String,
    /// Overrides the run's `retries` for this test.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TestPlanSpec {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub test_items: Vec<TestItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TestPlan {
    pub id: String,
    pub project_id: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(flatten)]
    pub spec: TestPlanSpec,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TestPlanList {
    pub data: Vec<TestPlan>,
    pub pagination: Pagination,
}

/// How the runs of one test plan execution stand.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PlanExecutionCounts {
    pub total: i64,
    /// Waiting for a worker.
    pub queued: i64,
    /// Leased by a worker and not yet completed.
    pub running: i64,
    pub passed: i64,
    pub failed: i64,
    /// Ended by an error or a timeout.
    pub errored: i64,
    /// Stopped while running.
    pub stopped: i64,
    /// Stopped before they started.
    pub skipped: i64,
}

/// `GET /test-plan-executions/{id}`: the runs one `POST /runs` of a test
/// plan started, and how they stand.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TestPlanExecution {
    pub id: String,
    pub test_plan_id: String,
    pub created_at: DateTime<Utc>,
    pub counts: PlanExecutionCounts,
    /// Every run has completed.
    pub finished: bool,
}
