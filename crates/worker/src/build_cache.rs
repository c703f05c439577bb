//! The worker's cache of game builds, keyed by content hash.
//!
//! A build is fetched once per worker machine, however many runs play it:
//! [`BuildCache::prepare`] downloads it (streamed to disk, never held in
//! memory), checks its size and SHA-256, unpacks it safely and moves the
//! result into place with one rename, so `<root>/builds/<sha256>/` either
//! holds a complete build or does not exist. Each run then plays its own
//! writable copy ([`BuildCache::run_copy`]) and the cached tree stays
//! pristine.
//!
//! Layout: `<root>/builds/<sha256>/` the unpacked builds; `<root>/tmp/`
//! downloads and unpacks in progress (same file system, so the final move
//! is a rename). Prepares of one build in one process wait for each other;
//! two processes sharing a root may both download, and the second rename
//! simply finds the build in place.

use std::collections::HashMap;
use std::fs::{self, Permissions};
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;
use tracing::{info, instrument};
use url::Url;

use crate::unpack::{self, ArchiveFormat, UnpackError, UnpackLimits};

/// A build to fetch, as the server describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildToFetch {
    /// SHA-256 of the uploaded file, lowercase hex.
    pub sha256: String,
    /// Size of the uploaded file in bytes.
    pub size: u64,
    /// The uploaded file's name; its ending says how to unpack it.
    pub file_name: String,
    pub download_url: Url,
}

