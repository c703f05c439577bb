//! The database of the server-side commands: opened (which applies pending
//! migrations) from `--data-dir` or `--database-url`, the data dir created
//! first when the database is the default one inside it; `playtest
//! migrate` does only that.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use playtest_store::{Store, redact_url};

use crate::config::StoreArgs;

pub async fn migrate(args: StoreArgs) -> anyhow::Result<()> {
    let store = open_store(&args).await?;
    println!(
        "{} ({}) is migrated to the latest schema",
        redact_url(&args.database_url()),
        store.backend()
    );
    Ok(())
}

/// Opens (and migrates) the database, creating the data dir first when the
/// database is the default one inside it.
pub async fn open_store(args: &StoreArgs) -> anyhow::Result<Arc<dyn Store>> {
    if args.uses_data_dir() {
        create_dir(&args.data_dir)?;
    }
    let url = args.database_url();
    playtest_store::open(&url)
        .await
        .with_context(|| format!("could not open the database {}", redact_url(&url)))
}

/// Creates a folder the server needs, with its parents.
pub fn create_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("could not create {}", dir.display()))
}
