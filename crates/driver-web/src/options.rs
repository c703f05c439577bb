//! What a session is started with ([`WebLaunch`], [`WebTimeouts`]) and
//! what it leaves ([`WebSessionOutput`]).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use playtest_agent::TimingProfile;

use crate::WebDriverError;
use crate::launch::{self, BrowserLauncher};
use crate::observe::ScreenshotFormat;
use crate::serve::{self, ORIGIN};
use crate::timing::page_timing;

/// How long the driver waits for the browser and the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebTimeouts {
    /// From starting the browser to its first answer.
    pub launch: Duration,
    /// For the entry page's `load` event, at launch and at each restart.
    pub load: Duration,
    /// For one observation (screenshot and counters).
    pub observe: Duration,
    /// For any other command: one input event, an evaluation.
    pub command: Duration,
}

impl Default for WebTimeouts {
    fn default() -> Self {
        WebTimeouts {
            launch: Duration::from_secs(30),
            load: Duration::from_secs(60),
            observe: Duration::from_secs(5),
            command: Duration::from_secs(10),
        }
    }
}

/// How to start a session.
#[derive(Debug, Clone)]
pub struct WebLaunch {
    /// The unpacked build, on the host: the driver serves it to the browser
    /// (which never reads it).
    pub build_dir: PathBuf,
    /// The entry page's path inside the build, e.g. `index.html`.
    pub entry: String,
    /// The viewport in CSS pixels (device scale factor 1).
    pub width: u32,
    pub height: u32,
    /// Seeds `Math.random` and `crypto.getRandomValues` in every document.
    pub seed: u64,
    /// JavaScript evaluated in every new document after our hooks and
    /// before the game's scripts (fault injection in benchmarks).
    pub init_scripts: Vec<String>,
    /// Records an H.264 MP4 of the session at this host path.
    pub record_video: Option<PathBuf>,
    /// Frames a second of the recording.
    pub video_fps: u32,
    pub ffmpeg: PathBuf,
    /// The Chromium binary, as the launcher's side sees it.
    pub chromium: PathBuf,
    /// Chromium's user data folder as the browser sees it; it must be
    /// writable there (in the worker's sandbox: under `/tmp`). `None`: a
    /// fresh temporary folder on the host, removed at the end (right for
    /// [`crate::DirectLauncher`]).
    pub profile_dir: Option<PathBuf>,
    /// Starts the browser (the worker's one sandboxes it).
    pub launcher: Arc<dyn BrowserLauncher>,
    pub screenshot: ScreenshotFormat,
    /// Says the page has a touch screen from the start; otherwise touch is
    /// turned on at the first `tap`.
    pub touch: bool,
    pub timeouts: WebTimeouts,
    /// How the game behaves in time, as the agent's session waits and looks
    /// by it ([`page_timing`] by default).
    pub timing: TimingProfile,
}

impl WebLaunch {
    /// A launch of `build_dir/index.html` at 800×600, seed 0, no video.
    pub fn new(build_dir: impl Into<PathBuf>, launcher: Arc<dyn BrowserLauncher>) -> Self {
        WebLaunch {
            build_dir: build_dir.into(),
            entry: "index.html".into(),
            width: 800,
            height: 600,
            seed: 0,
            init_scripts: Vec::new(),
            record_video: None,
            video_fps: 10,
            ffmpeg: PathBuf::from("/usr/bin/ffmpeg"),
            chromium: launch::default_chromium(),
            profile_dir: None,
            launcher,
            screenshot: ScreenshotFormat::default(),
            touch: false,
            timeouts: WebTimeouts::default(),
            timing: page_timing(),
        }
    }
}

/// What a finished session leaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSessionOutput {
    /// The MP4, when one was recorded.
    pub video: Option<PathBuf>,
    /// From launch to finish.
    pub duration: Duration,
}

impl WebLaunch {
    /// The entry page's URL on the game's origin.
    pub(crate) fn entry_url(&self) -> String {
        format!("{ORIGIN}/{}", self.entry.trim_start_matches('/'))
    }

    /// Refuses a build without its entry page, before starting anything.
    pub(crate) fn check_entry(&self) -> Result<(), WebDriverError> {
        let bad = |reason: &str| WebDriverError::Build {
            dir: self.build_dir.clone(),
            reason: reason.to_owned(),
        };
        let path = serve::game_path(&self.entry_url())
            .ok_or_else(|| bad("the entry page is outside the build"))?;
        if !self.build_dir.join(path).is_file() {
            return Err(bad(&format!("has no entry page {}", self.entry)));
        }
        Ok(())
    }
}
