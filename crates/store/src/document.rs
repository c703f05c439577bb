//! Tests, test plans and deployment configs are stored the same way: a JSON
//! spec with an id, a project, a name and timestamps (tests also show their
//! version). [`Document`] says what differs between the three, so each
//! backend writes their SQL once, generically.

use chrono::{DateTime, Utc};
use playtest_types::{
    DeploymentConfig, DeploymentConfigSpec, Test, TestPlan, TestPlanSpec, TestSpec,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub(crate) trait Document: Sized {
    type Spec: Serialize + DeserializeOwned;
    /// The table; a constant, so it is safe to format into SQL.
    const TABLE: &'static str;
    /// What [`crate::StoreError::NotFound`] calls it.
    const KIND: &'static str;

    fn name(spec: &Self::Spec) -> &str;
    /// The test type or platform kind, kept in its own column.
    fn kind(spec: &Self::Spec) -> Option<&'static str>;
    fn assemble(meta: DocumentMeta, spec: Self::Spec) -> Self;
}

/// The stored fields around a spec.
pub(crate) struct DocumentMeta {
    pub id: String,
    pub project_id: String,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Document for Test {
    type Spec = TestSpec;
    const TABLE: &'static str = "tests";
    const KIND: &'static str = "test";

    fn name(spec: &TestSpec) -> &str {
        &spec.name
    }

    fn kind(spec: &TestSpec) -> Option<&'static str> {
        Some(spec.test_type.as_str())
    }

    fn assemble(meta: DocumentMeta, spec: TestSpec) -> Self {
        Test {
            id: meta.id,
            project_id: meta.project_id,
            version: meta.version,
            created_at: meta.created_at,
            updated_at: meta.updated_at,
            spec,
        }
    }
}

impl Document for TestPlan {
    type Spec = TestPlanSpec;
    const TABLE: &'static str = "test_plans";
    const KIND: &'static str = "test plan";

    fn name(spec: &TestPlanSpec) -> &str {
        &spec.name
    }

    fn kind(_: &TestPlanSpec) -> Option<&'static str> {
        None
    }

    fn assemble(meta: DocumentMeta, spec: TestPlanSpec) -> Self {
        TestPlan {
            id: meta.id,
            project_id: meta.project_id,
            created_at: meta.created_at,
            updated_at: meta.updated_at,
            spec,
        }
    }
}

impl Document for DeploymentConfig {
    type Spec = DeploymentConfigSpec;
    const TABLE: &'static str = "deployment_configs";
    const KIND: &'static str = "deployment config";

    fn name(spec: &DeploymentConfigSpec) -> &str {
        &spec.name
    }

    fn kind(spec: &DeploymentConfigSpec) -> Option<&'static str> {
        Some(spec.kind.as_str())
    }

    fn assemble(meta: DocumentMeta, spec: DeploymentConfigSpec) -> Self {
        DeploymentConfig {
            id: meta.id,
            project_id: meta.project_id,
            created_at: meta.created_at,
            updated_at: meta.updated_at,
            spec,
        }
    }
}
