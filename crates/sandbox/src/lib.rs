//! Runs a program from a build folder under bubblewrap (`bwrap`), so a game
//! (untrusted code) cannot reach the network or the worker's host. The one
//! place that writes the sandbox's command line: the worker runs game
//! loops and the web driver's browser through it, and the web driver's
//! tests sandbox their browser with it too.
//!
//! What the program gets, exactly:
//!
//! - new user, PID, network, IPC, UTS and cgroup namespaces
//!   (`--unshare-all --unshare-user`): no network but its own loopback, its
//!   own process tree, uid/gid 1000 with no capabilities (`--uid 1000 --gid
//!   1000 --cap-drop ALL`), and no nested user namespaces
//!   (`--disable-userns`, bubblewrap 0.8+);
//! - a root it cannot write (`--remount-ro /`) holding: `/usr` and the
//!   `/bin`, `/sbin`, `/lib*` of the host read-only (as symlinks where the
//!   host has merged them into `/usr`); a few files of `/etc` the dynamic
//!   loader and fonts need, read-only; a new `/proc`; a minimal read-only
//!   `/dev` (null, zero, random, tty, pts...) with an empty in-memory
//!   `/dev/shm` anyone inside may write; an empty in-memory `/tmp`; the build folder, read-write,
//!   at [`GAME_DIR`], which is also the working directory; and the host
//!   paths the caller shares ([`Shared`]: a native game's X display
//!   socket). Nothing else of the
//!   host exists inside (no `/root`, `/home`, `/work`, `/etc/passwd`);
//! - an environment of only `PATH`, `HOME=/tmp` and what the caller gives;
//! - its own session (`--new-session`: no TIOCSTI into the worker's
//!   terminal), and death when bwrap dies (`--die-with-parent`), so killing
//!   the one process the caller holds kills the whole tree;
//! - resource limits from [`SandboxLimits`], set by `prlimit` (util-linux),
//!   which then execs bwrap; every process inside inherits them.
//!
//! Nothing here ever falls back to running unsandboxed: when bwrap is
//! missing or cannot create namespaces, [`Sandbox::check`] says so and why.

mod args;
mod error;
mod exit;
mod launch;
mod signal;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;

use tokio::process::Command;

pub use error::SandboxError;
pub use exit::Exit;
pub use launch::{GAME_DIR, Launch, SandboxLimits, Shared};
pub use signal::signal_name;

use args::{PATH, bwrap_args, prlimit_args};

/// Where to find bwrap and prlimit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sandbox {
    bwrap: PathBuf,
    prlimit: PathBuf,
}

impl Default for Sandbox {
    fn default() -> Self {
        Sandbox::new()
    }
}

impl Sandbox {
    /// `bwrap` and `prlimit`, looked up in the worker's `PATH`.
    pub fn new() -> Self {
        Sandbox::with_programs("bwrap", "prlimit")
    }

    pub fn with_programs(bwrap: impl Into<PathBuf>, prlimit: impl Into<PathBuf>) -> Self {
        Sandbox {
            bwrap: bwrap.into(),
            prlimit: prlimit.into(),
        }
    }

    /// Like [`Sandbox::check`], once per process and pair of programs: after
    /// a success, later calls answer at once. Every game launch asks, so a
    /// machine that cannot sandbox never runs a game unsandboxed, and one
    /// that can does not pay three process spawns per game for the proof.
    pub async fn ensure_works(&self) -> Result<(), SandboxError> {
        static PROVEN: std::sync::Mutex<Vec<(PathBuf, PathBuf)>> =
            std::sync::Mutex::new(Vec::new());
        let pair = (self.bwrap.clone(), self.prlimit.clone());
        let known = |proven: &std::sync::Mutex<Vec<(PathBuf, PathBuf)>>| {
            proven
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .contains(&pair)
        };
        if known(&PROVEN) {
            return Ok(());
        }
        self.check().await?;
        PROVEN
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(pair.clone());
        Ok(())
    }

    /// Proves the sandbox works here by running `true` in it; the error
    /// says what is missing or what the kernel refused.
    pub async fn check(&self) -> Result<(), SandboxError> {
        for program in [&self.bwrap, &self.prlimit] {
            let probe = Command::new(program)
                .arg("--version")
                .stdin(Stdio::null())
                .output()
                .await;
            if let Err(source) = probe {
                return Err(SandboxError::Missing {
                    program: program.display().to_string(),
                    source,
                });
            }
        }
        let dir = tempfile::tempdir().map_err(|source| SandboxError::Dir {
            path: std::env::temp_dir(),
            source,
        })?;
        let launch = Launch {
            dir: dir.path().to_owned(),
            program: "true".into(),
            args: vec![],
            env: BTreeMap::new(),
            limits: SandboxLimits::default(),
            shared: Vec::new(),
        };
        let output =
            self.command(&launch)?
                .output()
                .await
                .map_err(|source| SandboxError::Missing {
                    program: self.prlimit.display().to_string(),
                    source,
                })?;
        if output.status.success() {
            Ok(())
        } else {
            Err(SandboxError::Unusable {
                status: output.status,
                stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
            })
        }
    }

    /// The command that runs `launch` sandboxed: stdin empty, stdout and
    /// stderr piped, killed if dropped. Killing it kills everything inside.
    pub fn command(&self, launch: &Launch) -> Result<Command, SandboxError> {
        let dir = launch
            .dir
            .canonicalize()
            .map_err(|source| SandboxError::Dir {
                path: launch.dir.clone(),
                source,
            })?;
        let mut command = Command::new(&self.prlimit);
        command.args(prlimit_args(&launch.limits));
        command.arg("--").arg(&self.bwrap);
        command.args(bwrap_args(&dir, &launch.shared));
        // Set by bwrap inside only: prlimit and bwrap themselves run with
        // an empty environment, so nothing meant for the game (an
        // LD_PRELOAD, say) touches them on the host.
        let mut env = BTreeMap::from([
            ("PATH".to_owned(), PATH.to_owned()),
            ("HOME".to_owned(), "/tmp".to_owned()),
        ]);
        env.extend(launch.env.clone());
        for (name, value) in &env {
            command.arg("--setenv").arg(name).arg(value);
        }
        command.arg("--").arg(&launch.program).args(&launch.args);
        command
            .env_clear()
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        Ok(command)
    }
}
