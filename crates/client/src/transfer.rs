//! Moving build bytes to and from storage URLs: the absolute, signed URLs
//! the API hands out, which point at the API server's own store or at an
//! S3 server. They carry no API key (their signature authorises them), so
//! these requests go through a separate HTTP client that never sends the
//! key, follows no redirect, and has no whole-request timeout of the API's
//! kind: a part of 100 MiB on a slow link takes minutes.
//!
//! A part is streamed from its file range, never held in memory, with an
//! explicit `Content-Length` (S3 refuses a chunked PUT).

use std::path::PathBuf;
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use reqwest::header::{CONTENT_LENGTH, ETAG, HeaderMap};
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio_util::io::ReaderStream;
use url::Url;

use crate::http::{is_success, retry_after, snippet};
use crate::{Client, Error, Result};

/// Bytes read from the file at a time while streaming a part.
const READ_CHUNK: usize = 256 * 1024;
/// Every transfer gets this long, plus the time its bytes take at
/// [`SLOWEST_RATE`]: enough for a slow link, yet a stalled connection
/// ends eventually.
const TRANSFER_GRACE: Duration = Duration::from_secs(120);
/// Bytes per second below which a transfer is taken as stalled.
const SLOWEST_RATE: u64 = 32 * 1024;
/// How long a download may wait for its next bytes.
const DOWNLOAD_IDLE: Duration = Duration::from_secs(120);

/// A byte range of a local file: the body of one part (or of a whole
/// single-part upload).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRange {
    pub path: PathBuf,
    pub offset: u64,
    pub len: u64,
}

/// The time a transfer of `len` bytes may take before it counts as stalled.
fn transfer_timeout(len: u64) -> Duration {
    TRANSFER_GRACE + Duration::from_secs(len / SLOWEST_RATE)
}

impl Client {
    /// PUTs a file range to a storage URL, streaming it from disk, and
    /// returns the `ETag` the storage answered with, as sent (S3 quotes it).
    /// `on_sent` is told of every chunk handed to the connection, for a
    /// progress display; a caller that retries should take back what a
    /// failed attempt reported.
    pub async fn put_file_range<F>(
        &self,
        url: &str,
        range: &FileRange,
        on_sent: F,
    ) -> Result<String>
    where
        F: Fn(u64) + Send + Sync + 'static,
    {
        let file_error = |source| Error::File {
            path: range.path.display().to_string(),
            source,
        };
        let mut file = tokio::fs::File::open(&range.path)
            .await
            .map_err(file_error)?;
        file.seek(std::io::SeekFrom::Start(range.offset))
            .await
            .map_err(file_error)?;
        let stream =
            ReaderStream::with_capacity(file.take(range.len), READ_CHUNK).inspect(move |chunk| {
                if let Ok(chunk) = chunk {
                    on_sent(chunk.len() as u64);
                }
            });
        let request = self
            .transfer
            .put(storage_url(url)?)
            .header(CONTENT_LENGTH, range.len)
            .timeout(transfer_timeout(range.len))
            .body(reqwest::Body::wrap_stream(stream));
        self.put(request).await
    }

    /// PUTs bytes already in memory to a storage URL; returns the `ETag`.
    pub async fn put_bytes(&self, url: &str, body: Bytes) -> Result<String> {
        let len = body.len() as u64;
        let request = self
            .transfer
            .put(storage_url(url)?)
            .header(CONTENT_LENGTH, len)
            .timeout(transfer_timeout(len))
            .body(body);
        self.put(request).await
    }

    async fn put(&self, request: reqwest::RequestBuilder) -> Result<String> {
        let response = request.send().await.map_err(Error::Transport)?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(Error::Transport)?;
        if !is_success(status) {
            return Err(storage_error(status, &headers, &body));
        }
        let etag = headers
            .get(ETAG)
            .and_then(|value| value.to_str().ok())
            .map(str::trim)
            .filter(|etag| !etag.is_empty());
        etag.map(str::to_string).ok_or(Error::MissingEtag)
    }

