//! What a native game's launch takes: the build's folder and entry, the
//! display's size, the seed, the programs the driver runs, the sandbox and
//! its limits, and how long a game may take to show a window.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use playtest_sandbox::{Sandbox, SandboxLimits};

use crate::NativeDriverError;

/// Lays the build's folder anew (a fresh copy of the build), so that a
/// restart forgets what the game saved. Given by the worker, which knows
/// where the pristine build is.
pub type LayFolder = Arc<dyn Fn(&Path) -> Result<(), String> + Send + Sync>;

/// Debian's libfaketime for multi-threaded programs.
pub const DEBIAN_FAKETIME: &str = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1";

/// The wall clock a game starts at, when the driver can fix it (the web
/// driver's too): 2024-01-01 12:00 UTC.
pub const CLOCK_START: &str = "2024-01-01 12:00:00";

/// One native game to play.
#[derive(Clone)]
pub struct NativeLaunch {
    /// The game's folder on the host (a writable copy of the build).
    pub game_dir: PathBuf,
    /// The program to start, relative to the folder (`game.x86_64`,
    /// `play.sh`).
    pub entry: String,
    pub args: Vec<String>,
    /// Set for the game over the platform's own variables, except the
    /// display and the seed, which are the driver's.
    pub env: BTreeMap<String, String>,
    pub width: u32,
    pub height: u32,
    /// Given to the game as `PLAYTEST_SEED`.
    pub seed: u64,
    pub xvfb: PathBuf,
    /// ffmpeg, for `record_video`.
    pub ffmpeg: PathBuf,
    /// Where to write the recording; `None`: no recording.
    pub record_video: Option<PathBuf>,
    /// libfaketime, preloaded into the game so its wall clock starts at
    /// [`CLOCK_START`]; `None`: the game sees the real time.
    pub faketime: Option<PathBuf>,
    pub sandbox: Sandbox,
    pub limits: SandboxLimits,
    /// Lays the folder anew before each restart; `None`: a restart keeps
    /// what the game wrote.
    pub lay_folder: Option<LayFolder>,
    /// How long the game may take to show its first window.
    pub window_timeout: Duration,
}

impl std::fmt::Debug for NativeLaunch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NativeLaunch")
            .field("game_dir", &self.game_dir)
            .field("entry", &self.entry)
            .field("size", &(self.width, self.height))
            .field("seed", &self.seed)
            .finish_non_exhaustive()
    }
}

impl NativeLaunch {
    /// A launch of `entry` in `game_dir` with the defaults: 800x600,
    /// seed 0, Debian's Xvfb and ffmpeg, no recording, the real clock, the
    /// default sandbox and limits, 20 s for a window.
    pub fn new(game_dir: impl Into<PathBuf>, entry: impl Into<String>) -> Self {
        NativeLaunch {
            game_dir: game_dir.into(),
            entry: entry.into(),
            args: Vec::new(),
            env: BTreeMap::new(),
            width: 800,
            height: 600,
            seed: 0,
            xvfb: PathBuf::from("/usr/bin/Xvfb"),
            ffmpeg: PathBuf::from("/usr/bin/ffmpeg"),
            record_video: None,
            faketime: None,
            sandbox: Sandbox::new(),
            limits: SandboxLimits::default(),
            lay_folder: None,
            window_timeout: Duration::from_secs(20),
        }
    }

    /// The entry as the sandbox sees it, once checked: a file in the
    /// folder (not outside it) that can be run.
    pub(crate) fn program(&self) -> Result<String, NativeDriverError> {
        use std::os::unix::fs::PermissionsExt;
        let entry = self.entry.trim_start_matches("./");
        let escapes = Path::new(entry)
            .components()
            .any(|part| !matches!(part, std::path::Component::Normal(_)));
        if entry.is_empty() || escapes {
            return Err(NativeDriverError::Entry(format!(
                "the entry `{}` is not a path inside the build: set the config's entry to the game's executable or launcher, relative to the build's folder",
                self.entry
            )));
        }
        let path = self.game_dir.join(entry);
        let metadata = std::fs::metadata(&path).map_err(|_| {
            NativeDriverError::Entry(format!(
                "the build has no `{entry}`: set the config's entry to the game's executable or launcher, relative to the build's folder"
            ))
        })?;
        if !metadata.is_file() || metadata.permissions().mode() & 0o111 == 0 {
            return Err(NativeDriverError::Entry(format!(
                "`{entry}` in the build is not an executable file: mark it executable (chmod +x) before packing the build"
            )));
        }
        Ok(format!("{}/{entry}", playtest_sandbox::GAME_DIR))
    }

    /// The game's environment: the config's, then the platform's.
    pub(crate) fn environment(&self, display: &str) -> BTreeMap<String, String> {
        let mut env = self.env.clone();
        let mut set = |key: &str, value: String| {
            env.insert(key.to_owned(), value);
        };
        set("DISPLAY", display.to_owned());
        set("PLAYTEST_SEED", self.seed.to_string());
        // No sound device exists inside; SDL would otherwise look for one.
        set("SDL_AUDIODRIVER", "dummy".into());
        // Xvfb has no GPU: OpenGL goes through Mesa's software renderer.
        set("LIBGL_ALWAYS_SOFTWARE", "1".into());
        set("XDG_RUNTIME_DIR", "/tmp".into());
        if let Some(faketime) = &self.faketime {
            set("LD_PRELOAD", faketime.to_string_lossy().into_owned());
            // Starts there and runs at the real pace, the monotonic clock
            // too (leaving it real breaks CPython's `time.sleep`).
            set("FAKETIME", format!("@{CLOCK_START}"));
            set("TZ", "UTC".into());
        }
        env
    }
}
