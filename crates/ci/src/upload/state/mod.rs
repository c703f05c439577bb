//! What an upload is, as far as resuming it goes: the file as it was when
//! the upload started ([`FileStamp`]), the parameters it was started with
//! ([`Params`]), the ids the server gave it, and what is special to its
//! kind. The kind is a type parameter of [`UploadState`], so code that
//! works on a multipart upload holds an `UploadState<Multipart>` and
//! cannot be handed a single-part one; [`Kind`] is either, as the state
//! file records it (`file` keeps that file).

mod file;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use anyhow::Context;
use chrono::{DateTime, Utc};
use playtest_types::{BuildPlatform, InitiateUploadRequest, UploadedPart};
use serde::{Deserialize, Serialize};

pub use file::StateFile;

/// Bumped when the file's shape changes; other versions are ignored.
const VERSION: u32 = 1;

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

/// A single-part upload: the whole file to one URL. The URL cannot be
/// renewed, so such an upload is never resumed and the URL is not saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SinglePart {
    pub url: String,
}

/// A multipart upload: its plan, and the parts the storage accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Multipart {
    pub upload_id: String,
    pub part_size: u64,
    pub total_parts: u64,
    /// Part number -> ETag, for the parts the storage accepted.
    pub done: BTreeMap<u64, String>,
}

impl Multipart {
    /// The parts not accepted yet, in order.
    pub fn pending(&self) -> Vec<u64> {
        (1..=self.total_parts)
            .filter(|n| !self.done.contains_key(n))
            .collect()
    }

    /// The accepted parts, in order, as the complete request lists them.
    pub fn uploaded(&self) -> Vec<UploadedPart> {
        self.done
            .iter()
            .map(|(&number, etag)| UploadedPart {
                part_number: number as i64,
                etag: etag.clone(),
            })
            .collect()
    }
}

/// The kind of an upload as the state file records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// Nothing to resume: kept only so that the next run can cancel it.
    SinglePart,
    Multipart(Multipart),
}

impl Kind {
    /// The id of a multipart upload, which cancelling it needs.
    pub fn upload_id(&self) -> Option<&str> {
        match self {
            Kind::SinglePart => None,
            Kind::Multipart(multipart) => Some(&multipart.upload_id),
        }
    }
}

impl From<SinglePart> for Kind {
    fn from(_: SinglePart) -> Kind {
        Kind::SinglePart
    }
}

impl From<Multipart> for Kind {
    fn from(multipart: Multipart) -> Kind {
        Kind::Multipart(multipart)
    }
}

/// One upload the server reserved; `K` is its kind: [`SinglePart`],
/// [`Multipart`], or [`Kind`] (either, as saved).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadState<K = Kind> {
    pub version: u32,
    pub api_root: String,
    pub file: PathBuf,
    pub stamp: FileStamp,
    pub params: Params,
    pub build_id: String,
    pub object_key: String,
    pub started_at: DateTime<Utc>,
    pub kind: K,
}

impl<K> UploadState<K> {
    pub fn new(
        api_root: &str,
        file: &Path,
        stamp: FileStamp,
        params: Params,
        build_id: String,
        object_key: String,
        kind: K,
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

    fn with_kind<L>(self, kind: L) -> UploadState<L> {
        UploadState {
            version: self.version,
            api_root: self.api_root,
            file: self.file,
            stamp: self.stamp,
            params: self.params,
            build_id: self.build_id,
            object_key: self.object_key,
            started_at: self.started_at,
            kind,
        }
    }
}

impl<K: Clone + Into<Kind>> UploadState<K> {
    /// The state as the state file keeps it.
    pub fn record(&self) -> UploadState {
        let kind = self.kind.clone().into();
        self.clone().with_kind(kind)
    }
}

impl UploadState {
    /// What this saved upload is to a run with `params`: a multipart upload
    /// started with the same parameters is resumed; anything else is stale.
    pub fn resumable_by(self, params: &Params) -> Saved {
        match self.kind {
            Kind::Multipart(ref multipart) if self.resumes(params) => {
                let multipart = multipart.clone();
                Saved::Resumable(self.with_kind(multipart))
            }
            _ => Saved::Stale(self),
        }
    }
}

/// A saved upload, as far as the next run goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Saved {
    /// A multipart upload of the same parameters: send its missing parts.
    Resumable(UploadState<Multipart>),
    /// Started with other parameters, or single-part: give it back.
    Stale(UploadState),
}

