//! `/tests/{test_id}/assets`: images uploaded with a test (the references
//! of its `screen_similar` checks): upload, list, fetch, delete.

use bytes::Bytes;
use playtest_types::{TestAsset, TestAssetList};
use reqwest::Method;
use reqwest::header::CONTENT_TYPE;
use url::Url;

use crate::http::{decode, is_success};
use crate::{Client, Result};

/// What an upload did: the asset as stored, and whether it replaced one
/// of the same name (200) rather than adding it (201).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAsset {
    pub asset: TestAsset,
    pub replaced: bool,
}

impl Client {
    /// Uploads an image (`content_type` `image/png` or `image/jpeg`, at
    /// most 10 MiB) as the test's asset `name`, replacing one of that name.
    pub async fn put_test_asset(
        &self,
        test_id: &str,
        name: &str,
        content_type: &str,
        bytes: impl Into<Bytes>,
    ) -> Result<StoredAsset> {
        let request = self
            .request(Method::PUT, &["tests", test_id, "assets", name])
            .header(CONTENT_TYPE, content_type)
            .body(bytes.into());
        let answer = self.exchange(request).await?;
        if !is_success(answer.status) {
            return Err(answer.error());
        }
        Ok(StoredAsset {
            asset: decode(answer.status, &answer.body)?,
            replaced: answer.status == 200,
        })
    }

    /// The test's assets, by name.
    pub async fn list_test_assets(&self, test_id: &str) -> Result<TestAssetList> {
        self.send(self.request(Method::GET, &["tests", test_id, "assets"]))
            .await
    }

    /// The short-lived signed URL of an asset's bytes.
    pub async fn test_asset_url(&self, test_id: &str, name: &str) -> Result<Url> {
        self.signed_url_behind(&["tests", test_id, "assets", name])
            .await
    }

    /// An asset's bytes, fetched from its signed URL.
    pub async fn get_test_asset(&self, test_id: &str, name: &str) -> Result<Bytes> {
        let url = self.test_asset_url(test_id, name).await?;
        let mut download = self.download(&url).await?;
        let mut bytes = Vec::new();
        while let Some(chunk) = download.chunk().await? {
            bytes.extend_from_slice(&chunk);
        }
        Ok(Bytes::from(bytes))
    }

    pub async fn delete_test_asset(&self, test_id: &str, name: &str) -> Result<()> {
        self.send_empty(self.request(Method::DELETE, &["tests", test_id, "assets", name]))
            .await
    }
}
