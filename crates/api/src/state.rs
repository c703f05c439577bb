//! What every handler shares: the store, the blob store, the clock, the
//! scheduler, the settings, the rate limiter and the cache of authenticated
//! keys.

use std::sync::Arc;

use playtest_blob::BlobStore;
use playtest_engine::Scheduler;
use playtest_store::{Clock, Store};
use tokio_util::sync::CancellationToken;

use crate::Settings;
use crate::key_cache::KeyCache;
use crate::limits::RateLimiter;

#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    settings: Settings,
    store: Arc<dyn Store>,
    blobs: Arc<dyn BlobStore>,
    clock: Arc<dyn Clock>,
    scheduler: Scheduler,
    closing: CancellationToken,
    limiter: RateLimiter,
    keys: KeyCache,
}

impl AppState {
    pub fn new(
        settings: Settings,
        store: Arc<dyn Store>,
        blobs: Arc<dyn BlobStore>,
        clock: Arc<dyn Clock>,
        closing: CancellationToken,
    ) -> Self {
        let limiter = RateLimiter::new(settings.rate_limit);
        let scheduler = Scheduler::new(store.clone(), settings.engine, clock.clone());
        AppState {
            inner: Arc::new(Inner {
                settings,
                store,
                blobs,
                clock,
                scheduler,
                closing,
                limiter,
                keys: KeyCache::default(),
            }),
        }
    }

    pub fn store(&self) -> &dyn Store {
        self.inner.store.as_ref()
    }

    pub fn blobs(&self) -> &dyn BlobStore {
        self.inner.blobs.as_ref()
    }

    /// Where every handler reads the time.
    pub fn clock(&self) -> &dyn Clock {
        self.inner.clock.as_ref()
    }

    pub fn scheduler(&self) -> &Scheduler {
        &self.inner.scheduler
    }

    /// Cancelled when the server starts shutting down: long polls and
    /// event streams end.
    pub fn closing(&self) -> &CancellationToken {
        &self.inner.closing
    }

    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    pub(crate) fn limiter(&self) -> &RateLimiter {
        &self.inner.limiter
    }

    pub(crate) fn keys(&self) -> &KeyCache {
        &self.inner.keys
    }
}
