//! Uploading a build file, resumably: [`upload_file`] sends one [`Job`]
//! as the [`Options`] say, and stops on Ctrl-C with its state saved.
//! What to upload is decided first (`plan`: files, platforms, names);
//! then `engine` runs the upload (resume, restart, give up), each try an
//! `attempt` (`parts` sends the parts in parallel, `retry` retries;
//! `state` is what is saved to resume, `failure` why a try stopped).

mod attempt;
mod engine;
mod failure;
mod parts;
mod plan;
mod retry;
mod state;

use std::fmt;
use std::path::PathBuf;

use anyhow::anyhow;
use playtest_client::Client;
use playtest_types::{CompleteUploadResponse, InitiateUploadRequest};

use crate::progress::ProgressMode;
pub use plan::{build_name, check_file, expand, file_name, guess_platform};
pub use retry::Backoff;

/// Parts sent at once, and retries of a request, unless told otherwise.
pub const DEFAULT_PARALLEL: u16 = 4;
pub const DEFAULT_RETRIES: u32 = 5;

/// One file to upload.
#[derive(Debug, Clone)]
pub struct Job {
    /// Absolute, so that the state file names the same file from any folder.
    pub path: PathBuf,
    /// How the file is named in messages.
    pub label: String,
    pub request: InitiateUploadRequest,
}

/// How files are uploaded.
#[derive(Debug, Clone)]
pub struct Options {
    pub parallel: usize,
    pub backoff: Backoff,
    /// Where resume state is kept; `None`: no resume.
    pub state_dir: Option<PathBuf>,
    /// Whether a saved upload of the same file is resumed.
    pub resume: bool,
    pub progress: ProgressMode,
}

/// A finished upload.
#[derive(Debug, Clone)]
pub struct Uploaded {
    pub answer: CompleteUploadResponse,
    /// `<size> in <time> (<rate>)`.
    pub summary: String,
}

/// Context of an upload that stopped with its state saved: running the same
/// command again resumes it.
#[derive(Debug)]
pub struct Resumable {
    pub file: String,
}

impl fmt::Display for Resumable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the upload of {} stopped", self.file)
    }
}

/// Uploads one file, stopping on Ctrl-C with its state saved, and says on
/// standard error when it is done.
pub async fn upload_file(
    client: &Client,
    job: &Job,
    options: &Options,
) -> anyhow::Result<Uploaded> {
    let done = tokio::select! {
        done = engine::upload(client, job, options) => done?,
        _ = tokio::signal::ctrl_c() => {
            // The state saved after each part lets the next run resume.
            return Err(anyhow!("interrupted").context(Resumable {
                file: job.label.clone(),
            }));
        }
    };
    eprintln!(
        "uploaded {} as build {}: {}",
        job.label, done.answer.build_id, done.summary
    );
    Ok(done)
}