impl UploadState<Multipart> {
    /// Bytes of the parts already accepted.
    pub fn bytes_done(&self) -> u64 {
        let Multipart {
            part_size, done, ..
        } = &self.kind;
        done.keys()
            .map(|&n| part_len(n, *part_size, self.stamp.size))
            .sum()
    }
}

/// An upload the server reserved, by kind: what is left to send follows
/// from which it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Upload {
    SinglePart(UploadState<SinglePart>),
    Multipart(UploadState<Multipart>),
}

impl Upload {
    /// The state as the state file keeps it.
    pub fn record(&self) -> UploadState {
        match self {
            Upload::SinglePart(state) => state.record(),
            Upload::Multipart(state) => state.record(),
        }
    }
}

/// The size of part `number` (from 1) of a file of `size` bytes.
pub fn part_len(number: u64, part_size: u64, size: u64) -> u64 {
    let offset = (number - 1) * part_size;
    part_size.min(size.saturating_sub(offset))
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

    /// A multipart upload of 3 parts of 100 bytes, `done` accepted.
    fn multipart(done: &[u64]) -> UploadState<Multipart> {
        UploadState::new(
            "http://h/api/v1/",
            Path::new("/b/game.apk"),
            STAMP,
            params(),
            "bld_1".into(),
            "builds/p/bld_1".into(),
            Multipart {
                upload_id: "up_1".into(),
                part_size: 100,
                total_parts: 3,
                done: done.iter().map(|&n| (n, format!("\"etag{n}\""))).collect(),
            },
        )
    }

    #[test]
    fn the_bytes_done_count_a_short_last_part() {
        assert_eq!(multipart(&[]).bytes_done(), 0);
        assert_eq!(multipart(&[1, 3]).bytes_done(), 150);
        assert_eq!(part_len(3, 100, 250), 50);
        assert_eq!(part_len(2, 100, 200), 100);
    }

    #[test]
    fn the_pending_parts_are_those_not_accepted_in_order() {
        let state = multipart(&[2]);
        assert_eq!(state.kind.pending(), [1, 3]);
        let listed: Vec<i64> = multipart(&[3, 1])
            .kind
            .uploaded()
            .iter()
            .map(|part| part.part_number)
            .collect();
        assert_eq!(listed, [1, 3]);
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

    #[test]
    fn only_a_saved_multipart_upload_of_the_same_parameters_is_resumable() {
        let saved = multipart(&[1]);
        assert_eq!(
            saved.record().resumable_by(&params()),
            Saved::Resumable(saved.clone())
        );
        let renamed = Params {
            name: "Other".into(),
            ..params()
        };
        assert_eq!(
            saved.record().resumable_by(&renamed),
            Saved::Stale(saved.record())
        );
        let single = UploadState::new(
            "r",
            Path::new("/f"),
            STAMP,
            params(),
            "b".into(),
            "k".into(),
            SinglePart { url: "u".into() },
        )
        .record();
        assert_eq!(single.kind, Kind::SinglePart);
        assert_eq!(single.clone().resumable_by(&params()), Saved::Stale(single));
    }

    #[test]
    fn the_record_keeps_the_shape_of_the_state_file() {
        let json = serde_json::to_value(multipart(&[1]).record()).unwrap();
        assert_eq!(json["kind"]["multipart"]["upload_id"], "up_1");
        assert_eq!(json["kind"]["multipart"]["done"]["1"], "\"etag1\"");
        let single = Upload::SinglePart(UploadState::new(
            "r",
            Path::new("/f"),
            STAMP,
            params(),
            "b".into(),
            "k".into(),
            SinglePart { url: "u".into() },
        ));
        let json = serde_json::to_value(single.record()).unwrap();
        assert_eq!(json["kind"], "single-part");
        assert!(json.get("url").is_none());
    }
}
