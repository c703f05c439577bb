//! Multipart uploads of the local store: a folder per upload holding the key
//! and part size it is for, one data file where each part is written in
//! place at `(n - 1) * part_size`, and a record per part (size and ETag).
//!
//! A part's PUT, under the upload's lock, takes the part's slot (see
//! [`super::slots`]: an earlier PUT of the same part stops writing) and
//! removes its record; then streams the body into the slot, syncs the file,
//! and under the lock again writes the record. A crash before the record is
//! written leaves the part unlisted: the client sends it again. A record
//! is only ever there for bytes that are whole and synced in their slot.
//! Completing is in [`super::complete`].

use std::fs::File;
use std::sync::Arc;

use bytes::Bytes;
use futures::Stream;

use super::LocalBlobStore;
use super::layout::{
    ignore_not_found, read_small_file, remove_file_if_present, sync_dir, write_small_file,
};
use super::write::{self, blocking};
use crate::parts::{check_part_number, quoted_etag};
use crate::{BlobError, PartInfo, Result, validate_key};

/// What an upload's folder says of it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Upload {
    pub part_size: u64,
}

impl LocalBlobStore {
    pub(crate) async fn start_upload(&self, key: &str, part_size: u64) -> Result<String> {
        validate_key(key)?;
        if part_size == 0 {
            return Err(BlobError::Config(
                "a multipart upload needs a part size of at least 1 byte".into(),
            ));
        }
        let upload_id = hex::encode(rand::random::<[u8; 16]>());
        // The folder is built in tmp/ and renamed into place whole, so an
        // upload folder always names its key and part size and has its data
        // file.
        let temp = self.layout.temp();
        let context = || format!("creating upload {upload_id}");
        tokio::fs::create_dir(temp.path())
            .await
            .map_err(BlobError::io(context()))?;
        write_small_file(&self.layout, &temp.path().join("key"), key.as_bytes()).await?;
        write_small_file(
            &self.layout,
            &temp.path().join("part-size"),
            part_size.to_string().as_bytes(),
        )
        .await?;
        let data = temp.path().join("data");
        blocking(context(), move || File::create_new(&data)?.sync_all()).await?;
        temp.commit(&self.layout.upload(&upload_id)).await?;
        Ok(upload_id)
    }

    /// Fails with `UploadNotFound` unless `upload_id` is an upload of `key`
    /// (made by this version: with a part size).
    pub(crate) async fn check_upload(&self, key: &str, upload_id: &str) -> Result<Upload> {
        validate_key(key)?;
        let not_found = || BlobError::UploadNotFound {
            upload_id: upload_id.chars().take(64).collect(),
        };
        if !is_upload_id(upload_id) {
            return Err(not_found());
        }
        match read_small_file(&self.layout.upload_key(upload_id)).await? {
            Some(stored) if stored == key => {}
            _ => return Err(not_found()),
        }
        let part_size = read_small_file(&self.layout.upload_part_size(upload_id))
            .await?
            .and_then(|text| text.trim().parse::<u64>().ok())
            .filter(|&size| size > 0)
            .ok_or_else(not_found)?;
        Ok(Upload { part_size })
    }

