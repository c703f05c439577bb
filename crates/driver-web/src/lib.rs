//! The web driver: plays an HTML5 game build in headless Chromium over the
//! DevTools protocol, behind the agent's [`playtest_agent::Driver`] trait.
//!
//! Game builds are untrusted code, so the browser is started through a
//! [`BrowserLauncher`] ([`SandboxedBrowser`] wraps it in the bubblewrap
//! sandbox of playtest-sandbox: no network, nothing of the host) and spoken to over a pipe on its file
//! descriptors 3 and 4, never over a port. The build is served to it from
//! the host through DevTools request interception on a fixed origin
//! ([`ORIGIN`]); every other request fails.
//!
//! ```no_run
//! # async fn run() -> Result<(), playtest_driver_web::WebDriverError> {
//! use std::sync::Arc;
//! use playtest_agent::Driver;
//! use playtest_driver_web::{DirectLauncher, WebDriver, WebLaunch};
//!
//! let mut launch = WebLaunch::new("/builds/pong", Arc::new(DirectLauncher));
//! launch.record_video = Some("/runs/1/recording.mp4".into());
//! let mut driver = WebDriver::launch(launch).await?;
//! let observation = driver.observe().await;
//! let output = driver.finish().await?;
//! # Ok(()) }
//! ```
//!
//! Modules: `launch` starts the browser, `pipe_relay` carries the protocol
//! between chromiumoxide's websocket and the pipe, `serve` answers the
//! browser's requests, `hooks` (with `hooks.js`) seeds randomness and
//! counts frames in every document, `session` sets up the game's tab,
//! `input`, `observe`, `events` and `video` do what their names say,
//! `options` holds what a launch takes, `timing` how pages behave in time
//! (settling, idle watching: the driver's answer to `Driver::timing`),
//! `driver` ties them together. The
//! crate's README says more.

mod driver;
mod error;
mod events;
mod guard;
mod hooks;
mod input;
mod launch;
mod observe;
mod options;
mod pipe_relay;
mod sandboxed;
mod serve;
mod session;
mod tasks;
mod timing;
mod video;

pub use driver::WebDriver;
pub use error::WebDriverError;
pub use launch::{BrowserLauncher, DEBIAN_CHROMIUM, DirectLauncher, default_chromium};
pub use observe::ScreenshotFormat;
pub use options::{WebLaunch, WebSessionOutput, WebTimeouts};
pub use sandboxed::{PROFILE_DIR, SandboxedBrowser};
pub use serve::ORIGIN;
pub use timing::page_timing;
