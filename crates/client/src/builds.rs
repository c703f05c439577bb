//! `/builds`: list, read and delete stored builds, and find where one can
//! be downloaded from.

use playtest_types::{Build, BuildList, ListBuildsQuery, UpdateBuildRequest};
use reqwest::Method;
use reqwest::header::LOCATION;
use serde::Deserialize;
use url::Url;

use crate::http::{decode, is_success, join};
use crate::{Client, Error, Result};

impl Client {
    /// A page of the project's builds, filtered by platform, tags or name.
    pub async fn list_builds(&self, query: &ListBuildsQuery) -> Result<BuildList> {
        self.send(self.request(Method::GET, &["builds"]).query(query))
            .await
    }

    pub async fn get_build(&self, build_id: &str) -> Result<Build> {
        self.send(self.request(Method::GET, &["builds", build_id]))
            .await
    }

    /// Renames, re-tags, re-describes or pins a build.
    pub async fn update_build(
        &self,
        build_id: &str,
        request: &UpdateBuildRequest,
    ) -> Result<Build> {
        self.send(
            self.request(Method::PATCH, &["builds", build_id])
                .json(request),
        )
        .await
    }

    pub async fn delete_build(&self, build_id: &str) -> Result<()> {
        self.send_empty(self.request(Method::DELETE, &["builds", build_id]))
            .await
    }

    /// The short-lived signed URL a build's bytes can be fetched from. The
    /// API answers with a redirect to it, which is read here, not followed,
    /// so the API key never travels to the storage.
    pub async fn build_download_url(&self, build_id: &str) -> Result<Url> {
        self.signed_url_behind(&["builds", build_id, "download"])
            .await
    }

    /// The signed URL an endpoint that answers with a redirect to the
    /// storage points at, read without following it.
    pub(crate) async fn signed_url_behind(&self, segments: &[&str]) -> Result<Url> {
        let url = join(&self.root, segments);
        let request = self.with_key(
            self.transfer
                .get(url.clone())
                .timeout(crate::REQUEST_TIMEOUT),
        );
        let (status, location, body) = self.exchange_raw(request).await?;
        match (status, location) {
            (300..=399, Some(location)) => url.join(&location).map_err(|err| Error::Decode {
                status,
                message: format!("the redirect points at an unusable URL '{location}' ({err})"),
            }),
            // Lenient: an answer that names the URL in its body instead.
            (status, _) if is_success(status) => {
                let named: NamedUrl = decode(status, &body)?;
                let given = named.url.or(named.download_url).ok_or(Error::Decode {
                    status,
                    message: "expected a redirect or a body naming the download URL".into(),
                })?;
                url.join(&given).map_err(|err| Error::Decode {
                    status,
                    message: format!("unusable download URL '{given}' ({err})"),
                })
            }
            (status, _) => Err(crate::http::error_from(status, &body)),
        }
    }

    async fn exchange_raw(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<(u16, Option<String>, Vec<u8>)> {
        let response = request.send().await.map_err(Error::Transport)?;
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get(LOCATION)
            .and_then(|value| value.to_str().ok())
            .map(str::to_string);
        let body = response.bytes().await.map_err(Error::Transport)?;
        Ok((status, location, body.to_vec()))
    }
}

#[derive(Deserialize)]
struct NamedUrl {
    url: Option<String>,
    download_url: Option<String>,
}
