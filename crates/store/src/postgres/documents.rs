//! Tests, test plans and deployment configs in PostgreSQL, written once for
//! every [`Document`] and picked by type in the trait's methods.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use playtest_types::{
    DeploymentConfig, DeploymentConfigSpec, Test, TestPlan, TestPlanSpec, TestSpec,
};
use sqlx::AssertSqlSafe;

use super::PostgresStore;
use crate::codec::to_json;
use crate::document::Document;
use crate::rows::DocumentRow;
use crate::rows::documents as sql;
use crate::sql_error::on_write;
use crate::{DocumentStore, Page, PageRequest, Result, StoreError};

#[async_trait]
impl DocumentStore for PostgresStore {
    async fn create_test(
        &self,
        project_id: &str,
        id: &str,
        spec: &TestSpec,
        at: DateTime<Utc>,
    ) -> Result<Test> {
        create(self, project_id, id, spec, at).await
    }

    async fn test(&self, project_id: &str, id: &str) -> Result<Test> {
        get(self, project_id, id).await
    }

    async fn list_tests(&self, project_id: &str, page: PageRequest) -> Result<Page<Test>> {
        list(self, project_id, page).await
    }

    async fn update_test(
        &self,
        project_id: &str,
        id: &str,
        spec: &TestSpec,
        expected_version: Option<i64>,
        at: DateTime<Utc>,
    ) -> Result<Test> {
        update(self, project_id, id, spec, expected_version, at).await
    }

    async fn create_test_plan(
        &self,
        project_id: &str,
        id: &str,
        spec: &TestPlanSpec,
        at: DateTime<Utc>,
    ) -> Result<TestPlan> {
        create(self, project_id, id, spec, at).await
    }

    async fn test_plan(&self, project_id: &str, id: &str) -> Result<TestPlan> {
        get(self, project_id, id).await
    }

    async fn list_test_plans(&self, project_id: &str, page: PageRequest) -> Result<Page<TestPlan>> {
        list(self, project_id, page).await
    }

    async fn update_test_plan(
        &self,
        project_id: &str,
        id: &str,
        spec: &TestPlanSpec,
        at: DateTime<Utc>,
    ) -> Result<TestPlan> {
        update(self, project_id, id, spec, None, at).await
    }

    async fn delete_test_plan(&self, project_id: &str, id: &str) -> Result<()> {
        delete::<TestPlan>(self, project_id, id).await
    }

    async fn create_deployment_config(
        &self,
        project_id: &str,
        id: &str,
        spec: &DeploymentConfigSpec,
        at: DateTime<Utc>,
    ) -> Result<DeploymentConfig> {
        create(self, project_id, id, spec, at).await
    }

    async fn deployment_config(&self, project_id: &str, id: &str) -> Result<DeploymentConfig> {
        get(self, project_id, id).await
    }

    async fn list_deployment_configs(
        &self,
        project_id: &str,
        page: PageRequest,
    ) -> Result<Page<DeploymentConfig>> {
        list(self, project_id, page).await
    }

    async fn update_deployment_config(
        &self,
        project_id: &str,
        id: &str,
        spec: &DeploymentConfigSpec,
        at: DateTime<Utc>,
    ) -> Result<DeploymentConfig> {
        update(self, project_id, id, spec, None, at).await
    }

    async fn delete_deployment_config(&self, project_id: &str, id: &str) -> Result<()> {
        delete::<DeploymentConfig>(self, project_id, id).await
    }
}

async fn create<D: Document>(
    store: &PostgresStore,
    project_id: &str,
    id: &str,
    spec: &D::Spec,
    at: DateTime<Utc>,
) -> Result<D> {
    let row: DocumentRow = sqlx::query_as(AssertSqlSafe(sql::insert::<D>()))
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

async fn get<D: Document>(store: &PostgresStore, project_id: &str, id: &str) -> Result<D> {
    let row: Option<DocumentRow> = sqlx::query_as(AssertSqlSafe(sql::select::<D>()))
        .bind(project_id)
        .bind(id)
        .fetch_optional(&store.pool)
        .await?;
    row.ok_or(StoreError::NotFound(D::KIND))?.into_document()
}

/// Newest first.
async fn list<D: Document>(
    store: &PostgresStore,
    project_id: &str,
    page: PageRequest,
) -> Result<Page<D>> {
    let mut tx = store.begin_read().await?;
    let total: i64 = sqlx::query_scalar(AssertSqlSafe(sql::count::<D>()))
        .bind(project_id)
        .fetch_one(&mut *tx)
        .await?;
    let rows: Vec<DocumentRow> = sqlx::query_as(AssertSqlSafe(sql::page::<D>()))
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
async fn update<D: Document>(
    store: &PostgresStore,
    project_id: &str,
    id: &str,
    spec: &D::Spec,
    expected_version: Option<i64>,
    at: DateTime<Utc>,
) -> Result<D> {
    let row: Option<DocumentRow> = sqlx::query_as(AssertSqlSafe(sql::update::<D>()))
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
    let current: Option<i64> = sqlx::query_scalar(AssertSqlSafe(sql::version::<D>()))
        .bind(project_id)
        .bind(id)
        .fetch_optional(&store.pool)
        .await?;
    match current {
        Some(current) => Err(StoreError::VersionConflict { current }),
        None => Err(StoreError::NotFound(D::KIND)),
    }
}

async fn delete<D: Document>(store: &PostgresStore, project_id: &str, id: &str) -> Result<()> {
    let done = sqlx::query(AssertSqlSafe(sql::delete::<D>()))
        .bind(project_id)
        .bind(id)
        .execute(&store.pool)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound(D::KIND));
    }
    Ok(())
}
