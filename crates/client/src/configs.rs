//! `/deployment-configs`: which build to play and how to launch it.

use playtest_types::{DeploymentConfig, DeploymentConfigList, DeploymentConfigSpec, PageQuery};
use reqwest::Method;

use crate::{Client, Result};

const PATH: &str = "deployment-configs";

impl Client {
    pub async fn list_deployment_configs(&self, page: &PageQuery) -> Result<DeploymentConfigList> {
        self.send(self.request(Method::GET, &[PATH]).query(page))
            .await
    }

    pub async fn create_deployment_config(
        &self,
        spec: &DeploymentConfigSpec,
    ) -> Result<DeploymentConfig> {
        self.send(self.request(Method::POST, &[PATH]).json(spec))
            .await
    }

    pub async fn get_deployment_config(&self, config_id: &str) -> Result<DeploymentConfig> {
        self.send(self.request(Method::GET, &[PATH, config_id]))
            .await
    }

    pub async fn update_deployment_config(
        &self,
        config_id: &str,
        spec: &DeploymentConfigSpec,
    ) -> Result<DeploymentConfig> {
        self.send(self.request(Method::PUT, &[PATH, config_id]).json(spec))
            .await
    }

    pub async fn delete_deployment_config(&self, config_id: &str) -> Result<()> {
        self.send_empty(self.request(Method::DELETE, &[PATH, config_id]))
            .await
    }
}
