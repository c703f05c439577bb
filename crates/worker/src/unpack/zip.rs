//! Reads a zip archive entry by entry and hands each to the
//! [`Extractor`](super::Extractor). A zip made on Unix carries each entry's
//! mode (and so its type: file, folder, symlink, device) in its external
//! attributes; one made elsewhere carries none, and its files are plain,
//! non-executable files.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use zip::ZipArchive;

use super::{Extractor, Refusal, UnpackError, refused, unreadable};

/// The longest symlink target read (Linux's PATH_MAX).
const MAX_LINK_TARGET: u64 = 4096;

const S_IFMT: u32 = 0o170000;
const S_IFREG: u32 = 0o100000;
const S_IFDIR: u32 = 0o040000;
const S_IFLNK: u32 = 0o120000;
const S_IFCHR: u32 = 0o020000;
const S_IFBLK: u32 = 0o060000;
const S_IFIFO: u32 = 0o010000;
const S_IFSOCK: u32 = 0o140000;

pub(super) fn unpack(file: File, out: &mut Extractor<'_>) -> Result<(), UnpackError> {
    let mut archive =
        ZipArchive::new(BufReader::new(file)).map_err(|e| UnpackError::Unreadable {
            entry: None,
            message: e.to_string(),
        })?;
    // The central directory says how many entries there are: refuse early
    // rather than after writing the first hundred thousand.
    if archive.len() as u64 > out.limits.max_files {
        let first = archive
            .name_for_index(0)
            .and_then(Result::ok)
            .map(|name| name.into_owned())
            .unwrap_or_default();
        return Err(refused(
            &first,
            Refusal::TooManyEntries(out.limits.max_files),
        ));
    }
    for index in 0..archive.len() {
        let name = archive
            .name_for_index(index)
            .and_then(Result::ok)
            .map(|name| name.into_owned())
            .unwrap_or_else(|| format!("#{index}"));
        let mut entry = archive.by_index(index).map_err(|e| unreadable(&name, e))?;
        let mode = entry.unix_mode().unwrap_or(0);
        let kind = match mode & S_IFMT {
            S_IFCHR => return Err(refused(&name, Refusal::Special("character device"))),
            S_IFBLK => return Err(refused(&name, Refusal::Special("block device"))),
            S_IFIFO => return Err(refused(&name, Refusal::Special("FIFO"))),
            S_IFSOCK => return Err(refused(&name, Refusal::Special("socket"))),
            S_IFLNK => Kind::Symlink,
            S_IFDIR => Kind::Dir,
            S_IFREG | 0 if entry.is_dir() => Kind::Dir,
            S_IFREG | 0 => Kind::File,
            other => {
                return Err(refused(
                    &name,
                    Refusal::Unsupported(format!("mode {other:o}")),
                ));
            }
        };
        let Some(rel) = out.begin(&name, Path::new(&name))? else {
            continue;
        };
        match kind {
            Kind::Dir => out.dir(&name, &rel)?,
            Kind::Symlink => {
                let mut target = Vec::new();
                (&mut entry)
                    .take(MAX_LINK_TARGET + 1)
                    .read_to_end(&mut target)
                    .map_err(|e| unreadable(&name, e))?;
                if target.len() as u64 > MAX_LINK_TARGET {
                    return Err(unreadable(&name, "a symlink target longer than 4096 bytes"));
                }
                let target = String::from_utf8(target)
                    .map_err(|_| unreadable(&name, "a symlink target that is not UTF-8"))?;
                out.symlink(&name, &rel, Path::new(&target))?;
            }
            Kind::File => out.file(&name, &rel, &mut entry, mode & 0o111 != 0)?,
        }
    }
    Ok(())
}

enum Kind {
    File,
    Dir,
    Symlink,
}
