//! SHA-256 of bytes already on disk, read back with a bounded buffer: a
//! whole file (a single-part object), a range of an upload's data file (the
//! parts a complete still has to hash, or what the background hash catches
//! up with). Blocking: callers run it on the blocking pool.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::Path;

use sha2::{Digest, Sha256};

/// Read size when hashing a file: SHA-256 (about 2 GB/s with SHA-NI, which
/// sha2 detects at run time) costs far more than the reads, a thousand a
/// GiB at this size.
pub(crate) const HASH_BUFFER: usize = 1 << 20;

/// Continues `sha256` with `len` bytes of `file` from `offset`, read with a
/// [`HASH_BUFFER`]. Blocking.
pub(crate) fn hash_range_blocking(
    file: &File,
    offset: u64,
    len: u64,
    mut sha256: Sha256,
) -> io::Result<Sha256> {
    let mut buffer = vec![0u8; HASH_BUFFER.min(len as usize)];
    let mut done = 0u64;
    while done < len {
        let step = (len - done).min(buffer.len() as u64) as usize;
        file.read_exact_at(&mut buffer[..step], offset + done)?;
        sha256.update(&buffer[..step]);
        done += step as u64;
    }
    Ok(sha256)
}

/// Size and SHA-256 of a file, read with a bounded buffer. Blocking.
pub(crate) fn hash_file_blocking(path: &Path) -> io::Result<(u64, [u8; 32])> {
    let file = File::open(path)?;
    let size = file.metadata()?.len();
    let sha256 = hash_range_blocking(&file, 0, size, Sha256::new())?;
    Ok((size, sha256.finalize().into()))
}
