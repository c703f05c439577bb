//! Where playtest keeps game builds (hundreds of MB to tens of GB) and run
//! artifacts.
//!
//! Callers hold an `Arc<dyn BlobStore>` and never see where bytes live. Large
//! uploads never pass through the API process: the store hands out presigned
//! URLs (one PUT for a whole object, or one per part of a multipart upload),
//! the client sends its bytes there, and the API only completes or aborts.
//!
//! Two backends, picked by [`open`]:
//! - [`local`]: a folder (the embedded deployment). The server signs its own
//!   URLs with HMAC-SHA256 and serves them with [`local::router`].
//! - [`s3`]: any S3-compatible store (the scale-out deployment), through
//!   object_store; URLs are SigV4-presigned and point at the store itself.
//!
//! Every object's SHA-256 is known to [`BlobStore::head`]: computed while the
//! bytes are written where the bytes pass through us (local), or by reading
//! the object back once after it is complete (S3), and kept beside it.

mod clock;
mod disposition;
mod error;
mod key;
pub mod local;
mod parts;
pub mod s3;
mod store;
#[cfg(any(test, feature = "test-support"))]
pub mod testing;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use clock::{Clock, SystemClock};
pub use error::{BlobError, Result};
pub use key::validate_key;
pub use parts::MAX_PARTS;
pub use store::{BlobStore, CompletedPart, ObjectInfo, PartInfo};

/// A store and the routes the HTTP server must serve for it: the signed URLs
/// of a local store, nothing for S3 (its URLs point at the S3 service).
pub struct BlobService {
    pub store: Arc<dyn BlobStore>,
    /// Merge into the server's router as it is: it carries its own state and
    /// has no body limit.
    pub routes: axum::Router,
}

/// Opens the blob store named by `url_or_path`:
///
/// - `""`: the folder `<data_dir>/blobs`;
/// - a folder path or `file:///abs/path`: a [`local::LocalBlobStore`] there,
///   whose URLs are built from `public_url` (the server's externally
///   reachable base URL, e.g. `http://127.0.0.1:8080`);
/// - `s3://bucket?endpoint=...&region=...&access_key_id=...&secret_access_key=...`:
///   an [`s3::S3BlobStore`]; see [`s3::S3Settings::from_url`].
///
/// No environment variable is read here: credentials that live in the
/// environment are the configuration module's business, which fills them
/// into an [`s3::S3Settings`] and calls [`s3::S3BlobStore::connect`].
pub async fn open(
    url_or_path: &str,
    data_dir: &Path,
    public_url: &str,
) -> Result<Arc<dyn BlobStore>> {
    Ok(open_service(url_or_path, data_dir, public_url).await?.store)
}

/// Like [`open`], also returning the routes to serve.
pub async fn open_service(
    url_or_path: &str,
    data_dir: &Path,
    public_url: &str,
) -> Result<BlobService> {
    if url_or_path.starts_with("s3://") {
        return s3_service(s3::S3Settings::from_url(url_or_path)?);
    }
    local_service(local_root(url_or_path, data_dir)?, public_url).await
}

/// A local folder store at `root` (created if missing) and its routes.
pub async fn local_service(root: PathBuf, public_url: &str) -> Result<BlobService> {
    let store = Arc::new(local::LocalBlobStore::open(root, public_url).await?);
    Ok(BlobService {
        routes: local::router(store.clone()),
        store,
    })
}

/// An S3 store with settings the caller completed (credentials from its
/// own configuration), and no routes.
pub fn s3_service(settings: s3::S3Settings) -> Result<BlobService> {
    Ok(BlobService {
        store: Arc::new(s3::S3BlobStore::connect(settings)?),
        routes: axum::Router::new(),
    })
}

fn local_root(url_or_path: &str, data_dir: &Path) -> Result<PathBuf> {
    if url_or_path.is_empty() {
        return Ok(data_dir.join("blobs"));
    }
    if url_or_path.starts_with("file:") {
        let url = url::Url::parse(url_or_path)
            .map_err(|err| BlobError::Config(format!("blob store URL {url_or_path}: {err}")))?;
        return url.to_file_path().map_err(|()| {
            BlobError::Config(format!(
                "blob store URL {url_or_path} is not a local absolute path: use file:///abs/path"
            ))
        });
    }
    if url_or_path.contains("://") {
        return Err(BlobError::Config(format!(
            "unsupported blob store {url_or_path}: use a folder path, file:///abs/path or s3://bucket?endpoint=..."
        )));
    }
    Ok(PathBuf::from(url_or_path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_blob_store_means_the_blobs_folder_of_the_data_dir() {
        let root = local_root("", Path::new("/data")).unwrap();
        assert_eq!(root, Path::new("/data/blobs"));
    }

    #[test]
    fn file_urls_and_plain_paths_name_local_folders() {
        assert_eq!(
            local_root("file:///srv/blobs", Path::new("/data")).unwrap(),
            Path::new("/srv/blobs")
        );
        assert_eq!(
            local_root("rel/blobs", Path::new("/data")).unwrap(),
            Path::new("rel/blobs")
        );
    }

    #[test]
    fn unknown_schemes_are_refused_with_the_accepted_forms() {
        let err = local_root("gs://bucket", Path::new("/data")).unwrap_err();
        assert!(err.to_string().contains("s3://"), "{err}");
    }
}
