//! The CI client of playtest: what a CI job needs from a playtest server,
//! as a library the `playtest` binary's `upload`, `run`, `runs watch` and
//! `bugs replay|minimize` commands are made of. It talks to the server
//! through the typed API client only, never through the server's crates.
//!
//! Getting a build in:
//! - [`upload`]: a build file, resumably, in parallel parts, with retries;
//!   [`progress`] shows it on standard error.
//! - [`ci_env`]: the CI job and git commit the build came from.
//!
//! Getting a verdict out:
//! - [`follow`]: runs followed live to their end, through reconnects; each
//!   event printed by [`live`].
//! - [`verdict`]: what each run and the whole come to (passed, failed,
//!   trouble), and [`exit`]: the exit codes that say so.
//! - [`wait`]: follow, judge, write the JUnit report (`junit`), print the
//!   summary (`summary`) and conclude.
//!
//! [`text`] is how values read on a terminal and in a CI log.

pub mod ci_env;
pub mod exit;
pub mod follow;
mod junit;
pub mod live;
pub mod progress;
mod summary;
pub mod text;
pub mod upload;
pub mod verdict;
pub mod wait;
