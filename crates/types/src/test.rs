//! Tests: what an agent should do with a build, player by player, step by step.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::Pagination;

/// Which agent plays the test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TestType {
    /// Scripted: each step's actions, then its expected results are checked.
    Verification,
    /// The explorer roams the game looking for bugs.
    Discovery,
    /// Launch the build and judge it by how its process ends.
    GameLoop,
}

impl TestType {
    /// Every test type, in the order they are listed.
    pub const ALL: [TestType; 3] = [
        TestType::Verification,
        TestType::Discovery,
        TestType::GameLoop,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TestType::Verification => "verification",
            TestType::Discovery => "discovery",
            TestType::GameLoop => "game_loop",
        }
    }
}

/// One input to the game. Each object has exactly one key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// Press and release a key (DOM key name, e.g. `ArrowUp`).
    Key(String),
    KeyDown(String),
    KeyUp(String),
    /// Click at `[x, y]` in viewport pixels.
    Click([i32; 2]),
    ClickSelector(String),
    Type(String),
    /// Drag from `[[x1, y1], [x2, y2]]`.
    Drag([[i32; 2]; 2]),
    /// A touch (tap) at `[x, y]` in viewport pixels.
    Tap([i32; 2]),
    WaitMs(u64),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DomText {
    pub selector: String,
    pub contains: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScreenSimilar {
    /// Name of an image uploaded with the test.
    pub asset: String,
    /// `[x, y, w, h]`; the whole screen when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<[i32; 4]>,
    #[serde(default = "default_min_similarity")]
    pub min_similarity: f64,
}

fn default_min_similarity() -> f64 {
    0.95
}

/// A check at the end of a step. Each object has exactly one key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ExpectedResult {
    DomText(DomText),
    /// A JavaScript expression that must be truthy.
    Js(String),
    NoErrors(bool),
    ScreenSimilar(ScreenSimilar),
    /// Text the screen must show, compared without case and with any run
    /// of whitespace as one space (`"Game over"` is seen in `Game\nOVER!`).
    /// Read from the document where the game has one (web: its rendered
    /// text, hidden elements left out), by OCR of the screen elsewhere.
    TextVisible(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestStep {
    pub goal: String,
    #[serde(default)]
    pub finish_condition: String,
    #[serde(default)]
    pub actions: Vec<Action>,
    #[serde(default)]
    pub expected_results: Vec<ExpectedResult>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestPlayer {
    pub name: String,
    #[serde(default)]
    pub steps: Vec<TestStep>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DiscoverySettings {
    /// Seed of the explorer; the same seed on the same build repeats a run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_actions: Option<u32>,
    /// How actions are chosen; the explorer unless set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<DiscoveryStrategy>,
}

/// How a discovery test chooses its actions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DiscoveryStrategy {
    /// Favours rarely seen screens and untried actions, returns to
    /// promising screens: finds more in the same time.
    #[default]
    Explorer,
    /// Uniformly random actions (a monkey test): the baseline.
    Random,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GameLoopSettings {
    #[serde(default)]
    pub args: Vec<String>,
}

/// What a test is, as written by its author.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TestSpec {
    pub name: String,
    pub test_type: TestType,
    #[serde(default)]
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_seconds: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_seconds: Option<i64>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub players: Vec<TestPlayer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discovery: Option<DiscoverySettings>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub game_loop: Option<GameLoopSettings>,
}

/// Body of `PUT /tests/{id}`: the whole new spec, and the version it was
/// based on (a stale version is refused with 409).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct UpdateTestRequest {
    #[serde(flatten)]
    pub spec: TestSpec,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_version: Option<i64>,
}

/// A stored test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Test {
    pub id: String,
    pub project_id: String,
    /// Starts at 1, grows by one with each update.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(flatten)]
    pub spec: TestSpec,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TestList {
    pub data: Vec<Test>,
    pub pagination: Pagination,
}
