//! How to reach an S3 store: parsed from the `--blob-store` URL, with
//! credentials either in that URL or filled in by the caller's configuration
//! (this crate reads no environment variable).

use playtest_types::Secret;
use url::Url;

use crate::{BlobError, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Settings {
    pub bucket: String,
    /// The service's base URL (`http://127.0.0.1:9000`); `None` for AWS.
    pub endpoint: Option<String>,
    pub region: String,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<Secret>,
    pub session_token: Option<Secret>,
    /// `bucket.host` URLs instead of `host/bucket`; with an endpoint, the
    /// endpoint must then be the bucket's own URL.
    pub virtual_hosted_style: bool,
    /// Plain-HTTP endpoints are allowed on loopback without this.
    pub allow_http: bool,
}

const KEYS: &str = "endpoint, region, access_key_id, secret_access_key, session_token, virtual_hosted_style, allow_http";

impl S3Settings {
    /// Parses `s3://BUCKET?endpoint=URL&region=R&access_key_id=ID&secret_access_key=S`
    /// (every query key optional; region defaults to `us-east-1`). Also:
    /// `session_token`, `virtual_hosted_style=true`, `allow_http=true`.
    /// Error messages never repeat the URL, which may hold a secret.
    pub fn from_url(blob_store: &str) -> Result<Self> {
        let bad = |what: String| BlobError::Config(format!("the s3:// blob store URL: {what}"));
        let url = Url::parse(blob_store).map_err(|err| bad(err.to_string()))?;
        if url.scheme() != "s3" {
            return Err(bad("it must start with s3://".into()));
        }
        let bucket = url.host_str().unwrap_or_default().to_string();
        if bucket.is_empty() || !matches!(url.path(), "" | "/") {
            return Err(bad(
                "name the bucket and nothing else before ?: s3://BUCKET?endpoint=...".into(),
            ));
        }
        let mut settings = S3Settings {
            bucket,
            endpoint: None,
            region: "us-east-1".into(),
            access_key_id: None,
            secret_access_key: None,
            session_token: None,
            virtual_hosted_style: false,
            allow_http: false,
        };
        for (name, value) in url.query_pairs() {
            let value = value.into_owned();
            match name.as_ref() {
                "endpoint" => settings.endpoint = Some(value),
                "region" => settings.region = value,
                "access_key_id" => settings.access_key_id = Some(value),
                "secret_access_key" => settings.secret_access_key = Some(Secret::new(value)),
                "session_token" => settings.session_token = Some(Secret::new(value)),
                "virtual_hosted_style" => settings.virtual_hosted_style = flag(&name, &value)?,
                "allow_http" => settings.allow_http = flag(&name, &value)?,
                other => return Err(bad(format!("unknown setting {other:?}; known: {KEYS}"))),
            }
        }
        if let Some(endpoint) = &settings.endpoint {
            let parsed =
                Url::parse(endpoint).map_err(|err| bad(format!("endpoint {endpoint:?}: {err}")))?;
            if !matches!(parsed.scheme(), "http" | "https") {
                return Err(bad(format!(
                    "endpoint {endpoint:?} must be http(s)://host:port"
                )));
            }
        }
        Ok(settings)
    }

    /// Fills in credentials the URL did not carry (the configuration module
    /// passes those it found, e.g. in `AWS_ACCESS_KEY_ID` /
    /// `AWS_SECRET_ACCESS_KEY`).
    pub fn with_credentials(mut self, access_key_id: String, secret_access_key: Secret) -> Self {
        self.access_key_id.get_or_insert(access_key_id);
        self.secret_access_key.get_or_insert(secret_access_key);
        self
    }

    /// Plain HTTP is allowed when asked for, or for a loopback endpoint.
    pub(crate) fn http_allowed(&self) -> bool {
        self.allow_http
            || self
                .endpoint
                .as_deref()
                .and_then(|endpoint| Url::parse(endpoint).ok())
                .is_some_and(|url| url.scheme() == "http" && is_loopback(&url))
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(domain)) => domain == "localhost",
        None => false,
    }
}

fn flag(name: &str, value: &str) -> Result<bool> {
    match value {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        other => Err(BlobError::Config(format!(
            "the s3:// blob store URL: {name} must be true or false, not {other:?}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_url_is_parsed() {
        let settings = S3Settings::from_url(
            "s3://builds?endpoint=http://127.0.0.1:9000&region=eu-west-1&access_key_id=AK&secret_access_key=S%2Fx",
        )
        .unwrap();
        assert_eq!(settings.bucket, "builds");
        assert_eq!(settings.endpoint.as_deref(), Some("http://127.0.0.1:9000"));
        assert_eq!(settings.region, "eu-west-1");
        assert_eq!(settings.access_key_id.as_deref(), Some("AK"));
        assert_eq!(
            settings.secret_access_key.as_ref().map(Secret::expose),
            Some("S/x")
        );
        assert!(settings.http_allowed());
        assert!(!format!("{settings:?}").contains("S/x"));
    }

    #[test]
    fn defaults_and_credentials_from_the_configuration() {
        let settings = S3Settings::from_url("s3://b").unwrap();
        assert_eq!(settings.region, "us-east-1");
        assert!(!settings.http_allowed());
        let settings = settings.with_credentials("AK".into(), Secret::new("SK"));
        assert_eq!(settings.access_key_id.as_deref(), Some("AK"));
    }

    #[test]
    fn credentials_in_the_url_win_over_the_configuration() {
        let settings = S3Settings::from_url("s3://b?access_key_id=URL&secret_access_key=U")
            .unwrap()
            .with_credentials("ENV".into(), Secret::new("E"));
        assert_eq!(settings.access_key_id.as_deref(), Some("URL"));
    }

    #[test]
    fn plain_http_needs_loopback_or_consent() {
        let remote = S3Settings::from_url("s3://b?endpoint=http://minio.internal:9000").unwrap();
        assert!(!remote.http_allowed());
        let consent =
            S3Settings::from_url("s3://b?endpoint=http://minio.internal:9000&allow_http=true")
                .unwrap();
        assert!(consent.http_allowed());
    }

    #[test]
    fn mistakes_are_refused_without_echoing_secrets() {
        for bad in [
            "s3://?endpoint=http://x",
            "s3://b/path",
            "s3://b?secret_access_key=TOPSECRET&typo=1",
            "s3://b?allow_http=yes",
            "s3://b?endpoint=ftp://x",
        ] {
            let err = S3Settings::from_url(bad).unwrap_err().to_string();
            assert!(!err.contains("TOPSECRET"), "{err}");
        }
    }
}
