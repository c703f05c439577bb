//! Playing one test once the build is ready: which player a job needs, and
//! what every player is given and gives back. [`game_loop`] judges a native
//! program by how it ends; [`agent`] plays a build with an agent
//! (scripted, explorer, or a bug's replay) on the web driver (Chromium) or
//! the native one (Xvfb).

use std::path::{Path, PathBuf};
use std::time::Duration;

use playtest_client::WorkerClient;
use playtest_types::{JobAssignment, PlatformKind, RunOutcome, TestType};
use tokio_util::sync::CancellationToken;

use crate::WorkerSettings;
use crate::reporter::Reporter;

pub mod agent;
pub mod game_loop;

pub use agent::Platform;

/// The kinds of play this worker knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Player {
    GameLoop,
    Agent(Platform),
}

impl Player {
    /// The player a job needs, `None` when this worker has none for it.
    pub fn for_job(job: &JobAssignment) -> Option<Player> {
        match (job.platform, job.test.test_type) {
            (PlatformKind::Linux, TestType::GameLoop) if job.replay.is_none() => {
                Some(Player::GameLoop)
            }
            (PlatformKind::Web, TestType::Verification | TestType::Discovery) => {
                Some(Player::Agent(Platform::Web))
            }
            (PlatformKind::Web, _) if job.replay.is_some() => Some(Player::Agent(Platform::Web)),
            (PlatformKind::Linux, TestType::Verification | TestType::Discovery) => {
                Some(Player::Agent(Platform::Native))
            }
            (PlatformKind::Linux, _) if job.replay.is_some() => {
                Some(Player::Agent(Platform::Native))
            }
            _ => None,
        }
    }
}

/// Everything a player needs for one job.
pub struct Play<'a> {
    pub job: &'a JobAssignment,
    pub reporter: &'a Reporter,
    /// Cancelled when the run is stopped, the lease lost, or the worker
    /// shuts down.
    pub stop: CancellationToken,
    /// This run's own folder (removed when the job is done).
    pub run_dir: &'a Path,
    /// This run's writable copy of the unpacked build.
    pub game_dir: PathBuf,
    /// The unpacked build in the worker's cache, which `game_dir` copies:
    /// read it, never write it.
    pub build_dir: PathBuf,
    pub max_duration: Duration,
    pub settings: &'a WorkerSettings,
    pub client: &'a WorkerClient,
}

/// How a play ended, and the files to upload as the run's artifacts.
pub struct Played {
    pub outcome: RunOutcome,
    /// A one-line reason, for every outcome but success.
    pub reason: Option<String>,
    pub artifacts: Vec<PathBuf>,
}

impl Played {
    pub fn error(reason: impl Into<String>) -> Self {
        Played {
            outcome: RunOutcome::Error,
            reason: Some(reason.into()),
            artifacts: Vec::new(),
        }
    }
}
