//! The commands a CI job runs, made of the CI client ([`playtest_ci`]):
//! `upload` (build files, resumably), `run` (upload, start, wait, exit with
//! the verdict), `runs watch` (follow one run to its verdict) and `bugs
//! replay|minimize` (play a bug's trace again and say what it found). Each
//! turns its flags into the client's calls and says what came of them.

pub mod replay;
pub mod run;
pub mod upload;
pub mod watch;
