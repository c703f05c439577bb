//! Sending the parts of a multipart upload: each part streamed from its
//! range of the file to a URL asked for in batches, retried with backoff on
//! a 429, a 5xx or a network error, sent again on a fresh URL when its URL
//! was refused with 403 (expired). A 404 means the server no longer has the
//! upload: the caller starts over.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::anyhow;
use playtest_client::{Client, Error as ClientError, FileRange};
use tokio::sync::Mutex;

use super::failure::Failure;
use super::retry::{Backoff, retry_note, retrying};
use super::state::part_len;
use crate::progress::Progress;

/// Part URLs asked for at once.
const URL_BATCH: usize = 32;
/// Fresh URLs a part may get in a row after 403s before the refusal is
/// taken as not being about expiry (a wrong clock, a wrong signature).
const MAX_RENEWALS: u32 = 3;

/// PUTs a range, counting its bytes on `progress`, and taking them back
/// if the attempt fails.
pub async fn put_counted(
    client: &Client,
    url: &str,
    range: &FileRange,
    progress: &Progress,
) -> Result<String, ClientError> {
    let sent = Arc::new(AtomicU64::new(0));
    let counter = (sent.clone(), progress.clone());
    let result = client
        .put_file_range(url, range, move |bytes| {
            counter.0.fetch_add(bytes, Ordering::Relaxed);
            counter.1.add(bytes);
        })
        .await;
    if result.is_err() {
        progress.sub(sent.load(Ordering::Relaxed));
    }
    result
}

/// Sends the parts of one multipart upload.
pub struct PartSender<'a> {
    pub client: &'a Client,
    pub path: PathBuf,
    pub size: u64,
    pub part_size: u64,
    pub backoff: Backoff,
    pub progress: Progress,
    pub urls: PartUrls,
}

impl PartSender<'_> {
    /// Sends part `number` until the storage accepts it; returns its ETag.
    pub async fn send(&self, number: u64) -> Result<(u64, String), Failure> {
        let range = FileRange {
            path: self.path.clone(),
            offset: (number - 1) * self.part_size,
            len: part_len(number, self.part_size, self.size),
        };
        let what = format!("part {number}");
        let mut retries = 0;
        let mut renewals = 0;
        loop {
            let url = self.urls.get(self, number).await?;
            let err = match put_counted(self.client, &url, &range, &self.progress).await {
                Ok(etag) => {
                    self.urls.forget(number).await;
                    return Ok((number, etag));
                }
                Err(err) => err,
            };
            match err.status() {
                Some(403) if renewals < MAX_RENEWALS => {
                    self.progress.note(&format!(
                        "{what}: its URL was refused ({err}); asking for a fresh one"
                    ));
                    self.urls.forget(number).await;
                    renewals += 1;
                }
                Some(404) => return Err(Failure::Gone(format!("{what}: {err}"))),
                _ if err.is_retryable() && retries < self.backoff.retries => {
                    let wait = self.backoff.delay_now(retries, err.retry_after());
                    self.progress.note(&retry_note(
                        &what,
                        &err,
                        wait,
                        retries,
                        self.backoff.retries,
                    ));
                    tokio::time::sleep(wait).await;
                    retries += 1;
                }
                _ => {
                    let temporary = err.is_retryable();
                    let err = anyhow::Error::from(err).context(format!("sending {what}"));
                    return Err(if temporary {
                        Failure::Interrupted(err)
                    } else {
                        Failure::Fatal(err)
                    });
                }
            }
        }
    }
}

/// Part URLs, asked for in batches as parts need them, and forgotten once
/// used or refused.
pub struct PartUrls {
    upload_id: String,
    object_key: String,
    /// The parts to send, in order: the next ones get their URLs early.
    order: Vec<u64>,
    cache: Mutex<HashMap<u64, String>>,
}

impl PartUrls {
    /// URLs of the parts of `order` (the parts to send, in order).
    pub fn new(upload_id: &str, object_key: &str, order: Vec<u64>) -> Self {
        PartUrls {
            upload_id: upload_id.to_string(),
            object_key: object_key.to_string(),
            order,
            cache: Mutex::new(HashMap::new()),
        }
    }

    async fn get(&self, parts: &PartSender<'_>, number: u64) -> Result<String, Failure> {
        let mut cache = self.cache.lock().await;
        if let Some(url) = cache.get(&number) {
            return Ok(url.clone());
        }
        let from = self.order.iter().position(|&n| n == number).unwrap_or(0);
        let later = self.order[from..]
            .iter()
            .copied()
            .filter(|n| *n != number && !cache.contains_key(n));
        let wanted: Vec<i64> = std::iter::once(number)
            .chain(later)
            .take(URL_BATCH)
            .map(|n| n as i64)
            .collect();
        let answer = retrying(
            &parts.backoff,
            &parts.progress,
            "asking for part URLs",
            || {
                parts
                    .client
                    .upload_part_urls(&self.upload_id, &self.object_key, &wanted)
            },
        )
        .await
        .map_err(|err| Failure::of(err, "asking for part URLs"))?;
        for part in answer.upload_urls {
            if let Ok(n) = u64::try_from(part.part_number) {
                cache.insert(n, part.url);
            }
        }
        cache
            .get(&number)
            .cloned()
            .ok_or_else(|| Failure::Fatal(anyhow!("the server sent no URL for part {number}")))
    }

    async fn forget(&self, number: u64) {
        self.cache.lock().await.remove(&number);
    }
}
