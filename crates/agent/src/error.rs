//! The crate's one error type.
//!
//! Policy: everything the agents and the session can fail with is an
//! [`AgentError`]; a [`DriverError`] converts into it keeping its meaning (a
//! vanished game stays `GameGone`, an impossible action stays `BadAction`),
//! so callers match on what happened rather than on which layer noticed.
//! `Stopped` and `DeadlineReached` are how a run ends on request or on time:
//! agents treat them as a normal end, not a failure.

use crate::driver::DriverError;

#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// Someone asked the run to stop (the cancellation token fired).
    #[error("the run was asked to stop")]
    Stopped,
    /// The run's maximum duration is over.
    #[error("the run's time limit was reached")]
    DeadlineReached,
    /// The game is gone and the session is not allowed to restart it.
    #[error("the game is gone: {0}")]
    GameGone(String),
    /// The action cannot be performed as given.
    #[error("{0}")]
    BadAction(String),
    /// A reference image or a region does not make sense.
    #[error("invalid image: {0}")]
    InvalidImage(String),
    /// Any other failure of the driver (the browser, the X server).
    #[error(transparent)]
    Driver(DriverError),
}

impl AgentError {
    /// The run ended on request or on time, which is not a failure.
    pub fn is_end_of_run(&self) -> bool {
        matches!(self, AgentError::Stopped | AgentError::DeadlineReached)
    }
}

impl From<DriverError> for AgentError {
    fn from(error: DriverError) -> Self {
        match error {
            DriverError::GameGone(reason) => AgentError::GameGone(reason),
            DriverError::BadAction(reason) => AgentError::BadAction(reason),
            other => AgentError::Driver(other),
        }
    }
}
