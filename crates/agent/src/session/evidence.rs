//! Evidence: what the run leaves, and where it goes as it happens. It
//! holds the sink (step updates, findings, log lines), the run's trace
//! (`trace.json`), the counters, every fingerprint seen with its first
//! finding and how often it showed, the findings not yet handed to the
//! agent, the errors the game reported, and the test step now played.
//!
//! Detections come in with the scene they were made in ([`Scene`]: the
//! trace since the last start, the time, the last picture); each
//! fingerprint is reported to the sink once per run and counted after.

use std::collections::BTreeMap;
use std::time::Duration;

use playtest_types::{Action, BugTrace};
use serde::Serialize;
use tracing::debug;

use crate::cells::CellId;
use crate::describe::{is_input, reproduction_steps};
use crate::detect::Detection;
use crate::driver::{ConsoleLevel, Frame, GameEvent};
use crate::sink::{Finding, Sink};
use crate::trace::{FindingCount, RunTrace, RunTraceEntry, TraceEvent};

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

/// Where and when a detection was made: what a finding carries besides
/// the detector's verdict.
pub(super) struct Scene<'s> {
    pub seed: u64,
    /// The actions since the last start (the bug's trace).
    pub trace: &'s [Action],
    /// Since the session started.
    pub at: Duration,
    pub video_offset: Option<Duration>,
    pub screen: Option<&'s Frame>,
}

struct Occurrence {
    count: u32,
    first: Finding,
}

pub(super) struct Evidence<'a> {
    sink: &'a dyn Sink,
    entries: Vec<RunTraceEntry>,
    counters: Counters,
    occurrences: BTreeMap<String, Occurrence>,
    /// Reported since the agent last asked.
    fresh: Vec<Finding>,
    errors: Vec<ErrorSeen>,
    test_step: Option<i32>,
}

impl<'a> Evidence<'a> {
    pub(super) fn new(sink: &'a dyn Sink) -> Self {
        Self {
            sink,
            entries: Vec::new(),
            counters: Counters::default(),
            occurrences: BTreeMap::new(),
            fresh: Vec::new(),
            errors: Vec::new(),
            test_step: None,
        }
    }

