//! The loop every agent shares: act, settle, observe, detect, record.
//!
//! A [`Session`] wraps a driver for one run. For each action it waits the
//! driver's settle time (a `WaitMs` action is its own wait), observes
//! (again, while a game that draws on change is still animating the
//! input), turns the frame into a cell, feeds the detectors, and records
//! the action in the trace since the last restart (what a bug's
//! [`BugTrace`](playtest_types::BugTrace) is cut from) and in the whole
//! run's trace (`trace.json`). Time spent between actions beyond the
//! session's own work (an agent thinking, a check waiting) is recorded as
//! explicit `WaitMs` entries, so a replay repeats the timing.
//!
//! It pings the game every few actions and after slow observations; a game
//! that vanished or stopped answering is reported and, as the settings'
//! [`WhenStuck`] say, restarted — as is one a detector calls stuck
//! (frozen, soft-locked). Each fingerprint is reported to the [`Sink`] once
//! per run; later sightings are only counted.
//!
//! # Parts
//!
//! A session is the driver, its settings, and five parts with one concern
//! each; a new agent or driver adds to a part, or a part, not fields here:
//!
//! - `clock` (`RunClock`): when the run started and must end, whether it
//!   was stopped, the agent's pauses;
//! - `sight` (`Sight`, observing and settling): the driver's timing
//!   profile, cells and the idle mask, whether the game draws in a loop,
//!   the last picture;
//! - `map` (`Map`, the graph and coverage): the state graph, the actions of
//!   each life, the cells seen, where the game is;
//! - `watch` (`Watch`, detectors and health): the detectors, a game gone
//!   for good, a game that does not answer, pings due;
//! - `evidence` (`Evidence`): the sink, the run's trace, counters, findings
//!   with their occurrence counts, the errors seen, the test step.
//!
//! The parts know nothing of each other; the loop that ties them together
//! with the driver is in `acting` (act, conclude, restart) and `observing`
//! (start a life, look, settle, digest, ping).

use std::time::Duration;

mod acting;
mod clock;
mod evidence;
mod map;
mod observing;
mod settings;
mod sight;
mod watch;

use playtest_types::Action;
use tokio_util::sync::CancellationToken;

pub use evidence::{Counters, ErrorSeen};
pub use settings::{SessionSettings, WhenStuck};

use crate::cells::CellId;
use crate::detect::DetectorSet;
use crate::driver::{Driver, Frame, TimingProfile};
use crate::error::AgentError;
use crate::graph::{Coverage, StateGraph};
use crate::sink::{Finding, Sink};
use crate::trace::{FindingCount, RunTrace};
use clock::RunClock;
use evidence::Evidence;
use map::Map;
use sight::Sight;
use watch::Watch;

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

pub struct Session<'a> {
    driver: &'a mut dyn Driver,
    settings: SessionSettings,
    clock: RunClock,
    sight: Sight,
    map: Map,
    watch: Watch,
    evidence: Evidence<'a>,
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
        let timing = driver.timing();
        Self {
            clock: RunClock::new(stop, settings.max_duration),
            sight: Sight::new(timing, settings.cells.clone()),
            map: Map::new(),
            watch: Watch::new(detectors),
            evidence: Evidence::new(sink),
            driver,
            settings,
        }
    }

    /// `Err` when the run must end: stopped, out of time, or the game gone.
    pub fn may_continue(&self) -> Result<(), AgentError> {
        self.clock.may_continue()?;
        if let Some(reason) = self.watch.gone() {
            return Err(AgentError::GameGone(reason.to_string()));
        }
        Ok(())
    }

    pub fn driver(&mut self) -> &mut dyn Driver {
        &mut *self.driver
    }

    pub fn sink(&self) -> &dyn Sink {
        self.evidence.sink()
    }

    pub fn log(&self, line: impl Into<String>) {
        self.evidence.log(line.into());
    }

    pub fn settings(&self) -> &SessionSettings {
        &self.settings
    }

    /// How the driver's platform behaves in time, as this session waits
    /// and looks by it.
    pub fn timing(&self) -> &TimingProfile {
        self.sight.timing()
    }

    pub fn seed(&self) -> u64 {
        self.settings.seed
    }

    pub fn elapsed(&self) -> Duration {
        self.clock.elapsed()
    }

    pub fn cell(&self) -> CellId {
        self.map.here()
    }

    pub fn graph(&self) -> &StateGraph {
        self.map.graph()
    }

    pub fn counters(&self) -> Counters {
        self.evidence.counters()
    }

    pub fn coverage(&self) -> Coverage {
        let counters = self.evidence.counters();
        Coverage {
            distinct_cells: self.map.graph().cell_count(),
            transitions: self.map.graph().transition_count(),
            actions: counters.actions,
            restarts: counters.restarts,
        }
    }

    /// Actions since the last restart, pauses included as waits.
    pub fn since_restart(&self) -> &[Action] {
        self.map.since_restart()
    }

    /// The actions that first reached a cell from a fresh start.
    pub fn path_to(&self, cell: CellId) -> Option<&[Action]> {
        self.map.path_to(cell)
    }

    /// Actions performed since a cell new to the run was last seen.
    pub fn actions_since_new_cell(&self) -> u64 {
        self.map.actions_since_new_cell()
    }

    pub fn last_frame(&self) -> Option<&Frame> {
        self.sight.last_frame()
    }

    /// The step of a verification test now played, for findings.
    pub fn set_test_step(&mut self, step: Option<i32>) {
        self.evidence.set_test_step(step);
    }

    /// A mark to ask later which errors came after it.
    pub fn error_mark(&self) -> usize {
        self.evidence.error_mark()
    }

    pub fn errors_since(&self, mark: usize) -> &[ErrorSeen] {
        self.evidence.errors_since(mark)
    }

    pub fn game_gone(&self) -> Option<&str> {
        self.watch.gone()
    }

    /// How long ago the game stopped answering, while it still does not.
    pub fn unanswered_for(&self) -> Option<Duration> {
        self.watch.unanswered_for()
    }

    /// How often a fingerprint was seen in this run.
    pub fn occurrences(&self, fingerprint: &str) -> u32 {
        self.evidence.occurrences(fingerprint)
    }

    /// The first finding with this fingerprint.
    pub fn finding(&self, fingerprint: &str) -> Option<&Finding> {
        self.evidence.finding(fingerprint)
    }

    /// The first finding of every fingerprint seen.
    pub fn findings(&self) -> Vec<&Finding> {
        self.evidence.findings()
    }

    /// Every fingerprint seen, in the order first seen.
    pub fn finding_counts(&self) -> Vec<FindingCount> {
        self.evidence.finding_counts()
    }

    /// `trace.json`.
    pub fn run_trace(&self) -> RunTrace {
        self.evidence.run_trace(self.settings.seed)
    }
}
