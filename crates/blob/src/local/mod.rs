//! The embedded deployment's blob store: a folder on the server's disk.
//!
//! The server signs its own upload and download URLs (see [`signing`]) and
//! serves them with [`router`]; bytes are streamed to and from disk, never
//! held whole in memory. Every object, sidecar and part record appears by
//! an atomic rename; a multipart upload's parts are written in place into
//! one file that becomes the object (see [`layout`] for the folder layout,
//! [`complete`]). One process owns a folder: the locks that keep a part and
//! its record (an object and its digest) together, and the fences between
//! the writers of one upload ([`slots`]), are in-process.

mod complete;
mod hashing;
mod http;
mod layout;
mod locks;
mod objects;
mod signing;
mod slots;
mod uploads;
mod write;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use url::Url;

pub use http::router;

use crate::parts::check_part_number;
use crate::{
    BlobError, BlobStore, Clock, CompletedPart, ObjectInfo, PartInfo, Result, SystemClock,
    validate_key,
};
use layout::Layout;
use locks::Stripes;
use signing::{Grant, SigningKey};
use slots::Slots;

/// The path under the public URL where [`router`] serves signed URLs.
pub const URL_PREFIX: &str = "/blobs";

/// Temp files older than this when the store opens were left by a crash.
const STALE_TEMP: Duration = Duration::from_secs(3600);

pub struct LocalBlobStore {
    layout: Layout,
    signing: SigningKey,
    public_url: Url,
    clock: Arc<dyn Clock>,
    upload_locks: Stripes,
    object_locks: Stripes,
    slots: Arc<Slots>,
}

impl std::fmt::Debug for LocalBlobStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalBlobStore")
            .field("root", &self.layout.root())
            .field("public_url", &self.public_url.as_str())
            .finish_non_exhaustive()
    }
}

impl LocalBlobStore {
    /// Opens (creating) the store in `root`. `public_url` is the server's
    /// base URL as clients reach it (`http://host:port`); the URLs handed out
    /// are `<public_url>/blobs/<key>?...`. [`router`] serves `/blobs/...` at
    /// the root of its router: a reverse proxy that adds a path prefix to
    /// `public_url` must strip it.
    pub async fn open(root: impl Into<PathBuf>, public_url: &str) -> Result<Self> {
        let public_url = parse_public_url(public_url)?;
        let layout = Layout::new(root.into());
        layout.create_dirs().await?;
        let swept = layout.sweep_tmp(STALE_TEMP).await?;
        if swept > 0 {
            tracing::info!(swept, root = %layout.root().display(), "removed temp files left by a crash");
        }
        let signing = SigningKey::load_or_create(&layout).await?;
        Ok(LocalBlobStore {
            layout,
            signing,
            public_url,
            clock: Arc::new(SystemClock),
            upload_locks: Stripes::new(64),
            object_locks: Stripes::new(64),
            slots: Arc::new(Slots::default()),
        })
    }

    /// Replaces the clock URL expiry is measured with (tests).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    pub fn root(&self) -> &Path {
        self.layout.root()
    }

    fn signed_url(&self, grant: &Grant<'_>) -> Result<Url> {
        let mut url = self.public_url.clone();
        url.path_segments_mut()
            .map_err(|()| BlobError::Config("the public URL cannot be a base".into()))?
            .pop_if_empty()
            .push(URL_PREFIX.trim_start_matches('/'))
            .extend(grant.key.split('/'));
        {
            let mut query = url.query_pairs_mut();
            if let Some(upload_id) = grant.upload_id {
                query.append_pair("upload_id", upload_id);
            }
            if let Some(part_number) = grant.part_number {
                query.append_pair("part_number", &part_number.to_string());
            }
            if let Some(name) = grant.download_name {
                query.append_pair("download_name", name);
            }
            query.append_pair("expires", &grant.expires.to_string());
            query.append_pair("signature", &self.signing.sign(grant));
        }
        Ok(url)
    }

    fn expiry(&self, expires_in: Duration) -> u64 {
        self.clock.now_unix().saturating_add(expires_in.as_secs())
    }

    /// Checks a URL's signature, then its expiry (an altered expiry is a bad
    /// signature, not an expired URL).
    pub(crate) fn authorize(&self, grant: &Grant<'_>, signature: &str) -> Result<()> {
        if !self.signing.verify(grant, signature) {
            return Err(BlobError::BadSignature);
        }
        if self.clock.now_unix() > grant.expires {
            return Err(BlobError::Expired);
        }
        Ok(())
    }
}

