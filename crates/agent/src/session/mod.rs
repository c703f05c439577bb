//! The loop glue every agent shares: act, settle, observe, detect, record.
//!
//! A [`Session`] wraps a driver for one run. For each action it waits a
//! short settle time (a `WaitMs` action is its own wait), observes (again,
//! while a game that draws on change is still animating the input), turns
//! the frame into a cell, feeds the detectors, and records the action in
//! the trace since the last restart (what a bug's [`BugTrace`](playtest_types::BugTrace) is cut from)
//! and in the whole run's trace (`trace.json`). Time spent between actions
//! beyond the session's own work (an agent thinking, a check waiting) is
//! recorded as explicit `WaitMs` entries, so a replay repeats the timing.
//!
//! It pings the game every few actions and after slow observations; a game
//! that vanished or stopped answering is reported and, as the settings'
//! [`WhenStuck`] say, restarted — as is one a detector calls stuck
//! (frozen, soft-locked). Each fingerprint is reported to the [`Sink`] once
//! per run; later sightings are only counted.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

mod observing;
mod reporting;
mod settings;

use playtest_types::Action;
use serde::Serialize;
use tokio::time::{Instant, sleep, timeout};
use tokio_util::sync::CancellationToken;
use tracing::debug;

pub use settings::{SessionSettings, WhenStuck};

use crate::action_space::Move;
use crate::cells::{CellId, CellMap, Thumbnail};
use crate::describe::{action_key, describe_action, is_input};
use crate::detect::DetectorSet;
use crate::driver::{Driver, DriverError, Frame};
use crate::error::AgentError;
use crate::graph::{Coverage, PathRef, StateGraph};
use crate::sink::{Finding, Sink};
use crate::trace::{RunTraceEntry, TraceEvent, append_pause};

/// What one action (or move) did.
#[derive(Debug, Clone, PartialEq)]
pub struct Performed {
    pub cell: CellId,
    pub previous_cell: CellId,
    /// For [`Session::perform`]: the cell was never seen before in the run;
    /// for [`Session::perform_move`]: it is new to the state graph.
    pub new_cell: bool,
    pub screen_changed: bool,
    /// The game was restarted (it vanished, hung or got stuck).
    pub restarted: bool,
    /// Findings reported for the first time during this action.
    pub findings: Vec<Finding>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counters {
    pub actions: u64,
    pub inputs: u64,
    pub restarts: u32,
    pub observations: u64,
    pub pings: u64,
}

/// An exception or console error the game reported.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorSeen {
    pub text: String,
    pub at: Duration,
}

struct LastSeen {
    frame: Frame,
    thumbnail: Thumbnail,
    frames_drawn: u64,
    video_offset: Option<Duration>,
}

struct Occurrence {
    count: u32,
    first: Finding,
}

/// Why the game cannot go on as it is.
enum Ending {
    /// The game vanished (crashed, or never showed).
    Gone(String),
    /// The game stopped answering.
    NoAnswer,
    /// A detector calls the game stuck (frozen, soft-locked).
    Stuck(String),
}

impl Ending {
    fn reason(&self) -> &str {
        match self {
            Ending::Gone(reason) | Ending::Stuck(reason) => reason,
            Ending::NoAnswer => "the game stopped answering",
        }
    }
}

pub struct Session<'a> {
    driver: &'a mut dyn Driver,
    sink: &'a dyn Sink,
    settings: SessionSettings,
    stop: CancellationToken,
    started: Instant,
    deadline: Option<Instant>,
    cells: CellMap,
    detectors: DetectorSet,
    graph: StateGraph,
    lives: Vec<Vec<Action>>,
    entries: Vec<RunTraceEntry>,
    counters: Counters,
    occurrences: BTreeMap<String, Occurrence>,
    fresh: Vec<Finding>,
    errors: Vec<ErrorSeen>,
    seen_cells: BTreeSet<CellId>,
    cell: CellId,
    last: Option<LastSeen>,
    last_new_cell: bool,
    last_change: f32,
    render_loop: Option<bool>,
    gone: Option<String>,
    unanswered_since: Option<Instant>,
    cycle_end: Instant,
    actions_since_ping: u32,
    actions_since_new_cell: u64,
    step: Option<i32>,
}

impl<'a> Session<'a> {
    pub fn new(
        driver: &'a mut dyn Driver,
        sink: &'a dyn Sink,
        settings: SessionSettings,
        stop: CancellationToken,
    ) -> Self {
        Self::with_detectors(
            driver,
            sink,
            settings.clone(),
            stop,
            DetectorSet::standard(&settings.detectors),
        )
    }

