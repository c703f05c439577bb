//! The plumbing under every endpoint method: where the API lives, how an
//! endpoint's URL is built from path segments (each one percent-encoded, so
//! an id can never escape its place in the path), and how an answer becomes
//! a value or an [`Error`].

use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Method, RequestBuilder};
use serde::de::DeserializeOwned;
use url::Url;

use crate::{Client, Error, Result};

/// The header every authenticated request carries.
pub(crate) const API_KEY_HEADER: &str = "X-Api-Key";

/// The longest piece of an unexpected body quoted in an error.
const SNIPPET_CHARS: usize = 200;

/// A whole answer: its status, the `Retry-After` it asked for, its body.
pub(crate) struct Answer {
    pub status: u16,
    pub retry_after: Option<Duration>,
    pub body: Vec<u8>,
}

impl Answer {
    /// The error this (non-2xx) answer stands for.
    pub fn error(&self) -> Error {
        let mut err = error_from(self.status, &self.body);
        if let (Error::Api { body, .. }, Some(wait)) = (&mut err, self.retry_after) {
            body.details
                .entry(crate::error::RETRY_AFTER_DETAIL)
                .or_insert_with(|| wait.as_secs().into());
        }
        err
    }
}

/// The `Retry-After` header in seconds (the HTTP-date form is rare from
/// APIs and storages, and is ignored).
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse().ok().map(Duration::from_secs)
}

/// `http://host:port[/prefix]` -> `http://host:port[/prefix]/api/v1/`.
/// A URL that already ends in `/api/v1` is kept as it is.
pub(crate) fn api_root(base_url: &str) -> Result<Url> {
    let given = base_url.trim();
    let invalid = |reason: String| Error::InvalidUrl {
        url: given.to_string(),
        reason,
    };
    let mut url = Url::parse(given).map_err(|err| {
        invalid(format!(
            "{err} (write it with its scheme, e.g. http://127.0.0.1:8080)"
        ))
    })?;
    if url.scheme() == "https" {
        // Built without TLS to stay lean: the CLI talks to its own server,
        // usually on the loopback. A TLS-terminating proxy can sit in front.
        return Err(invalid(
            "this client speaks plain http only (no TLS support built in); use http://".into(),
        ));
    }
    if url.scheme() != "http" || url.cannot_be_a_base() {
        return Err(invalid(
            "use an http:// URL, e.g. http://127.0.0.1:8080".into(),
        ));
    }
    url.set_query(None);
    url.set_fragment(None);
    let mut path = url.path().trim_end_matches('/').to_string();
    if !path.ends_with("/api/v1") {
        path.push_str("/api/v1");
    }
    path.push('/');
    url.set_path(&path);
    Ok(url)
}

/// The root followed by `segments`, each percent-encoded as one segment.
pub(crate) fn join(root: &Url, segments: &[&str]) -> Url {
    let mut url = root.clone();
    {
        let mut path = url
            .path_segments_mut()
            .expect("an http(s) URL always has a path");
        path.pop_if_empty();
        path.extend(segments);
    }
    url
}

impl Client {
    /// A request to the endpoint at `segments`, with the API key if any.
    pub(crate) fn request(&self, method: Method, segments: &[&str]) -> RequestBuilder {
        self.with_key(self.http.request(method, join(&self.root, segments)))
    }

    /// The request with the API key, if any.
    pub(crate) fn with_key(&self, builder: RequestBuilder) -> RequestBuilder {
        match self.api_key.as_ref().map(crate::secret::header_value) {
            // Checked in `Client::new`, so this cannot fail here.
            Some(Ok(value)) => builder.header(API_KEY_HEADER, value),
            _ => builder,
        }
    }

    /// Sends the request and returns the whole answer.
    pub(crate) async fn exchange(&self, request: RequestBuilder) -> Result<Answer> {
        let response = request.send().await.map_err(Error::Transport)?;
        let status = response.status().as_u16();
        let retry_after = retry_after(response.headers());
        let body = response.bytes().await.map_err(Error::Transport)?;
        Ok(Answer {
            status,
            retry_after,
            body: body.to_vec(),
        })
    }

