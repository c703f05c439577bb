//! Moving bytes to and from disk with bounded memory, hashing on the way:
//! a request body streamed into a temp file (MD5 for the ETag, SHA-256 when
//! it is a whole object), parts concatenated into an object, a file hashed.

use std::fmt::Display;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use bytes::Bytes;
use futures::{Stream, StreamExt};
use md5::Md5;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncWriteExt, BufWriter};

use crate::{BlobError, Result};

/// Copy buffer and write buffer size: large enough for disk throughput,
/// small enough that many uploads at once stay cheap.
const BUFFER: usize = 1 << 20;

pub(crate) struct Written {
    pub size: u64,
    pub md5: [u8; 16],
    pub sha256: Option<[u8; 32]>,
}

/// Streams `body` into a new file at `path`, synced before returning. The
/// caller owns `path` (a temp path removed on failure).
pub(crate) async fn write_stream<S, E>(path: &Path, body: S, with_sha256: bool) -> Result<Written>
where
    S: Stream<Item = std::result::Result<Bytes, E>>,
    E: Display,
{
    let context = || format!("writing {}", path.display());
    let file = tokio::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .await
        .map_err(BlobError::io(context()))?;
    let mut out = BufWriter::with_capacity(BUFFER, file);
    let mut md5 = Md5::new();
    let mut sha256 = with_sha256.then(Sha256::new);
    let mut size = 0u64;
    let mut body = std::pin::pin!(body);
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|err| BlobError::Interrupted(err.to_string()))?;
        md5.update(&chunk);
        if let Some(sha256) = sha256.as_mut() {
            sha256.update(&chunk);
        }
        size += chunk.len() as u64;
        out.write_all(&chunk)
            .await
            .map_err(BlobError::io(context()))?;
    }
    out.flush().await.map_err(BlobError::io(context()))?;
    out.get_ref()
        .sync_all()
        .await
        .map_err(BlobError::io(context()))?;
    Ok(Written {
        size,
        md5: md5.finalize().into(),
        sha256: sha256.map(|sha256| sha256.finalize().into()),
    })
}

/// Concatenates `parts` into a new file at `dest` and syncs it; returns its
/// size and SHA-256. Blocking: run it on the blocking pool.
pub(crate) fn concat_blocking(parts: &[PathBuf], dest: &Path) -> io::Result<(u64, [u8; 32])> {
    let mut out = File::options().write(true).create_new(true).open(dest)?;
    let mut sha256 = Sha256::new();
    let mut buffer = vec![0u8; BUFFER];
    let mut size = 0u64;
    for part in parts {
        let mut input = File::open(part)?;
        loop {
            let read = input.read(&mut buffer)?;
            if read == 0 {
                break;
            }
            sha256.update(&buffer[..read]);
            out.write_all(&buffer[..read])?;
            size += read as u64;
        }
    }
    out.sync_all()?;
    Ok((size, sha256.finalize().into()))
}

/// Size, MD5 and SHA-256 of a file, read with a bounded buffer. Blocking.
pub(crate) fn hash_file_blocking(path: &Path) -> io::Result<Written> {
    let mut input = File::open(path)?;
    let mut md5 = Md5::new();
    let mut sha256 = Sha256::new();
    let mut buffer = vec![0u8; BUFFER];
    let mut size = 0u64;
    loop {
        let read = input.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        md5.update(&buffer[..read]);
        sha256.update(&buffer[..read]);
        size += read as u64;
    }
    Ok(Written {
        size,
        md5: md5.finalize().into(),
        sha256: Some(sha256.finalize().into()),
    })
}

/// Runs blocking file work on the blocking pool.
pub(crate) async fn blocking<T: Send + 'static>(
    context: String,
    work: impl FnOnce() -> io::Result<T> + Send + 'static,
) -> Result<T> {
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result.map_err(BlobError::io(context)),
        Err(join) => Err(BlobError::io(context)(io::Error::other(join))),
    }
}
