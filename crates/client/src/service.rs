//! The server itself and the caller's project: `GET /health` (no key
//! needed) and `GET /project`.

use playtest_types::Project;
use reqwest::Method;
use serde::{Deserialize, Serialize};

use crate::{Client, Result};

/// Answer of `GET /health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// `ok` when the server is up.
    pub status: String,
}

impl Client {
    /// Whether the server is up. Needs no API key.
    pub async fn health(&self) -> Result<Health> {
        self.send(self.request(Method::GET, &["health"])).await
    }

    /// The project the API key belongs to.
    pub async fn project(&self) -> Result<Project> {
        self.send(self.request(Method::GET, &["project"])).await
    }
}
