//! What every handler shares: the store, the blob store, the settings, the
//! rate limiter and the cache of authenticated keys.

use std::sync::Arc;

use playtest_blob::BlobStore;
use playtest_store::Store;

use crate::Settings;
use crate::auth::KeyCache;
use crate::limits::RateLimiter;

#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    settings: Settings,
    store: Arc<dyn Store>,
    blobs: Arc<dyn BlobStore>,
    limiter: RateLimiter,
    keys: KeyCache,
}

impl AppState {
    pub fn new(settings: Settings, store: Arc<dyn Store>, blobs: Arc<dyn BlobStore>) -> Self {
        let limiter = RateLimiter::new(settings.rate_limit);
        AppState {
            inner: Arc::new(Inner {
                settings,
                store,
                blobs,
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
