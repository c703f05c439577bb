//! `/tests`: test definitions, versioned for optimistic concurrency.

use playtest_types::{PageQuery, Test, TestList, TestSpec, UpdateTestRequest};
use reqwest::Method;

use crate::{Client, Result};

impl Client {
    pub async fn list_tests(&self, page: &PageQuery) -> Result<TestList> {
        self.send(self.request(Method::GET, &["tests"]).query(page))
            .await
    }

    pub async fn create_test(&self, spec: &TestSpec) -> Result<Test> {
        self.send(self.request(Method::POST, &["tests"]).json(spec))
            .await
    }

    pub async fn get_test(&self, test_id: &str) -> Result<Test> {
        self.send(self.request(Method::GET, &["tests", test_id]))
            .await
    }

    /// Replaces the test's spec. With `expected_version`, a test changed in
    /// the meantime is refused with 409 (`VERSION_CONFLICT`).
    pub async fn update_test(&self, test_id: &str, request: &UpdateTestRequest) -> Result<Test> {
        self.send(self.request(Method::PUT, &["tests", test_id]).json(request))
            .await
    }

    pub async fn delete_test(&self, test_id: &str) -> Result<()> {
        self.send_empty(self.request(Method::DELETE, &["tests", test_id]))
            .await
    }
}
