//! Safe extraction of the archives a build arrives in: zip, tar, tar.gz.
//!
//! A build is untrusted input, and it is unpacked on the worker's host,
//! before any sandbox exists. So an archive must not be able to write
//! anywhere but its destination, leave links that lead out of it, create
//! device files, or fill the disk. The policy, the same for every format:
//!
//! - entry paths are relative and never contain `..`; an entry never goes
//!   through a symlink (not even one that stays inside);
//! - symlinks are relative, and their `..` components come first and never
//!   climb above the destination. Since no entry goes through a symlink, a
//!   link's own folder is a real one, so by induction every link resolves
//!   inside, chains included;
//! - hard links, devices, FIFOs and sockets are refused;
//! - [`UnpackLimits`] caps the number of entries, the size of each file and
//!   the total, counted on the bytes actually written, not the headers;
//! - modes are normalised: files are `0755` if the archive marks them
//!   executable for anyone, else `0644`; folders `0755`. Setuid, setgid and
//!   sticky bits never reach the disk.
//!
//! On error the destination holds a partial tree; the caller removes it
//! (the build cache unpacks into a temporary folder for that reason).

mod path;
mod tar;
mod zip;

use std::fs::{self, File, OpenOptions, Permissions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Caps against archive bombs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnpackLimits {
    /// Bytes written for all files together.
    pub max_total_bytes: u64,
    /// Entries of any kind (files, folders, links).
    pub max_files: u64,
    /// Bytes written for one file.
    pub max_file_bytes: u64,
}

impl Default for UnpackLimits {
    fn default() -> Self {
        const GIB: u64 = 1 << 30;
        UnpackLimits {
            max_total_bytes: 20 * GIB,
            max_files: 100_000,
            max_file_bytes: 16 * GIB,
        }
    }
}

/// The archive formats a build may arrive in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveFormat {
    Zip,
    Tar,
    TarGz,
}

impl ArchiveFormat {
    /// The format a file name announces (`.zip`, `.tar`, `.tar.gz`, `.tgz`,
    /// any case), or `None` for a file that is not an archive.
    pub fn from_file_name(name: &str) -> Option<Self> {
        let name = name.to_ascii_lowercase();
        if name.ends_with(".zip") {
            Some(ArchiveFormat::Zip)
        } else if name.ends_with(".tar.gz") || name.ends_with(".tgz") {
            Some(ArchiveFormat::TarGz)
        } else if name.ends_with(".tar") {
            Some(ArchiveFormat::Tar)
        } else {
            None
        }
    }
}

/// What an unpack wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unpacked {
    /// Entries written (files, folders, links).
    pub entries: u64,
    /// Bytes written into files.
    pub bytes: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum UnpackError {
    /// The archive holds an entry the policy refuses.
    #[error("archive entry {entry:?} refused: {reason}")]
    Refused { entry: String, reason: Refusal },
    /// The archive is damaged, or uses something we do not read.
    #[error("the archive cannot be read{}: {message}", at_entry(entry))]
    Unreadable {
        entry: Option<String>,
        message: String,
    },
    /// Writing the destination failed.
    #[error("writing {}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
}

fn at_entry(entry: &Option<String>) -> String {
    entry
        .as_ref()
        .map(|entry| format!(" at entry {entry:?}"))
        .unwrap_or_default()
}

/// Why an entry was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("its path is absolute")]
    AbsolutePath,
    #[error("its path contains `..`")]
    ParentDir,
    #[error("its path goes through {0:?}, a symlink of the archive")]
    ThroughSymlink(String),
    #[error("its path goes through {0:?}, which is a file")]
    ThroughFile(String),
    #[error("a folder of the same path was unpacked before")]
    FolderExists,
    #[error("symlink target {0:?} is absolute")]
    AbsoluteLinkTarget(String),
    #[error("symlink target {0:?} leads out of the destination")]
    LinkEscapes(String),
    #[error("hard links are not accepted")]
    HardLink,
    #[error("{0}s are not accepted")]
    Special(&'static str),
    #[error("the archive holds more than {0} entries")]
    TooManyEntries(u64),
    #[error("the unpacked files would exceed {0} bytes in total")]
    TooManyBytes(u64),
    #[error("the file is larger than the limit of {0} bytes")]
    FileTooLarge(u64),
    #[error("unsupported entry type: {0}")]
    Unsupported(String),
}

/// Unpacks `archive` into `dest` (created if missing) under [`UnpackLimits`].
pub fn unpack(
    archive: &Path,
    format: ArchiveFormat,
    dest: &Path,
    limits: &UnpackLimits,
) -> Result<Unpacked, UnpackError> {
    let mut out = Extractor::new(dest, limits)?;
    let open = || {
        File::open(archive).map_err(|source| UnpackError::Io {
            path: archive.to_owned(),
            source,
        })
    };
    match format {
        ArchiveFormat::Zip => zip::unpack(open()?, &mut out)?,
        ArchiveFormat::Tar => tar::unpack(io::BufReader::new(open()?), &mut out)?,
        ArchiveFormat::TarGz => tar::unpack(
            flate2::read::GzDecoder::new(io::BufReader::new(open()?)),
            &mut out,
        )?,
    }
    Ok(out.finish())
}

/// The one place that writes: every format reader hands its entries here,
/// so the policy is enforced once.
struct Extractor<'a> {
    dest: PathBuf,
    limits: &'a UnpackLimits,
    entries: u64,
    bytes: u64,
}

