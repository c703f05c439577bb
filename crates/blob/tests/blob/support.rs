//! What the tests share: the two stores started for real, a client that
//! talks to presigned URLs like a CI machine would, and test data.

use std::any::Any;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use playtest_blob::local::{LocalBlobStore, router};
use playtest_blob::{BlobStore, Clock, SystemClock};
use sha2::{Digest, Sha256};
use tempfile::TempDir;
use tokio::net::TcpListener;
use url::Url;

pub const HOUR: Duration = Duration::from_secs(3600);

/// Where the S3 server behind the suite differs from AWS S3.
#[derive(Debug, Clone, Copy)]
pub struct Quirks {
    /// ListParts answers each part's ETag (AWS does; s3s-fs does not, so
    /// there a wrong ETag is only caught by the service, which s3s-fs skips).
    pub lists_part_etags: bool,
    /// Aborting an upload that is gone succeeds (AWS: 404 NoSuchUpload,
    /// which the store takes as done; s3s-fs: 403 AccessDenied).
    pub abort_of_a_gone_upload_succeeds: bool,
    /// A signed download name comes back as Content-Disposition.
    pub serves_download_names: bool,
    /// Listing the parts of an unknown upload fails (s3s-fs lists nothing).
    pub knows_unknown_uploads: bool,
    /// A part PUT longer than the upload's part size is refused (the local
    /// store; S3 takes it, and the complete refuses it).
    pub refuses_parts_over_the_part_size: bool,
}

/// A store under test, with whatever keeps it alive (server, folders).
pub struct Fixture {
    pub store: Arc<dyn BlobStore>,
    /// The part size the suite uploads with (S3 wants at least 5 MiB).
    pub part_size: usize,
    pub quirks: Quirks,
    _keep: Box<dyn Any + Send + Sync>,
}

/// A local store served on a port-0 listener.
pub struct LocalServer {
    pub store: Arc<LocalBlobStore>,
    pub addr: SocketAddr,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl LocalServer {
    pub async fn start(root: &std::path::Path, clock: Arc<dyn Clock>) -> LocalServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let store = LocalBlobStore::open(root, &format!("http://{addr}"))
            .await
            .unwrap()
            .with_clock(clock);
        let store = Arc::new(store);
        let app = router(store.clone());
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        LocalServer {
            store,
            addr,
            server,
        }
    }
}

pub async fn local_fixture() -> Fixture {
    let dir = TempDir::new().unwrap();
    let server = LocalServer::start(&dir.path().join("blobs"), Arc::new(SystemClock)).await;
    Fixture {
        store: server.store.clone(),
        part_size: 64 * 1024,
        quirks: Quirks {
            lists_part_etags: true,
            abort_of_a_gone_upload_succeeds: true,
            serves_download_names: true,
            knows_unknown_uploads: true,
            refuses_parts_over_the_part_size: true,
        },
        _keep: Box::new((server, dir)),
    }
}

pub use playtest_blob::testing::S3sFs;

pub async fn s3_fixture() -> Fixture {
    let server = S3sFs::start().await;
    Fixture {
        store: Arc::new(server.store()),
        part_size: 5 * 1024 * 1024,
        quirks: Quirks {
            lists_part_etags: false,
            abort_of_a_gone_upload_succeeds: false,
            serves_download_names: false,
            knows_unknown_uploads: false,
            refuses_parts_over_the_part_size: false,
        },
        _keep: Box::new(server),
    }
}

/// A clock the test moves by hand.
#[derive(Debug)]
pub struct ManualClock(AtomicU64);

impl ManualClock {
    pub fn now() -> Arc<ManualClock> {
        Arc::new(ManualClock(AtomicU64::new(SystemClock.now_unix())))
    }

    pub fn advance(&self, by: Duration) {
        self.0.fetch_add(by.as_secs(), Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_unix(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::new()
}

/// PUTs `body` to a presigned URL as a client would; returns the status and
/// the ETag header.
pub async fn put(url: &Url, body: impl Into<reqwest::Body>) -> (u16, Option<String>) {
    let response = client().put(url.clone()).body(body).send().await.unwrap();
    let etag = response
        .headers()
        .get("etag")
        .map(|value| value.to_str().unwrap().to_string());
    (response.status().as_u16(), etag)
}

/// PUTs and insists on success; returns the ETag.
pub async fn put_ok(url: &Url, body: Bytes) -> String {
    let response = client().put(url.clone()).body(body).send().await.unwrap();
    let status = response.status();
    let etag = response
        .headers()
        .get("etag")
        .map(|v| v.to_str().unwrap().to_string());
    assert!(
        status.is_success(),
        "PUT answered {status}: {}",
        response.text().await.unwrap_or_default()
    );
    etag.expect("a PUT answers an ETag")
}

/// Deterministic, non-repeating test bytes.
pub fn data(len: usize, seed: u8) -> Bytes {
    let mut state = 0x9e37_79b9_7f4a_7c15u64 ^ u64::from(seed);
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect::<Vec<u8>>()
        .into()
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}
