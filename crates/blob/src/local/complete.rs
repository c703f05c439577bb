//! Completing a multipart upload of the local store: its data file becomes
//! the object by one rename, nothing is copied.
//!
//! Under the upload's lock: the parts named are checked against the records
//! (the rules of [`crate::parts`]), the upload is sealed so nothing writes
//! to the data file any more, the records of parts after the last named go,
//! the file is cut to the object's size, the SHA-256 of what the background
//! hash has not covered is computed in one sequential pass, the file is
//! synced, and `completed` records the digest. Then the file is renamed to
//! the object's path with its sidecar, and the upload's folder removed.
//!
//! A crash before the rename leaves no object and the upload as it was (its
//! parts still listed: complete again). A crash after it leaves the object
//! whole, and an upload folder whose `completed` lets a second complete of
//! the same parts answer the same object.

use std::fs::File;

use sha2::Digest;

use super::LocalBlobStore;
use super::hashing::hash_range_blocking;
use super::layout::{read_small_file, remove_file_if_present, sync_dir, write_small_file};
use super::slots::Prefix;
use super::uploads::Upload;
use super::write::blocking;
use crate::parts::check_parts;
use crate::{BlobError, CompletedPart, ObjectInfo, PartInfo, Result};

impl LocalBlobStore {
    pub(crate) async fn finish_upload(
        &self,
        key: &str,
        upload_id: &str,
        parts: &[CompletedPart],
        part_size: Option<u64>,
    ) -> Result<ObjectInfo> {
        self.check_upload(key, upload_id).await?;
        let _guard = self.upload_locks.lock(upload_id).await;
        let upload = self.check_upload(key, upload_id).await?;
        let stored = self.stored_parts_locked(upload_id).await?;
        let total = check_parts(parts, &stored, part_size)?;
        check_in_place(&stored[..parts.len()], upload)?;

        if let Some(info) = self.completed_before(key, upload_id, total).await? {
            self.remove_upload_folder(upload_id).await?;
            return Ok(info);
        }
        let count = parts.len() as u32;
        let data = self.layout.upload_data(upload_id);
        let slots = self.slots.upload(upload_id, upload.part_size, data.clone());
        let sealing = slots.clone();
        let prefix = blocking(format!("sealing upload {upload_id}"), move || {
            Ok(sealing.seal_for_complete(count))
        })
        .await?;
        tracing::debug!(
            upload_id,
            parts = count,
            hashed_before = prefix.parts,
            left_to_hash = total.saturating_sub(prefix.bytes),
            "completing a multipart upload"
        );
        let info = match self
            .prepare_object(upload_id, &stored, count, total, prefix)
            .await
        {
            Ok(info) => info,
            Err(err) => {
                slots.unseal();
                return Err(err);
            }
        };
        // From here on the upload stays sealed: the data file is (or may be)
        // the object, which no stray writer may touch.
        self.commit_object_from(key, &data, &info).await?;
        self.remove_upload_folder(upload_id).await?;
        Ok(info)
    }

    /// Makes the data file the object's bytes, synced, and records its
    /// digest in `completed`. Parts 1..=`count` are checked and sealed.
    async fn prepare_object(
        &self,
        upload_id: &str,
        stored: &[PartInfo],
        count: u32,
        total: u64,
        prefix: Prefix,
    ) -> Result<ObjectInfo> {
        // Parts after the last named are no part of the object, and the cut
        // below drops their bytes: their records go first.
        for part in stored.iter().filter(|part| part.part_number > count) {
            remove_file_if_present(&self.layout.part_record(upload_id, part.part_number)).await?;
        }
        sync_dir(&self.layout.upload(upload_id)).await?;

        // What the background hash covered, if it agrees with the records:
        // whole parts, then possibly the start of the next one.
        let hashed = prefix.parts as usize;
        let whole: Option<u64> = stored
            .get(..hashed)
            .map(|parts| parts.iter().map(|part| part.size).sum());
        let next = stored
            .get(hashed)
            .filter(|part| part.part_number <= count)
            .map_or(0, |part| part.size);
        let agrees = whole.is_some_and(|whole| {
            prefix.bytes >= whole && prefix.bytes - whole <= next && prefix.bytes <= total
        });
        let prefix = if agrees {
            prefix
        } else {
            tracing::warn!(
                upload_id,
                "the background hash disagrees with the part records"
            );
            Prefix::default()
        };
        let data = self.layout.upload_data(upload_id);
        let context = format!("completing upload {upload_id}");
        let sha256 = blocking(context, move || {
            let file = File::options().write(true).read(true).open(&data)?;
            let len = file.metadata()?.len();
            if len < total {
                return Err(std::io::Error::other(format!(
                    "{} holds {len} bytes, the parts {total}",
                    data.display()
                )));
            }
            file.set_len(total)?;
            let sha256 =
                hash_range_blocking(&file, prefix.bytes, total - prefix.bytes, prefix.sha256)?;
            file.sync_all()?;
            Ok(sha256)
        })
        .await?;
        let info = ObjectInfo {
            size: total,
            sha256: hex::encode(sha256.finalize()),
        };
        let completed = format!("{} {}\n", info.sha256, info.size);
        write_small_file(
            &self.layout,
            &self.layout.upload_completed(upload_id),
            completed.as_bytes(),
        )
        .await?;
        Ok(info)
    }

