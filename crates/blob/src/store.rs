//! The `BlobStore` trait: what the API and the workers ask of blob storage,
//! the same on a local folder and on S3.

use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use url::Url;

use crate::Result;

/// A part that has arrived, as the store has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartInfo {
    pub part_number: u32,
    /// S3-style quoted ETag, `"<hex digest>"`: opaque, it changes with the
    /// part's bytes (S3: their MD5; the local store: their xxh3-128). Empty
    /// when the S3 service does not list part ETags (s3s-fs); AWS S3 and the
    /// local store always do.
    pub etag: String,
    pub size: u64,
}

/// A part named by a client in a complete: its number and the ETag its PUT
/// answered (quoted or not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompletedPart {
    pub part_number: u32,
    pub etag: String,
}

/// A whole object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectInfo {
    pub size: u64,
    /// Lowercase hex SHA-256 of the object's bytes.
    pub sha256: String,
}

/// Keys are checked by [`crate::validate_key`]; every method refuses others
/// with [`crate::BlobError::InvalidKey`]. Presigned URLs are absolute and
/// carry their own authorisation: whoever holds one can use it until it
/// expires.
#[async_trait]
pub trait BlobStore: Send + Sync + 'static {
    /// `local` or `s3`, for logs.
    fn kind(&self) -> &'static str;

    /// A URL to PUT the whole object in one request. The response carries an
    /// `ETag`; afterwards [`BlobStore::head`] sees the object.
    async fn presign_put(&self, key: &str, expires_in: Duration) -> Result<Url>;

    /// Starts a multipart upload of `key` in parts of `part_size` bytes
    /// (the last one may be shorter); returns its upload id.
    ///
    /// The local store lays part N out at `(N - 1) * part_size` in one file
    /// and refuses a part longer than `part_size` when it is sent; S3 does
    /// not need it and ignores it. [`BlobStore::complete_multipart`] checks
    /// the sizes on both.
    async fn create_multipart(&self, key: &str, part_size: u64) -> Result<String>;

    /// A URL to PUT part `part_number` (1..=10000) of an upload. A part may
    /// be sent again; the last one sent wins.
    async fn presign_part(
        &self,
        key: &str,
        upload_id: &str,
        part_number: u32,
        expires_in: Duration,
    ) -> Result<Url>;

    /// The parts that have arrived so far, by ascending part number: what a
    /// resuming client can skip.
    async fn list_parts(&self, key: &str, upload_id: &str) -> Result<Vec<PartInfo>>;

    /// Checks the parts and commits the object atomically: afterwards the
    /// whole object is there, before it nothing is.
    ///
    /// `parts` must be exactly 1..=N in ascending order, each uploaded, each
    /// with the ETag its PUT answered. Sizes: every part but the last must be
    /// `part_size` bytes (when `None`: the size of part 1), the last one
    /// between 1 byte and that size. Anything else is
    /// [`crate::BlobError::InvalidPart`] and leaves the upload as it was, so
    /// the client can re-send a part and complete again.
    async fn complete_multipart(
        &self,
        key: &str,
        upload_id: &str,
        parts: &[CompletedPart],
        part_size: Option<u64>,
    ) -> Result<ObjectInfo>;

    /// Drops an upload and its parts. Aborting an upload that is already gone
    /// succeeds (on S3 services that answer `NoSuchUpload` for it, as AWS does).
    async fn abort_multipart(&self, key: &str, upload_id: &str) -> Result<()>;

    /// Size and SHA-256 of the object, `None` if there is none. The digest is
    /// computed (by reading the object once) when it is not known yet, e.g.
    /// after a presigned single PUT to S3.
    async fn head(&self, key: &str) -> Result<Option<ObjectInfo>>;

    /// A URL to GET the object; with `download_name`, browsers save it under
    /// that name (`Content-Disposition: attachment`).
    async fn presign_get(
        &self,
        key: &str,
        expires_in: Duration,
        download_name: Option<&str>,
    ) -> Result<Url>;

    /// Stores a small object (artifacts, tests) given in memory.
    async fn put_bytes(&self, key: &str, bytes: Bytes) -> Result<ObjectInfo>;

    /// Deletes the object; deleting a missing object succeeds.
    async fn delete(&self, key: &str) -> Result<()>;
}
