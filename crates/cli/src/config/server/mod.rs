//! The flags of the server launcher: `serve` (where the metadata lives,
//! the address, the public URL, rate limits; its storage, scheduling and
//! game limits are in `storage`, `engine` and `worker`), `migrate`, the
//! `worker` process, and the credentials made on the store directly
//! (`credentials`).

mod credentials;
mod engine;
mod storage;
mod worker;

use std::path::{Path, PathBuf};

use clap::Args;

pub use credentials::*;
pub use engine::*;
pub use storage::*;
pub use worker::*;

/// Where the metadata lives.
#[derive(Debug, Clone, Args)]
pub struct StoreArgs {
    /// Folder of the default SQLite database and of the default blob store
    #[arg(
        long,
        env = "PLAYTEST_DATA_DIR",
        value_name = "DIR",
        default_value = "./playtest-data"
    )]
    pub data_dir: PathBuf,
    /// Database URL, sqlite://PATH or postgres://... [default: sqlite://<DIR>/playtest.db]
    #[arg(
        long,
        env = "PLAYTEST_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub database_url: Option<String>,
}

impl StoreArgs {
    /// The database URL, the default SQLite file in the data dir when none is given.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => default_database_url(&self.data_dir),
        }
    }

    /// Whether the database is the default one inside the data dir (which
    /// must then exist before the database can be created).
    pub fn uses_data_dir(&self) -> bool {
        self.database_url.is_none()
    }
}

fn default_database_url(data_dir: &Path) -> String {
    let dir = data_dir.to_string_lossy();
    format!("sqlite://{}/playtest.db", dir.trim_end_matches('/'))
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on
    #[arg(
        long,
        env = "PLAYTEST_LISTEN",
        value_name = "ADDR",
        default_value = "127.0.0.1:8080"
    )]
    pub listen: String,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub storage: StorageArgs,
    #[command(flatten)]
    pub engine: EngineArgs,
    /// Base of the absolute URLs the API hands out [default: http://<bound address>]
    #[arg(long, env = "PLAYTEST_PUBLIC_URL", value_name = "URL", value_parser = parse_public_url)]
    pub public_url: Option<String>,
    /// Requests per second each API key may make on average (0: no limit) [default: 100]
    #[arg(long, env = "PLAYTEST_RATE_LIMIT_PER_SECOND", value_name = "F", value_parser = parse_rate)]
    pub rate_limit_per_second: Option<f64>,
    /// Requests an API key may make at once before the rate applies [default: 200]
    #[arg(long, env = "PLAYTEST_RATE_LIMIT_BURST", value_name = "N")]
    pub rate_limit_burst: Option<u32>,
    /// Largest request body accepted, in bytes [default: 1048576]
    #[arg(long, env = "PLAYTEST_MAX_BODY_BYTES", value_name = "N")]
    pub max_body_bytes: Option<usize>,
}

fn parse_public_url(given: &str) -> Result<String, String> {
    let url = given.trim().trim_end_matches('/');
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"));
    match rest {
        Some(host) if !host.is_empty() => Ok(url.to_string()),
        _ => {
            Err("must be an http:// or https:// URL, e.g. https://playtest.example.com".to_string())
        }
    }
}

fn parse_rate(given: &str) -> Result<f64, String> {
    match given.parse::<f64>() {
        Ok(rate) if rate.is_finite() && rate >= 0.0 => Ok(rate),
        _ => Err("must be a number of requests per second, 0 or more".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_database_is_sqlite_in_the_data_dir() {
        let store = StoreArgs {
            data_dir: "/tmp/pt/".into(),
            database_url: None,
        };
        assert_eq!(store.database_url(), "sqlite:///tmp/pt/playtest.db");
        assert!(store.uses_data_dir());
        let relative = StoreArgs {
            data_dir: "./playtest-data".into(),
            database_url: None,
        };
        assert_eq!(
            relative.database_url(),
            "sqlite://./playtest-data/playtest.db"
        );
    }

    #[test]
    fn a_database_url_overrides_the_data_dir() {
        let store = StoreArgs {
            data_dir: "/x".into(),
            database_url: Some("postgres://db/pt".into()),
        };
        assert_eq!(store.database_url(), "postgres://db/pt");
        assert!(!store.uses_data_dir());
    }

    #[test]
    fn the_public_url_must_be_http_and_loses_its_trailing_slash() {
        assert_eq!(
            parse_public_url("https://pt.example/").unwrap(),
            "https://pt.example"
        );
        assert!(parse_public_url("pt.example").is_err());
        assert!(parse_public_url("http://").is_err());
    }

    #[test]
    fn the_rate_must_be_a_finite_non_negative_number() {
        assert_eq!(parse_rate("2.5").unwrap(), 2.5);
        assert!(parse_rate("-1").is_err());
        assert!(parse_rate("inf").is_err());
        assert!(parse_rate("NaN").is_err());
    }
}
