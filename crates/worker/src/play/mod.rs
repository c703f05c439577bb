//! Playing one test once the build is ready: which player plays what (so
//! which player a job needs, and what the worker registers), and what
//! every player is given and gives back. [`game_loop`] judges a native
//! program by how it ends; [`agent`] plays a build with an agent
//! (scripted, explorer, or a bug's replay) on the web driver (Chromium) or
//! the native one (Xvfb).

use std::path::{Path, PathBuf};
use std::time::Duration;

use playtest_client::WorkerClient;
use playtest_types::{Capability, JobAssignment, PlatformKind, RunOutcome, TestType};
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
    /// Who plays `test_type` tests of `platform` builds: the one table of
    /// it, for choosing a job's player and for what a worker registers.
    pub fn for_test(platform: PlatformKind, test_type: TestType) -> Option<Player> {
        match (platform, test_type) {
            (PlatformKind::Linux, TestType::GameLoop) => Some(Player::GameLoop),
            (PlatformKind::Web, TestType::GameLoop) => None,
            (platform, TestType::Verification | TestType::Discovery) => {
                Some(Player::Agent(Platform::of(platform)))
            }
        }
    }

    /// The player a job needs, `None` when no player plays it. A replay is
    /// played by the agent, whatever the replayed test was.
    pub fn for_job(job: &JobAssignment) -> Option<Player> {
        match job.replay {
            Some(_) => Some(Player::Agent(Platform::of(job.platform))),
            None => Player::for_test(job.platform, job.test.test_type),
        }
    }

    /// Whether this worker has the programs the player runs: bubblewrap
    /// alone for game loops (checked when one starts), a driver's tools
    /// for an agent.
    pub fn is_installed(self, settings: &WorkerSettings) -> bool {
        match self {
            Player::GameLoop => true,
            Player::Agent(Platform::Web) => settings.web.is_some(),
            Player::Agent(Platform::Native) => settings.native.is_some(),
        }
    }
}

/// What this worker plays, as it registers: every platform and test type
/// whose player it has the tools for (game loops of linux builds always;
/// the agents' tests of linux builds with the native driver's tools, of
/// web builds with the web driver's).
pub fn capabilities(settings: &WorkerSettings) -> Vec<Capability> {
    [PlatformKind::Linux, PlatformKind::Web]
        .into_iter()
        .filter_map(|platform| {
            let test_types: Vec<TestType> = TestType::ALL
                .into_iter()
                .filter(|&test_type| plays(settings, platform, test_type))
                .collect();
            (!test_types.is_empty()).then_some(Capability {
                platform,
                test_types,
            })
        })
        .collect()
}

/// Whether this worker plays `test_type` tests of `platform` builds.
pub fn plays(settings: &WorkerSettings, platform: PlatformKind, test_type: TestType) -> bool {
    Player::for_test(platform, test_type).is_some_and(|player| player.is_installed(settings))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SandboxLimits;
    use crate::settings::{NativeTools, WebTools};
    use playtest_types::Secret;
    use std::time::Duration;

    fn settings(web: bool, native: bool) -> WorkerSettings {
        WorkerSettings {
            server_url: "http://127.0.0.1:8080".into(),
            token: Secret::new("ptw_test"),
            name: "w".into(),
            web: web.then(|| WebTools {
                chromium: "/usr/bin/chromium".into(),
                ffmpeg: None,
            }),
            native: native.then(|| NativeTools {
                xvfb: "/usr/bin/Xvfb".into(),
                ffmpeg: None,
                faketime: None,
            }),
            tesseract: playtest_ocr::DEFAULT_TESSERACT.into(),
            slots: 1,
            work_dir: "/tmp".into(),
            limits: SandboxLimits::default(),
            lease_wait: Duration::from_secs(30),
            default_max_duration: Duration::from_secs(600),
        }
    }

    fn playing(platform: PlatformKind, test_types: &[TestType]) -> Capability {
        Capability {
            platform,
            test_types: test_types.to_vec(),
        }
    }

    #[test]
    fn a_worker_without_drivers_plays_only_game_loops_of_linux_builds() {
        let bare = settings(false, false);
        assert_eq!(
            capabilities(&bare),
            [playing(PlatformKind::Linux, &[TestType::GameLoop])]
        );
        assert!(plays(&bare, PlatformKind::Linux, TestType::GameLoop));
        assert!(!plays(&bare, PlatformKind::Linux, TestType::Discovery));
        assert!(!plays(&bare, PlatformKind::Web, TestType::Verification));
    }

    #[test]
    fn xvfb_adds_the_agents_tests_of_linux_builds_and_chromium_those_of_web_builds() {
        let agent = [TestType::Verification, TestType::Discovery];
        assert_eq!(
            capabilities(&settings(false, true)),
            [playing(PlatformKind::Linux, &TestType::ALL)]
        );
        assert_eq!(
            capabilities(&settings(true, false)),
            [
                playing(PlatformKind::Linux, &[TestType::GameLoop]),
                playing(PlatformKind::Web, &agent)
            ]
        );
        let full = settings(true, true);
        assert!(plays(&full, PlatformKind::Web, TestType::Discovery));
        assert!(!plays(&full, PlatformKind::Web, TestType::GameLoop));
        assert!(plays(&full, PlatformKind::Linux, TestType::Verification));
    }
}
