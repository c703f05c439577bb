//! SHA-256 of S3 objects. S3 computes none, so we read an object back once
//! (streamed, bounded memory) and keep the digest in a sidecar object at
//! `.sha256/<key>` (keys never start with a dot, so no object can collide
//! with it). The sidecar records the object's ETag and size; when the
//! object has been replaced since, `head` sees the mismatch and recomputes.

use bytes::Bytes;
use futures::StreamExt;
use object_store::aws::AmazonS3;
use object_store::path::Path;
use object_store::{ObjectStoreExt, PutPayload};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{BlobError, ObjectInfo, Result};

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
struct Sidecar {
    sha256: String,
    size: u64,
    etag: Option<String>,
}

fn sidecar_path(key: &str) -> Result<Path> {
    Path::parse(format!(".sha256/{key}"))
        .map_err(|err| BlobError::Backend(format!("naming the digest of {key}: {err}")))
}

fn backend(doing: &str, err: object_store::Error) -> BlobError {
    BlobError::Backend(format!("{doing}: {err}"))
}

/// Size and SHA-256 of the object, `None` if there is none.
pub(crate) async fn head(s3: &AmazonS3, key: &str, path: &Path) -> Result<Option<ObjectInfo>> {
    let meta = match s3.head(path).await {
        Ok(meta) => meta,
        Err(object_store::Error::NotFound { .. }) => return Ok(None),
        Err(err) => return Err(backend("reading an object's metadata", err)),
    };
    if let Some(sidecar) = read_sidecar(s3, key).await?
        && sidecar.size == meta.size
        && sidecar.etag == meta.e_tag
    {
        return Ok(Some(ObjectInfo {
            size: sidecar.size,
            sha256: sidecar.sha256,
        }));
    }
    match hash_and_record(s3, key, path).await {
        Ok(info) => Ok(Some(info)),
        Err(BlobError::NotFound { .. }) => Ok(None),
        Err(err) => Err(err),
    }
}

/// Streams the object, hashes it, and keeps the digest.
pub(crate) async fn hash_and_record(s3: &AmazonS3, key: &str, path: &Path) -> Result<ObjectInfo> {
    let result = match s3.get(path).await {
        Ok(result) => result,
        Err(object_store::Error::NotFound { .. }) => {
            return Err(BlobError::NotFound {
                key: key.to_string(),
            });
        }
        Err(err) => return Err(backend("reading an object to hash it", err)),
    };
    let etag = result.meta.e_tag.clone();
    let mut stream = result.into_stream();
    let mut sha256 = Sha256::new();
    let mut size = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|err| backend("reading an object to hash it", err))?;
        sha256.update(&chunk);
        size += chunk.len() as u64;
    }
    let info = ObjectInfo {
        size,
        sha256: hex::encode(sha256.finalize()),
    };
    write_sidecar(s3, key, &info, etag).await?;
    Ok(info)
}

/// Stores a small object and its digest (hashed here: the bytes are in hand).
pub(crate) async fn put_and_record(
    s3: &AmazonS3,
    key: &str,
    path: &Path,
    bytes: Bytes,
) -> Result<ObjectInfo> {
    let info = ObjectInfo {
        size: bytes.len() as u64,
        sha256: hex::encode(Sha256::digest(&bytes)),
    };
    forget(s3, key).await?;
    let put = s3
        .put(path, PutPayload::from_bytes(bytes))
        .await
        .map_err(|err| backend("storing an object", err))?;
    write_sidecar(s3, key, &info, put.e_tag).await?;
    Ok(info)
}

/// Removes the object's sidecar, if any.
pub(crate) async fn forget(s3: &AmazonS3, key: &str) -> Result<()> {
    match s3.delete(&sidecar_path(key)?).await {
        Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
        Err(err) => Err(backend("deleting an object's digest", err)),
    }
}

async fn write_sidecar(
    s3: &AmazonS3,
    key: &str,
    info: &ObjectInfo,
    etag: Option<String>,
) -> Result<()> {
    let sidecar = Sidecar {
        sha256: info.sha256.clone(),
        size: info.size,
        etag,
    };
    let body = serde_json::to_vec(&sidecar)
        .map_err(|err| BlobError::Backend(format!("encoding a digest: {err}")))?;
    s3.put(&sidecar_path(key)?, PutPayload::from(body))
        .await
        .map_err(|err| backend("storing an object's digest", err))?;
    Ok(())
}

/// The sidecar, or `None` if it is missing or unreadable (then recomputed).
async fn read_sidecar(s3: &AmazonS3, key: &str) -> Result<Option<Sidecar>> {
    let bytes = match s3.get(&sidecar_path(key)?).await {
        Ok(result) => result
            .bytes()
            .await
            .map_err(|err| backend("reading an object's digest", err))?,
        Err(object_store::Error::NotFound { .. }) => return Ok(None),
        Err(err) => return Err(backend("reading an object's digest", err)),
    };
    Ok(serde_json::from_slice(&bytes).ok())
}
