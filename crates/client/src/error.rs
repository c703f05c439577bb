//! The client's one error type.
//!
//! Policy: every method returns [`Result`]. A 4xx/5xx answer with the
//! server's JSON error body becomes [`Error::Api`], untouched, so callers can
//! match on its status and `code`. A request that never got an answer is
//! [`Error::Transport`]; an answer that is not the JSON we expected is
//! [`Error::Decode`]. A storage URL (a part or download URL, on the API
//! server or on S3) that refuses a transfer is [`Error::Storage`], whatever
//! its body's format. The API key never appears in any of them.
//!
//! [`Error::is_retryable`] and [`Error::retry_after`] tell a caller that
//! retries whether trying again can help and how long the server asked it
//! to wait; the retrying itself is the caller's.

use std::time::Duration;

use playtest_types::ErrorBody;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where an API error body carries the `Retry-After` of its answer.
pub(crate) const RETRY_AFTER_DETAIL: &str = "retry_after_seconds";

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The server answered with an error status and its error body.
    #[error("{message} ({code})", message = .body.error, code = .body.code)]
    Api { status: u16, body: ErrorBody },
    /// No answer: the server is unreachable, refused the connection or
    /// timed out. The display names the URL and the root cause (the
    /// underlying error is kept in the variant, not chained as a source, so
    /// the cause is not printed twice).
    #[error("{}; is it running at that address?", transport_summary(.0))]
    Transport(reqwest::Error),
    /// An answer whose body is not the JSON expected for its status.
    #[error("unexpected answer from the server (HTTP {status}): {message}")]
    Decode { status: u16, message: String },
    /// The base URL given to [`crate::Client::new`] is unusable.
    #[error("invalid API URL '{url}': {reason}")]
    InvalidUrl { url: String, reason: String },
    /// The API key holds characters an HTTP header cannot carry.
    #[error("the API key is not a valid header value (it must be printable ASCII)")]
    InvalidApiKey,
    /// The worker token holds characters an HTTP header cannot carry.
    #[error("the worker token is not a valid header value (it must be printable ASCII)")]
    InvalidWorkerToken,
    /// A storage URL refused a transfer: its status, the storage's own
    /// error code when it sent one (`AccessDenied`, `NoSuchUpload`, ...),
    /// its message, and the `Retry-After` it asked for.
    #[error("the storage answered HTTP {status}: {message}")]
    Storage {
        status: u16,
        code: Option<String>,
        message: String,
        retry_after: Option<Duration>,
    },
    /// The storage accepted a part but sent no `ETag`, which completing the
    /// upload needs.
    #[error("the storage accepted the part but sent no ETag header")]
    MissingEtag,
    /// A local file could not be read.
    #[error("could not read {path}: {source}")]
    File {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// Statuses that say "try again later" rather than "this is wrong".
const RETRYABLE_STATUSES: [u16; 2] = [408, 429];
/// The code of the embedded store's 400 for a body that ended early.
const BODY_CUT_SHORT: &str = "UPLOAD_INTERRUPTED";

impl Error {
    /// The HTTP status of the answer, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. }
            | Error::Decode { status, .. }
            | Error::Storage { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether the same request may succeed if sent again: no answer at all
    /// (connection refused or reset, timeout), 408, 429, any 5xx, and a
    /// storage saying the body it got was cut short.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Transport(err) => !err.is_builder(),
            Error::Storage {
                code: Some(code), ..
            } if code == BODY_CUT_SHORT => true,
            _ => self
                .status()
                .is_some_and(|status| RETRYABLE_STATUSES.contains(&status) || status >= 500),
        }
    }

    /// How long the server asked to wait before trying again: its
    /// `Retry-After` header (an API error body carries it as
    /// `details.retry_after_seconds`).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Storage { retry_after, .. } => *retry_after,
            Error::Api { body, .. } => {
                let value = body.details.get(RETRY_AFTER_DETAIL)?;
                let seconds = value
                    .as_u64()
                    .or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()))?;
                Some(Duration::from_secs(seconds))
            }
            _ => None,
        }
    }

    /// The server's error code (`VALIDATION_ERROR`, `NOT_FOUND`, ...).
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Api { body, .. } => Some(&body.code),
            Error::Storage { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    /// True when no connection could be made at all (nothing listening,
    /// wrong host), as opposed to a connection that broke or timed out.
    pub fn is_connect(&self) -> bool {
        matches!(self, Error::Transport(err) if err.is_connect())
    }

    /// For a transport error, what failed without advice on what to do
    /// ("could not reach the server at URL (cause)"), for callers that
    /// give their own advice.
    pub fn transport_summary(&self) -> Option<String> {
        match self {
            Error::Transport(err) => Some(transport_summary(err)),
            _ => None,
        }
    }

    /// `scheme://host:port` of the server a transport error was about.
    pub fn server_origin(&self) -> Option<String> {
        match self {
            Error::Transport(err) => err.url().map(|url| url.origin().ascii_serialization()),
            _ => None,
        }
    }
}

