//! Multipart uploads of the local store: a folder per upload holding the key
//! it is for and its parts, each part with its ETag beside it.
//!
//! A part is streamed to a temp file, then, under the upload's lock, its old
//! ETag file is removed, the part renamed into place and the new ETag
//! written: a crash between leaves a part without ETag, whose MD5 is then
//! recomputed when the parts are listed. Completing concatenates the parts
//! into a temp file (SHA-256 on the way), commits it as the object, and only
//! then removes the upload's folder, so a crash leaves either the upload
//! (complete again) or the object.

use std::path::PathBuf;

use bytes::Bytes;
use futures::Stream;

use super::LocalBlobStore;
use super::layout::{
    ignore_not_found, read_small_file, remove_file_if_present, sync_dir, write_small_file,
};
use super::write::{self, blocking};
use crate::parts::{check_part_number, check_parts, quoted_etag};
use crate::{BlobError, CompletedPart, ObjectInfo, PartInfo, Result, validate_key};

impl LocalBlobStore {
    pub(crate) async fn start_upload(&self, key: &str) -> Result<String> {
        validate_key(key)?;
        let upload_id = hex::encode(rand::random::<[u8; 16]>());
        // The folder is built in tmp/ and renamed into place whole, so an
        // upload folder always names its key.
        let temp = self.layout.temp();
        let context = || format!("creating upload {upload_id}");
        tokio::fs::create_dir(temp.path())
            .await
            .map_err(BlobError::io(context()))?;
        write_small_file(&self.layout, &temp.path().join("key"), key.as_bytes()).await?;
        temp.commit(&self.layout.upload(&upload_id)).await?;
        Ok(upload_id)
    }

    /// Fails with `UploadNotFound` unless `upload_id` is an upload of `key`.
    pub(crate) async fn check_upload(&self, key: &str, upload_id: &str) -> Result<()> {
        validate_key(key)?;
        let not_found = || BlobError::UploadNotFound {
            upload_id: upload_id.chars().take(64).collect(),
        };
        if !is_upload_id(upload_id) {
            return Err(not_found());
        }
        match read_small_file(&self.layout.upload_key(upload_id)).await? {
            Some(stored) if stored == key => Ok(()),
            _ => Err(not_found()),
        }
    }

    /// Streams a part to disk and puts it in place; returns its quoted ETag.
    pub(crate) async fn receive_part<S, E>(
        &self,
        key: &str,
        upload_id: &str,
        part_number: u32,
        body: S,
    ) -> Result<String>
    where
        S: Stream<Item = std::result::Result<Bytes, E>>,
        E: std::fmt::Display,
    {
        check_part_number(part_number)?;
        self.check_upload(key, upload_id).await?;
        let temp = self.layout.temp();
        let written = write::write_stream(temp.path(), body, false).await?;
        let etag = quoted_etag(&written.md5);
        let _guard = self.upload_locks.lock(upload_id).await;
        // Aborted while the body was arriving?
        self.check_upload(key, upload_id).await?;
        let etag_path = self.layout.part_etag(upload_id, part_number);
        remove_file_if_present(&etag_path).await?;
        temp.commit(&self.layout.part(upload_id, part_number))
            .await?;
        write_small_file(&self.layout, &etag_path, etag.as_bytes()).await?;
        Ok(etag)
    }

    pub(crate) async fn stored_parts(&self, key: &str, upload_id: &str) -> Result<Vec<PartInfo>> {
        self.check_upload(key, upload_id).await?;
        let _guard = self.upload_locks.lock(upload_id).await;
        self.stored_parts_locked(upload_id).await
    }

    pub(crate) async fn finish_upload(
        &self,
        key: &str,
        upload_id: &str,
        parts: &[CompletedPart],
        part_size: Option<u64>,
    ) -> Result<ObjectInfo> {
        self.check_upload(key, upload_id).await?;
        let _guard = self.upload_locks.lock(upload_id).await;
        self.check_upload(key, upload_id).await?;
        let stored = self.stored_parts_locked(upload_id).await?;
        let total = check_parts(parts, &stored, part_size)?;

        let paths: Vec<PathBuf> = parts
            .iter()
            .map(|part| self.layout.part(upload_id, part.part_number))
            .collect();
        let temp = self.layout.temp();
        let dest = temp.path().to_path_buf();
        let context = format!("assembling upload {upload_id}");
        let (size, sha256) =
            blocking(context, move || write::concat_blocking(&paths, &dest)).await?;
        if size != total {
            return Err(BlobError::Io {
                context: format!("assembling upload {upload_id}"),
                source: std::io::Error::other(format!(
                    "the parts hold {size} bytes, {total} were listed"
                )),
            });
        }
        let info = ObjectInfo {
            size,
            sha256: hex::encode(sha256),
        };
        self.commit_object(key, temp, &info).await?;
        self.remove_upload_folder(upload_id).await?;
        Ok(info)
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

    async fn remove_upload_folder(&self, upload_id: &str) -> Result<()> {
        let folder = self.layout.upload(upload_id);
        ignore_not_found(tokio::fs::remove_dir_all(&folder).await)
            .map_err(BlobError::io(format!("removing {}", folder.display())))?;
        match folder.parent() {
            Some(parent) => sync_dir(parent).await,
            None => Ok(()),
        }
    }

    async fn stored_parts_locked(&self, upload_id: &str) -> Result<Vec<PartInfo>> {
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
            let Some(part_number) = name.to_str().and_then(parse_part_number) else {
                continue;
            };
            let size = entry
                .metadata()
                .await
                .map_err(BlobError::io(context()))?
                .len();
            let etag = self.part_etag(upload_id, part_number).await?;
            parts.push(PartInfo {
                part_number,
                etag,
                size,
            });
        }
        parts.sort_by_key(|part| part.part_number);
        Ok(parts)
    }

    /// The part's stored ETag, recomputed (and kept) if a crash lost it.
    async fn part_etag(&self, upload_id: &str, part_number: u32) -> Result<String> {
        let etag_path = self.layout.part_etag(upload_id, part_number);
        if let Some(etag) = read_small_file(&etag_path).await? {
            return Ok(etag);
        }
        let part = self.layout.part(upload_id, part_number);
        let context = format!("hashing {}", part.display());
        let written = blocking(context, move || write::hash_file_blocking(&part)).await?;
        let etag = quoted_etag(&written.md5);
        write_small_file(&self.layout, &etag_path, etag.as_bytes()).await?;
        Ok(etag)
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

fn parse_part_number(name: &str) -> Option<u32> {
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    name.parse().ok()
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

    #[test]
    fn only_digit_names_are_parts() {
        assert_eq!(parse_part_number("12"), Some(12));
        for other in ["key", "1.etag", "", "-1", "+1"] {
            assert_eq!(parse_part_number(other), None, "{other}");
        }
    }
}