    /// Starts downloading from a storage URL (a signed download URL).
    pub async fn download(&self, url: &Url) -> Result<Download> {
        let response = self
            .transfer
            .get(url.clone())
            .send()
            .await
            .map_err(Error::Transport)?;
        let status = response.status().as_u16();
        if !is_success(status) {
            let headers = response.headers().clone();
            let body = response.bytes().await.map_err(Error::Transport)?;
            return Err(storage_error(status, &headers, &body));
        }
        Ok(Download { response })
    }
}

/// A download under way: its bytes arrive chunk by chunk.
#[derive(Debug)]
pub struct Download {
    response: reqwest::Response,
}

impl Download {
    /// The size the storage announced, when it did.
    pub fn content_length(&self) -> Option<u64> {
        self.response.content_length()
    }

    /// The next bytes, or `None` at the end. A connection that stays silent
    /// too long is a (retryable) transport error.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>> {
        match tokio::time::timeout(DOWNLOAD_IDLE, self.response.chunk()).await {
            Ok(chunk) => chunk.map_err(Error::Transport),
            Err(_) => Err(Error::Storage {
                status: 408,
                code: None,
                message: format!("no data for {} s", DOWNLOAD_IDLE.as_secs()),
                retry_after: None,
            }),
        }
    }
}

fn storage_url(url: &str) -> Result<Url> {
    Url::parse(url).map_err(|err| Error::InvalidUrl {
        url: url.to_string(),
        reason: format!("the server handed out an unusable storage URL ({err})"),
    })
}

/// The error a storage's refusal stands for, whatever its body's format:
/// our API's JSON error body, S3's XML `<Error>`, or anything else.
pub(crate) fn storage_error(status: u16, headers: &HeaderMap, body: &[u8]) -> Error {
    let (code, message) = match serde_json::from_slice::<playtest_types::ErrorBody>(body) {
        Ok(body) => (Some(body.code), body.error),
        Err(_) => {
            let text = String::from_utf8_lossy(body);
            match (xml_element(&text, "Code"), xml_element(&text, "Message")) {
                (Some(code), Some(message)) => (Some(code), message),
                (Some(code), None) => (Some(code.clone()), code),
                _ => (None, snippet(body)),
            }
        }
    };
    Error::Storage {
        status,
        code,
        message,
        retry_after: retry_after(headers),
    }
}

