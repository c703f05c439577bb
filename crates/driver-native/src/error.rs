//! What can go wrong while starting or driving a native game, said so that
//! the run's reason tells the user what to do.

use std::path::PathBuf;

/// Why the native driver could not start or go on.
#[derive(Debug, thiserror::Error)]
pub enum NativeDriverError {
    /// The build has no such entry, or it is not a file that can be run.
    #[error("{0}")]
    Entry(String),
    #[error("could not start {program}: {source} (is it installed? pass its path to the worker)")]
    Spawn {
        program: PathBuf,
        source: std::io::Error,
    },
    #[error("the virtual display did not start: {0}")]
    Display(String),
    #[error("the X server of the game's display failed: {0}")]
    X11(String),
    #[error("the game sandbox does not work here: {0}")]
    Sandbox(#[from] playtest_sandbox::SandboxError),
    /// The game opened no window in time, or ended before it did.
    #[error("{0}")]
    NoWindow(String),
    #[error("the game's folder could not be laid anew: {0}")]
    Folder(String),
    #[error("the recording failed: {0}")]
    Video(String),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl From<x11rb::errors::ConnectionError> for NativeDriverError {
    fn from(err: x11rb::errors::ConnectionError) -> Self {
        NativeDriverError::X11(err.to_string())
    }
}

impl From<x11rb::errors::ReplyError> for NativeDriverError {
    fn from(err: x11rb::errors::ReplyError) -> Self {
        NativeDriverError::X11(err.to_string())
    }
}

impl From<x11rb::errors::ReplyOrIdError> for NativeDriverError {
    fn from(err: x11rb::errors::ReplyOrIdError) -> Self {
        NativeDriverError::X11(err.to_string())
    }
}

impl From<NativeDriverError> for playtest_agent::DriverError {
    fn from(err: NativeDriverError) -> Self {
        playtest_agent::DriverError::Failed(err.to_string())
    }
}
