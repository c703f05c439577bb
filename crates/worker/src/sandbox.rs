//! Runs a program from a build folder under bubblewrap (`bwrap`), so a game
//! (untrusted code) cannot reach the network or the worker's host.
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
//!   `/dev/shm`; an empty in-memory `/tmp`; and the build folder, read-write, at
//!   [`GAME_DIR`], which is also the working directory. Nothing else of the
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

use std::collections::BTreeMap;
use std::io;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};

use tokio::process::Command;

/// Where the build folder is inside the sandbox.
pub const GAME_DIR: &str = "/game";

/// The uid and gid of the program inside.
const SANDBOX_ID: &str = "1000";

/// The PATH inside.
const PATH: &str = "/usr/local/bin:/usr/bin:/bin";

/// Host folders of system programs and libraries, read-only inside.
const SYSTEM_DIRS: [&str; 6] = ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];

/// The pieces of `/etc` a program may need to start, read-only inside.
const ETC_FILES: [&str; 6] = [
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/alternatives",
    "/etc/localtime",
    "/etc/fonts",
];

/// Per-process resource limits (rlimits). They bind each process on its
/// own, not the tree together: a program that forks gets the budget again
/// per child. Bounding the tree needs a cgroup, which a worker may not be
/// allowed to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxLimits {
    /// CPU time: SIGXCPU at the limit, SIGKILL one second later.
    pub cpu_seconds: u64,
    /// Heap and other private writable memory (`RLIMIT_DATA`); allocations
    /// past it fail. Address-space reservations, which JIT and GC runtimes
    /// make by the terabyte, do not count, as they would with `RLIMIT_AS`.
    pub memory_bytes: u64,
    /// Largest file a process may write (`RLIMIT_FSIZE`); SIGXFSZ past it.
    pub max_file_bytes: u64,
    /// Open file descriptors (`RLIMIT_NOFILE`).
    pub max_open_files: u64,
}

impl Default for SandboxLimits {
    fn default() -> Self {
        const GIB: u64 = 1 << 30;
        SandboxLimits {
            cpu_seconds: 60 * 60,
            memory_bytes: 8 * GIB,
            max_file_bytes: 4 * GIB,
            max_open_files: 4096,
        }
    }
}

/// One program to run in the sandbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Launch {
    /// The host folder mounted read-write at [`GAME_DIR`].
    pub dir: PathBuf,
    /// The program as the sandbox sees it: `/game/...` for the build's
    /// own, or a system one (`/bin/sh`, or `sh` looked up in `PATH`).
    pub program: String,
    pub args: Vec<String>,
    /// Set on top of `PATH` and `HOME=/tmp` (and may replace them).
    pub env: BTreeMap<String, String>,
    pub limits: SandboxLimits,
}

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error(
        "{program} cannot be run ({source}); install it (Debian packages: bubblewrap for bwrap, util-linux for prlimit)"
    )]
    Missing { program: String, source: io::Error },
    #[error(
        "bubblewrap cannot create a sandbox on this machine ({status}): {stderr}. It needs user namespaces: check the sysctls user.max_user_namespaces (must be > 0), kernel.unprivileged_userns_clone (Debian, when not root) and kernel.apparmor_restrict_unprivileged_userns (Ubuntu 24.04+), and, in a container, a seccomp profile that allows unshare/clone with namespace flags"
    )]
    Unusable { status: ExitStatus, stderr: String },
    #[error("the build folder {}: {source}", path.display())]
    Dir { path: PathBuf, source: io::Error },
}

/// How a sandboxed program ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Code(i32),
    Signal(i32),
}

