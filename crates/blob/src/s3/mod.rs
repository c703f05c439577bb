//! The scale-out deployment's blob store: any S3-compatible service, through
//! object_store.
//!
//! Bytes of uploads and downloads never pass through the API: clients get
//! SigV4-presigned URLs from object_store's [`Signer`] — one PUT for a whole
//! object; for a part, a PUT signed with the `partNumber` and `uploadId`
//! query parameters (`Signer::signed_url_opts`), as S3's UploadPart wants.
//! The API itself only creates, lists ([`list_parts`]), completes and aborts
//! uploads. S3 computes no SHA-256, so after an upload completes the object
//! is read back once, streamed, and its digest kept in a sidecar object
//! (see [`digest`]).

mod config;
mod digest;
mod list_parts;

use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::multipart::{MultipartStore, PartId};
use object_store::path::Path;
use object_store::signer::{Method, SignedUrlOptions, Signer};
use object_store::{ClientOptions, ObjectStoreExt, RetryConfig};
use url::Url;

pub use config::S3Settings;

/// S3's smallest part, but for the last one: pick part sizes at least this.
pub const MIN_PART_SIZE: u64 = 5 * 1024 * 1024;

use crate::parts::{bare_etag, check_part_number, check_parts};
use crate::{BlobError, BlobStore, CompletedPart, ObjectInfo, PartInfo, Result, validate_key};

#[derive(Debug)]
pub struct S3BlobStore {
    s3: AmazonS3,
    /// For the calls object_store does not make (ListParts), sent to URLs
    /// presigned by `s3`.
    http: reqwest::Client,
}

impl S3BlobStore {
    /// Builds the client; no request is sent until the store is used. Needs
    /// credentials (in the URL or from [`S3Settings::with_credentials`]):
    /// without them object_store would look for instance credentials, which
    /// presigned URLs cannot use anyway.
    pub fn connect(settings: S3Settings) -> Result<Self> {
        let (Some(access_key_id), Some(secret)) =
            (&settings.access_key_id, &settings.secret_access_key)
        else {
            return Err(BlobError::Config(
                "S3 credentials are missing: add access_key_id and secret_access_key to the s3:// URL, or set them in the server's configuration".into(),
            ));
        };
        let client_options = ClientOptions::new()
            .with_allow_http(settings.http_allowed())
            .with_connect_timeout(Duration::from_secs(5))
            // Whole requests may stream gigabytes (hashing an object): bound
            // silence, not duration.
            .with_timeout_disabled()
            .with_read_timeout(Duration::from_secs(60));
        let retry = RetryConfig {
            max_retries: 5,
            retry_timeout: Duration::from_secs(60),
            ..RetryConfig::default()
        };
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&settings.bucket)
            .with_region(&settings.region)
            .with_access_key_id(access_key_id)
            .with_secret_access_key(secret.expose())
            .with_virtual_hosted_style_request(settings.virtual_hosted_style)
            .with_client_options(client_options)
            .with_retry(retry);
        if let Some(endpoint) = &settings.endpoint {
            builder = builder.with_endpoint(endpoint);
        }
        if let Some(token) = &settings.session_token {
            builder = builder.with_token(token.expose());
        }
        let s3 = builder
            .build()
            .map_err(|err| BlobError::Config(format!("S3 store: {err}")))?;
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|err| BlobError::Config(format!("HTTP client: {err}")))?;
        Ok(S3BlobStore { s3, http })
    }
}

/// The object_store path of a validated key.
fn object_path(key: &str) -> Result<Path> {
    validate_key(key)?;
    Path::parse(key).map_err(|_| BlobError::InvalidKey {
        key: key.to_string(),
        reason: "the S3 store cannot name it",
    })
}

fn backend(doing: &str, err: object_store::Error) -> BlobError {
    BlobError::Backend(format!("{doing}: {err}"))
}

/// Errors of calls naming an upload: S3 answers 404 (`NoSuchUpload`) for
/// one that is gone.
fn upload_error(doing: &str, upload_id: &str, err: object_store::Error) -> BlobError {
    match err {
        object_store::Error::NotFound { .. } => BlobError::UploadNotFound {
            upload_id: upload_id.to_string(),
        },
        other => backend(doing, other),
    }
}

/// S3 refuses (`EntityTooSmall`) a complete whose parts but the last are
/// under 5 MiB; say so with the part, before asking it.
fn check_min_part_size(stored: &[PartInfo], count: usize) -> Result<()> {
    let too_small = stored
        .iter()
        .find(|part| (part.part_number as usize) < count && part.size < MIN_PART_SIZE);
    match too_small {
        Some(part) => Err(BlobError::InvalidPart {
            part_number: part.part_number,
            reason: format!(
                "is {} bytes; S3 wants every part but the last to be at least {MIN_PART_SIZE} bytes (5 MiB): upload with a larger part size",
                part.size
            ),
        }),
        None => Ok(()),
    }
}