fn parse_public_url(public_url: &str) -> Result<Url> {
    let url = Url::parse(public_url)
        .map_err(|err| BlobError::Config(format!("public URL {public_url:?}: {err}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
        return Err(BlobError::Config(format!(
            "public URL {public_url:?} must be an http(s) base URL such as http://127.0.0.1:8080"
        )));
    }
    Ok(url)
}

#[async_trait]
impl BlobStore for LocalBlobStore {
    fn kind(&self) -> &'static str {
        "local"
    }

    async fn presign_put(&self, key: &str, expires_in: Duration) -> Result<Url> {
        validate_key(key)?;
        self.signed_url(&Grant {
            method: "PUT",
            key,
            upload_id: None,
            part_number: None,
            expires: self.expiry(expires_in),
            download_name: None,
        })
    }

    async fn create_multipart(&self, key: &str, part_size: u64) -> Result<String> {
        self.start_upload(key, part_size).await
    }

    async fn presign_part(
        &self,
        key: &str,
        upload_id: &str,
        part_number: u32,
        expires_in: Duration,
    ) -> Result<Url> {
        validate_key(key)?;
        check_part_number(part_number)?;
        if !uploads::is_upload_id(upload_id) {
            return Err(BlobError::UploadNotFound {
                upload_id: upload_id.chars().take(64).collect(),
            });
        }
        self.signed_url(&Grant {
            method: "PUT",
            key,
            upload_id: Some(upload_id),
            part_number: Some(part_number),
            expires: self.expiry(expires_in),
            download_name: None,
        })
    }

    async fn list_parts(&self, key: &str, upload_id: &str) -> Result<Vec<PartInfo>> {
        self.stored_parts(key, upload_id).await
    }

    async fn complete_multipart(
        &self,
        key: &str,
        upload_id: &str,
        parts: &[CompletedPart],
        part_size: Option<u64>,
    ) -> Result<ObjectInfo> {
        self.finish_upload(key, upload_id, parts, part_size).await
    }

    async fn abort_multipart(&self, key: &str, upload_id: &str) -> Result<()> {
        self.drop_upload(key, upload_id).await
    }

    async fn head(&self, key: &str) -> Result<Option<ObjectInfo>> {
        self.object_head(key).await
    }

    async fn presign_get(
        &self,
        key: &str,
        expires_in: Duration,
        download_name: Option<&str>,
    ) -> Result<Url> {
        validate_key(key)?;
        self.signed_url(&Grant {
            method: "GET",
            key,
            upload_id: None,
            part_number: None,
            expires: self.expiry(expires_in),
            download_name,
        })
    }

    async fn put_bytes(&self, key: &str, bytes: Bytes) -> Result<ObjectInfo> {
        self.store_bytes(key, bytes).await
    }

    async fn delete(&self, key: &str) -> Result<()> {
        self.delete_object(key).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate_key;

    async fn store() -> (tempfile::TempDir, LocalBlobStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalBlobStore::open(dir.path(), "http://127.0.0.1:9/")
            .await
            .unwrap();
        (dir, store)
    }

    #[tokio::test]
    async fn urls_are_absolute_under_the_public_url_with_the_key_encoded() {
        let (_dir, store) = store().await;
        let url = store
            .presign_put("builds/b 1/game?.zip", Duration::from_secs(60))
            .await
            .unwrap();
        assert_eq!(url.host_str(), Some("127.0.0.1"));
        assert_eq!(url.path(), "/blobs/builds/b%201/game%3F.zip");
        let names: Vec<String> = url.query_pairs().map(|(k, _)| k.into_owned()).collect();
        assert_eq!(names, ["expires", "signature"]);
    }

    #[tokio::test]
    async fn a_crash_before_commit_leaves_no_object_and_the_leftover_is_swept() {
        let (dir, store) = store().await;
        validate_key("builds/x.zip").unwrap();
        let temp = store.layout.temp();
        std::fs::write(temp.path(), b"half a build").unwrap();
        let leftover = temp.leak();
        assert_eq!(store.head("builds/x.zip").await.unwrap(), None);
        assert!(!store.layout.object("builds/x.zip").exists());

        // An hour later the server restarts: the leftover goes.
        let old = std::time::SystemTime::now() - Duration::from_secs(2 * 3600);
        std::fs::File::options()
            .write(true)
            .open(&leftover)
            .unwrap()
            .set_modified(old)
            .unwrap();
        drop(store);
        let reopened = LocalBlobStore::open(dir.path(), "http://127.0.0.1:9")
            .await
            .unwrap();
        assert!(!leftover.exists());
        assert_eq!(reopened.head("builds/x.zip").await.unwrap(), None);
    }

    #[tokio::test]
    async fn a_lost_sidecar_is_recomputed_by_head() {
        let (_dir, store) = store().await;
        let info = store
            .put_bytes("a/b", Bytes::from_static(b"abc"))
            .await
            .unwrap();
        std::fs::remove_file(store.layout.digest("a/b")).unwrap();
        assert_eq!(store.head("a/b").await.unwrap(), Some(info));
        assert!(store.layout.digest("a/b").exists());
    }

    #[tokio::test]
    async fn a_part_whose_record_a_crash_lost_is_not_listed() {
        let (_dir, store) = store().await;
        let upload = store.create_multipart("k", 8).await.unwrap();
        for part_number in [1, 2] {
            let body =
                futures::stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(b"part"))]);
            store
                .receive_part("k", &upload, part_number, None, body)
                .await
                .unwrap();
        }
        std::fs::remove_file(store.layout.part_record(&upload, 1)).unwrap();
        let parts = store.list_parts("k", &upload).await.unwrap();
        assert_eq!(parts.iter().map(|p| p.part_number).collect::<Vec<_>>(), [2]);
    }

    #[tokio::test]
    async fn public_urls_that_are_not_http_bases_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        for bad in ["", "127.0.0.1:8080", "ftp://x", "mailto:a@b"] {
            assert!(
                LocalBlobStore::open(dir.path(), bad).await.is_err(),
                "{bad}"
            );
        }
    }
}
