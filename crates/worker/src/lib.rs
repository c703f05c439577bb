//! The worker side of a playtest run: everything between "this job plays
//! that build" and "here is how the game ended".
//!
//! Parts that know nothing of the server:
//! - [`build_cache`]: fetch a build once per machine (by SHA-256), check it,
//!   unpack it ([`unpack`](mod@unpack): safe extraction of zip and tar(.gz)
//!   archives), and give each run its own writable copy;
//! - the sandbox ([`playtest_sandbox`], re-exported): run a program of a
//!   build under bubblewrap, with no network and nothing of the host but
//!   system libraries (the web driver's `SandboxedBrowser` puts Chromium
//!   in it);
//! - [`play::game_loop::runner`] and [`play::game_loop::bugs`]: run a game
//!   loop in the sandbox and read the bugs its end shows.
//!
//! Parts that talk to the server, over HTTP only (the worker protocol), the
//! same whether the worker runs inside `playtest serve` or on another
//! machine:
//! - [`service`]: the worker process: register, then in each slot lease a
//!   job and play it, under a tracing span `job` that carries the job's
//!   `job_id`, `run_id` and `attempt`, so every line logged while it plays
//!   names it, once;
//! - [`job`]: one job's life (heartbeats, build, play, artifacts,
//!   complete);
//! - [`play`]: which player a job needs, and the players ([`play::game_loop`],
//!   [`play::agent`] on the web or the native driver);
//! - [`reporter`]: ships a job's logs, steps and bugs in batches.
//!
//! Errors. The self-contained parts return their own `thiserror` enum that
//! says what failed and on what ([`BuildCacheError`], [`UnpackError`],
//! [`SandboxError`], [`GameLoopError`]). A job never fails as a Rust error:
//! whatever stops it becomes its outcome (`error`, with a one-line reason the
//! user reads on the run), logged once, when the job completes. Evidence
//! that cannot be kept (a screenshot, an artifact upload) is logged as a
//! warning and the run goes on without it. Calls to the server (register,
//! lease, heartbeat, report, complete) are retried with backoff, each
//! failed attempt logged as a warning. Only [`service::run`] returns an
//! `anyhow` error, for what keeps the worker from starting at all.

mod artifacts;
pub mod build_cache;
pub mod job;
pub mod play;
pub mod reporter;
pub mod service;
mod settings;
pub mod unpack;

pub use build_cache::{BuildCache, BuildCacheError, BuildToFetch, PreparedBuild, copy_build};
pub use play::game_loop::bugs::{GameLoopBug, bugs};
pub use play::game_loop::runner::{
    GameLoopEnd, GameLoopError, GameLoopReport, GameLoopRun, LogLine, Stream, run_game_loop,
};
pub use playtest_driver_native::DEBIAN_FAKETIME;
pub use playtest_driver_web::default_chromium;
pub use playtest_ocr::DEFAULT_TESSERACT;
pub use playtest_sandbox::{
    Exit, GAME_DIR, Launch, Sandbox, SandboxError, SandboxLimits, signal_name,
};
pub use settings::{NativeTools, WebTools, WorkerSettings};
pub use unpack::{ArchiveFormat, Refusal, UnpackError, UnpackLimits, Unpacked, unpack};