#[async_trait]
impl BlobStore for S3BlobStore {
    fn kind(&self) -> &'static str {
        "s3"
    }

    async fn presign_put(&self, key: &str, expires_in: Duration) -> Result<Url> {
        let path = object_path(key)?;
        self.s3
            .signed_url(Method::PUT, &path, expires_in)
            .await
            .map_err(|err| backend("presigning a PUT", err))
    }

    /// S3 takes parts of any size (5 MiB or more but the last): the part
    /// size is only checked at complete.
    async fn create_multipart(&self, key: &str, _part_size: u64) -> Result<String> {
        let path = object_path(key)?;
        MultipartStore::create_multipart(&self.s3, &path)
            .await
            .map_err(|err| backend("starting a multipart upload", err))
    }

    async fn presign_part(
        &self,
        key: &str,
        upload_id: &str,
        part_number: u32,
        expires_in: Duration,
    ) -> Result<Url> {
        let path = object_path(key)?;
        check_part_number(part_number)?;
        let options = SignedUrlOptions::default().with_query([
            ("partNumber", part_number.to_string()),
            ("uploadId", upload_id.to_string()),
        ]);
        self.s3
            .signed_url_opts(Method::PUT, &path, expires_in, &options)
            .await
            .map_err(|err| backend("presigning a part", err))
    }

    async fn list_parts(&self, key: &str, upload_id: &str) -> Result<Vec<PartInfo>> {
        let path = object_path(key)?;
        list_parts::list_parts(&self.s3, &self.http, &path, upload_id).await
    }

    async fn complete_multipart(
        &self,
        key: &str,
        upload_id: &str,
        parts: &[CompletedPart],
        part_size: Option<u64>,
    ) -> Result<ObjectInfo> {
        let path = object_path(key)?;
        let stored = list_parts::list_parts(&self.s3, &self.http, &path, upload_id).await?;
        let total = check_parts(parts, &stored, part_size)?;
        check_min_part_size(&stored, parts.len())?;
        // object_store numbers the parts 1..=N in the order given, which
        // check_parts has just ensured is theirs.
        let ids = parts
            .iter()
            .map(|part| PartId {
                content_id: format!("\"{}\"", bare_etag(&part.etag)),
            })
            .collect();
        MultipartStore::complete_multipart(&self.s3, &path, &upload_id.to_string(), ids)
            .await
            .map_err(|err| upload_error("completing a multipart upload", upload_id, err))?;
        let info = digest::hash_and_record(&self.s3, key, &path).await?;
        if info.size != total {
            return Err(BlobError::Backend(format!(
                "completed {key} holds {} bytes, but its parts listed {total}",
                info.size
            )));
        }
        Ok(info)
    }

    async fn abort_multipart(&self, key: &str, upload_id: &str) -> Result<()> {
        let path = object_path(key)?;
        match MultipartStore::abort_multipart(&self.s3, &path, &upload_id.to_string()).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(err) => Err(backend("aborting a multipart upload", err)),
        }
    }

    async fn head(&self, key: &str) -> Result<Option<ObjectInfo>> {
        let path = object_path(key)?;
        digest::head(&self.s3, key, &path).await
    }

    async fn presign_get(
        &self,
        key: &str,
        expires_in: Duration,
        download_name: Option<&str>,
    ) -> Result<Url> {
        let path = object_path(key)?;
        let mut options = SignedUrlOptions::default();
        if let Some(name) = download_name {
            options = options.with_query([(
                "response-content-disposition",
                crate::disposition::attachment(name),
            )]);
        }
        self.s3
            .signed_url_opts(Method::GET, &path, expires_in, &options)
            .await
            .map_err(|err| backend("presigning a GET", err))
    }

    async fn put_bytes(&self, key: &str, bytes: Bytes) -> Result<ObjectInfo> {
        let path = object_path(key)?;
        digest::put_and_record(&self.s3, key, &path, bytes).await
    }

    async fn delete(&self, key: &str) -> Result<()> {
        let path = object_path(key)?;
        digest::forget(&self.s3, key).await?;
        match self.s3.delete(&path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(err) => Err(backend("deleting an object", err)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> S3BlobStore {
        let settings = S3Settings::from_url(
            "s3://bucket?endpoint=http://127.0.0.1:9&access_key_id=AK&secret_access_key=SK",
        )
        .unwrap();
        S3BlobStore::connect(settings).unwrap()
    }

    #[tokio::test]
    async fn part_urls_sign_the_part_number_and_upload_id() {
        let url = store()
            .presign_part("builds/x.zip", "UP-1", 7, Duration::from_secs(60))
            .await
            .unwrap();
        assert_eq!(url.path(), "/bucket/builds/x.zip");
        let query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        assert!(query.contains(&("partNumber".into(), "7".into())), "{url}");
        assert!(query.contains(&("uploadId".into(), "UP-1".into())), "{url}");
        let signed = query
            .iter()
            .find(|(name, _)| name == "X-Amz-SignedHeaders")
            .map(|(_, value)| value.as_str());
        assert_eq!(signed, Some("host"));
        assert!(query.iter().any(|(name, _)| name == "X-Amz-Signature"));
    }

    #[test]
    fn a_store_without_credentials_is_refused_with_what_to_do() {
        let settings = S3Settings::from_url("s3://bucket?endpoint=http://127.0.0.1:9").unwrap();
        let err = S3BlobStore::connect(settings).unwrap_err();
        assert!(err.to_string().contains("access_key_id"), "{err}");
    }

    #[tokio::test]
    async fn keys_are_checked_before_anything_is_signed() {
        let err = store()
            .presign_put("../x", Duration::from_secs(60))
            .await
            .unwrap_err();
        assert!(matches!(err, BlobError::InvalidKey { .. }));
    }
}
