//! Typed HTTP client of the playtest public API (`/api/v1`).
//!
//! One async method per endpoint, taking and returning the wire types of
//! [`playtest_types`], so the CLI and the integration tests speak the same
//! language as the server. Errors are one [`Error`] enum: the server's own
//! error body, a transport failure, or an answer that is not the JSON we
//! expected.
//!
//! Layout: `http` joins URLs and turns responses into values or errors;
//! `secret` keeps the API key out of `Debug` output; one module per resource
//! group (`service`, `keys`, `tests`, `assets`, `test_plans`, `configs`,
//! `runs`, `bugs`, `builds`, `uploads`, `follow`) adds its methods to
//! [`Client`]; `transfer`
//! moves build bytes to and from the storage URLs the API hands out;
//! `worker` is the worker protocol's [`WorkerClient`].

mod assets;
mod bugs;
mod builds;
mod configs;
mod error;
mod follow;
mod http;
mod keys;
mod runs;
mod secret;
mod service;
mod test_plans;
mod tests;
mod transfer;
mod uploads;
mod worker;

use std::time::Duration;

use playtest_types::Secret;

pub use assets::StoredAsset;
pub use error::{Error, Result};
pub use follow::EventStream;
pub use playtest_types as types;
pub use runs::StopRunsOutcome;
pub use service::Health;
pub use transfer::{Download, FileRange};
pub use worker::WorkerClient;

/// How long to wait for a TCP connection before giving up.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one whole request to the API may take (transfers to and
/// from storage get a time that grows with their size instead).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
/// Keep-alive probes on transfer connections, so a dead peer is noticed.
const TCP_KEEPALIVE: Duration = Duration::from_secs(30);

/// A connection to one playtest server, optionally with an API key.
/// Cheap to clone: clones share the connection pool.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    /// For storage URLs: no API key, no redirects, no fixed timeout.
    transfer: reqwest::Client,
    /// The API root, always ending in `/api/v1/`.
    root: url::Url,
    api_key: Option<Secret>,
}

impl Client {
    /// A client of the server at `base_url` (e.g. `http://127.0.0.1:8080`;
    /// a URL already ending in `/api/v1` is accepted too).
    ///
    /// Fails when the URL is not an absolute http URL (this client has no
    /// TLS support, to stay lean) or the key holds characters an HTTP
    /// header cannot carry.
    pub fn new(base_url: &str, api_key: Option<Secret>) -> Result<Self> {
        let root = http::api_root(base_url)?;
        if let Some(key) = &api_key {
            secret::header_value(key)?;
        }
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .user_agent(concat!("playtest-client/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(Error::Transport)?;
        let transfer = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .tcp_keepalive(TCP_KEEPALIVE)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("playtest-client/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(Error::Transport)?;
        Ok(Client {
            http,
            transfer,
            root,
            api_key,
        })
    }

    /// The API root this client talks to, ending in `/api/v1/`.
    pub fn api_root(&self) -> &url::Url {
        &self.root
    }

    /// The same server with another key (or none).
    pub fn with_api_key(&self, api_key: Option<Secret>) -> Result<Self> {
        if let Some(key) = &api_key {
            secret::header_value(key)?;
        }
        Ok(Client {
            http: self.http.clone(),
            transfer: self.transfer.clone(),
            root: self.root.clone(),
            api_key,
        })
    }
}