    /// Streams a part into its slot of the upload's data file; returns its
    /// quoted ETag. `declared` is the request's Content-Length, if any: a
    /// part longer than the part size is refused before a byte is written,
    /// and without it, as soon as the bytes sent pass the part size.
    pub(crate) async fn receive_part<S, E>(
        &self,
        key: &str,
        upload_id: &str,
        part_number: u32,
        declared: Option<u64>,
        body: S,
    ) -> Result<String>
    where
        S: Stream<Item = std::result::Result<Bytes, E>>,
        E: std::fmt::Display,
    {
        check_part_number(part_number)?;
        let upload = self.check_upload(key, upload_id).await?;
        let limit = upload.part_size;
        if declared.is_some_and(|len| len > limit) {
            return Err(write::too_long(part_number, limit));
        }
        let offset = u64::from(part_number - 1)
            .checked_mul(limit)
            .filter(|offset| offset.checked_add(limit).is_some())
            .ok_or_else(|| {
                BlobError::invalid_part(part_number, "lies past the largest possible file")
            })?;
        let record = self.layout.part_record(upload_id, part_number);
        let data = self.layout.upload_data(upload_id);

        let (lease, file) = {
            let _guard = self.upload_locks.lock(upload_id).await;
            self.check_upload(key, upload_id).await?;
            let slots = self.slots.upload(upload_id, limit, data.clone());
            let lease = blocking(format!("taking part {part_number}'s slot"), move || {
                Ok(slots.take_slot(part_number))
            })
            .await?;
            // The old record goes for good before a byte of the slot changes.
            remove_file_if_present(&record).await?;
            sync_dir(&self.layout.upload(upload_id)).await?;
            let context = format!("opening {}", data.display());
            let file = blocking(context, move || File::options().write(true).open(&data)).await;
            let file = file.map_err(|err| match err {
                BlobError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                    BlobError::UploadNotFound {
                        upload_id: upload_id.to_string(),
                    }
                }
                other => other,
            })?;
            (lease, Arc::new(file))
        };

        let written = write::write_part(file, offset, limit, part_number, body, &lease).await?;
        let etag = quoted_etag(&written.digest);
        let _guard = self.upload_locks.lock(upload_id).await;
        // Aborted, completed or sent again while the body was arriving?
        self.check_upload(key, upload_id).await?;
        if !lease.is_current() {
            return Err(BlobError::Interrupted(format!(
                "a newer PUT of part {part_number}, or a complete of the upload, came meanwhile"
            )));
        }
        let line = format!("{} {etag}\n", written.size);
        write_small_file(&self.layout, &record, line.as_bytes()).await?;
        lease.recorded(written.size);
        Ok(etag)
    }

    pub(crate) async fn stored_parts(&self, key: &str, upload_id: &str) -> Result<Vec<PartInfo>> {
        self.check_upload(key, upload_id).await?;
        let _guard = self.upload_locks.lock(upload_id).await;
        self.stored_parts_locked(upload_id).await
    }

    /// Removes an upload and its parts; an upload that is not there is fine.
    pub(crate) async fn drop_upload(&self, key: &str, upload_id: &str) -> Result<()> {
        validate_key(key)?;
        if !is_upload_id(upload_id) {
            return Ok(());
        }
        let _guard = self.upload_locks.lock(upload_id).await;
        match read_small_file(&self.layout.upload_key(upload_id)).await? {
            None => self.remove_upload_folder(upload_id).await,
            Some(stored) if stored == key => self.remove_upload_folder(upload_id).await,
            Some(_) => Err(BlobError::UploadNotFound {
                upload_id: upload_id.to_string(),
            }),
        }
    }

    /// Stops what still writes to the upload, then removes its folder.
    pub(crate) async fn remove_upload_folder(&self, upload_id: &str) -> Result<()> {
        let slots = self.slots.clone();
        let id = upload_id.to_string();
        blocking(format!("closing upload {upload_id}"), move || {
            slots.forget(&id);
            Ok(())
        })
        .await?;
        let folder = self.layout.upload(upload_id);
        ignore_not_found(tokio::fs::remove_dir_all(&folder).await)
            .map_err(BlobError::io(format!("removing {}", folder.display())))?;
        match folder.parent() {
            Some(parent) => sync_dir(parent).await,
            None => Ok(()),
        }
    }

    /// The parts whose records are there, by part number.
    pub(crate) async fn stored_parts_locked(&self, upload_id: &str) -> Result<Vec<PartInfo>> {
        let folder = self.layout.upload(upload_id);
        let context = || format!("listing {}", folder.display());
        let mut entries = tokio::fs::read_dir(&folder)
            .await
            .map_err(BlobError::io(context()))?;
        let mut parts = Vec::new();
        while let Some(entry) = entries
            .next_entry()
            .await
            .map_err(BlobError::io(context()))?
        {
            let name = entry.file_name();
            let Some(part_number) = name.to_str().and_then(parse_record_name) else {
                continue;
            };
            // Gone since the listing: a PUT of the part has started.
            let Some(text) = read_small_file(&entry.path()).await? else {
                continue;
            };
            let (size, etag) = parse_record(&text).ok_or_else(|| BlobError::Io {
                context: context(),
                source: std::io::Error::other(format!("{} is damaged", entry.path().display())),
            })?;
            parts.push(PartInfo {
                part_number,
                etag,
                size,
            });
        }
        parts.sort_by_key(|part| part.part_number);
        Ok(parts)
    }
}