    /// A session with a chosen set of detectors.
    pub fn with_detectors(
        driver: &'a mut dyn Driver,
        sink: &'a dyn Sink,
        settings: SessionSettings,
        stop: CancellationToken,
        detectors: DetectorSet,
    ) -> Self {
        let now = Instant::now();
        Self {
            driver,
            sink,
            cells: CellMap::new(settings.cells.clone()),
            deadline: settings.max_duration.map(|d| now + d),
            settings,
            stop,
            started: now,
            detectors,
            graph: StateGraph::new(),
            lives: Vec::new(),
            entries: Vec::new(),
            counters: Counters::default(),
            occurrences: BTreeMap::new(),
            fresh: Vec::new(),
            errors: Vec::new(),
            seen_cells: BTreeSet::new(),
            cell: CellId(0),
            last: None,
            last_new_cell: false,
            last_change: 0.0,
            render_loop: None,
            gone: None,
            unanswered_since: None,
            cycle_end: now,
            actions_since_ping: 0,
            actions_since_new_cell: 0,
            step: None,
        }
    }

    /// Begins with the game as the driver launched it: learns the idle mask
    /// and the first cell.
    pub async fn start(&mut self) -> Result<(), AgentError> {
        self.sink.log(format!(
            "Starting the session (seed {}).",
            self.settings.seed
        ));
        match self.begin_life(TraceEvent::Restart("start".into())).await? {
            None => Ok(()),
            Some(ending) if self.settings.when_stuck == WhenStuck::Restart => {
                self.restart(ending.reason()).await
            }
            Some(ending) => {
                self.gone = Some(ending.reason().to_string());
                Err(AgentError::GameGone(ending.reason().to_string()))
            }
        }
    }

    /// Starts the game afresh (three tries when it dies while starting).
    pub async fn restart(&mut self, reason: &str) -> Result<(), AgentError> {
        let mut reason = reason.to_string();
        for _ in 0..3 {
            if self.stop.is_cancelled() {
                return Err(AgentError::Stopped);
            }
            self.sink.log(format!("Restarting the game ({reason})."));
            self.driver.restart().await?;
            self.counters.restarts += 1;
            match self.begin_life(TraceEvent::Restart(reason.clone())).await? {
                None => return Ok(()),
                Some(ending) => reason = ending.reason().to_string(),
            }
        }
        self.gone = Some(reason.clone());
        Err(AgentError::GameGone(format!(
            "the game does not survive its start: {reason}"
        )))
    }

    /// Performs one action and observes what it did.
    pub async fn perform(&mut self, action: &Action) -> Result<Performed, AgentError> {
        self.may_continue()?;
        let previous_cell = self.cell;
        if let Some(life) = self.lives.last_mut() {
            append_pause(
                life,
                self.cycle_end.elapsed(),
                self.settings.min_recorded_pause,
            );
        }
        let at = self.started.elapsed();
        debug!(action = %action_key(action), "act");
        let allowed = self.settings.call_timeout + wait_of(action);
        let acted = timeout(allowed, self.driver.act(action))
            .await
            .unwrap_or(Err(DriverError::Timeout(allowed)));
        let gone = match acted {
            Ok(()) => None,
            Err(DriverError::BadAction(reason)) => {
                self.cycle_end = Instant::now();
                return Err(AgentError::BadAction(reason));
            }
            Err(error @ (DriverError::GameGone(_) | DriverError::Timeout(_))) => Some(error),
            Err(other) => return Err(other.into()),
        };
        self.record(action, at);
        let mut ending = match gone {
            None => None,
            Some(DriverError::GameGone(reason)) => Some(self.gone_incident(&reason)),
            Some(_) => self.check_answer(Some(action)).await?,
        };
        if ending.is_none() {
            if is_input(action) {
                self.pause(self.settings.settle).await?;
            }
            ending = self.look(Some(action), previous_cell).await?;
        }
        self.actions_since_ping += 1;
        if ending.is_none() && self.actions_since_ping >= self.settings.ping_every {
            ending = self.check_answer(Some(action)).await?;
        }
        if ending.is_none() && self.settings.log_actions {
            self.sink.log(format!(
                "{}. {} → screen {}{}",
                self.counters.actions,
                describe_action(action),
                short(self.cell),
                if self.last_new_cell { " (new)" } else { "" }
            ));
        }
        let performed = self.conclude(previous_cell, ending).await;
        self.cycle_end = Instant::now();
        performed
    }

