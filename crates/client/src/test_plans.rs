//! `/test-plans`: named lists of tests started together.

use playtest_types::{PageQuery, TestPlan, TestPlanList, TestPlanSpec};
use reqwest::Method;

use crate::{Client, Result};

impl Client {
    pub async fn list_test_plans(&self, page: &PageQuery) -> Result<TestPlanList> {
        self.send(self.request(Method::GET, &["test-plans"]).query(page))
            .await
    }

    pub async fn create_test_plan(&self, spec: &TestPlanSpec) -> Result<TestPlan> {
        self.send(self.request(Method::POST, &["test-plans"]).json(spec))
            .await
    }

    pub async fn get_test_plan(&self, plan_id: &str) -> Result<TestPlan> {
        self.send(self.request(Method::GET, &["test-plans", plan_id]))
            .await
    }

    pub async fn update_test_plan(&self, plan_id: &str, spec: &TestPlanSpec) -> Result<TestPlan> {
        self.send(
            self.request(Method::PUT, &["test-plans", plan_id])
                .json(spec),
        )
        .await
    }

    pub async fn delete_test_plan(&self, plan_id: &str) -> Result<()> {
        self.send_empty(self.request(Method::DELETE, &["test-plans", plan_id]))
            .await
    }
}
