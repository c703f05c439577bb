//! The folder layout of a local store and the file operations that keep it
//! consistent: every object, sidecar and record appears by renaming a
//! complete, synced file into place, so a reader (or a restart after a
//! crash) sees a whole file or none.
//!
//! ```text
//! <root>/.signing-key                   32 random bytes, 0600
//! <root>/objects/<key>                  committed objects
//! <root>/sha256/<key>                   "<sha256 hex> <size>" of each object
//! <root>/uploads/<upload_id>/key        the key a multipart upload is for
//! <root>/uploads/<upload_id>/part-size  its part size in bytes, decimal
//! <root>/uploads/<upload_id>/data       the parts' bytes, part n at offset
//!                                       (n - 1) * part-size (sparse)
//! <root>/uploads/<upload_id>/<n>        "<size> <quoted ETag>" of part n,
//!                                       there while its bytes in data are
//!                                       whole and synced
//! <root>/uploads/<upload_id>/completed  "<sha256 hex> <size>": data is the
//!                                       object, renamed or about to be
//! <root>/tmp/                           temp files, renamed into place when whole
//! ```
//!
//! Temp files live in `tmp/` (same filesystem as the rest, so renames are
//! atomic), never under `objects/`: nothing half-written is ever at an
//! object's path. An upload's `data` is written in place and becomes the
//! object by one rename once it is whole (see `complete`). Leftovers of a
//! crash are swept from `tmp/` when the store opens.
//!
//! An upload folder without `part-size` was made by a version that kept
//! each part in a file of its own: it is no longer known (its client starts
//! a new upload), and an abort still removes it.

use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::{BlobError, Result};

#[derive(Debug, Clone)]
pub(crate) struct Layout {
    root: PathBuf,
}

impl Layout {
    pub(crate) fn new(root: PathBuf) -> Self {
        Layout { root }
    }

    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    /// Call with a validated key only.
    pub(crate) fn object(&self, key: &str) -> PathBuf {
        self.root.join("objects").join(key)
    }

    pub(crate) fn digest(&self, key: &str) -> PathBuf {
        self.root.join("sha256").join(key)
    }

    /// Call with a validated upload id only.
    pub(crate) fn upload(&self, upload_id: &str) -> PathBuf {
        self.root.join("uploads").join(upload_id)
    }

    pub(crate) fn upload_key(&self, upload_id: &str) -> PathBuf {
        self.upload(upload_id).join("key")
    }

    pub(crate) fn upload_part_size(&self, upload_id: &str) -> PathBuf {
        self.upload(upload_id).join("part-size")
    }

    pub(crate) fn upload_data(&self, upload_id: &str) -> PathBuf {
        self.upload(upload_id).join("data")
    }

    pub(crate) fn part_record(&self, upload_id: &str, part_number: u32) -> PathBuf {
        self.upload(upload_id).join(part_number.to_string())
    }

    pub(crate) fn upload_completed(&self, upload_id: &str) -> PathBuf {
        self.upload(upload_id).join("completed")
    }

    pub(crate) fn signing_key(&self) -> PathBuf {
        self.root.join(".signing-key")
    }

    fn tmp_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }

    /// A fresh path in `tmp/`, removed on drop unless committed.
    pub(crate) fn temp(&self) -> TempPath {
        let name = hex::encode(rand::random::<[u8; 12]>());
        TempPath {
            path: self.tmp_dir().join(name),
            armed: true,
        }
    }

    pub(crate) async fn create_dirs(&self) -> Result<()> {
        for dir in ["objects", "sha256", "uploads", "tmp"] {
            let path = self.root.join(dir);
            tokio::fs::create_dir_all(&path)
                .await
                .map_err(BlobError::io(format!("creating {}", path.display())))?;
        }
        Ok(())
    }

    /// Removes what crashed writers left in `tmp/`: entries not modified for
    /// `older_than` (a live writer touches its file all the time). Returns
    /// how many went.
    pub(crate) async fn sweep_tmp(&self, older_than: Duration) -> Result<usize> {
        let dir = self.tmp_dir();
        let context = || format!("sweeping {}", dir.display());
        let mut entries = tokio::fs::read_dir(&dir)
            .await
            .map_err(BlobError::io(context()))?;
        let mut removed = 0;
        while let Some(entry) = entries
            .next_entry()
            .await
            .map_err(BlobError::io(context()))?
        {
            let metadata = entry.metadata().await.map_err(BlobError::io(context()))?;
            let age = metadata
                .modified()
                .ok()
                .and_then(|modified| SystemTime::now().duration_since(modified).ok())
                .unwrap_or_default();
            if age < older_than {
                continue;
            }
            let path = entry.path();
            let result = if metadata.is_dir() {
                tokio::fs::remove_dir_all(&path).await
            } else {
                tokio::fs::remove_file(&path).await
            };
            ignore_not_found(result).map_err(BlobError::io(context()))?;
            removed += 1;
        }
        Ok(removed)
    }
}