/// A build unpacked in the cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedBuild {
    /// `<root>/builds/<sha256>`: read it, never write it.
    pub dir: PathBuf,
    /// Whether this prepare downloaded it (false: it was cached).
    pub downloaded: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum BuildCacheError {
    #[error("invalid build: {0}")]
    InvalidBuild(String),
    #[error("downloading the build failed: {0}")]
    Download(#[source] reqwest::Error),
    #[error("downloading the build failed: the server answered {0}")]
    DownloadStatus(reqwest::StatusCode),
    #[error("the downloaded build is {actual} bytes, expected {expected}")]
    SizeMismatch { expected: u64, actual: u64 },
    #[error("the downloaded build has SHA-256 {actual}, expected {expected}")]
    HashMismatch { expected: String, actual: String },
    #[error("unpacking the build failed: {0}")]
    Unpack(#[from] UnpackError),
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
}

type Result<T, E = BuildCacheError> = std::result::Result<T, E>;

pub struct BuildCache {
    root: PathBuf,
    http: reqwest::Client,
    limits: UnpackLimits,
    /// One lock per build being prepared, dropped when nobody waits on it.
    preparing: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl BuildCache {
    /// A cache in `root` (created on first use), with default
    /// [`UnpackLimits`].
    pub fn new(root: PathBuf) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(30))
            .read_timeout(Duration::from_secs(120))
            .build()
            .expect("the HTTP client's TLS backend initialises");
        BuildCache {
            root,
            http,
            limits: UnpackLimits::default(),
            preparing: Mutex::default(),
        }
    }

    pub fn with_limits(mut self, limits: UnpackLimits) -> Self {
        self.limits = limits;
        self
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The build unpacked in the cache: fetched, checked and unpacked the
    /// first time, found in place after that.
    #[instrument(skip_all, fields(sha256 = %build.sha256, size = build.size))]
    pub async fn prepare(&self, build: &BuildToFetch) -> Result<PreparedBuild> {
        validate(build)?;
        let dir = self.root.join("builds").join(&build.sha256);
        let lock = self.lock_for(&build.sha256);
        let prepared = {
            let _held = lock.lock().await;
            if is_dir(&dir)? {
                Ok(PreparedBuild {
                    dir,
                    downloaded: false,
                })
            } else {
                self.fetch_and_unpack(build, &dir)
                    .await
                    .map(|()| PreparedBuild {
                        dir,
                        downloaded: true,
                    })
            }
        };
        self.release(&build.sha256, lock);
        prepared
    }

    /// Copies a prepared build into `into` (created; must not exist or be
    /// empty) for one run to play and scribble in. Modes are kept, plus
    /// write for the owner; symlinks are copied as symlinks.
    ///
    /// `into` is made `0700`. Once a game ran in it, the folder is the
    /// game's: it may hold symlinks to anywhere on the host and, when the
    /// worker runs as root, setuid files owned by root (the sandbox's user
    /// is root outside). `0700` keeps other users of the host out; the
    /// worker must read nothing from it without refusing symlinks, and
    /// delete it with `remove_dir_all` (which does not follow them).
    pub fn run_copy(&self, prepared: &PreparedBuild, into: &Path) -> Result<()> {
        fs::create_dir_all(into).map_err(io_at(into))?;
        fs::set_permissions(into, Permissions::from_mode(0o700)).map_err(io_at(into))?;
        if fs::read_dir(into).map_err(io_at(into))?.next().is_some() {
            return Err(BuildCacheError::Io {
                path: into.to_owned(),
                source: io::Error::new(io::ErrorKind::AlreadyExists, "the run folder is not empty"),
            });
        }
        copy_tree(&prepared.dir, into)
    }

    fn lock_for(&self, sha256: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut preparing = self.preparing.lock().expect("not poisoned");
        preparing.entry(sha256.to_owned()).or_default().clone()
    }

    fn release(&self, sha256: &str, lock: Arc<tokio::sync::Mutex<()>>) {
        let mut preparing = self.preparing.lock().expect("not poisoned");
        // Ours and the map's: nobody else holds or waits for it.
        if Arc::strong_count(&lock) == 2 {
            preparing.remove(sha256);
        }
    }

    async fn fetch_and_unpack(&self, build: &BuildToFetch, dir: &Path) -> Result<()> {
        let tmp = self.root.join("tmp");
        fs::create_dir_all(&tmp).map_err(io_at(&tmp))?;
        let builds = self.root.join("builds");
        fs::create_dir_all(&builds).map_err(io_at(&builds))?;

        let download = tempfile::Builder::new()
            .prefix("download-")
            .tempfile_in(&tmp)
            .map_err(io_at(&tmp))?;
        self.download(build, download.path()).await?;
        info!("downloaded the build");

        let limits = self.limits.clone();
        let file_name = build.file_name.clone();
        let dir = dir.to_owned();
        tokio::task::spawn_blocking(move || {
            unpack_into_place(download, &file_name, &tmp, &dir, &limits)
        })
        .await
        .expect("the unpack task does not panic")?;
        info!("unpacked the build");
        Ok(())
    }

    /// Streams the body to `path`, refusing more bytes than announced, and
    /// checks size and hash at the end.
    async fn download(&self, build: &BuildToFetch, path: &Path) -> Result<()> {
        let mut response = self
            .http
            .get(build.download_url.clone())
            .send()
            .await
            .map_err(BuildCacheError::Download)?;
        if !response.status().is_success() {
            return Err(BuildCacheError::DownloadStatus(response.status()));
        }
        let mut file = tokio::fs::File::create(path).await.map_err(io_at(path))?;
        let mut hasher = Sha256::new();
        let mut written: u64 = 0;
        while let Some(chunk) = response.chunk().await.map_err(BuildCacheError::Download)? {
            written += chunk.len() as u64;
            if written > build.size {
                return Err(BuildCacheError::SizeMismatch {
                    expected: build.size,
                    actual: written,
                });
            }
            hasher.update(&chunk);
            file.write_all(&chunk).await.map_err(io_at(path))?;
        }
        file.flush().await.map_err(io_at(path))?;
        if written != build.size {
            return Err(BuildCacheError::SizeMismatch {
                expected: build.size,
                actual: written,
            });
        }
        let actual = hex::encode(hasher.finalize());
        if actual != build.sha256 {
            return Err(BuildCacheError::HashMismatch {
                expected: build.sha256.clone(),
                actual,
            });
        }
        Ok(())
    }
}

/// Unpacks (or places the single file) into a fresh folder under `tmp`,
/// then renames it to `dir`. The temporary folder and download are removed
/// on every path out.
fn unpack_into_place(
    download: tempfile::NamedTempFile,
    file_name: &str,
    tmp: &Path,
    dir: &Path,
    limits: &UnpackLimits,
) -> Result<()> {
    let staging = tempfile::Builder::new()
        .prefix("unpack-")
        .tempdir_in(tmp)
        .map_err(io_at(tmp))?;
    match ArchiveFormat::from_file_name(file_name) {
        Some(format) => {
            unpack::unpack(download.path(), format, staging.path(), limits)?;
        }
        None => {
            let placed = staging.path().join(file_name);
            download.persist(&placed).map_err(|e| BuildCacheError::Io {
                path: placed.clone(),
                source: e.error,
            })?;
            fs::set_permissions(&placed, Permissions::from_mode(0o755)).map_err(io_at(&placed))?;
        }
    }
    fs::set_permissions(staging.path(), Permissions::from_mode(0o755))
        .map_err(io_at(staging.path()))?;
    match fs::rename(staging.path(), dir) {
        Ok(()) => Ok(()),
        // Another process put the same build in place first.
        Err(_) if is_dir(dir)? => Ok(()),
        Err(source) => Err(BuildCacheError::Io {
            path: dir.to_owned(),
            source,
        }),
    }
}

/// The hash names a folder and the file name a file: both must be plain.
fn validate(build: &BuildToFetch) -> Result<()> {
    let hex_ok = build.sha256.len() == 64
        && build
            .sha256
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !hex_ok {
        return Err(BuildCacheError::InvalidBuild(format!(
            "sha256 {:?} is not 64 lowercase hex digits",
            build.sha256
        )));
    }
    let name = &build.file_name;
    if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\0']) {
        return Err(BuildCacheError::InvalidBuild(format!(
            "file name {name:?} is not a plain file name"
        )));
    }
    Ok(())
}

/// Copies an unpacked build (`from`, in the cache) into the folder
/// `into`, made if missing, as [`BuildCache::run_copy`] does; a native
/// game's restart lays its folder anew with it.
pub fn copy_build(from: &Path, into: &Path) -> Result<()> {
    fs::create_dir_all(into).map_err(io_at(into))?;
    fs::set_permissions(into, Permissions::from_mode(0o700)).map_err(io_at(into))?;
    copy_tree(from, into)
}

fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    for entry in fs::read_dir(from).map_err(io_at(from))? {
        let entry = entry.map_err(io_at(from))?;
        let source = entry.path();
        let target = to.join(entry.file_name());
        let kind = entry.file_type().map_err(io_at(&source))?;
        if kind.is_symlink() {
            let link = fs::read_link(&source).map_err(io_at(&source))?;
            std::os::unix::fs::symlink(link, &target).map_err(io_at(&target))?;
        } else if kind.is_dir() {
            fs::create_dir(&target).map_err(io_at(&target))?;
            copy_tree(&source, &target)?;
            let mode = entry
                .metadata()
                .map_err(io_at(&source))?
                .permissions()
                .mode();
            fs::set_permissions(&target, Permissions::from_mode(mode | 0o700))
                .map_err(io_at(&target))?;
        } else {
            // `fs::copy` carries the permission bits over.
            fs::copy(&source, &target).map_err(io_at(&target))?;
            let mode = entry
                .metadata()
                .map_err(io_at(&source))?
                .permissions()
                .mode();
            fs::set_permissions(&target, Permissions::from_mode(mode | 0o200))
                .map_err(io_at(&target))?;
        }
    }
    Ok(())
}

fn is_dir(path: &Path) -> Result<bool> {
    match fs::symlink_metadata(path) {
        Ok(meta) => Ok(meta.is_dir()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(source) => Err(BuildCacheError::Io {
            path: path.to_owned(),
            source,
        }),
    }
}

fn io_at(path: &Path) -> impl FnOnce(io::Error) -> BuildCacheError + '_ {
    move |source| BuildCacheError::Io {
        path: path.to_owned(),
        source,
    }
}
