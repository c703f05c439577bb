//! In-process locks for the short steps that must not interleave on one
//! upload or one object (commit a part and its ETag; replace an object and
//! its digest). A local store has one process, so these are enough; a fixed
//! set of stripes keeps memory flat whatever the number of keys.

use std::hash::{DefaultHasher, Hash, Hasher};

use tokio::sync::{Mutex, MutexGuard};

pub(crate) struct Stripes(Vec<Mutex<()>>);

impl Stripes {
    pub(crate) fn new(count: usize) -> Self {
        Stripes((0..count.max(1)).map(|_| Mutex::new(())).collect())
    }

    pub(crate) async fn lock(&self, name: &str) -> MutexGuard<'_, ()> {
        let mut hasher = DefaultHasher::new();
        name.hash(&mut hasher);
        let index = (hasher.finish() % self.0.len() as u64) as usize;
        self.0[index].lock().await
    }
}
