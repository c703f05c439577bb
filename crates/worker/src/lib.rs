//! The worker side of a playtest run: everything between "this job plays
//! that build" and "here is how the game ended".
//!
//! - [`build_cache`]: fetch a build once per machine (by SHA-256), check it,
//!   unpack it, and give each run its own writable copy;
//! - [`unpack`](mod@unpack): the safe extraction of zip and tar(.gz) archives it uses;
//! - [`sandbox`]: run a program of a build under bubblewrap, with no
//!   network and nothing of the host but system libraries;
//! - [`game_loop`]: the `game_loop` test type: launch the build's own
//!   scenario in the sandbox, capture its output, judge how it ended, and
//!   turn a crash or a hang into findings.
//!
//! - [`service`]: the worker process: register with the server, then in
//!   each slot lease a job and play it; [`job`] is one job's life
//!   (heartbeats, build, game, findings, artifacts, complete) and
//!   [`reporter`] ships its logs, steps and bugs in batches.
//!
//! The first four are self-contained; the last three compose them and talk
//! to the server over HTTP only (the worker protocol), the same whether the
//! worker runs inside `playtest serve` or on another machine. Errors: each
//! module has its own
//! `thiserror` enum that says what failed and on what; the loop above wraps
//! them with `anyhow` context and logs them once, where it handles them.

mod artifacts;
pub mod browser_sandbox;
pub mod build_cache;
pub mod game_loop;
pub mod job;
pub mod play;
pub mod reporter;
pub mod sandbox;
pub mod service;
mod settings;
pub mod signal;
pub mod unpack;

pub use build_cache::{BuildCache, BuildCacheError, BuildToFetch, PreparedBuild};
pub use game_loop::{
    Finding, GameLoopError, GameLoopReport, GameLoopRun, LogLine, Stream, Verdict, findings,
    run_game_loop,
};
pub use playtest_driver_web::default_chromium;
pub use sandbox::{Exit, GAME_DIR, Launch, Sandbox, SandboxError, SandboxLimits};
pub use settings::{WebTools, WorkerSettings};
pub use signal::signal_name;
pub use unpack::{ArchiveFormat, Refusal, UnpackError, UnpackLimits, Unpacked, unpack};
