//! What is kept on disk so an interrupted upload can be resumed: one small
//! JSON file per (server, file) in the cache folder, named by a hash of the
//! server's API root and the file's path, size and modification time, so a
//! changed file never resumes an upload of its old content. It holds the
//! upload's ids, its part size, the parameters it was started with, and the
//! ETag of every part the storage accepted. It is written after every part
//! (to a temporary file renamed over the old one, so a kill never leaves it
//! half-written) and removed once the build is complete.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use chrono::{DateTime, Utc};
use playtest_types::{BuildPlatform, InitiateUploadRequest};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Bumped when the file's shape changes; other versions are ignored.
const VERSION: u32 = 1;
/// State files older than this are removed: no server keeps an unfinished
/// upload that long (the longest `upload_timeout` is a day).
const STALE_AFTER: Duration = Duration::from_secs(7 * 24 * 3600);

/// A file as it was when the upload started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileStamp {
    pub size: u64,
    /// Modification time, in nanoseconds since the Unix epoch.
    pub modified_ns: u64,
}

impl FileStamp {
    pub fn read(path: &Path) -> anyhow::Result<FileStamp> {
        let meta = std::fs::metadata(path)
            .with_context(|| format!("could not read {}", path.display()))?;
        let modified = meta.modified().unwrap_or(UNIX_EPOCH);
        let modified_ns = modified
            .duration_since(UNIX_EPOCH)
            .map(|since| since.as_nanos() as u64)
            .unwrap_or(0);
        Ok(FileStamp {
            size: meta.len(),
            modified_ns,
        })
    }
}

/// What the upload was started with; a run with other parameters starts a
/// new upload rather than finishing the old one under the old name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Params {
    pub name: String,
    pub platform: BuildPlatform,
    pub tags: Vec<String>,
    pub description: Option<String>,
    pub multipart: bool,
}

