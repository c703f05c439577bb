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

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use playtest_types::{ApiKey, Permission};
use serde_json::Value;
use sqlx::types::Json;

pub(crate) use self::builds::{BUILD_COLUMNS, BuildRow, UPDATE_BUILD, UploadColumns};
pub(crate) use self::documents::DocumentRow;
pub(crate) use self::occurrences::*;
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

/// A new API key, returned as stored. Binds: id, project_id, name, prefix,
/// secret_hash, permissions, expires_at, created_at.
pub(crate) static INSERT_KEY: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO api_keys (id, project_id, name, prefix, secret_hash, permissions, expires_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {KEY_COLUMNS}"
    )
});

/// A key's name and disabled flag, each kept when NULL. Binds: project_id,
/// id, name, disabled.
pub(crate) static UPDATE_KEY: LazyLock<String> = LazyLock::new(|| {
    format!(
        "UPDATE api_keys SET name = COALESCE($3, name), disabled = COALESCE($4, disabled) \
         WHERE project_id = $1 AND id = $2 RETURNING {KEY_COLUMNS}"
    )
});

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
