//! The upload janitor: uploads that were initiated and then abandoned (a CI
//! job killed mid-upload) would hold their storage reservation and their
//! parts forever. Every interval, the janitor takes the expired ones out of
//! the store, which releases their reservations, then drops their bytes.
//!
//! The store's delete comes first and is conditional on the build still
//! uploading, so a complete racing with expiry either wins (the build is
//! ready and the janitor never sees it) or loses (its conditional finish
//! finds nothing and it removes the object it just committed).

use std::sync::Arc;
use std::time::Duration;

use playtest_blob::BlobStore;
use playtest_store::{BuildRecord, Clock, Store};

/// How many expired uploads one pass takes; the next pass takes the rest.
const BATCH: i64 = 100;

/// Runs passes forever, every `interval`. Failures are logged and retried at
/// the next pass.
pub async fn run(
    store: Arc<dyn Store>,
    blobs: Arc<dyn BlobStore>,
    clock: Arc<dyn Clock>,
    interval: Duration,
) {
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        loop {
            match expire_once(store.as_ref(), blobs.as_ref(), clock.as_ref()).await {
                Ok(taken) if taken as i64 == BATCH => continue,
                Ok(_) => break,
                Err(err) => {
                    tracing::warn!(error = %err, "the upload janitor could not expire uploads; retrying at the next pass");
                    break;
                }
            }
        }
    }
}

/// One pass, at the clock's time: expires up to [`BATCH`] uploads and
/// returns how many.
pub async fn expire_once(
    store: &dyn Store,
    blobs: &dyn BlobStore,
    clock: &dyn Clock,
) -> playtest_store::Result<usize> {
    let expired = store.expire_uploads(clock.now(), BATCH).await?;
    for record in &expired {
        tracing::info!(
            build_id = %record.build.id,
            project_id = %record.build.project_id,
            "an unfinished upload expired; its reservation is released"
        );
        discard_upload_bytes(blobs, record).await;
    }
    Ok(expired.len())
}

/// Drops whatever bytes of a build's upload (or of the build) have arrived.
/// Failures are logged: the row is gone already, and what is left is an
/// orphan the store no longer counts.
pub async fn discard_upload_bytes(blobs: &dyn BlobStore, record: &BuildRecord) {
    let key = &record.blob_key;
    let upload_id = record.upload.as_ref().and_then(|upload| upload.upload_id());
    let outcome = match upload_id {
        Some(upload_id) => blobs.abort_multipart(key, upload_id).await,
        None => blobs.delete(key).await,
    };
    if let Err(err) = outcome {
        tracing::warn!(build_id = %record.build.id, key = %key, error = %err, "could not remove a build's bytes from the blob store");
    }
}