    /// Performs a move's actions and records where it led in the graph.
    pub async fn perform_move(&mut self, step: &Move) -> Result<Performed, AgentError> {
        let from = self.cell;
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
            self.graph.record(from, step, self.cell);
            let path = PathRef {
                life: self.lives.len() - 1,
                len: self.since_restart().len(),
            };
            performed.new_cell = self.graph.visit(self.cell, path);
        }
        Ok(performed)
    }

    /// Observes without acting (while waiting for a condition), feeding the
    /// detectors. The time it takes counts as a pause before the next action.
    pub async fn observe_idle(&mut self) -> Result<(), AgentError> {
        self.may_continue()?;
        let previous_cell = self.cell;
        let ending = self.look(None, previous_cell).await?;
        let restarting = ending.is_some() && self.settings.when_stuck == WhenStuck::Restart;
        let cycle_end = self.cycle_end;
        self.conclude(previous_cell, ending).await?;
        if !restarting {
            self.cycle_end = cycle_end;
        }
        Ok(())
    }

    /// Waits without acting, then observes (feeding the detectors).
    pub async fn wait_and_observe(&mut self, duration: Duration) -> Result<(), AgentError> {
        self.pause(duration).await?;
        self.observe_idle().await
    }

    /// `Err` when the run must end: stopped, out of time, or the game gone.
    pub fn may_continue(&self) -> Result<(), AgentError> {
        if self.stop.is_cancelled() {
            return Err(AgentError::Stopped);
        }
        if self
            .deadline
            .is_some_and(|deadline| Instant::now() >= deadline)
        {
            return Err(AgentError::DeadlineReached);
        }
        if let Some(reason) = &self.gone {
            return Err(AgentError::GameGone(reason.clone()));
        }
        Ok(())
    }

    pub fn driver(&mut self) -> &mut dyn Driver {
        &mut *self.driver
    }

    pub fn sink(&self) -> &dyn Sink {
        self.sink
    }

    pub fn log(&self, line: impl Into<String>) {
        self.sink.log(line.into());
    }

    pub fn settings(&self) -> &SessionSettings {
        &self.settings
    }

    pub fn seed(&self) -> u64 {
        self.settings.seed
    }

    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    pub fn cell(&self) -> CellId {
        self.cell
    }

    pub fn graph(&self) -> &StateGraph {
        &self.graph
    }

    pub fn counters(&self) -> Counters {
        self.counters
    }

    pub fn coverage(&self) -> Coverage {
        Coverage {
            distinct_cells: self.graph.cell_count(),
            transitions: self.graph.transition_count(),
            actions: self.counters.actions,
            restarts: self.counters.restarts,
        }
    }

    /// Actions since the last restart, pauses included as waits.
    pub fn since_restart(&self) -> &[Action] {
        self.lives.last().map_or(&[], Vec::as_slice)
    }

    /// The actions that first reached a cell from a fresh start.
    pub fn path_to(&self, cell: CellId) -> Option<&[Action]> {
        let path = self.graph.node(cell)?.first_path;
        self.lives
            .get(path.life)
            .and_then(|life| life.get(..path.len))
    }

    /// Actions performed since a cell new to the run was last seen.
    pub fn actions_since_new_cell(&self) -> u64 {
        self.actions_since_new_cell
    }

    pub fn last_frame(&self) -> Option<&Frame> {
        self.last.as_ref().map(|l| &l.frame)
    }

    /// The step of a verification test now played, for findings.
    pub fn set_test_step(&mut self, step: Option<i32>) {
        self.step = step;
    }

    /// A mark to ask later which errors came after it.
    pub fn error_mark(&self) -> usize {
        self.errors.len()
    }

    pub fn errors_since(&self, mark: usize) -> &[ErrorSeen] {
        self.errors.get(mark..).unwrap_or(&[])
    }

    pub fn game_gone(&self) -> Option<&str> {
        self.gone.as_deref()
    }

    /// How long ago the game stopped answering, while it still does not.
    pub fn unanswered_for(&self) -> Option<Duration> {
        self.unanswered_since.map(|since| since.elapsed())
    }

    async fn pause(&self, duration: Duration) -> Result<(), AgentError> {
        tokio::select! {
            () = sleep(duration) => Ok(()),
            () = self.stop.cancelled() => Err(AgentError::Stopped),
        }
    }

    fn record(&mut self, action: &Action, at: Duration) {
        if let Some(life) = self.lives.last_mut() {
            life.push(action.clone());
        }
        self.entries.push(RunTraceEntry {
            at_ms: at.as_millis() as u64,
            what: TraceEvent::Action(action.clone()),
            cell: None,
        });
        self.counters.actions += 1;
        self.counters.inputs += u64::from(is_input(action));
        self.actions_since_new_cell += 1;
    }

    /// Ends an action: restarts a game that cannot go on, when allowed.
    async fn conclude(
        &mut self,
        previous_cell: CellId,
        ending: Option<Ending>,
    ) -> Result<Performed, AgentError> {
        let restart_for = match (ending, self.settings.when_stuck) {
            (None, _) => None,
            (Some(ending), WhenStuck::Restart) => Some(ending.reason().to_string()),
            (Some(Ending::Stuck(_)), _) | (Some(Ending::NoAnswer), WhenStuck::WatchHangs) => None,
            (Some(ending), _) => {
                let reason = ending.reason().to_string();
                self.sink.log(format!("The game is gone: {reason}."));
                self.gone = Some(reason.clone());
                return Err(AgentError::GameGone(reason));
            }
        };
        let restarted = restart_for.is_some();
        if let Some(reason) = restart_for {
            self.restart(&reason).await?;
        }
        Ok(Performed {
            cell: self.cell,
            previous_cell,
            new_cell: self.last_new_cell && !restarted,
            screen_changed: restarted || self.last_change > self.settings.detectors.still_threshold,
            restarted,
            findings: std::mem::take(&mut self.fresh),
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
