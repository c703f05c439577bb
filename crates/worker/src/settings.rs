//! What a worker process is told by its caller (`playtest worker`, or
//! `playtest serve --workers N`): where the server is, its token, the
//! drivers' tools it found (and so what it can play), where it keeps
//! builds, and the limits its games run under.

use std::path::PathBuf;
use std::time::Duration;

use playtest_types::{Capability, PlatformKind, Secret, TestType};

use crate::SandboxLimits;

#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// The server's base URL (`http://127.0.0.1:8080`).
    pub server_url: String,
    /// The worker token (`ptw_...`), hidden from `Debug`.
    pub token: Secret,
    /// How the worker is named in `GET /workers`.
    pub name: String,
    /// The web driver's programs; `None` when this worker plays no web
    /// builds.
    pub web: Option<WebTools>,
    /// The native driver's programs; `None` when this worker plays native
    /// builds only as game loops (launched and judged by how they end).
    pub native: Option<NativeTools>,
    /// Jobs run at once.
    pub slots: u32,
    /// Builds cache (`<dir>/builds`) and per-run folders (`<dir>/runs`).
    pub work_dir: PathBuf,
    pub limits: SandboxLimits,
    /// How long one lease request waits for work.
    pub lease_wait: Duration,
    /// A game loop's time limit when neither the test nor the run sets one.
    pub default_max_duration: Duration,
    /// tesseract, on the host: reads the screen's text for `text_visible`
    /// checks where the game has no document (native games); the agent's
    /// `SessionSettings::ocr`.
    pub tesseract: PathBuf,
}

impl WorkerSettings {
    /// What this worker plays, as it registers: game loops of linux builds
    /// always (bubblewrap runs them); scripted and explorer tests (and
    /// replays of their bugs) of linux builds with the native driver's
    /// tools, of web builds with the web driver's.
    pub fn capabilities(&self) -> Vec<Capability> {
        let agent_played = || vec![TestType::Verification, TestType::Discovery];
        let mut linux = Vec::new();
        if self.native.is_some() {
            linux.extend(agent_played());
        }
        linux.push(TestType::GameLoop);
        let mut capabilities = vec![Capability {
            platform: PlatformKind::Linux,
            test_types: linux,
        }];
        if self.web.is_some() {
            capabilities.push(Capability {
                platform: PlatformKind::Web,
                test_types: agent_played(),
            });
        }
        capabilities
    }

    /// Whether this worker plays `test_type` tests of `platform` builds.
    pub fn plays(&self, platform: PlatformKind, test_type: TestType) -> bool {
        self.capabilities()
            .iter()
            .any(|c| c.platform == platform && c.test_types.contains(&test_type))
    }
}

/// The programs the web driver runs.
#[derive(Debug, Clone)]
pub struct WebTools {
    /// Chromium's binary (run inside the sandbox, so under `/usr`).
    pub chromium: PathBuf,
    /// ffmpeg, on the host; `None`: runs are not recorded.
    pub ffmpeg: Option<PathBuf>,
}

/// The programs the native driver runs.
#[derive(Debug, Clone)]
pub struct NativeTools {
    /// Xvfb, on the host: one virtual display per game.
    pub xvfb: PathBuf,
    /// ffmpeg, on the host; `None`: runs are not recorded.
    pub ffmpeg: Option<PathBuf>,
    /// libfaketime, preloaded into games so their clock starts at a fixed
    /// moment; `None`: games see the real time.
    pub faketime: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;

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

    fn plays(platform: PlatformKind, test_types: &[TestType]) -> Capability {
        Capability {
            platform,
            test_types: test_types.to_vec(),
        }
    }

    #[test]
    fn a_worker_without_drivers_plays_only_game_loops_of_linux_builds() {
        let bare = settings(false, false);
        assert_eq!(
            bare.capabilities(),
            [plays(PlatformKind::Linux, &[TestType::GameLoop])]
        );
        assert!(bare.plays(PlatformKind::Linux, TestType::GameLoop));
        assert!(!bare.plays(PlatformKind::Linux, TestType::Discovery));
        assert!(!bare.plays(PlatformKind::Web, TestType::Verification));
    }

    #[test]
    fn xvfb_adds_the_agents_tests_of_linux_builds_and_chromium_those_of_web_builds() {
        let agent = [TestType::Verification, TestType::Discovery];
        assert_eq!(
            settings(false, true).capabilities(),
            [plays(PlatformKind::Linux, &TestType::ALL)]
        );
        assert_eq!(
            settings(true, false).capabilities(),
            [
                plays(PlatformKind::Linux, &[TestType::GameLoop]),
                plays(PlatformKind::Web, &agent)
            ]
        );
        let full = settings(true, true);
        assert!(full.plays(PlatformKind::Web, TestType::Discovery));
        assert!(!full.plays(PlatformKind::Web, TestType::GameLoop));
        assert!(full.plays(PlatformKind::Linux, TestType::Verification));
    }
}