/// "could not reach the server at http://host:port (connection refused)",
/// with the deepest cause, which is the informative one.
fn transport_summary(err: &reqwest::Error) -> String {
    let mut cause: &dyn std::error::Error = err;
    while let Some(next) = cause.source() {
        cause = next;
    }
    let target = err
        .url()
        .map(|url| format!("the server at {}", url.origin().ascii_serialization()))
        .unwrap_or_else(|| "the server".to_string());
    let what = if err.is_timeout() {
        "timed out".to_string()
    } else {
        cause.to_string()
    };
    format!("could not reach {target} ({what})")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api_error(status: u16, message: &str, code: &str) -> Error {
        let body = ErrorBody {
            error: message.into(),
            code: code.into(),
            details: Default::default(),
        };
        Error::Api { status, body }
    }

    #[test]
    fn an_api_error_displays_the_server_message_and_code() {
        let err = api_error(401, "Invalid API key", "UNAUTHORIZED");
        assert_eq!(err.to_string(), "Invalid API key (UNAUTHORIZED)");
        assert_eq!(err.status(), Some(401));
        assert_eq!(err.code(), Some("UNAUTHORIZED"));
    }

    #[test]
    fn a_decode_error_has_a_status_but_no_code() {
        let err = Error::Decode {
            status: 502,
            message: "not JSON".into(),
        };
        assert_eq!(err.status(), Some(502));
        assert_eq!(err.code(), None);
        assert!(err.to_string().contains("HTTP 502"));
    }

    #[test]
    fn server_errors_and_throttling_are_retryable_but_client_errors_are_not() {
        for status in [408, 429, 500, 502, 503] {
            assert!(api_error(status, "x", "X").is_retryable(), "{status}");
        }
        for status in [400, 401, 402, 403, 404, 409, 413] {
            assert!(!api_error(status, "x", "X").is_retryable(), "{status}");
        }
        let proxy = Error::Decode {
            status: 502,
            message: "<html>".into(),
        };
        assert!(proxy.is_retryable());
        assert!(!Error::MissingEtag.is_retryable());
        let cut_short = Error::Storage {
            status: 400,
            code: Some("UPLOAD_INTERRUPTED".into()),
            message: "the body ended early".into(),
            retry_after: None,
        };
        assert!(cut_short.is_retryable());
    }

    #[test]
    fn the_retry_delay_comes_from_the_header_or_the_error_details() {
        let storage = Error::Storage {
            status: 429,
            code: Some("SlowDown".into()),
            message: "Please reduce your request rate".into(),
            retry_after: Some(Duration::from_secs(2)),
        };
        assert_eq!(storage.retry_after(), Some(Duration::from_secs(2)));
        assert_eq!(storage.code(), Some("SlowDown"));
        let mut api = api_error(429, "Rate limit exceeded", "RATE_LIMITED");
        assert_eq!(api.retry_after(), None);
        if let Error::Api { body, .. } = &mut api {
            body.details
                .insert("retry_after_seconds".into(), serde_json::json!(3));
        }
        assert_eq!(api.retry_after(), Some(Duration::from_secs(3)));
    }

    #[tokio::test]
    async fn an_unreachable_server_is_a_transport_error_naming_it() {
        // Bind a port and close it again, so nothing listens there.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let client = crate::Client::new(
            &format!("http://127.0.0.1:{port}"),
            Some(playtest_types::Secret::new("pt_secret")),
        )
        .unwrap();
        let err = client.health().await.unwrap_err();
        assert!(err.is_connect(), "{err:?}");
        assert_eq!(
            err.server_origin(),
            Some(format!("http://127.0.0.1:{port}"))
        );
        let message = err.to_string();
        let origin = format!("the server at http://127.0.0.1:{port} (");
        assert!(message.contains(&origin), "{message}");
        assert!(
            message.ends_with("is it running at that address?"),
            "{message}"
        );
        let summary = err.transport_summary().unwrap();
        assert!(
            summary.starts_with("could not reach the server at"),
            "{summary}"
        );
        assert!(!message.contains("pt_secret") && !format!("{err:?}").contains("pt_secret"));
    }
}
