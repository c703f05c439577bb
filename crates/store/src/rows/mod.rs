//! Rows as both backends read them, and how they become the store's records
//! and the wire types. Every struct decodes from SQLite and PostgreSQL alike
//! (`sqlx::FromRow` is generic over the row type); the column list each one
//! expects sits next to it, so a `SELECT` and its struct cannot drift apart.
//! So do the statements returning a row that both dialects accept as they
//! are (`PLAN_EXECUTION`, `RUN_WORK`, `OCCURRENCE`, the documents' ones).

mod builds;
pub(crate) mod documents;
mod occurrences;
mod run_parts;
mod runs;
mod workers;

use chrono::{DateTime, Utc};
use playtest_types::{ApiKey, Permission};
use serde_json::Value;
use sqlx::types::Json;

pub(crate) use self::builds::{BUILD_COLUMNS, BuildRow, UploadColumns};
pub(crate) use self::documents::DocumentRow;
pub(crate) use self::occurrences::*;
pub(crate) use self::run_parts::{ARTIFACT_FIELDS, PLAYER_FIELDS, STEP_FIELDS};
pub(crate) use self::runs::*;
pub(crate) use self::workers::*;
use crate::codec::from_json;
use crate::{ApiKeyRecord, ProjectRecord, Result};

pub(crate) const PROJECT_COLUMNS: &str = "id, name, storage_used, storage_capacity, created_at";

#[derive(sqlx::FromRow)]
pub(crate) struct ProjectRow {
    id: String,
    name: String,
    storage_used: i64,
    storage_capacity: Option<i64>,
    created_at: DateTime<Utc>,
}

impl From<ProjectRow> for ProjectRecord {
    fn from(row: ProjectRow) -> Self {
        ProjectRecord {
            id: row.id,
            name: row.name,
            storage_used: row.storage_used,
            storage_capacity: row.storage_capacity,
            created_at: row.created_at,
        }
    }
}

pub(crate) const KEY_COLUMNS: &str = "id, project_id, name, prefix, secret_hash, permissions, expires_at, disabled, last_used_at, created_at";

#[derive(sqlx::FromRow)]
pub(crate) struct KeyRow {
    id: String,
    project_id: String,
    name: String,
    prefix: String,
    secret_hash: String,
    permissions: Json<Value>,
    expires_at: Option<DateTime<Utc>>,
    disabled: bool,
    last_used_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

impl KeyRow {
    pub(crate) fn into_record(self) -> Result<ApiKeyRecord> {
        let permissions: Vec<Permission> = from_json(self.permissions)?;
        Ok(ApiKeyRecord {
            key: ApiKey {
                id: self.id,
                project_id: self.project_id,
                name: self.name,
                prefix: self.prefix,
                permissions,
                expires_at: self.expires_at,
                disabled: self.disabled,
                last_used_at: self.last_used_at,
                created_at: self.created_at,
            },
            secret_hash: self.secret_hash,
        })
    }
}
