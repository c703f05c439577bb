//! Reads a tar stream (plain or through gzip) entry by entry and hands each
//! to the [`Extractor`](super::Extractor). GNU long names and PAX headers are
//! applied by the `tar` crate before an entry's path is seen here.

use std::io::Read;
use std::path::Path;

use super::{Extractor, Refusal, UnpackError, refused, unreadable};

pub(super) fn unpack(reader: impl Read, out: &mut Extractor<'_>) -> Result<(), UnpackError> {
    let mut archive = tar::Archive::new(reader);
    let entries = archive.entries().map_err(|e| UnpackError::Unreadable {
        entry: None,
        message: e.to_string(),
    })?;
    for entry in entries {
        let mut entry = entry.map_err(|e| UnpackError::Unreadable {
            entry: None,
            message: e.to_string(),
        })?;
        let raw_name = entry.path_bytes().into_owned();
        let name = String::from_utf8_lossy(&raw_name).into_owned();
        let kind = entry.header().entry_type();
        if kind.is_pax_global_extensions() {
            continue;
        }
        // Refuse by type first: a device is refused whatever its name.
        let special = if kind.is_hard_link() {
            Some(Refusal::HardLink)
        } else if kind.is_character_special() {
            Some(Refusal::Special("character device"))
        } else if kind.is_block_special() {
            Some(Refusal::Special("block device"))
        } else if kind.is_fifo() {
            Some(Refusal::Special("FIFO"))
        } else if !(kind.is_file()
            || kind.is_contiguous()
            || kind.is_gnu_sparse()
            || kind.is_dir()
            || kind.is_symlink())
        {
            Some(Refusal::Unsupported(format!("{kind:?}")))
        } else {
            None
        };
        if let Some(reason) = special {
            return Err(refused(&name, reason));
        }
        let path = entry.path().map_err(|e| unreadable(&name, e))?.into_owned();
        let Some(rel) = out.begin(&name, &path)? else {
            continue;
        };
        // Old tars mark folders as files whose name ends with `/`.
        if kind.is_dir() || raw_name.ends_with(b"/") {
            out.dir(&name, &rel)?;
        } else if kind.is_symlink() {
            let target = entry
                .link_name()
                .map_err(|e| unreadable(&name, e))?
                .ok_or_else(|| unreadable(&name, "a symlink without a target"))?
                .into_owned();
            out.symlink(&name, &rel, Path::new(&target))?;
        } else {
            let mode = entry.header().mode().map_err(|e| unreadable(&name, e))?;
            out.file(&name, &rel, &mut entry, mode & 0o111 != 0)?;
        }
    }
    Ok(())
}