    pub(super) fn sink(&self) -> &'a dyn Sink {
        self.sink
    }

    pub(super) fn log(&self, line: String) {
        self.sink.log(line);
    }

    pub(super) fn counters(&self) -> Counters {
        self.counters
    }

    /// A start or restart of the game, in the run's trace.
    pub(super) fn record_start(&mut self, at: Duration, event: TraceEvent) {
        self.entries.push(RunTraceEntry {
            at_ms: at.as_millis() as u64,
            what: event,
            cell: None,
        });
    }

    /// The first cell of a start.
    pub(super) fn started_at(&mut self, cell: CellId) {
        if let Some(entry) = self.entries.last_mut() {
            entry.cell = Some(cell);
        }
    }

    pub(super) fn record_action(&mut self, action: &Action, at: Duration) {
        self.entries.push(RunTraceEntry {
            at_ms: at.as_millis() as u64,
            what: TraceEvent::Action(action.clone()),
            cell: None,
        });
        self.counters.actions += 1;
        self.counters.inputs += u64::from(is_input(action));
    }

    /// The cell the last action led to, once it is first known.
    pub(super) fn led_to(&mut self, cell: CellId) {
        if let Some(entry) = self.entries.last_mut()
            && entry.cell.is_none()
        {
            entry.cell = Some(cell);
        }
    }

    pub(super) fn restarted(&mut self) {
        self.counters.restarts += 1;
    }

    pub(super) fn observed(&mut self) {
        self.counters.observations += 1;
    }

    pub(super) fn pinged(&mut self) {
        self.counters.pings += 1;
    }

    /// Keeps the exceptions and console errors among a moment's events.
    pub(super) fn note_errors(&mut self, events: &[GameEvent], at: Duration) {
        for event in events {
            match event {
                GameEvent::Exception { message, .. } => self.errors.push(ErrorSeen {
                    text: message.clone(),
                    at,
                }),
                GameEvent::Console {
                    level: ConsoleLevel::Error,
                    text,
                    ..
                } => {
                    self.errors.push(ErrorSeen {
                        text: text.clone(),
                        at,
                    });
                }
                _ => {}
            }
        }
    }

    pub(super) fn set_test_step(&mut self, step: Option<i32>) {
        self.test_step = step;
    }

    pub(super) fn error_mark(&self) -> usize {
        self.errors.len()
    }

    pub(super) fn errors_since(&self, mark: usize) -> &[ErrorSeen] {
        self.errors.get(mark..).unwrap_or(&[])
    }

    /// Findings reported since the last call.
    pub(super) fn take_fresh(&mut self) -> Vec<Finding> {
        std::mem::take(&mut self.fresh)
    }

    /// Adds the scene to a detection and reports it if its fingerprint is
    /// new to the run; otherwise only counts it.
    pub(super) fn report(
        &mut self,
        detector: &'static str,
        detection: Detection,
        scene: &Scene<'_>,
    ) {
        if let Some(occurrence) = self.occurrences.get_mut(&detection.fingerprint) {
            occurrence.count += 1;
            debug!(fingerprint = %detection.fingerprint, count = occurrence.count, "seen again");
            return;
        }
        let trace = BugTrace {
            seed: scene.seed,
            actions: scene.trace.to_vec(),
        };
        let finding = Finding {
            detector,
            category: detection.category,
            severity: detection.severity,
            confidence: detection.confidence,
            title: detection.title,
            description: detection.description,
            fingerprint: detection.fingerprint,
            at: scene.at,
            video_offset: scene.video_offset,
            screenshot: scene.screen.and_then(Frame::to_image),
            reproduction_steps: reproduction_steps(scene.seed, &trace.actions),
            trace,
            test_step: self.test_step,
            turn: self.counters.actions,
        };
        self.sink.log(format!(
            "Found a bug: {} [{}].",
            finding.title, finding.fingerprint
        ));
        self.sink.finding(finding.clone());
        self.occurrences.insert(
            finding.fingerprint.clone(),
            Occurrence {
                count: 1,
                first: finding.clone(),
            },
        );
        self.fresh.push(finding);
    }

    /// How often a fingerprint was seen in this run.
    pub(super) fn occurrences(&self, fingerprint: &str) -> u32 {
        self.occurrences.get(fingerprint).map_or(0, |o| o.count)
    }

    /// The first finding with this fingerprint.
    pub(super) fn finding(&self, fingerprint: &str) -> Option<&Finding> {
        self.occurrences.get(fingerprint).map(|o| &o.first)
    }

    /// The first finding of every fingerprint seen, in the order seen.
    pub(super) fn findings(&self) -> Vec<&Finding> {
        let mut findings: Vec<&Finding> = self.occurrences.values().map(|o| &o.first).collect();
        findings.sort_by_key(|f| f.at);
        findings
    }

    /// Every fingerprint seen, in the order first seen.
    pub(super) fn finding_counts(&self) -> Vec<FindingCount> {
        let mut counts: Vec<FindingCount> = self
            .occurrences
            .iter()
            .map(|(fingerprint, o)| FindingCount {
                fingerprint: fingerprint.clone(),
                detector: o.first.detector,
                title: o.first.title.clone(),
                count: o.count,
                first_at_ms: o.first.at.as_millis() as u64,
            })
            .collect();
        counts.sort_by_key(|c| c.first_at_ms);
        counts
    }

    /// `trace.json`.
    pub(super) fn run_trace(&self, seed: u64) -> RunTrace {
        RunTrace {
            seed,
            entries: self.entries.clone(),
            actions: self.counters.actions,
            restarts: self.counters.restarts,
            findings: self.finding_counts(),
        }
    }
}
