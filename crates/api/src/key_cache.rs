//! Recently authenticated API keys, so a hot key costs no database round
//! trip, and when each was last recorded as used, so that is written at
//! most once a minute. Keys are cached for [`CACHE_TTL`]: changes made
//! through this server drop the cached entry at once; on other replicas of
//! a scale-out deployment a disabled or deleted key stops working within
//! the TTL.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use playtest_store::ApiKeyRecord;

const CACHE_TTL: Duration = Duration::from_secs(5);
const TOUCH_EVERY: Duration = Duration::from_secs(60);

struct CachedKey {
    record: ApiKeyRecord,
    fetched: Instant,
}

/// Recently authenticated keys, by secret hash, and when each was last
/// recorded as used.
#[derive(Default)]
pub struct KeyCache {
    by_hash: Mutex<HashMap<String, CachedKey>>,
    touched: Mutex<HashMap<String, Instant>>,
}

impl KeyCache {
    pub(crate) fn get(&self, hash: &str) -> Option<ApiKeyRecord> {
        let cache = self.by_hash.lock().expect("key cache lock poisoned");
        cache
            .get(hash)
            .filter(|c| c.fetched.elapsed() < CACHE_TTL)
            .map(|c| c.record.clone())
    }

    pub(crate) fn put(&self, hash: String, record: ApiKeyRecord) {
        let mut cache = self.by_hash.lock().expect("key cache lock poisoned");
        cache.retain(|_, c| c.fetched.elapsed() < CACHE_TTL);
        cache.insert(
            hash,
            CachedKey {
                record,
                fetched: Instant::now(),
            },
        );
    }

    /// Forgets a key after it was changed or deleted.
    pub fn forget(&self, key_id: &str) {
        let mut cache = self.by_hash.lock().expect("key cache lock poisoned");
        cache.retain(|_, c| c.record.key.id != key_id);
    }

    /// Whether the key's last use should be written now (at most once a minute).
    pub(crate) fn should_touch(&self, key_id: &str) -> bool {
        let mut touched = self.touched.lock().expect("key cache lock poisoned");
        let now = Instant::now();
        match touched.get(key_id) {
            Some(at) if now.duration_since(*at) < TOUCH_EVERY => false,
            _ => {
                touched.insert(key_id.to_string(), now);
                true
            }
        }
    }
}
