//! The run's time: when it started, when it must end, whether it was
//! stopped, and when the session last finished its own work (the time
//! after that, until the next action, is the agent's pause, recorded as a
//! wait so a replay repeats it).
//!
//! It is a part of its own so that every other part can be told the time
//! without knowing how a run is bounded.

use std::time::Duration;

use tokio::time::{Instant, sleep};
use tokio_util::sync::CancellationToken;

use crate::error::AgentError;

pub(super) struct RunClock {
    stop: CancellationToken,
    started: Instant,
    deadline: Option<Instant>,
    /// When the session last finished an action (or a start) and its
    /// observations.
    cycle_end: Instant,
}

impl RunClock {
    pub(super) fn new(stop: CancellationToken, max_duration: Option<Duration>) -> Self {
        let now = Instant::now();
        Self {
            stop,
            started: now,
            deadline: max_duration.map(|d| now + d),
            cycle_end: now,
        }
    }

    /// Since the session started.
    pub(super) fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    pub(super) fn stopped(&self) -> bool {
        self.stop.is_cancelled()
    }

    /// `Err` when the run was stopped or is out of time.
    pub(super) fn may_continue(&self) -> Result<(), AgentError> {
        if self.stop.is_cancelled() {
            return Err(AgentError::Stopped);
        }
        if self
            .deadline
            .is_some_and(|deadline| Instant::now() >= deadline)
        {
            return Err(AgentError::DeadlineReached);
        }
        Ok(())
    }

    /// Sleeps, unless the run is stopped first.
    pub(super) async fn pause(&self, duration: Duration) -> Result<(), AgentError> {
        tokio::select! {
            () = sleep(duration) => Ok(()),
            () = self.stop.cancelled() => Err(AgentError::Stopped),
        }
    }

    /// The session's own work is done for now.
    pub(super) fn end_cycle(&mut self) {
        self.cycle_end = Instant::now();
    }

    /// When the session's own work was last done.
    pub(super) fn cycle_end(&self) -> Instant {
        self.cycle_end
    }

    /// Takes back an [`end_cycle`](Self::end_cycle): work that must not
    /// count as a pause of its own (an observation while waiting) leaves
    /// the pause running.
    pub(super) fn resume_cycle(&mut self, cycle_end: Instant) {
        self.cycle_end = cycle_end;
    }

    /// The agent's pause so far: time since the session's own work.
    pub(super) fn since_cycle(&self) -> Duration {
        self.cycle_end.elapsed()
    }
}
