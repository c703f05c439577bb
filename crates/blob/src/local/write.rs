//! Moving bytes to disk with bounded memory, hashing on the way: a request
//! body streamed into a temp file (MD5 for the ETag, SHA-256 when it is a
//! whole object) or into its slot of an upload's data file (a fast digest
//! for the ETag). Bytes already on disk are hashed by [`super::hashing`].

use std::fmt::Display;
use std::fs::File;
use std::io;
use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use futures::{Stream, StreamExt};
use md5::Md5;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncWriteExt, BufWriter};
use tokio::task::JoinHandle;
use xxhash_rust::xxh3::Xxh3;

use super::slots::Lease;
use crate::{BlobError, Result};

/// Write buffer size: large enough for disk throughput, small enough that
/// many uploads at once stay cheap.
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

/// What a part's PUT wrote into its slot.
pub(crate) struct PartWritten {
    pub size: u64,
    /// The part's ETag digest. xxh3-128, not MD5: the ETag only has to be
    /// an opaque string that changes with the bytes, for the complete to
    /// check that the client names the part it sent (`complete` compares it
    /// with what the PUT answered, nothing else reads it), and MD5 runs at
    /// about 0.7 GB/s here, 1.2 to 1.5 CPU-seconds a GiB, more than
    /// receiving the bytes; xxh3 runs at over 30 GB/s, with no dependency.
    /// It is no defence against a chosen collision, which would only let a
    /// client that may write the part anyway confuse itself; the object's
    /// SHA-256 is what callers trust. (Single PUTs keep MD5, which S3
    /// clients may compare with.)
    pub digest: [u8; 16],
}

/// Streams `body` into `file` from `offset` while `lease` holds the part's
/// slot, refusing (before writing them) bytes past `limit`; returns its size
/// and digest once the file is synced. Writes of up to [`BUFFER`] bytes go
/// to the blocking pool one at a time while the next ones arrive.
pub(crate) async fn write_part<S, E>(
    file: Arc<File>,
    offset: u64,
    limit: u64,
    part_number: u32,
    body: S,
    lease: &Lease,
) -> Result<PartWritten>
where
    S: Stream<Item = std::result::Result<Bytes, E>>,
    E: Display,
{
    let context = || format!("writing part {part_number}");
    let mut digest = Xxh3::new();
    let mut size = 0u64;
    let mut batch: Vec<Bytes> = Vec::new();
    let mut batch_len = 0u64;
    let mut pending: Option<JoinHandle<io::Result<bool>>> = None;
    let mut body = std::pin::pin!(body);
    loop {
        let chunk = body.next().await;
        let done = chunk.is_none();
        if let Some(chunk) = chunk {
            let chunk = chunk.map_err(|err| BlobError::Interrupted(err.to_string()))?;
            let len = chunk.len() as u64;
            if size + len > limit {
                return Err(too_long(part_number, limit));
            }
            digest.update(&chunk);
            size += len;
            batch_len += len;
            batch.push(chunk);
        }
        if batch_len >= BUFFER as u64 || (done && batch_len > 0) {
            wait_write(pending.take(), part_number, context()).await?;
            let chunks = std::mem::take(&mut batch);
            let at = offset + size - batch_len;
            batch_len = 0;
            let (file, lease) = (file.clone(), lease.clone());
            pending = Some(tokio::task::spawn_blocking(move || {
                let written = lease.write_at(&file, at, &chunks)?;
                if written {
                    let len = chunks.iter().map(|chunk| chunk.len() as u64).sum::<u64>();
                    start_writeback(&file, at, len);
                    lease.wrote(at + len - offset);
                }
                Ok(written)
            }));
        }
        if done {
            break;
        }
    }
    wait_write(pending.take(), part_number, context()).await?;
    blocking(context(), move || file.sync_data()).await?;
    Ok(PartWritten {
        size,
        digest: digest.digest128().to_be_bytes(),
    })
}

/// Starts writing `len` bytes of `file` from `offset` to the disk, without
/// waiting (Linux; elsewhere nothing). The sync that ends each part then
/// waits for little: without this it waited for everything the part's PUT
/// (and the others at the same time) had written, 30 to 120 ms a part,
/// with the client's connection idle. A hint: the sync reports failures.
fn start_writeback(file: &File, offset: u64, len: u64) {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let (Ok(offset), Ok(len)) = (i64::try_from(offset), i64::try_from(len)) else {
            return;
        };
        // SAFETY: a plain system call on a descriptor `file` keeps open; no
        // memory is handed over.
        unsafe {
            libc::sync_file_range(file.as_raw_fd(), offset, len, libc::SYNC_FILE_RANGE_WRITE);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (file, offset, len);
}

/// Refuses a part longer than the upload's part size.
pub(crate) fn too_long(part_number: u32, limit: u64) -> BlobError {
    BlobError::invalid_part(
        part_number,
        format!(
            "is more than the upload's part size of {limit} bytes; send every part but the last at exactly that size"
        ),
    )
}

async fn wait_write(
    pending: Option<JoinHandle<io::Result<bool>>>,
    part_number: u32,
    context: String,
) -> Result<()> {
    let Some(pending) = pending else {
        return Ok(());
    };
    let written = match pending.await {
        Ok(result) => result.map_err(BlobError::io(context))?,
        Err(join) => return Err(BlobError::io(context)(io::Error::other(join))),
    };
    if written {
        Ok(())
    } else {
        Err(BlobError::Interrupted(format!(
            "a newer PUT of part {part_number}, or a complete or an abort of the upload, came meanwhile"
        )))
    }
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