impl<'a> Extractor<'a> {
    fn new(dest: &Path, limits: &'a UnpackLimits) -> Result<Self, UnpackError> {
        fs::create_dir_all(dest).map_err(|source| UnpackError::Io {
            path: dest.to_owned(),
            source,
        })?;
        Ok(Extractor {
            dest: dest.to_owned(),
            limits,
            entries: 0,
            bytes: 0,
        })
    }

    fn finish(self) -> Unpacked {
        Unpacked {
            entries: self.entries,
            bytes: self.bytes,
        }
    }

    /// Counts an entry and checks its path; `None` for the archive's root
    /// (`./`), which needs no writing. Creates the missing parent folders.
    fn begin(&mut self, name: &str, raw: &Path) -> Result<Option<PathBuf>, UnpackError> {
        self.entries += 1;
        if self.entries > self.limits.max_files {
            return Err(refused(
                name,
                Refusal::TooManyEntries(self.limits.max_files),
            ));
        }
        let Some(rel) = path::entry_path(raw).map_err(|reason| refused(name, reason))? else {
            return Ok(None);
        };
        self.make_parents(name, &rel)?;
        Ok(Some(rel))
    }

    /// Walks the folders above `rel`: each must be a real folder (created
    /// here when missing), never a symlink or a file.
    fn make_parents(&self, name: &str, rel: &Path) -> Result<(), UnpackError> {
        let mut at = self.dest.clone();
        let mut shown = PathBuf::new();
        let parents = rel.parent().map(Path::components).into_iter().flatten();
        for component in parents {
            at.push(component);
            shown.push(component);
            match fs::symlink_metadata(&at) {
                Ok(meta) if meta.is_dir() => {}
                Ok(meta) if meta.is_symlink() => {
                    return Err(refused(name, Refusal::ThroughSymlink(display(&shown))));
                }
                Ok(_) => return Err(refused(name, Refusal::ThroughFile(display(&shown)))),
                Err(e) if e.kind() == io::ErrorKind::NotFound => make_dir(&at)?,
                Err(source) => return Err(UnpackError::Io { path: at, source }),
            }
        }
        Ok(())
    }

    fn dir(&mut self, name: &str, rel: &Path) -> Result<(), UnpackError> {
        let at = self.dest.join(rel);
        match fs::symlink_metadata(&at) {
            Ok(meta) if meta.is_dir() => Ok(()),
            Ok(meta) if meta.is_symlink() => {
                Err(refused(name, Refusal::ThroughSymlink(display(rel))))
            }
            Ok(_) => Err(refused(name, Refusal::ThroughFile(display(rel)))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => make_dir(&at),
            Err(source) => Err(UnpackError::Io { path: at, source }),
        }
    }

    /// Writes a file from `content`, counting what is written against the
    /// limits (a header's size is not trusted).
    fn file(
        &mut self,
        name: &str,
        rel: &Path,
        content: &mut dyn Read,
        executable: bool,
    ) -> Result<(), UnpackError> {
        let at = self.dest.join(rel);
        self.clear_spot(name, &at)?;
        let io_err = |source| UnpackError::Io {
            path: at.clone(),
            source,
        };
        let mode = if executable { 0o755 } else { 0o644 };
        // `create_new` also refuses to follow a symlink at the final name.
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&at)
            .map_err(io_err)?;
        let mut buf = vec![0u8; 64 * 1024];
        let mut written: u64 = 0;
        loop {
            let n = match content.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(unreadable(name, e)),
            };
            written += n as u64;
            if written > self.limits.max_file_bytes {
                return Err(refused(
                    name,
                    Refusal::FileTooLarge(self.limits.max_file_bytes),
                ));
            }
            if self.bytes + written > self.limits.max_total_bytes {
                return Err(refused(
                    name,
                    Refusal::TooManyBytes(self.limits.max_total_bytes),
                ));
            }
            file.write_all(&buf[..n]).map_err(io_err)?;
        }
        self.bytes += written;
        // Set explicitly: the umask must not decide what is executable.
        file.set_permissions(Permissions::from_mode(mode))
            .map_err(io_err)
    }

    fn symlink(&mut self, name: &str, rel: &Path, target: &Path) -> Result<(), UnpackError> {
        path::check_link_target(rel, target).map_err(|reason| refused(name, reason))?;
        let at = self.dest.join(rel);
        self.clear_spot(name, &at)?;
        std::os::unix::fs::symlink(target, &at).map_err(|source| UnpackError::Io {
            path: at.clone(),
            source,
        })
    }

    /// A later entry of the same path replaces a file or a link (as tar
    /// does), never a folder.
    fn clear_spot(&self, name: &str, at: &Path) -> Result<(), UnpackError> {
        match fs::symlink_metadata(at) {
            Ok(meta) if meta.is_dir() => Err(refused(name, Refusal::FolderExists)),
            Ok(_) => fs::remove_file(at).map_err(|source| UnpackError::Io {
                path: at.to_owned(),
                source,
            }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(UnpackError::Io {
                path: at.to_owned(),
                source,
            }),
        }
    }
}

fn make_dir(at: &Path) -> Result<(), UnpackError> {
    let io_err = |source| UnpackError::Io {
        path: at.to_owned(),
        source,
    };
    fs::create_dir(at).map_err(io_err)?;
    fs::set_permissions(at, Permissions::from_mode(0o755)).map_err(io_err)
}

fn refused(name: &str, reason: Refusal) -> UnpackError {
    UnpackError::Refused {
        entry: name.to_owned(),
        reason,
    }
}

fn unreadable(name: &str, error: impl std::fmt::Display) -> UnpackError {
    UnpackError::Unreadable {
        entry: Some(name.to_owned()),
        message: error.to_string(),
    }
}

fn display(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}
