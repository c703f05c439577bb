//! `/keys`: the project's API keys (needs `project:admin`).

use playtest_types::{ApiKey, CreateKeyRequest, CreatedKey, KeyList, UpdateKeyRequest};
use reqwest::Method;

use crate::{Client, Result};

impl Client {
    pub async fn list_keys(&self) -> Result<KeyList> {
        self.send(self.request(Method::GET, &["keys"])).await
    }

    /// Creates a key; the answer holds its secret, which is never shown again.
    pub async fn create_key(&self, request: &CreateKeyRequest) -> Result<CreatedKey> {
        self.send(self.request(Method::POST, &["keys"]).json(request))
            .await
    }

    /// Renames, disables or re-enables a key.
    pub async fn update_key(&self, key_id: &str, request: &UpdateKeyRequest) -> Result<ApiKey> {
        self.send(self.request(Method::PATCH, &["keys", key_id]).json(request))
            .await
    }

    pub async fn delete_key(&self, key_id: &str) -> Result<()> {
        self.send_empty(self.request(Method::DELETE, &["keys", key_id]))
            .await
    }
}
