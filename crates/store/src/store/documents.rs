//! Tests (versioned), test plans and deployment configs: the documents a
//! project writes and runs are started from. Deleting a test deletes its
//! assets too, so that one is [`crate::TestAssetStore::delete_test`].

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use playtest_types::{
    DeploymentConfig, DeploymentConfigSpec, Test, TestPlan, TestPlanSpec, TestSpec,
};

use crate::{Page, PageRequest, Result};

/// Lists are newest first.
#[async_trait]
pub trait DocumentStore: Send + Sync {
    async fn create_test(
        &self,
        project_id: &str,
        id: &str,
        spec: &TestSpec,
        at: DateTime<Utc>,
    ) -> Result<Test>;
    async fn test(&self, project_id: &str, id: &str) -> Result<Test>;
    async fn list_tests(&self, project_id: &str, page: PageRequest) -> Result<Page<Test>>;
    /// Replaces the spec and bumps the version; with `expected_version`, only
    /// if it is still current ([`crate::StoreError::VersionConflict`] otherwise).
    async fn update_test(
        &self,
        project_id: &str,
        id: &str,
        spec: &TestSpec,
        expected_version: Option<i64>,
        at: DateTime<Utc>,
    ) -> Result<Test>;

    async fn create_test_plan(
        &self,
        project_id: &str,
        id: &str,
        spec: &TestPlanSpec,
        at: DateTime<Utc>,
    ) -> Result<TestPlan>;
    async fn test_plan(&self, project_id: &str, id: &str) -> Result<TestPlan>;
    async fn list_test_plans(&self, project_id: &str, page: PageRequest) -> Result<Page<TestPlan>>;
    async fn update_test_plan(
        &self,
        project_id: &str,
        id: &str,
        spec: &TestPlanSpec,
        at: DateTime<Utc>,
    ) -> Result<TestPlan>;
    async fn delete_test_plan(&self, project_id: &str, id: &str) -> Result<()>;

    async fn create_deployment_config(
        &self,
        project_id: &str,
        id: &str,
        spec: &DeploymentConfigSpec,
        at: DateTime<Utc>,
    ) -> Result<DeploymentConfig>;
    async fn deployment_config(&self, project_id: &str, id: &str) -> Result<DeploymentConfig>;
    async fn list_deployment_configs(
        &self,
        project_id: &str,
        page: PageRequest,
    ) -> Result<Page<DeploymentConfig>>;
    async fn update_deployment_config(
        &self,
        project_id: &str,
        id: &str,
        spec: &DeploymentConfigSpec,
        at: DateTime<Utc>,
    ) -> Result<DeploymentConfig>;
    async fn delete_deployment_config(&self, project_id: &str, id: &str) -> Result<()>;
}