    /// Sends the request and decodes a 2xx answer as `T`.
    pub(crate) async fn send<T: DeserializeOwned>(&self, request: RequestBuilder) -> Result<T> {
        let answer = self.exchange(request).await?;
        if !is_success(answer.status) {
            return Err(answer.error());
        }
        decode(answer.status, &answer.body)
    }

    /// Sends the request and expects a 2xx answer whose body does not matter
    /// (a 204 after a delete).
    pub(crate) async fn send_empty(&self, request: RequestBuilder) -> Result<()> {
        let answer = self.exchange(request).await?;
        if !is_success(answer.status) {
            return Err(answer.error());
        }
        Ok(())
    }
}

pub(crate) fn is_success(status: u16) -> bool {
    (200..300).contains(&status)
}

/// The body of a successful answer as `T`.
pub(crate) fn decode<T: DeserializeOwned>(status: u16, body: &[u8]) -> Result<T> {
    serde_json::from_slice(body).map_err(|err| Error::Decode {
        status,
        message: format!("{err}; the body was {}", snippet(body)),
    })
}

/// The error an error status stands for: the server's error body when it
/// sent one, otherwise a decode error quoting what it did send.
pub(crate) fn error_from(status: u16, body: &[u8]) -> Error {
    match serde_json::from_slice(body) {
        Ok(body) => Error::Api { status, body },
        Err(_) => Error::Decode {
            status,
            message: format!("expected a JSON error body, got {}", snippet(body)),
        },
    }
}

/// The start of a body, on one line, for error messages.
pub(crate) fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        return "an empty body".to_string();
    }
    let mut short: String = text.chars().take(SNIPPET_CHARS).collect();
    if short.len() < text.len() {
        short.push_str("...");
    }
    format!("'{short}'")
}

#[cfg(test)]
mod tests {
    use playtest_types::{ListRunsQuery, RunStateFilter, Test};

    use super::*;

    fn root(base: &str) -> String {
        api_root(base).unwrap().to_string()
    }

    #[test]
    fn the_api_root_is_appended_to_a_bare_server_url() {
        assert_eq!(
            root("http://127.0.0.1:8080"),
            "http://127.0.0.1:8080/api/v1/"
        );
        assert_eq!(
            root("http://127.0.0.1:8080/"),
            "http://127.0.0.1:8080/api/v1/"
        );
        assert_eq!(
            root(" http://play.example/base/ "),
            "http://play.example/base/api/v1/"
        );
    }

    #[test]
    fn https_is_refused_up_front_since_there_is_no_tls_support() {
        let err = api_root("https://play.example").unwrap_err();
        assert!(err.to_string().contains("plain http only"), "{err}");
    }

    #[test]
    fn a_url_already_naming_the_api_root_is_kept() {
        assert_eq!(
            root("http://localhost:9000/api/v1"),
            "http://localhost:9000/api/v1/"
        );
        assert_eq!(
            root("http://localhost:9000/api/v1/"),
            "http://localhost:9000/api/v1/"
        );
    }

