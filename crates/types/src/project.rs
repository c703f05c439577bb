//! The project an API key belongs to.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Project {
    pub id: String,
    pub name: String,
    pub storage: StorageUsage,
}

/// Bytes of build storage in use and the project's capacity (null: unlimited).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StorageUsage {
    pub used: i64,
    pub capacity: Option<i64>,
}