/// Upload ids are 32 lowercase hex digits; anything else was never made
/// here (and must never reach a path).
pub(crate) fn is_upload_id(upload_id: &str) -> bool {
    upload_id.len() == 32
        && upload_id
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// `<n>` -> n.
fn parse_record_name(name: &str) -> Option<u32> {
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    name.parse().ok()
}

/// `<size> <quoted ETag>` -> both.
fn parse_record(text: &str) -> Option<(u64, String)> {
    let (size, etag) = text.trim().split_once(' ')?;
    Some((size.parse().ok()?, etag.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_ids_this_store_makes_are_upload_ids() {
        assert!(is_upload_id(&"0a".repeat(16)));
        for bad in [
            "",
            "../../etc",
            &"0A".repeat(16),
            &"0a".repeat(17),
            "0a/0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a",
        ] {
            assert!(!is_upload_id(bad), "{bad}");
        }
    }

    #[tokio::test]
    async fn a_part_streamed_past_the_part_size_is_refused_and_leaves_the_other_slots_alone() {
        use crate::BlobStore;
        let dir = tempfile::tempdir().unwrap();
        let store = LocalBlobStore::open(dir.path(), "http://127.0.0.1:9")
            .await
            .unwrap();
        let upload = store.create_multipart("k", 4).await.unwrap();
        let send = |number: u32, chunks: Vec<&'static [u8]>| {
            let body = futures::stream::iter(
                chunks
                    .into_iter()
                    .map(|chunk| Ok::<_, std::io::Error>(Bytes::from_static(chunk))),
            );
            store.receive_part("k", &upload, number, None, body)
        };
        for (number, bytes) in [(1, &b"aaaa"[..]), (2, b"bbbb"), (3, b"cc")] {
            send(number, vec![bytes]).await.unwrap();
        }
        // No Content-Length: refused once the bytes pass the part size.
        let result = send(2, vec![b"xx", b"xx", b"x"]).await;
        assert!(
            matches!(result, Err(BlobError::InvalidPart { part_number: 2, .. })),
            "{result:?}"
        );
        let data = std::fs::read(store.layout.upload_data(&upload)).unwrap();
        assert_eq!((&data[..4], &data[8..]), (&b"aaaa"[..], &b"cc"[..]));
        // Its slot may have changed: part 2 is to be sent again.
        let listed = store.list_parts("k", &upload).await.unwrap();
        assert_eq!(
            listed.iter().map(|p| p.part_number).collect::<Vec<_>>(),
            [1, 3]
        );
        send(2, vec![b"bb", b"bb"]).await.unwrap();
        let parts: Vec<crate::CompletedPart> = store
            .list_parts("k", &upload)
            .await
            .unwrap()
            .into_iter()
            .map(|part| crate::CompletedPart {
                part_number: part.part_number,
                etag: part.etag,
            })
            .collect();
        store
            .complete_multipart("k", &upload, &parts, Some(4))
            .await
            .unwrap();
        assert_eq!(
            std::fs::read(store.layout.object("k")).unwrap(),
            b"aaaabbbbcc"
        );
    }

    #[test]
    fn only_numbered_records_are_parts() {
        assert_eq!(parse_record_name("12"), Some(12));
        for other in [
            "key",
            "data",
            "part-size",
            "completed",
            "1.etag",
            "",
            "-1",
            "+1",
        ] {
            assert_eq!(parse_record_name(other), None, "{other}");
        }
        assert_eq!(
            parse_record("42 \"ab\"\n"),
            Some((42, "\"ab\"".to_string()))
        );
        assert_eq!(parse_record("x \"ab\""), None);
    }
}
