//! `/builds/upload...`: the reference's four upload endpoints. Initiate
//! says how to send the file (one URL, or an upload id and a part size);
//! part URLs are asked for in batches (the upload id authorises that, so no
//! API key is sent); complete lists every part's ETag; cancel gives up.
//! The bytes themselves go to storage URLs: see `transfer`.

use playtest_types::{
    CancelUploadQuery, CancelUploadResponse, CompleteUploadRequest, CompleteUploadResponse,
    InitiateUploadRequest, InitiateUploadResponse, UploadPartsQuery, UploadPartsResponse,
};
use reqwest::Method;

use crate::http::join;
use crate::{Client, Result};

impl Client {
    /// Announces a build: answers with a single URL to PUT the file to, or
    /// with a multipart upload's id, part size and part count.
    pub async fn initiate_upload(
        &self,
        request: &InitiateUploadRequest,
    ) -> Result<InitiateUploadResponse> {
        self.send(
            self.request(Method::POST, &["builds", "upload"])
                .json(request),
        )
        .await
    }

    /// Fresh storage URLs for some parts of a multipart upload. Sent
    /// without the API key: the upload id authorises it.
    pub async fn upload_part_urls(
        &self,
        upload_id: &str,
        object_key: &str,
        part_numbers: &[i64],
    ) -> Result<UploadPartsResponse> {
        let query = UploadPartsQuery {
            upload_id: upload_id.to_string(),
            object_key: object_key.to_string(),
            part_numbers: part_numbers
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(","),
        };
        let url = join(&self.root, &["builds", "upload", "parts"]);
        self.send(self.http.get(url).query(&query)).await
    }

    /// Finishes an upload: for multipart, every part's number and ETag.
    pub async fn complete_upload(
        &self,
        request: &CompleteUploadRequest,
    ) -> Result<CompleteUploadResponse> {
        self.send(
            self.request(Method::POST, &["builds", "upload", "complete"])
                .json(request),
        )
        .await
    }

    /// Gives up an unfinished upload; the server drops its parts.
    pub async fn cancel_upload(&self, query: &CancelUploadQuery) -> Result<CancelUploadResponse> {
        self.send(
            self.request(Method::DELETE, &["builds", "upload"])
                .query(query),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::API_KEY_HEADER;

    #[test]
    fn part_urls_are_asked_for_without_the_api_key() {
        let client =
            Client::new("http://h:1", Some(playtest_types::Secret::new("pt_secret"))).unwrap();
        let query = UploadPartsQuery {
            upload_id: "up 1".into(),
            object_key: "builds/p/b".into(),
            part_numbers: "1,2,3".into(),
        };
        let url = join(&client.root, &["builds", "upload", "parts"]);
        let request = client.http.get(url).query(&query).build().unwrap();
        assert!(request.headers().get(API_KEY_HEADER).is_none());
        assert_eq!(
            request.url().as_str(),
            "http://h:1/api/v1/builds/upload/parts?upload_id=up+1&object_key=builds%2Fp%2Fb&part_numbers=1%2C2%2C3"
        );
    }

    #[test]
    fn a_cancel_names_the_build_object_and_upload() {
        let client = Client::new("http://h:1", Some(playtest_types::Secret::new("k"))).unwrap();
        let query = CancelUploadQuery {
            build_id: "bld_1".into(),
            object_key: "o".into(),
            upload_id: None,
        };
        let request = client
            .request(Method::DELETE, &["builds", "upload"])
            .query(&query)
            .build()
            .unwrap();
        assert_eq!(
            request.url().as_str(),
            "http://h:1/api/v1/builds/upload?build_id=bld_1&object_key=o"
        );
    }
}