/// The text of the first `<name>...</name>` in an XML document.
fn xml_element(xml: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let start = xml.find(&open)? + open.len();
    let end = start + xml[start..].find(&format!("</{name}>"))?;
    Some(xml[start..end].trim().to_string())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};

    use reqwest::header::RETRY_AFTER;
    use tokio::io::AsyncWriteExt;
    use tokio::net::TcpListener;

    use super::*;

    /// Accepts one request, answers `answer`, returns the request's head
    /// (lowercased) and body.
    async fn one_request(listener: TcpListener, answer: &'static str) -> (String, Vec<u8>) {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut received = Vec::new();
        let mut buf = [0u8; 4096];
        let head_end = loop {
            let n = socket.read(&mut buf).await.unwrap();
            assert!(n > 0, "the connection closed before the head ended");
            received.extend_from_slice(&buf[..n]);
            if let Some(at) = received.windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
        };
        let head = String::from_utf8_lossy(&received[..head_end]).to_lowercase();
        let length: usize = head
            .lines()
            .find_map(|line| line.strip_prefix("content-length:"))
            .map(|value| value.trim().parse().unwrap())
            .unwrap_or(0);
        let mut body = received[head_end..].to_vec();
        while body.len() < length {
            let n = socket.read(&mut buf).await.unwrap();
            assert!(n > 0, "the connection closed before the body ended");
            body.extend_from_slice(&buf[..n]);
        }
        socket.write_all(answer.as_bytes()).await.unwrap();
        (head, body)
    }

    #[tokio::test]
    async fn a_file_range_is_streamed_with_its_length_and_no_api_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("build.bin");
        let bytes: Vec<u8> = (0..2_000_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &bytes).unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/store/part?sig=1", listener.local_addr().unwrap());
        let server = tokio::spawn(one_request(
            listener,
            "HTTP/1.1 200 OK\r\nETag: \"abc123\"\r\nContent-Length: 0\r\n\r\n",
        ));
        let client = Client::new(
            "http://127.0.0.1:1",
            Some(playtest_types::Secret::new("pt_secret")),
        )
        .unwrap();
        let range = FileRange {
            path,
            offset: 100_000,
            len: 1_500_000,
        };
        let counted = Arc::new(AtomicU64::new(0));
        let counter = counted.clone();
        let etag = client
            .put_file_range(&url, &range, move |n| {
                counter.fetch_add(n, Ordering::Relaxed);
            })
            .await
            .unwrap();
        let (head, body) = server.await.unwrap();
        assert_eq!(etag, "\"abc123\"");
        assert!(head.starts_with("put /store/part?sig=1 "), "{head}");
        assert!(head.contains("content-length: 1500000\r\n"), "{head}");
        assert!(!head.contains("transfer-encoding"), "{head}");
        assert!(!head.contains("x-api-key"), "{head}");
        assert!(body == bytes[100_000..1_600_000], "the body is the range");
        assert_eq!(counted.load(Ordering::Relaxed), 1_500_000);
    }

    #[tokio::test]
    async fn an_accepted_part_without_an_etag_is_an_error() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/p", listener.local_addr().unwrap());
        tokio::spawn(one_request(
            listener,
            "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
        ));
        let client = Client::new("http://127.0.0.1:1", None).unwrap();
        let err = client
            .put_bytes(&url, Bytes::from_static(b"abc"))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::MissingEtag), "{err:?}");
    }

    #[test]
    fn an_s3_error_gives_its_code_and_message() {
        let body = br#"<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>AccessDenied</Code><Message>Request has expired</Message><RequestId>1</RequestId></Error>"#;
        match storage_error(403, &HeaderMap::new(), body) {
            Error::Storage {
                status,
                code,
                message,
                retry_after,
            } => {
                assert_eq!(status, 403);
                assert_eq!(code.as_deref(), Some("AccessDenied"));
                assert_eq!(message, "Request has expired");
                assert_eq!(retry_after, None);
            }
            other => panic!("expected a storage error, got {other:?}"),
        }
    }

    #[test]
    fn an_api_error_body_from_the_embedded_store_gives_its_code() {
        let body = br#"{"error":"Upload not found","code":"UPLOAD_NOT_FOUND"}"#;
        let err = storage_error(404, &HeaderMap::new(), body);
        assert_eq!(err.code(), Some("UPLOAD_NOT_FOUND"));
        assert_eq!(
            err.to_string(),
            "the storage answered HTTP 404: Upload not found"
        );
    }

    #[test]
    fn a_throttled_storage_answer_keeps_its_retry_after() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, "1".parse().unwrap());
        let err = storage_error(429, &headers, b"slow down");
        assert_eq!(err.retry_after(), Some(Duration::from_secs(1)));
        assert!(err.is_retryable());
        assert_eq!(err.code(), None);
        assert!(err.to_string().ends_with("'slow down'"), "{err}");
    }

    #[test]
    fn a_big_part_gets_more_time_than_a_small_one() {
        assert_eq!(transfer_timeout(0), TRANSFER_GRACE);
        let big = transfer_timeout(100 * 1024 * 1024);
        assert_eq!(big, TRANSFER_GRACE + Duration::from_secs(3200));
    }

    #[test]
    fn a_storage_url_that_is_not_a_url_is_refused() {
        let err = storage_url("/relative/part").unwrap_err();
        assert!(matches!(err, Error::InvalidUrl { .. }), "{err:?}");
    }
}
