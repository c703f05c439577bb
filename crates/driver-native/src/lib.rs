//! The native driver: plays a Linux game (an ELF executable or a launcher
//! script in its build's folder) on a virtual X display of its own, behind
//! the agent's [`playtest_agent::Driver`] trait, so every agent, detector,
//! the video and replay work on it as on a web game.
//!
//! Each game gets its own Xvfb (`display`) at the config's size. The game
//! runs in the bubblewrap sandbox of playtest-sandbox (no network, nothing
//! of the host but its folder and its display's socket) with
//! `SDL_AUDIODRIVER=dummy`, its seed in `PLAYTEST_SEED` and, where
//! libfaketime is installed, a wall clock that starts at a fixed moment
//! (`game`, `options`). The driver sees the display as a person would: it
//! takes pictures from the X server and injects keys and clicks through
//! XTEST (`screen`, `keys`, `input`), acting as a minimal window manager
//! that raises and focuses the game's window; a second connection watches
//! drawing (XDamage) and windows (`watch`). The game's output is its
//! console (`console`), its exit code or signal its crash; whether it
//! still answers comes from `_NET_WM_PING` or its processes in `/proc`
//! (`ping`, `procfs`). ffmpeg records the display (`video`); `timing` says
//! how native games behave in time.
//!
//! ```no_run
//! # async fn run() -> Result<(), playtest_driver_native::NativeDriverError> {
//! use playtest_agent::Driver;
//! use playtest_driver_native::{NativeDriver, NativeLaunch};
//!
//! let mut launch = NativeLaunch::new("/runs/1/game", "play.sh");
//! launch.record_video = Some("/runs/1/recording.mp4".into());
//! let mut driver = NativeDriver::launch(launch).await?;
//! let observation = driver.observe().await;
//! let output = driver.finish().await?;
//! # Ok(()) }
//! ```

mod console;
mod display;
mod driver;
mod error;
mod game;
mod input;
mod keys;
mod options;
mod ping;
mod procfs;
mod screen;
mod timing;
mod video;
mod watch;

pub use driver::{NativeDriver, NativeSessionOutput};
pub use error::NativeDriverError;
pub use options::{CLOCK_START, DEBIAN_FAKETIME, LayFolder, NativeLaunch};
pub use timing::native_timing;
