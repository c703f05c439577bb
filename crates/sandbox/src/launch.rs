//! What one sandboxed program is: its folder, program, arguments,
//! environment, and the resource limits it runs under.

use std::collections::BTreeMap;
use std::path::PathBuf;

/// Where the build folder is inside the sandbox.
pub const GAME_DIR: &str = "/game";

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
    /// Host files or sockets shown inside, read-write, each at its own
    /// path (an X display's socket, say). Nothing else of the host is.
    pub shared: Vec<Shared>,
}

/// One host path shown inside the sandbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shared {
    pub host: PathBuf,
    /// Where it is inside: an absolute path under `/tmp` (the only place
    /// inside that can hold new mount points besides the build folder).
    pub inside: String,
}
