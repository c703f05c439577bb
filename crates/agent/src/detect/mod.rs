//! Detectors: observations in, bug findings out.
//!
//! The session feeds every observation to a [`DetectorSet`] as a [`Moment`]
//! (the observation, the action just performed, the cell, how much the
//! screen changed, how many frames were drawn, the state graph), and tells
//! it of [`Incident`]s it noticed itself (the game vanished, a ping got no
//! answer). Each detector answers with [`Detection`]s; the session adds the
//! evidence (screenshot, trace, reproduction steps) and reports each
//! fingerprint once per run.
//!
//! Thresholds ([`DetectorSettings`]):
//! - crash: a `Crashed` event or a vanished game; one per life of the game.
//! - exception / console error: every uncaught exception, unhandled
//!   rejection or console error; fingerprint of the normalised message and
//!   the top stack frames (see [`crate::fingerprint`]).
//! - hang: a ping without answer within the session's ping timeout.
//! - freeze: either (a) at least `freeze_inputs` (default 4) *distinct* inputs in a
//!   row that normally change the screen changed nothing (block means moved
//!   by at most `still_threshold` (default 1.0) grey levels) and no frame was drawn —
//!   "normally" meaning this input changed this cell's screen before, or,
//!   never tried in this cell, changed the screen in at least
//!   `freeze_change_ratio` (default 0.8) of at least 5 tries anywhere — and
//!   the next `freeze_confirm_inputs` (default 12) inputs, whatever they are,
//!   changed nothing either: a game-over board ignores every move key while
//!   its "try again" control works (2048's, say), and that is an end
//!   screen, not a freeze; or (b) a game
//!   that draws while idle (seen while learning the idle mask) drew no frame
//!   for `freeze_stall` (default 2 s). A game without a render loop that stops on a
//!   screen never seen working cannot be told from a dead end: the soft-lock
//!   detector reports it.
//! - soft-lock: `softlock_actions` (default 150) actions without a cell new to the
//!   run, all within at most `softlock_max_cells` (default 4) cells, with at least
//!   `softlock_min_distinct_inputs` (default 8) different inputs tried there, and no
//!   edge of the state graph ever led out of those cells. A finished game
//!   is therefore not a soft-lock when its end screen has a restart or
//!   continue control that works (trying it leaves the set), and an end
//!   screen from which nothing leads anywhere is one.
//! - performance: the 95th percentile of the last `perf_window_frames`
//!   (default 120) frame intervals (judged from `perf_min_window` (default 60)) above
//!   `max(perf_factor (default 2) × baseline p95, baseline p95 + perf_margin_ms
//!   (default 16))`, the baseline being the first `perf_baseline_frames` (default 60)
//!   intervals of the run, ignoring the first observation of each life
//!   (loading). The intervals are the driver's own drawing cadence, so this
//!   holds for games that draw only on change too.
//! - black or blank screen: at least `blank_fraction` (default 98 %) of the pixels
//!   within `blank_distance` (default 12) (per channel) of one colour, for at least
//!   `blank_duration` (default 1 s) and `blank_min_observations` (default 3) observations,
//!   after the game showed other content in the same life.
//!
//! Fingerprints of hangs, freezes, soft-locks and slow frames are constant
//! per kind (blank screens add their colour class): they must stay equal
//! when a trace is replayed or shortened, which rules out anything that
//! depends on where in the game the bug showed.

mod blank;
mod console;
mod crash;
mod exception;
mod freeze;
mod hang;
mod performance;
mod softlock;

use std::time::Duration;

use playtest_types::{Action, BugCategory, Confidence, Severity};

pub use blank::{BlankScreenDetector, uniform_colour};
pub use console::ConsoleErrorDetector;
pub use crash::CrashDetector;
pub use exception::ExceptionDetector;
pub use freeze::FreezeDetector;
pub use hang::HangDetector;
pub use performance::PerformanceDetector;
pub use softlock::SoftLockDetector;

use crate::cells::CellId;
use crate::driver::Observation;
use crate::graph::StateGraph;

#[derive(Debug, Clone, PartialEq)]
pub struct DetectorSettings {
    pub console_errors: bool,
    pub freeze_inputs: usize,
    pub freeze_confirm_inputs: usize,
    pub freeze_change_ratio: f32,
    pub freeze_stall: Duration,
    pub still_threshold: f32,
    pub softlock_actions: usize,
    pub softlock_max_cells: usize,
    pub softlock_min_distinct_inputs: usize,
    pub perf_baseline_frames: usize,
    pub perf_window_frames: usize,
    pub perf_min_window: usize,
    pub perf_factor: f32,
    pub perf_margin_ms: f32,
    pub blank_fraction: f32,
    pub blank_distance: u8,
    pub blank_duration: Duration,
    pub blank_min_observations: u32,
}