impl Params {
    pub fn of(request: &InitiateUploadRequest) -> Self {
        Params {
            name: request.name.clone(),
            platform: request.platform,
            tags: request.tags.clone(),
            description: request.description.clone(),
            multipart: request.multipart.unwrap_or(false),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// Nothing to resume: kept only so that the next run can cancel it.
    SinglePart,
    Multipart {
        upload_id: String,
        part_size: u64,
        total_parts: u64,
        /// Part number -> ETag, for the parts the storage accepted.
        done: BTreeMap<u64, String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadState {
    pub version: u32,
    pub api_root: String,
    pub file: PathBuf,
    pub stamp: FileStamp,
    pub params: Params,
    pub build_id: String,
    pub object_key: String,
    pub started_at: DateTime<Utc>,
    pub kind: Kind,
}

impl UploadState {
    pub fn new(
        api_root: &str,
        file: &Path,
        stamp: FileStamp,
        params: Params,
        build_id: String,
        object_key: String,
        kind: Kind,
    ) -> Self {
        UploadState {
            version: VERSION,
            api_root: api_root.to_string(),
            file: file.to_path_buf(),
            stamp,
            params,
            build_id,
            object_key,
            started_at: Utc::now(),
            kind,
        }
    }

    /// Whether this state is of the same upload as a run with `params`.
    pub fn resumes(&self, params: &Params) -> bool {
        self.params == *params
    }

    /// Bytes of the parts already accepted.
    pub fn bytes_done(&self) -> u64 {
        match &self.kind {
            Kind::SinglePart => 0,
            Kind::Multipart {
                part_size, done, ..
            } => done
                .keys()
                .map(|&n| part_len(n, *part_size, self.stamp.size))
                .sum(),
        }
    }
}

/// The size of part `number` (from 1) of a file of `size` bytes.
pub fn part_len(number: u64, part_size: u64, size: u64) -> u64 {
    let offset = (number - 1) * part_size;
    part_size.min(size.saturating_sub(offset))
}

/// Where one file's state lives.
#[derive(Debug, Clone)]
pub struct StateFile {
    path: PathBuf,
}

impl StateFile {
    /// The state file of `file` (with `stamp`) uploaded to `api_root`.
    pub fn new(dir: &Path, api_root: &str, file: &Path, stamp: FileStamp) -> Self {
        let mut hash = Sha256::new();
        for part in [
            api_root.as_bytes(),
            file.as_os_str().as_encoded_bytes(),
            &stamp.size.to_le_bytes(),
            &stamp.modified_ns.to_le_bytes(),
        ] {
            hash.update((part.len() as u64).to_le_bytes());
            hash.update(part);
        }
        let name = hex::encode(&hash.finalize()[..16]);
        StateFile {
            path: dir.join(format!("{name}.json")),
        }
    }

    #[cfg(test)]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The saved state, if there is a readable one of this version.
    pub fn load(&self) -> Option<UploadState> {
        let text = std::fs::read(&self.path).ok()?;
        let state: UploadState = serde_json::from_slice(&text).ok()?;
        (state.version == VERSION).then_some(state)
    }

    /// Writes the state atomically (temporary file, then rename).
    pub fn save(&self, state: &UploadState) -> anyhow::Result<()> {
        let dir = self.path.parent().expect("a state file is in a folder");
        std::fs::create_dir_all(dir)
            .with_context(|| format!("could not create {}", dir.display()))?;
        let temp = self.path.with_extension("json.tmp");
        let write = || -> std::io::Result<()> {
            let mut file = std::fs::File::create(&temp)?;
            file.write_all(&serde_json::to_vec_pretty(state)?)?;
            file.sync_data()?;
            std::fs::rename(&temp, &self.path)
        };
        write()
            .with_context(|| format!("could not save the upload state to {}", self.path.display()))
    }

    pub fn remove(&self) {
        let _ = std::fs::remove_file(&self.path);
    }

    /// Removes state files nobody will resume any more.
    pub fn prune(dir: &Path) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let now = SystemTime::now();
        for entry in entries.flatten() {
            let old = entry
                .metadata()
                .and_then(|meta| meta.modified())
                .is_ok_and(|at| now.duration_since(at).is_ok_and(|age| age > STALE_AFTER));
            if old {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STAMP: FileStamp = FileStamp {
        size: 250,
        modified_ns: 1_700_000_000_000_000_000,
    };

    fn params() -> Params {
        Params {
            name: "Nightly".into(),
            platform: BuildPlatform::Android,
            tags: vec!["a".into()],
            description: None,
            multipart: false,
        }
    }

    fn multipart(done: &[u64]) -> UploadState {
        UploadState::new(
            "http://h/api/v1/",
            Path::new("/b/game.apk"),
            STAMP,
            params(),
            "bld_1".into(),
            "builds/p/bld_1".into(),
            Kind::Multipart {
                upload_id: "up_1".into(),
                part_size: 100,
                total_parts: 3,
                done: done.iter().map(|&n| (n, format!("\"etag{n}\""))).collect(),
            },
        )
    }

    #[test]
    fn the_state_survives_a_save_and_a_load() {
        let dir = tempfile::tempdir().unwrap();
        let file = StateFile::new(
            dir.path(),
            "http://h/api/v1/",
            Path::new("/b/game.apk"),
            STAMP,
        );
        assert_eq!(file.load(), None);
        let state = multipart(&[1, 3]);
        file.save(&state).unwrap();
        assert_eq!(file.load(), Some(state));
        assert!(!file.path().with_extension("json.tmp").exists());
        file.remove();
        assert_eq!(file.load(), None);
    }

    #[test]
    fn another_server_size_or_time_means_another_state_file() {
        let dir = Path::new("/s");
        let file = Path::new("/b/game.apk");
        let base = StateFile::new(dir, "http://h/api/v1/", file, STAMP);
        let others = [
            StateFile::new(dir, "http://other/api/v1/", file, STAMP),
            StateFile::new(dir, "http://h/api/v1/", Path::new("/b/game2.apk"), STAMP),
            StateFile::new(
                dir,
                "http://h/api/v1/",
                file,
                FileStamp { size: 251, ..STAMP },
            ),
            StateFile::new(
                dir,
                "http://h/api/v1/",
                file,
                FileStamp {
                    modified_ns: 1,
                    ..STAMP
                },
            ),
        ];
        for other in others {
            assert_ne!(base.path(), other.path());
        }
        assert_eq!(
            base.path(),
            StateFile::new(dir, "http://h/api/v1/", file, STAMP).path()
        );
    }

    #[test]
    fn a_corrupt_or_foreign_state_file_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let file = StateFile::new(dir.path(), "r", Path::new("/f"), STAMP);
        std::fs::write(file.path(), b"{not json").unwrap();
        assert_eq!(file.load(), None);
        let mut state = multipart(&[]);
        state.version = 99;
        std::fs::write(file.path(), serde_json::to_vec(&state).unwrap()).unwrap();
        assert_eq!(file.load(), None);
    }

    #[test]
    fn the_bytes_done_count_a_short_last_part() {
        assert_eq!(multipart(&[]).bytes_done(), 0);
        assert_eq!(multipart(&[1, 3]).bytes_done(), 150);
        assert_eq!(part_len(3, 100, 250), 50);
        assert_eq!(part_len(2, 100, 200), 100);
    }

    #[test]
    fn other_parameters_do_not_resume_the_upload() {
        let state = multipart(&[1]);
        assert!(state.resumes(&params()));
        let renamed = Params {
            name: "Other".into(),
            ..params()
        };
        assert!(!state.resumes(&renamed));
    }
}
