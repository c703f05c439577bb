//! The session's cycle: act, let the screen settle, look, and conclude
//! (restart a game that cannot go on, when allowed); starting and
//! restarting the game. It ties the parts together with the driver and
//! holds no state of its own.

use std::time::Duration;

use playtest_types::Action;
use tokio::time::timeout;
use tracing::debug;

use super::watch::Breakdown;
use super::{Performed, Session, WhenStuck};
use crate::cells::CellId;
use crate::describe::{action_key, describe_action, is_input};
use crate::driver::DriverError;
use crate::error::AgentError;
use crate::moves::Move;
use crate::trace::TraceEvent;

impl Session<'_> {
    /// Begins with the game as the driver launched it: learns the idle mask
    /// and the first cell.
    pub async fn start(&mut self) -> Result<(), AgentError> {
        self.log(format!(
            "Starting the session (seed {}).",
            self.settings.seed
        ));
        match self.begin_life(TraceEvent::Restart("start".into())).await? {
            None => Ok(()),
            Some(breakdown) if self.settings.when_stuck == WhenStuck::Restart => {
                self.restart(breakdown.reason()).await
            }
            Some(breakdown) => {
                self.watch.give_up(breakdown.reason().to_string());
                Err(AgentError::GameGone(breakdown.reason().to_string()))
            }
        }
    }

    /// Starts the game afresh (three tries when it dies while starting).
    pub async fn restart(&mut self, reason: &str) -> Result<(), AgentError> {
        let mut reason = reason.to_string();
        for _ in 0..3 {
            if self.clock.stopped() {
                return Err(AgentError::Stopped);
            }
            self.log(format!("Restarting the game ({reason})."));
            self.driver.restart().await?;
            self.evidence.restarted();
            match self.begin_life(TraceEvent::Restart(reason.clone())).await? {
                None => return Ok(()),
                Some(breakdown) => reason = breakdown.reason().to_string(),
            }
        }
        self.watch.give_up(reason.clone());
        Err(AgentError::GameGone(format!(
            "the game does not survive its start: {reason}"
        )))
    }

    /// Performs one action and observes what it did.
    pub async fn perform(&mut self, action: &Action) -> Result<Performed, AgentError> {
        self.may_continue()?;
        let previous_cell = self.map.here();
        self.map
            .record_pause(self.clock.since_cycle(), self.settings.min_recorded_pause);
        let at = self.clock.elapsed();
        debug!(action = %action_key(action), "act");
        let allowed = self.settings.call_timeout + wait_of(action);
        let acted = timeout(allowed, self.driver.act(action))
            .await
            .unwrap_or(Err(DriverError::Timeout(allowed)));
        let gone = match acted {
            Ok(()) => None,
            Err(DriverError::BadAction(reason)) => {
                self.clock.end_cycle();
                return Err(AgentError::BadAction(reason));
            }
            Err(error @ (DriverError::GameGone(_) | DriverError::Timeout(_))) => Some(error),
            Err(other) => return Err(other.into()),
        };
        self.map.record_action(action);
        self.evidence.record_action(action, at);
        let mut breakdown = match gone {
            None => None,
            Some(DriverError::GameGone(reason)) => Some(self.gone_incident(&reason)),
            Some(_) => self.check_answer(Some(action)).await?,
        };
        if breakdown.is_none() {
            if is_input(action) {
                self.clock.pause(self.sight.timing().settle).await?;
            }
            breakdown = self.look(Some(action), previous_cell).await?;
        }
        let ping_due = self.watch.acted(self.settings.ping_every);
        if breakdown.is_none() && ping_due {
            breakdown = self.check_answer(Some(action)).await?;
        }
        if breakdown.is_none() && self.settings.log_actions {
            self.log(format!(
                "{}. {} → screen {}{}",
                self.evidence.counters().actions,
                describe_action(action),
                short(self.map.here()),
                if self.map.arrived_new() { " (new)" } else { "" }
            ));
        }
        let performed = self.conclude(previous_cell, breakdown).await;
        self.clock.end_cycle();
        performed
    }

    /// Performs a move's actions and records where it led in the graph.
    pub async fn perform_move(&mut self, step: &Move) -> Result<Performed, AgentError> {
        let from = self.map.here();
        let mut findings = Vec::new();
        let mut last = None;
        for action in &step.actions {
            let mut performed = self.perform(action).await?;
            findings.append(&mut performed.findings);
            let restarted = performed.restarted;
            last = Some(performed);
            if restarted {
                break;
            }
        }
        let Some(mut performed) = last else {
            return Err(AgentError::BadAction("a move without actions".into()));
        };
        performed.previous_cell = from;
        performed.findings = findings;
        if !performed.restarted {
            performed.new_cell = self.map.record_move(from, step);
        }
        Ok(performed)
    }

    /// Observes without acting (while waiting for a condition), feeding the
    /// detectors. The time it takes counts as a pause before the next action.
    pub async fn observe_idle(&mut self) -> Result<(), AgentError> {
        self.may_continue()?;
        let previous_cell = self.map.here();
        let breakdown = self.look(None, previous_cell).await?;
        let restarting = breakdown.is_some() && self.settings.when_stuck == WhenStuck::Restart;
        let cycle_end = self.clock.cycle_end();
        self.conclude(previous_cell, breakdown).await?;
        if !restarting {
            self.clock.resume_cycle(cycle_end);
        }
        Ok(())
    }

    /// Waits without acting, then observes (feeding the detectors).
    pub async fn wait_and_observe(&mut self, duration: Duration) -> Result<(), AgentError> {
        self.clock.pause(duration).await?;
        self.observe_idle().await
    }

    /// Ends an action: restarts a game that cannot go on, when allowed.
    async fn conclude(
        &mut self,
        previous_cell: CellId,
        breakdown: Option<Breakdown>,
    ) -> Result<Performed, AgentError> {
        let restart_for = match (breakdown, self.settings.when_stuck) {
            (None, _) => None,
            (Some(breakdown), WhenStuck::Restart) => Some(breakdown.reason().to_string()),
            (Some(Breakdown::Stuck(_)), _) | (Some(Breakdown::NoAnswer), WhenStuck::WatchHangs) => {
                None
            }
            (Some(breakdown), _) => {
                let reason = breakdown.reason().to_string();
                self.log(format!("The game is gone: {reason}."));
                self.watch.give_up(reason.clone());
                return Err(AgentError::GameGone(reason));
            }
        };
        let restarted = restart_for.is_some();
        if let Some(reason) = restart_for {
            self.restart(&reason).await?;
        }
        Ok(Performed {
            cell: self.map.here(),
            previous_cell,
            new_cell: self.map.arrived_new() && !restarted,
            screen_changed: restarted
                || self.sight.last_change() > self.settings.detectors.still_threshold,
            restarted,
            findings: self.evidence.take_fresh(),
        })
    }
}

/// How long an action waits by itself.
fn wait_of(action: &Action) -> Duration {
    match action {
        Action::WaitMs(ms) => Duration::from_millis(*ms),
        _ => Duration::ZERO,
    }
}

fn short(cell: CellId) -> String {
    cell.to_string()[..6].to_string()
}
