//! Deployment configs: which build to play, on which kind of platform, and
//! how to launch it.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::Pagination;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PlatformKind {
    /// An HTML5 game played in headless Chromium.
    Web,
    /// A native Linux program.
    Linux,
}

impl PlatformKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PlatformKind::Web => "web",
            PlatformKind::Linux => "linux",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Launch {
    /// The page (web) or executable (linux) inside the unpacked build.
    pub entry: String,
    #[serde(default)]
    pub args: Vec<String>,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    #[serde(default = "default_width")]
    pub width: i32,
    #[serde(default = "default_height")]
    pub height: i32,
    /// Web: JavaScript evaluated in every new document before the game's
    /// own scripts (stub a service, set a debug flag, inject a fault).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub init_scripts: Vec<String>,
}

fn default_width() -> i32 {
    1280
}

fn default_height() -> i32 {
    720
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DeploymentConfigSpec {
    pub name: String,
    pub kind: PlatformKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build_id: Option<String>,
    pub launch: Launch,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DeploymentConfig {
    pub id: String,
    pub project_id: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(flatten)]
    pub spec: DeploymentConfigSpec,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DeploymentConfigList {
    pub data: Vec<DeploymentConfig>,
    pub pagination: Pagination,
}
