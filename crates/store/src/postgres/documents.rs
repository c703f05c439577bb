//! Tests, test plans and deployment configs in PostgreSQL, written once for
//! every [`Document`].

use chrono::{DateTime, Utc};
use sqlx::AssertSqlSafe;

use super::PostgresStore;
use crate::codec::to_json;
use crate::document::Document;
use crate::rows::{DOCUMENT_COLUMNS, DocumentRow};
use crate::sql_error::on_write;
use crate::{Page, PageRequest, Result, StoreError};

pub(super) async fn create<D: Document>(
    store: &PostgresStore,
    project_id: &str,
    id: &str,
    spec: &D::Spec,
    at: DateTime<Utc>,
) -> Result<D> {
    let sql = format!(
        "INSERT INTO {} (id, project_id, name, kind, spec, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, 1, $6, $6) RETURNING {DOCUMENT_COLUMNS}",
        D::TABLE
    );
    let row: DocumentRow = sqlx::query_as(AssertSqlSafe(sql))
        .bind(id)
        .bind(project_id)
        .bind(D::name(spec))
        .bind(D::kind(spec))
        .bind(to_json(spec)?)
        .bind(at)
        .fetch_one(&store.pool)
        .await
        .map_err(|err| {
            on_write(
                err,
                || format!("a {} with id {id} already exists", D::KIND),
                "project",
            )
        })?;
    row.into_document()
}

pub(super) async fn get<D: Document>(
    store: &PostgresStore,
    project_id: &str,
    id: &str,
) -> Result<D> {
    let sql = format!(
        "SELECT {DOCUMENT_COLUMNS} FROM {} WHERE project_id = $1 AND id = $2",
        D::TABLE
    );
    let row: Option<DocumentRow> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(project_id)
        .bind(id)
        .fetch_optional(&store.pool)
        .await?;
    row.ok_or(StoreError::NotFound(D::KIND))?.into_document()
}

/// Newest first.
pub(super) async fn list<D: Document>(
    store: &PostgresStore,
    project_id: &str,
    page: PageRequest,
) -> Result<Page<D>> {
    let mut tx = store.begin_read().await?;
    let count = format!("SELECT COUNT(*) FROM {} WHERE project_id = $1", D::TABLE);
    let total: i64 = sqlx::query_scalar(AssertSqlSafe(count))
        .bind(project_id)
        .fetch_one(&mut *tx)
        .await?;
    let sql = format!(
        "SELECT {DOCUMENT_COLUMNS} FROM {} WHERE project_id = $1 ORDER BY seq DESC LIMIT $2 OFFSET $3",
        D::TABLE
    );
    let rows: Vec<DocumentRow> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(project_id)
        .bind(page.page_size)
        .bind(page.offset())
        .fetch_all(&mut *tx)
        .await?;
    tx.commit().await?;
    let items = rows
        .into_iter()
        .map(DocumentRow::into_document)
        .collect::<Result<_>>()?;
    Ok(Page { items, total })
}

/// Replaces the spec and bumps the version, if `expected_version` (when
/// given) is still current.
pub(super) async fn update<D: Document>(
    store: &PostgresStore,
    project_id: &str,
    id: &str,
    spec: &D::Spec,
    expected_version: Option<i64>,
    at: DateTime<Utc>,
) -> Result<D> {
    let sql = format!(
        "UPDATE {} SET name = $3, kind = $4, spec = $5, version = version + 1, updated_at = $6 \
         WHERE project_id = $1 AND id = $2 AND ($7 IS NULL OR version = $7) RETURNING {DOCUMENT_COLUMNS}",
        D::TABLE
    );
    let row: Option<DocumentRow> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(project_id)
        .bind(id)
        .bind(D::name(spec))
        .bind(D::kind(spec))
        .bind(to_json(spec)?)
        .bind(at)
        .bind(expected_version)
        .fetch_optional(&store.pool)
        .await?;
    if let Some(row) = row {
        return row.into_document();
    }
    // Nothing changed: either there is no such document, or its version moved on.
    let sql = format!(
        "SELECT version FROM {} WHERE project_id = $1 AND id = $2",
        D::TABLE
    );
    let current: Option<i64> = sqlx::query_scalar(AssertSqlSafe(sql))
        .bind(project_id)
        .bind(id)
        .fetch_optional(&store.pool)
        .await?;
    match current {
        Some(current) => Err(StoreError::VersionConflict { current }),
        None => Err(StoreError::NotFound(D::KIND)),
    }
}

pub(super) async fn delete<D: Document>(
    store: &PostgresStore,
    project_id: &str,
    id: &str,
) -> Result<()> {
    let sql = format!("DELETE FROM {} WHERE project_id = $1 AND id = $2", D::TABLE);
    let done = sqlx::query(AssertSqlSafe(sql))
        .bind(project_id)
        .bind(id)
        .execute(&store.pool)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound(D::KIND));
    }
    Ok(())
}