/// A temp file or folder that is removed when dropped, unless
/// [`TempPath::commit`] moved it into place.
#[derive(Debug)]
pub(crate) struct TempPath {
    path: PathBuf,
    armed: bool,
}

impl TempPath {
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Renames the (already synced) temp file or folder to `dest`, replacing
    /// what is there, and syncs the folder so the rename survives a crash.
    pub(crate) async fn commit(mut self, dest: &Path) -> Result<()> {
        move_into_place(&self.path, dest).await?;
        self.armed = false;
        Ok(())
    }

    /// Leaves the temp file where it is, as a crash would.
    #[cfg(test)]
    pub(crate) fn leak(mut self) -> PathBuf {
        self.armed = false;
        self.path.clone()
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        if self.armed {
            let _ =
                std::fs::remove_file(&self.path).or_else(|_| std::fs::remove_dir_all(&self.path));
        }
    }
}

/// Renames the (already synced) file or folder `from` to `dest`, replacing
/// what is there, and syncs `dest`'s folder so the rename survives a crash.
/// Both must be under the root: one filesystem, so the rename is atomic.
pub(crate) async fn move_into_place(from: &Path, dest: &Path) -> Result<()> {
    let parent = dest.parent().unwrap_or(Path::new("/"));
    tokio::fs::create_dir_all(parent)
        .await
        .map_err(BlobError::io(format!("creating {}", parent.display())))?;
    tokio::fs::rename(from, dest)
        .await
        .map_err(BlobError::io(format!(
            "moving a file to {}",
            dest.display()
        )))?;
    sync_dir(parent).await
}

/// Makes renames and removals in `dir` durable.
pub(crate) async fn sync_dir(dir: &Path) -> Result<()> {
    let context = || format!("syncing {}", dir.display());
    let handle = tokio::fs::File::open(dir)
        .await
        .map_err(BlobError::io(context()))?;
    handle.sync_all().await.map_err(BlobError::io(context()))
}

/// Writes a small file (a sidecar, an upload's key) whole or not at all.
pub(crate) async fn write_small_file(layout: &Layout, dest: &Path, contents: &[u8]) -> Result<()> {
    let temp = layout.temp();
    let context = || format!("writing {}", dest.display());
    let mut file = tokio::fs::File::create(temp.path())
        .await
        .map_err(BlobError::io(context()))?;
    tokio::io::AsyncWriteExt::write_all(&mut file, contents)
        .await
        .map_err(BlobError::io(context()))?;
    file.sync_all().await.map_err(BlobError::io(context()))?;
    drop(file);
    temp.commit(dest).await
}

/// Reads a small file; `None` if it is not there.
pub(crate) async fn read_small_file(path: &Path) -> Result<Option<String>> {
    match tokio::fs::read_to_string(path).await {
        Ok(text) => Ok(Some(text)),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(BlobError::io(format!("reading {}", path.display()))(err)),
    }
}

pub(crate) async fn remove_file_if_present(path: &Path) -> Result<()> {
    ignore_not_found(tokio::fs::remove_file(path).await)
        .map_err(BlobError::io(format!("removing {}", path.display())))
}

pub(crate) fn ignore_not_found(result: io::Result<()>) -> io::Result<()> {
    match result {
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}
