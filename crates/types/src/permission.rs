//! What an API key may do. The first three come from the reference API; the
//! last two are ours.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
pub enum Permission {
    /// List runs, read their details, bugs and artifacts.
    #[serde(rename = "project:read-runs")]
    ReadRuns,
    /// Start and stop runs.
    #[serde(rename = "project:operate-runs")]
    OperateRuns,
    /// Upload, list and delete builds.
    #[serde(rename = "project:manage-build-storage")]
    ManageBuildStorage,
    /// Create and change tests, test plans and deployment configs.
    #[serde(rename = "project:manage-tests")]
    ManageTests,
    /// Manage API keys; implies every other permission.
    #[serde(rename = "project:admin")]
    Admin,
}

impl Permission {
    pub const ALL: [Permission; 5] = [
        Permission::ReadRuns,
        Permission::OperateRuns,
        Permission::ManageBuildStorage,
        Permission::ManageTests,
        Permission::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Permission::ReadRuns => "project:read-runs",
            Permission::OperateRuns => "project:operate-runs",
            Permission::ManageBuildStorage => "project:manage-build-storage",
            Permission::ManageTests => "project:manage-tests",
            Permission::Admin => "project:admin",
        }
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Permission {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Permission::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| {
                let known: Vec<_> = Permission::ALL.iter().map(|p| p.as_str()).collect();
                format!("unknown permission '{s}' (known: {})", known.join(", "))
            })
    }
}
