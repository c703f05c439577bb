//! Whole objects of the local store: writing one (from a request body, from
//! memory, from a completed upload's data), its SHA-256 sidecar, reading,
//! deleting.
//!
//! Replacing an object: remove the old sidecar, rename the new object into
//! place, write the new sidecar, all under the object's lock. A crash
//! anywhere leaves either no sidecar (then `head` recomputes it) or one
//! that matches the object.

use bytes::Bytes;
use futures::Stream;

use super::LocalBlobStore;
use std::path::Path;

use super::hashing::hash_file_blocking;
use super::layout::{
    TempPath, move_into_place, read_small_file, remove_file_if_present, write_small_file,
};
use super::write::{self, Written, blocking};
use crate::{BlobError, ObjectInfo, Result, validate_key};

impl LocalBlobStore {
    /// Streams a request body into the object at `key`; returns the object
    /// and its quoted MD5 ETag.
    pub(crate) async fn receive_object<S, E>(
        &self,
        key: &str,
        body: S,
    ) -> Result<(ObjectInfo, String)>
    where
        S: Stream<Item = std::result::Result<Bytes, E>>,
        E: std::fmt::Display,
    {
        validate_key(key)?;
        let temp = self.layout.temp();
        let written = write::write_stream(temp.path(), body, true).await?;
        let info = object_info(&written);
        self.commit_object(key, temp, &info).await?;
        Ok((info, crate::parts::quoted_etag(&written.md5)))
    }

    pub(crate) async fn store_bytes(&self, key: &str, bytes: Bytes) -> Result<ObjectInfo> {
        let body = futures::stream::iter([Ok::<_, std::convert::Infallible>(bytes)]);
        Ok(self.receive_object(key, body).await?.0)
    }

    /// Moves a complete, synced temp file to `key` with its sidecar.
    pub(crate) async fn commit_object(
        &self,
        key: &str,
        temp: TempPath,
        info: &ObjectInfo,
    ) -> Result<()> {
        let dest = self.layout.object(key);
        self.replace_object(key, info, temp.commit(&dest)).await
    }

    /// Moves a complete, synced file under the root (an upload's data) to
    /// `key` with its sidecar.
    pub(crate) async fn commit_object_from(
        &self,
        key: &str,
        from: &Path,
        info: &ObjectInfo,
    ) -> Result<()> {
        let dest = self.layout.object(key);
        self.replace_object(key, info, move_into_place(from, &dest))
            .await
    }

    /// Writes the sidecar of an object already in place (a complete that
    /// a crash cut after its rename, done again).
    pub(crate) async fn write_sidecar(&self, key: &str, info: &ObjectInfo) -> Result<()> {
        let _guard = self.object_locks.lock(key).await;
        let digest = self.layout.digest(key);
        write_small_file(&self.layout, &digest, sidecar(info).as_bytes()).await
    }

    /// Under the object's lock: the old sidecar goes, `rename` puts the new
    /// object in place, its sidecar follows.
    async fn replace_object(
        &self,
        key: &str,
        info: &ObjectInfo,
        rename: impl Future<Output = Result<()>>,
    ) -> Result<()> {
        let _guard = self.object_locks.lock(key).await;
        let digest = self.layout.digest(key);
        remove_file_if_present(&digest).await?;
        rename.await?;
        write_small_file(&self.layout, &digest, sidecar(info).as_bytes()).await
    }

    /// Size and SHA-256 of the object at `key`; the sidecar when it matches
    /// the object's size, else computed by reading the object and kept.
    pub(crate) async fn object_head(&self, key: &str) -> Result<Option<ObjectInfo>> {
        validate_key(key)?;
        let Some(size) = self.object_size(key).await? else {
            return Ok(None);
        };
        if let Some(info) = self.read_sidecar(key, size).await? {
            return Ok(Some(info));
        }
        let _guard = self.object_locks.lock(key).await;
        let Some(size) = self.object_size(key).await? else {
            return Ok(None);
        };
        if let Some(info) = self.read_sidecar(key, size).await? {
            return Ok(Some(info));
        }
        let path = self.layout.object(key);
        let context = format!("hashing {}", path.display());
        let (size, sha256) = blocking(context, move || hash_file_blocking(&path)).await?;
        let info = ObjectInfo {
            size,
            sha256: hex::encode(sha256),
        };
        write_small_file(
            &self.layout,
            &self.layout.digest(key),
            sidecar(&info).as_bytes(),
        )
        .await?;
        tracing::info!(key, "recomputed a missing SHA-256 sidecar");
        Ok(Some(info))
    }

    /// The object opened for reading, with its size.
    pub(crate) async fn open_object(&self, key: &str) -> Result<(tokio::fs::File, u64)> {
        validate_key(key)?;
        let path = self.layout.object(key);
        let file = match tokio::fs::File::open(&path).await {
            Ok(file) => file,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                return Err(BlobError::NotFound {
                    key: key.to_string(),
                });
            }
            Err(err) => return Err(BlobError::io(format!("opening {}", path.display()))(err)),
        };
        let metadata = file
            .metadata()
            .await
            .map_err(BlobError::io(format!("reading {}", path.display())))?;
        if !metadata.is_file() {
            return Err(BlobError::NotFound {
                key: key.to_string(),
            });
        }
        Ok((file, metadata.len()))
    }

    pub(crate) async fn delete_object(&self, key: &str) -> Result<()> {
        validate_key(key)?;
        let _guard = self.object_locks.lock(key).await;
        remove_file_if_present(&self.layout.digest(key)).await?;
        remove_file_if_present(&self.layout.object(key)).await
    }

    async fn object_size(&self, key: &str) -> Result<Option<u64>> {
        let path = self.layout.object(key);
        match tokio::fs::metadata(&path).await {
            Ok(metadata) if metadata.is_file() => Ok(Some(metadata.len())),
            Ok(_) => Ok(None),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(BlobError::io(format!("reading {}", path.display()))(err)),
        }
    }

    async fn read_sidecar(&self, key: &str, size: u64) -> Result<Option<ObjectInfo>> {
        let text = read_small_file(&self.layout.digest(key)).await?;
        Ok(text
            .and_then(|text| parse_sidecar(&text))
            .filter(|info| info.size == size))
    }
}

fn object_info(written: &Written) -> ObjectInfo {
    ObjectInfo {
        size: written.size,
        sha256: written.sha256.map(hex::encode).unwrap_or_default(),
    }
}

fn sidecar(info: &ObjectInfo) -> String {
    format!("{} {}\n", info.sha256, info.size)
}

fn parse_sidecar(text: &str) -> Option<ObjectInfo> {
    let (sha256, size) = text.trim().split_once(' ')?;
    if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    Some(ObjectInfo {
        sha256: sha256.to_ascii_lowercase(),
        size: size.parse().ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sidecars_round_trip_and_garbage_is_ignored() {
        let info = ObjectInfo {
            size: 42,
            sha256: "ab".repeat(32),
        };
        assert_eq!(parse_sidecar(&sidecar(&info)), Some(info));
        assert_eq!(parse_sidecar("nothing"), None);
        assert_eq!(parse_sidecar(&format!("{} x", "ab".repeat(32))), None);
        assert_eq!(parse_sidecar("abc 3"), None);
    }
}
