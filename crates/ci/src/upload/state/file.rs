//! Where an upload's state is kept so that an interrupted upload can be
//! resumed: one small JSON file per (server, file) in the cache folder,
//! named by a hash of the server's API root and the file's path, size and
//! modification time, so a changed file never resumes an upload of its old
//! content. It is written after every part (to a temporary file renamed
//! over the old one, so a kill never leaves it half-written) and removed
//! once the build is complete.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use anyhow::Context;
use sha2::{Digest, Sha256};

use super::{FileStamp, UploadState, VERSION};

/// State files older than this are removed: no server keeps an unfinished
/// upload that long (the longest `upload_timeout` is a day).
const STALE_AFTER: Duration = Duration::from_secs(7 * 24 * 3600);

/// Where one file's state lives.
#[derive(Debug, Clone)]
pub struct StateFile {
    dir: PathBuf,
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
            dir: dir.to_path_buf(),
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
        std::fs::create_dir_all(&self.dir)
            .with_context(|| format!("could not create {}", self.dir.display()))?;
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
    use playtest_types::BuildPlatform;

    use super::super::{Kind, Multipart, Params};
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
            Kind::Multipart(Multipart {
                upload_id: "up_1".into(),
                part_size: 100,
                total_parts: 3,
                done: done.iter().map(|&n| (n, format!("\"etag{n}\""))).collect(),
            }),
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
}
