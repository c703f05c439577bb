//! What the server needs to know, decided once by the caller (the CLI's
//! config module or a test) and never read from the environment here.

use std::net::SocketAddr;
use std::time::Duration;

/// Per-key token buckets: `per_second` tokens are added each second, up to
/// `burst`. A `per_second` of 0 turns rate limiting off.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimitSettings {
    pub per_second: f64,
    pub burst: u32,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        RateLimitSettings {
            per_second: 100.0,
            burst: 200,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The base of every absolute URL the API hands out, without a trailing
    /// slash (e.g. `http://127.0.0.1:8080`).
    pub public_url: String,
    pub rate_limit: RateLimitSettings,
    /// Largest request body accepted, in bytes; larger ones get 413.
    pub max_body_bytes: usize,
    pub uploads: UploadSettings,
    /// Leases, long polls and the sweeper.
    pub engine: playtest_engine::EngineSettings,
}

/// How builds are uploaded and kept. Sizes in bytes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UploadSettings {
    /// Files of this size or larger are always uploaded in parts.
    pub multipart_threshold: u64,
    /// The size of every part but the last (raised when a file would
    /// otherwise need more than 10,000 parts).
    pub part_size: u64,
    /// How long an upload or download URL works.
    pub url_lifetime: Duration,
    /// Minutes an unfinished upload lives when the client does not say.
    pub single_part_timeout_minutes: i64,
    pub multipart_timeout_minutes: i64,
    /// Largest build accepted; larger ones get 413.
    pub max_build_bytes: u64,
    /// Storage of a project that has no capacity of its own; `None`: unlimited.
    pub default_capacity: Option<u64>,
    /// How often expired uploads are looked for.
    pub janitor_interval: Duration,
}

impl Default for UploadSettings {
    fn default() -> Self {
        const MIB: u64 = 1024 * 1024;
        UploadSettings {
            multipart_threshold: 3 * 1024 * MIB,
            part_size: 100 * MIB,
            url_lifetime: Duration::from_secs(3600),
            single_part_timeout_minutes: 10,
            multipart_timeout_minutes: 60,
            max_build_bytes: 100 * 1024 * MIB,
            default_capacity: None,
            janitor_interval: Duration::from_secs(60),
        }
    }
}

impl Settings {
    /// Defaults for a server reachable at `addr`.
    pub fn for_address(addr: SocketAddr) -> Self {
        Settings {
            public_url: format!("http://{addr}"),
            rate_limit: RateLimitSettings::default(),
            max_body_bytes: 1024 * 1024,
            uploads: UploadSettings::default(),
            engine: playtest_engine::EngineSettings::default(),
        }
    }
}
