//! The worker's test suite, on real things: archives built here, a real
//! HTTP server on loopback, real bubblewrap sandboxes and real processes
//! (`scripts/test` installs bubblewrap). Nothing is mocked.
//!
//! One module alone: `cargo nextest run -p playtest-worker unpack::`. The
//! sandbox itself is tested in playtest-sandbox.

#[path = "worker/build_cache.rs"]
mod build_cache;
#[path = "worker/game_loop.rs"]
mod game_loop;
#[path = "worker/support.rs"]
mod support;
#[path = "worker/unpack.rs"]
mod unpack;
