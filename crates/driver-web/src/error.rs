//! The crate's one error type, and how it reads at the `Driver` boundary.
//!
//! Policy: every fallible function in this crate returns [`WebDriverError`];
//! the `Driver` implementation maps it to [`DriverError`] so agents only see
//! the platform-neutral kinds (gone, timeout, bad action, failure). Errors
//! are logged once, by whoever handles them (the worker), not here.

use std::io;
use std::path::PathBuf;
use std::time::Duration;

use playtest_agent::DriverError;

#[derive(Debug, thiserror::Error)]
pub enum WebDriverError {
    /// The launcher could not build the command, or the program did not start.
    #[error("cannot start Chromium ({program}): {source}")]
    Spawn { program: PathBuf, source: io::Error },
    /// Chromium started but never spoke the DevTools protocol.
    #[error("Chromium did not connect within {timeout:?}; its last words: {stderr}")]
    NoConnection { timeout: Duration, stderr: String },
    /// Chromium (or its launcher) exited before it connected.
    #[error("Chromium exited before it connected ({status}); its last words: {stderr}")]
    Exited { status: String, stderr: String },
    /// The build folder or its entry page is not usable.
    #[error("the build {}: {reason}", dir.display())]
    Build { dir: PathBuf, reason: String },
    /// The entry page did not load.
    #[error("{url} did not load: {reason}")]
    Load { url: String, reason: String },
    /// A DevTools command failed.
    #[error("DevTools: {0}")]
    Cdp(#[from] chromiumoxide::error::CdpError),
    /// A DevTools command could not be built.
    #[error("DevTools command: {0}")]
    Command(String),
    #[error("the page did not answer within {0:?}")]
    Timeout(Duration),
    /// The renderer crashed or the browser exited.
    #[error("the game is gone: {0}")]
    Gone(String),
    /// The action or query is not valid as given.
    #[error("{0}")]
    BadAction(String),
    /// A script of ours (or the expression asked for) threw.
    #[error("the page threw: {0}")]
    Script(String),
    #[error("cannot decode the screenshot: {0}")]
    Image(#[from] image::ImageError),
    #[error("video: {0}")]
    Video(String),
    #[error(transparent)]
    Io(#[from] io::Error),
}

impl From<WebDriverError> for DriverError {
    fn from(error: WebDriverError) -> Self {
        match error {
            WebDriverError::Gone(reason) => DriverError::GameGone(reason),
            WebDriverError::Timeout(after) => DriverError::Timeout(after),
            WebDriverError::BadAction(message) => DriverError::BadAction(message),
            WebDriverError::Script(message) => DriverError::BadAction(message),
            other => DriverError::Failed(other.to_string()),
        }
    }
}