    #[test]
    fn urls_without_an_http_scheme_are_refused_with_an_example() {
        for bad in [
            "127.0.0.1:8080",
            "localhost:8080",
            "ftp://host/",
            "not a url",
        ] {
            let err = api_root(bad).unwrap_err();
            assert!(matches!(err, Error::InvalidUrl { .. }), "{bad}: {err:?}");
            assert!(
                err.to_string().contains("http://127.0.0.1:8080"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn segments_are_joined_and_percent_encoded() {
        let root = api_root("http://h:1").unwrap();
        assert_eq!(join(&root, &["runs"]).as_str(), "http://h:1/api/v1/runs");
        assert_eq!(
            join(&root, &["runs", "abc123", "bugs"]).as_str(),
            "http://h:1/api/v1/runs/abc123/bugs"
        );
        assert_eq!(
            join(&root, &["tests", "../keys"]).as_str(),
            "http://h:1/api/v1/tests/..%2Fkeys"
        );
        assert_eq!(
            join(&root, &["tests", "a b?c#d"]).as_str(),
            "http://h:1/api/v1/tests/a%20b%3Fc%23d"
        );
    }

    #[test]
    fn the_runs_query_carries_only_the_filters_given() {
        let client = Client::new("http://h:1", None).unwrap();
        let query = ListRunsQuery {
            state: Some(RunStateFilter::Completed),
            page_size: Some(5),
            tags: Some("nightly,smoke".into()),
            bugs: Some(true),
            ..Default::default()
        };
        let request = client
            .request(Method::GET, &["runs"])
            .query(&query)
            .build()
            .unwrap();
        assert_eq!(
            request.url().as_str(),
            "http://h:1/api/v1/runs?state=completed&page_size=5&tags=nightly%2Csmoke&bugs=true"
        );
    }

    #[test]
    fn the_api_key_is_sent_as_a_sensitive_header() {
        let client =
            Client::new("http://h:1", Some(playtest_types::Secret::new("pt_secret"))).unwrap();
        let request = client.request(Method::GET, &["project"]).build().unwrap();
        let value = request.headers().get(API_KEY_HEADER).unwrap();
        assert_eq!(value, "pt_secret");
        assert!(value.is_sensitive());
        assert!(!format!("{client:?}").contains("pt_secret"));
    }

    #[test]
    fn an_error_body_becomes_an_api_error() {
        let body = br#"{"error":"Test not found","code":"NOT_FOUND","details":{"field":"id"}}"#;
        match error_from(404, body) {
            Error::Api { status, body } => {
                assert_eq!(status, 404);
                assert_eq!(body.error, "Test not found");
                assert_eq!(body.code, "NOT_FOUND");
                assert_eq!(body.details["field"], "id");
            }
            other => panic!("expected an API error, got {other:?}"),
        }
    }

    #[test]
    fn an_error_body_without_details_is_still_an_api_error() {
        let err = error_from(429, br#"{"error":"Slow down","code":"RATE_LIMITED"}"#);
        assert_eq!(err.to_string(), "Slow down (RATE_LIMITED)");
    }

    #[test]
    fn a_non_json_error_answer_is_a_decode_error_quoting_the_body() {
        let err = error_from(502, b"<html>\n<body>Bad Gateway</body>\n</html>");
        match &err {
            Error::Decode { status, message } => {
                assert_eq!(*status, 502);
                assert!(
                    message.contains("'<html> <body>Bad Gateway</body> </html>'"),
                    "{message}"
                );
            }
            other => panic!("expected a decode error, got {other:?}"),
        }
    }

    #[test]
    fn a_retry_after_header_is_folded_into_the_error_details() {
        let answer = Answer {
            status: 429,
            retry_after: Some(Duration::from_secs(4)),
            body: br#"{"error":"Slow down","code":"RATE_LIMITED"}"#.to_vec(),
        };
        assert_eq!(answer.error().retry_after(), Some(Duration::from_secs(4)));
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, " 7 ".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
        headers.insert(
            RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&headers), None);
    }

    #[test]
    fn an_empty_error_answer_says_so() {
        let err = error_from(500, b"");
        assert!(err.to_string().contains("an empty body"), "{err}");
    }

    #[test]
    fn a_success_body_of_the_wrong_shape_is_a_decode_error() {
        let err = decode::<Test>(200, br#"{"id": 5}"#).unwrap_err();
        assert!(matches!(err, Error::Decode { status: 200, .. }), "{err:?}");
    }

    #[test]
    fn long_bodies_are_cut_in_messages() {
        let body = "x".repeat(1000);
        let text = snippet(body.as_bytes());
        assert!(text.len() < 220 && text.ends_with("...'"), "{text}");
    }
}