    /// The object of a complete that a crash cut after its rename: its data
    /// file is gone, `completed` says what became of it and the object is
    /// there with that size. Then only its sidecar may be missing.
    async fn completed_before(
        &self,
        key: &str,
        upload_id: &str,
        total: u64,
    ) -> Result<Option<ObjectInfo>> {
        let data = self.layout.upload_data(upload_id);
        if tokio::fs::try_exists(&data)
            .await
            .map_err(BlobError::io(format!("reading {}", data.display())))?
        {
            return Ok(None);
        }
        let missing = || BlobError::Io {
            context: format!("completing upload {upload_id}"),
            source: std::io::Error::other("its data file is missing"),
        };
        let completed = read_small_file(&self.layout.upload_completed(upload_id))
            .await?
            .and_then(|text| {
                let (sha256, size) = text.trim().split_once(' ')?;
                Some(ObjectInfo {
                    sha256: sha256.to_string(),
                    size: size.parse().ok()?,
                })
            })
            .filter(|info| info.size == total)
            .ok_or_else(missing)?;
        let object = self.layout.object(key);
        match tokio::fs::metadata(&object).await {
            Ok(metadata) if metadata.len() == total => {}
            _ => return Err(missing()),
        }
        self.write_sidecar(key, &completed).await?;
        Ok(Some(completed))
    }
}

