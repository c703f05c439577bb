//! Where a session's news goes: step progress, findings and readable log
//! lines. The worker implements [`Sink`] to report over its API; tests use
//! [`RecordingSink`].

use std::sync::Mutex;
use std::time::Duration;

use playtest_types::{BugCategory, BugTrace, Confidence, Severity, StepResult};

use crate::driver::EncodedImage;

pub trait Sink: Send + Sync {
    fn step(&self, update: StepUpdate);
    fn finding(&self, finding: Finding);
    /// A line of the agent's log: what it does, for people.
    fn log(&self, line: String);
}

/// A step of a verification test changed state.
#[derive(Debug, Clone, PartialEq)]
pub struct StepUpdate {
    /// From 0.
    pub player_number: i32,
    /// From 1.
    pub step_number: i32,
    pub phase: StepPhase,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StepPhase {
    Started {
        goal: String,
    },
    Ended {
        result: StepResult,
        report: String,
        /// The screen as the step ended, when the driver gives pictures.
        screenshot: Option<EncodedImage>,
    },
    /// The step was not played (a player beyond the first, or the game was
    /// gone).
    NotRun {
        reason: String,
    },
}

/// A bug seen by a detector, with its evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Which detector saw it (`crash`, `exception`, `freeze`, ...).
    pub detector: &'static str,
    pub category: BugCategory,
    pub severity: Severity,
    pub confidence: Confidence,
    pub title: String,
    pub description: String,
    pub fingerprint: String,
    /// Since the session started.
    pub at: Duration,
    pub video_offset: Option<Duration>,
    pub screenshot: Option<EncodedImage>,
    /// The seed and the actions since the last restart, up to and including
    /// the one after which it was seen.
    pub trace: BugTrace,
    pub reproduction_steps: String,
    /// The step of a verification test it happened in (from 1).
    pub test_step: Option<i32>,
    /// The run's action (counted from 1, as the agent's log numbers them; 0
    /// before the first) after which it was seen.
    pub turn: u64,
}

/// Discards everything.
#[derive(Debug, Default)]
pub struct NullSink;

impl Sink for NullSink {
    fn step(&self, _update: StepUpdate) {}
    fn finding(&self, _finding: Finding) {}
    fn log(&self, _line: String) {}
}

/// Keeps everything, for tests and for callers that report at the end.
#[derive(Debug, Default)]
pub struct RecordingSink {
    pub steps: Mutex<Vec<StepUpdate>>,
    pub findings: Mutex<Vec<Finding>>,
    pub logs: Mutex<Vec<String>>,
}

impl RecordingSink {
    pub fn steps(&self) -> Vec<StepUpdate> {
        self.steps.lock().map(|s| s.clone()).unwrap_or_default()
    }

    pub fn findings(&self) -> Vec<Finding> {
        self.findings.lock().map(|f| f.clone()).unwrap_or_default()
    }

    pub fn logs(&self) -> Vec<String> {
        self.logs.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

impl Sink for RecordingSink {
    fn step(&self, update: StepUpdate) {
        if let Ok(mut steps) = self.steps.lock() {
            steps.push(update);
        }
    }

    fn finding(&self, finding: Finding) {
        if let Ok(mut findings) = self.findings.lock() {
            findings.push(finding);
        }
    }

    fn log(&self, line: String) {
        if let Ok(mut logs) = self.logs.lock() {
            logs.push(line);
        }
    }
}