impl Exit {
    /// Reads bwrap's exit status. bwrap passes a program's exit code
    /// through, and turns its death by signal N into exit code 128 + N (the
    /// shell's convention): it reports nothing that tells the two apart. So
    /// 129..=192 is read as a signal; a program that calls `exit(139)` is
    /// taken as killed by SIGSEGV, as a shell would. bwrap itself dying by a
    /// signal (killed from outside) is a signal too.
    pub fn from_status(status: ExitStatus) -> Exit {
        match (status.code(), status.signal()) {
            (Some(code), _) if (129..=128 + 64).contains(&code) => Exit::Signal(code - 128),
            (Some(code), _) => Exit::Code(code),
            (None, Some(signal)) => Exit::Signal(signal),
            (None, None) => Exit::Code(-1),
        }
    }
}

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
        command.args(bwrap_args(&dir));
        command.arg("--").arg(&launch.program).args(&launch.args);
        command
            .env_clear()
            .env("PATH", PATH)
            .env("HOME", "/tmp")
            .envs(&launch.env)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        Ok(command)
    }
}

fn prlimit_args(limits: &SandboxLimits) -> Vec<String> {
    let both = |name: &str, value: u64| format!("--{name}={value}:{value}");
    vec![
        format!(
            "--cpu={}:{}",
            limits.cpu_seconds,
            limits.cpu_seconds.saturating_add(1)
        ),
        both("data", limits.memory_bytes),
        both("fsize", limits.max_file_bytes),
        both("nofile", limits.max_open_files),
        // A crash must not leave a core file (maybe gigabytes) in the build.
        both("core", 0),
    ]
}

fn bwrap_args(game_dir: &Path) -> Vec<String> {
    let mut args: Vec<String> = [
        "--unshare-all",
        "--unshare-user",
        "--uid",
        SANDBOX_ID,
        "--gid",
        SANDBOX_ID,
        "--disable-userns",
        "--cap-drop",
        "ALL",
        "--die-with-parent",
        "--new-session",
        "--hostname",
        "playtest",
        "--ro-bind",
        "/usr",
        "/usr",
    ]
    .map(String::from)
    .into();
    for dir in SYSTEM_DIRS {
        match std::fs::read_link(dir) {
            // Merged /usr: `/bin -> usr/bin` and the like.
            Ok(target) => args.extend([
                "--symlink".into(),
                target.to_string_lossy().into_owned(),
                dir.into(),
            ]),
            Err(_) if Path::new(dir).is_dir() => {
                args.extend(["--ro-bind".into(), dir.into(), dir.into()]);
            }
            Err(_) => {}
        }
    }
    for file in ETC_FILES {
        args.extend(["--ro-bind-try".into(), file.into(), file.into()]);
    }
    args.extend(
        [
            "--proc",
            "/proc",
            "--dev",
            "/dev",
            "--tmpfs",
            "/dev/shm",
            "--remount-ro",
            "/dev",
            "--tmpfs",
            "/tmp",
            "--bind",
        ]
        .map(String::from),
    );
    args.push(game_dir.to_string_lossy().into_owned());
    args.push(GAME_DIR.into());
    args.extend(["--remount-ro", "/", "--chdir", GAME_DIR].map(String::from));
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status_of_exit_code(code: i32) -> ExitStatus {
        ExitStatus::from_raw(code << 8)
    }

    #[test]
    fn exit_codes_above_128_are_read_as_signals() {
        assert_eq!(
            Exit::from_status(status_of_exit_code(139)),
            Exit::Signal(11)
        );
        assert_eq!(Exit::from_status(status_of_exit_code(134)), Exit::Signal(6));
    }

    #[test]
    fn plain_exit_codes_stay_codes() {
        assert_eq!(Exit::from_status(status_of_exit_code(0)), Exit::Code(0));
        assert_eq!(Exit::from_status(status_of_exit_code(3)), Exit::Code(3));
        assert_eq!(Exit::from_status(status_of_exit_code(128)), Exit::Code(128));
        assert_eq!(Exit::from_status(status_of_exit_code(255)), Exit::Code(255));
    }

    #[test]
    fn bwrap_killed_by_a_signal_is_a_signal() {
        assert_eq!(Exit::from_status(ExitStatus::from_raw(9)), Exit::Signal(9));
    }
}