/// Parts sit at `(n - 1) * part_size`: every part but the last must fill
/// its slot, or the object would have holes. `check_parts` has checked the
/// sizes against the part size the caller gave (or part 1's size).
fn check_in_place(parts: &[PartInfo], upload: Upload) -> Result<()> {
    let Some((_, all_but_last)) = parts.split_last() else {
        return Ok(());
    };
    for part in all_but_last {
        if part.size != upload.part_size {
            return Err(BlobError::invalid_part(
                part.part_number,
                format!(
                    "is {} bytes, but this upload was started with parts of {} bytes; upload it again with that size",
                    part.size, upload.part_size
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use bytes::Bytes;
    use sha2::Sha256;

    use super::*;
    use crate::BlobStore;

    const KEY: &str = "builds/b/game.zip";
    const PIECES: [&[u8]; 3] = [b"aaaa", b"bbbb", b"cc"];

    async fn open(dir: &std::path::Path) -> LocalBlobStore {
        LocalBlobStore::open(dir, "http://127.0.0.1:9")
            .await
            .unwrap()
    }

    async fn send(
        store: &LocalBlobStore,
        upload: &str,
        number: u32,
        bytes: &'static [u8],
    ) -> String {
        let body = futures::stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(bytes))]);
        store
            .receive_part(KEY, upload, number, Some(bytes.len() as u64), body)
            .await
            .unwrap()
    }

    /// A store with an upload in parts of 4 bytes, its three parts sent.
    async fn sent() -> (
        tempfile::TempDir,
        LocalBlobStore,
        String,
        Vec<CompletedPart>,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path()).await;
        let upload = store.create_multipart(KEY, 4).await.unwrap();
        let mut parts = Vec::new();
        for (index, bytes) in PIECES.into_iter().enumerate() {
            let part_number = index as u32 + 1;
            let etag = send(&store, &upload, part_number, bytes).await;
            parts.push(CompletedPart { part_number, etag });
        }
        (dir, store, upload, parts)
    }

    fn whole_info() -> ObjectInfo {
        ObjectInfo {
            size: 10,
            sha256: hex::encode(Sha256::digest(PIECES.concat())),
        }
    }

    /// A complete cut short after `prepare_object`, as a crash would.
    async fn prepare_only(store: &LocalBlobStore, upload: &str) -> ObjectInfo {
        let stored = store.stored_parts(KEY, upload).await.unwrap();
        let data = store.layout.upload_data(upload);
        let prefix = store.slots.upload(upload, 4, data).seal_for_complete(3);
        store
            .prepare_object(upload, &stored, 3, 10, prefix)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn a_crash_before_the_rename_leaves_no_object_and_the_upload_completes_after_it() {
        let (dir, store, upload, parts) = sent().await;
        assert_eq!(prepare_only(&store, &upload).await, whole_info());
        drop(store);

        let store = open(dir.path()).await;
        assert_eq!(store.head(KEY).await.unwrap(), None);
        assert!(!store.layout.object(KEY).exists());
        assert_eq!(store.list_parts(KEY, &upload).await.unwrap().len(), 3);
        let info = store
            .complete_multipart(KEY, &upload, &parts, Some(4))
            .await
            .unwrap();
        assert_eq!(info, whole_info());
        assert_eq!(
            std::fs::read(store.layout.object(KEY)).unwrap(),
            PIECES.concat()
        );
        assert!(!store.layout.upload(&upload).exists());
    }

    #[tokio::test]
    async fn a_crash_after_the_rename_answers_the_same_object_when_completed_again() {
        let (dir, store, upload, parts) = sent().await;
        let info = prepare_only(&store, &upload).await;
        let data = store.layout.upload_data(&upload);
        store.commit_object_from(KEY, &data, &info).await.unwrap();
        // The sidecar did not make it either.
        std::fs::remove_file(store.layout.digest(KEY)).unwrap();
        drop(store);

        let store = open(dir.path()).await;
        assert_eq!(store.head(KEY).await.unwrap(), Some(whole_info()));
        let again = store
            .complete_multipart(KEY, &upload, &parts, Some(4))
            .await
            .unwrap();
        assert_eq!(again, whole_info());
        assert!(store.layout.digest(KEY).exists());
        assert!(!store.layout.upload(&upload).exists());
    }

    #[tokio::test]
    async fn a_put_still_arriving_at_a_complete_never_touches_the_object() {
        use futures::StreamExt;
        let (_dir, store, upload, parts) = sent().await;
        // Part 4 (past the object) starts, then stalls until told.
        let (started, has_started) = tokio::sync::oneshot::channel();
        let (go_on, rest) = tokio::sync::oneshot::channel::<()>();
        let body = futures::stream::once(async move {
            // Polled once the PUT holds its slot.
            let _ = started.send(());
            Ok::<_, std::io::Error>(Bytes::from_static(b"dd"))
        })
        .chain(futures::stream::once(async move {
            let _ = rest.await;
            Ok(Bytes::from_static(b"dd"))
        }));
        let store = std::sync::Arc::new(store);
        let late = tokio::spawn({
            let (store, upload) = (store.clone(), upload.clone());
            async move { store.receive_part(KEY, &upload, 4, None, body).await }
        });
        has_started.await.unwrap();
        let info = store
            .complete_multipart(KEY, &upload, &parts, Some(4))
            .await
            .unwrap();
        go_on.send(()).unwrap();
        assert!(late.await.unwrap().is_err());
        assert_eq!(info, whole_info());
        assert_eq!(
            std::fs::read(store.layout.object(KEY)).unwrap(),
            PIECES.concat()
        );
    }

    /// Waits until the background hash covers `parts` parts.
    async fn hashed(store: &LocalBlobStore, upload: &str, parts: u32) {
        let data = store.layout.upload_data(upload);
        let slots = store.slots.upload(upload, 4, data);
        for _ in 0..500 {
            if slots.hashed_parts() == parts {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!(
            "the background hash covers {} parts, not {parts}",
            slots.hashed_parts()
        );
    }

    #[tokio::test]
    async fn the_background_hash_follows_parts_sent_in_order_and_sent_again() {
        let (_dir, store, upload, mut parts) = sent().await;
        hashed(&store, &upload, 3).await;
        parts[1].etag = send(&store, &upload, 2, b"BBBB").await;
        hashed(&store, &upload, 3).await;
        let info = store
            .complete_multipart(KEY, &upload, &parts, Some(4))
            .await
            .unwrap();
        assert_eq!(info.sha256, hex::encode(Sha256::digest(b"aaaaBBBBcc")));
    }

    #[tokio::test]
    async fn parts_that_leave_holes_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path()).await;
        let upload = store.create_multipart(KEY, 4).await.unwrap();
        let mut parts = Vec::new();
        for (part_number, bytes) in [(1, &b"aaa"[..]), (2, b"bbb"), (3, b"c")] {
            let etag = send(&store, &upload, part_number, bytes).await;
            parts.push(CompletedPart { part_number, etag });
        }
        // Consistent among themselves, but not with the upload's part size.
        let result = store.complete_multipart(KEY, &upload, &parts, None).await;
        assert!(
            matches!(result, Err(BlobError::InvalidPart { part_number: 1, .. })),
            "{result:?}"
        );
        assert_eq!(store.head(KEY).await.unwrap(), None);
    }
}
