//! Where playtest keeps its metadata.
//!
//! Handlers and background loops hold an `Arc<dyn Store>` and never see SQL.
//! Each database has its own backend module with its own append-only
//! migrations (`migrations/sqlite`, `migrations/postgres`); SQL that only one
//! database understands stays inside its backend. [`open`] picks the backend
//! from the URL scheme and applies pending migrations.

mod assets;
mod build_filter;
mod builds;
mod capabilities;
pub mod clock;
mod codec;
mod document;
mod error;
mod events;
pub mod ids;
mod leasing;
mod model;
mod postgres;
mod progress;
mod quota;
mod rows;
mod run_filter;
mod scheduling;
mod sql_error;
mod sqlite;
mod stopping;
mod store;
#[cfg(any(test, feature = "test-support"))]
pub mod testing;

use std::sync::Arc;

pub use assets::{NewTestAsset, PutTestAsset, TestAssetRecord};
pub use builds::*;
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{Result, StoreError};
pub use model::*;
pub use scheduling::*;
pub use store::*;

/// Every trait of the store, for code that calls its methods on a
/// backend's own type or through a generic parameter:
/// `use playtest_store::prelude::*;`. (Through an `Arc<dyn Store>` they
/// need no import.)
pub mod prelude {
    pub use crate::store::*;
}

/// Connects to the database at `url` (`sqlite://PATH` or `postgres://...`)
/// and applies pending migrations.
pub async fn open(url: &str) -> Result<Arc<dyn Store>> {
    let store: Arc<dyn Store> = if url.starts_with("sqlite:") {
        Arc::new(sqlite::SqliteStore::connect(url).await?)
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Arc::new(postgres::PostgresStore::connect(url).await?)
    } else {
        return Err(StoreError::UnsupportedUrl(redact_url(url)));
    };
    store.migrate().await?;
    Ok(store)
}

/// The URL with any password replaced, fit for messages and logs.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}
