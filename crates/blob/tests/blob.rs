//! The blob stores' test suite. The same behaviour runs on both stores
//! (`suite`): the local folder behind its own HTTP routes on port 0
//! (`local::`), and S3 through a real S3 server, s3s-fs, started on loopback
//! for each test (`s3::`; `scripts/test` installs s3s-fs). What only one
//! store does has its own tests in its module.
//!
//! One store alone: `cargo nextest run -p playtest-blob local::`.

#[path = "blob/local.rs"]
mod local;
#[path = "blob/s3.rs"]
mod s3;
#[path = "blob/suite.rs"]
mod suite;
#[path = "blob/support.rs"]
mod support;
