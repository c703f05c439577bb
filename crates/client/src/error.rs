//! The client's one error type.
//!
//! Policy: every method returns [`Result`]. A 4xx/5xx answer with the
//! server's JSON error body becomes [`Error::Api`], untouched, so callers can
//! match on its status and `code`. A request that never got an answer is
//! [`Error::Transport`]; an answer that is not the JSON we expected is
//! [`Error::Decode`]. The API key never appears in any of them.

use playtest_types::ErrorBody;

pub type Result<T, E = Error> = std::result::Result<T, E>;

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
}

impl Error {
    /// The HTTP status of the answer, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } | Error::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The server's error code (`VALIDATION_ERROR`, `NOT_FOUND`, ...).
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Api { body, .. } => Some(&body.code),
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
            Some("pt_secret".into()),
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