impl Default for DetectorSettings {
    fn default() -> Self {
        Self {
            console_errors: true,
            freeze_inputs: 4,
            freeze_confirm_inputs: 12,
            freeze_change_ratio: 0.8,
            freeze_stall: Duration::from_secs(2),
            still_threshold: 1.0,
            softlock_actions: 150,
            softlock_max_cells: 4,
            softlock_min_distinct_inputs: 8,
            perf_baseline_frames: 60,
            perf_window_frames: 120,
            perf_min_window: 60,
            perf_factor: 2.0,
            perf_margin_ms: 16.0,
            blank_fraction: 0.98,
            blank_distance: 12,
            blank_duration: Duration::from_secs(1),
            blank_min_observations: 3,
        }
    }
}

/// One observation and what surrounds it.
#[derive(Debug)]
pub struct Moment<'a> {
    pub observation: &'a Observation,
    /// The action just performed; `None` for an observation without one
    /// (learning the idle mask, waiting for a check).
    pub action: Option<&'a Action>,
    /// The cell now; `None` while the idle mask is being learned.
    pub cell: Option<CellId>,
    /// The cell the action was performed in.
    pub previous_cell: Option<CellId>,
    /// The cell was never seen before in this run.
    pub new_cell: bool,
    /// Largest change of a block mean since the previous observation (255
    /// when there is none).
    pub screen_change: f32,
    /// Frames drawn since the previous observation of this life.
    pub frames_advanced: Option<u64>,
    /// Whether the game draws while idle, once known.
    pub render_loop: Option<bool>,
    /// The first observation after a start or restart.
    pub first_of_life: bool,
    pub graph: &'a StateGraph,
}

impl Moment<'_> {
    /// The action was an input to the game (not a wait, not nothing).
    pub fn input(&self) -> Option<&Action> {
        self.action.filter(|a| crate::describe::is_input(a))
    }
}

/// Something the session noticed outside an observation.
#[derive(Debug, Clone, Copy)]
pub enum Incident<'a> {
    /// The driver says the game is gone.
    GameGone { reason: &'a str },
    /// A ping got no answer.
    NoAnswer {
        waited: Duration,
        last_action: Option<&'a Action>,
    },
}

/// A detector's verdict, before the session adds evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    pub category: BugCategory,
    pub severity: Severity,
    pub confidence: Confidence,
    pub title: String,
    pub description: String,
    pub fingerprint: String,
    /// The game cannot go on without a restart.
    pub stuck: bool,
}

pub trait Detector: Send + Sync {
    fn name(&self) -> &'static str;
    fn observe(&mut self, moment: &Moment<'_>) -> Vec<Detection>;
    fn incident(&mut self, _incident: &Incident<'_>) -> Vec<Detection> {
        Vec::new()
    }
    /// The game was started afresh.
    fn restarted(&mut self) {}
}

/// The detectors a session runs.
pub struct DetectorSet {
    detectors: Vec<Box<dyn Detector>>,
}

impl DetectorSet {
    /// Every detector of this crate.
    pub fn standard(settings: &DetectorSettings) -> Self {
        let mut detectors: Vec<Box<dyn Detector>> = vec![
            Box::new(CrashDetector::default()),
            Box::new(ExceptionDetector),
            Box::new(HangDetector),
            Box::new(FreezeDetector::new(settings.clone())),
            Box::new(SoftLockDetector::new(settings.clone())),
            Box::new(PerformanceDetector::new(settings.clone())),
            Box::new(BlankScreenDetector::new(settings.clone())),
        ];
        if settings.console_errors {
            detectors.push(Box::new(ConsoleErrorDetector));
        }
        Self { detectors }
    }

    pub fn empty() -> Self {
        Self {
            detectors: Vec::new(),
        }
    }

    pub fn with(mut self, detector: Box<dyn Detector>) -> Self {
        self.detectors.push(detector);
        self
    }

    pub fn observe(&mut self, moment: &Moment<'_>) -> Vec<(&'static str, Detection)> {
        let mut found = Vec::new();
        for detector in &mut self.detectors {
            let name = detector.name();
            found.extend(detector.observe(moment).into_iter().map(|d| (name, d)));
        }
        found
    }

    pub fn incident(&mut self, incident: &Incident<'_>) -> Vec<(&'static str, Detection)> {
        let mut found = Vec::new();
        for detector in &mut self.detectors {
            let name = detector.name();
            found.extend(detector.incident(incident).into_iter().map(|d| (name, d)));
        }
        found
    }

    pub fn restarted(&mut self) {
        self.detectors.iter_mut().for_each(|d| d.restarted());
    }
}
