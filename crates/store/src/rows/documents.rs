//! Tests, test plans and deployment configs as both backends read and
//! write them: one row for the three tables (a [`Document`] names its
//! table), and the statements both run as they are, for any of them.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::types::Json;

use crate::Result;
use crate::codec::from_json;
use crate::document::{Document, DocumentMeta};

pub(crate) const DOCUMENT_COLUMNS: &str = "id, project_id, version, spec, created_at, updated_at";

/// A row of `tests`, `test_plans` or `deployment_configs`.
#[derive(sqlx::FromRow)]
pub(crate) struct DocumentRow {
    id: String,
    project_id: String,
    version: i64,
    spec: Json<Value>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl DocumentRow {
    pub(crate) fn into_document<D: Document>(self) -> Result<D> {
        let spec = from_json(self.spec)?;
        let meta = DocumentMeta {
            id: self.id,
            project_id: self.project_id,
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        };
        Ok(D::assemble(meta, spec))
    }
}

/// A new document at version 1: `$1` id, `$2` project, `$3` name, `$4`
/// kind, `$5` spec, `$6` when (created and updated).
pub(crate) fn insert<D: Document>() -> String {
    format!(
        "INSERT INTO {} (id, project_id, name, kind, spec, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, 1, $6, $6) RETURNING {DOCUMENT_COLUMNS}",
        D::TABLE
    )
}

/// Document `$2` of project `$1`.
pub(crate) fn select<D: Document>() -> String {
    format!(
        "SELECT {DOCUMENT_COLUMNS} FROM {} WHERE project_id = $1 AND id = $2",
        D::TABLE
    )
}

/// How many documents project `$1` has.
pub(crate) fn count<D: Document>() -> String {
    format!("SELECT COUNT(*) FROM {} WHERE project_id = $1", D::TABLE)
}

/// A page of project `$1`'s documents, newest first: `$2` limit, `$3` offset.
pub(crate) fn page<D: Document>() -> String {
    format!(
        "SELECT {DOCUMENT_COLUMNS} FROM {} WHERE project_id = $1 ORDER BY seq DESC LIMIT $2 OFFSET $3",
        D::TABLE
    )
}

/// Document `$2` of project `$1` gets name `$3`, kind `$4` and spec `$5` at
/// `$6`, and its next version, if `$7` (when not NULL) is still its version.
pub(crate) fn update<D: Document>() -> String {
    format!(
        "UPDATE {} SET name = $3, kind = $4, spec = $5, version = version + 1, updated_at = $6 \
         WHERE project_id = $1 AND id = $2 AND ($7 IS NULL OR version = $7) RETURNING {DOCUMENT_COLUMNS}",
        D::TABLE
    )
}

/// The version of document `$2` of project `$1`.
pub(crate) fn version<D: Document>() -> String {
    format!(
        "SELECT version FROM {} WHERE project_id = $1 AND id = $2",
        D::TABLE
    )
}

/// Deletes document `$2` of project `$1`.
pub(crate) fn delete<D: Document>() -> String {
    format!("DELETE FROM {} WHERE project_id = $1 AND id = $2", D::TABLE)
}
