//! What a worker process is told by its caller (`playtest worker`, or
//! `playtest serve --workers N`): where the server is, its token, the
//! drivers' tools it found (and so what it can play), where it keeps
//! builds, and the limits its games run under.

use std::path::PathBuf;
use std::time::Duration;

use playtest_types::Secret;

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
