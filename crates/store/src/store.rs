//! The `Store` trait: every read and write the server makes, in terms of the
//! domain, so that handlers stay the same on every database.
//!
//! `Store` is made of one trait per topic, each in the module of the same
//! name as the backends' files that implement it (`store/keys.rs` is
//! implemented in `sqlite/keys.rs` and `postgres/keys.rs`). Adding an
//! operation touches its topic's trait and one function per backend.
//! Callers holding an `Arc<dyn Store>` call every topic's methods without
//! importing anything more; code holding a backend's own type imports
//! [`crate::prelude`].

mod assets;
mod builds;
mod documents;
mod events;
mod finish;
mod keys;
mod leases;
mod progress;
mod run_reads;
mod runs;
mod stop;
mod storage;
mod workers;

use async_trait::async_trait;

pub use self::assets::TestAssetStore;
pub use self::builds::BuildStore;
pub use self::documents::DocumentStore;
pub use self::events::EventStore;
pub use self::finish::FinishStore;
pub use self::keys::{KeyStore, ProjectStore};
pub use self::leases::LeaseStore;
pub use self::progress::ProgressStore;
pub use self::run_reads::RunReadStore;
pub use self::runs::RunBatchStore;
pub use self::stop::StopStore;
pub use self::storage::StorageStore;
pub use self::workers::WorkerStore;
use crate::Result;

/// The whole store: every topic, and what a database needs before use.
/// Every method that takes a `project_id` only ever sees that project's
/// objects: another project's ids are reported as
/// [`crate::StoreError::NotFound`].
#[async_trait]
pub trait Store:
    ProjectStore
    + KeyStore
    + DocumentStore
    + TestAssetStore
    + RunBatchStore
    + RunReadStore
    + StopStore
    + BuildStore
    + StorageStore
    + WorkerStore
    + LeaseStore
    + ProgressStore
    + FinishStore
    + EventStore
    + Send
    + Sync
    + 'static
{
    /// `sqlite` or `postgres`, for logs.
    fn backend(&self) -> &'static str;

    /// Applies the migrations this database has not seen yet.
    async fn migrate(&self) -> Result<()>;
}
