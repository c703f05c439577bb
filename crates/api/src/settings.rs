//! What the server needs to know, decided once by the caller (the CLI's
//! config module or a test) and never read from the environment here.

use std::net::SocketAddr;

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
}

impl Settings {
    /// Defaults for a server reachable at `addr`.
    pub fn for_address(addr: SocketAddr) -> Self {
        Settings {
            public_url: format!("http://{addr}"),
            rate_limit: RateLimitSettings::default(),
            max_body_bytes: 1024 * 1024,
        }
    }
}
