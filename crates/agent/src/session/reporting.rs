//! The reporting half of a session: detections become findings with their
//! evidence, each fingerprint is reported once per run and counted after.

use playtest_types::BugTrace;
use tracing::debug;

use super::{Occurrence, Session};
use crate::describe::reproduction_steps;
use crate::detect::Detection;
use crate::sink::Finding;
use crate::trace::{FindingCount, RunTrace};

impl Session<'_> {
    /// How often a fingerprint was seen in this run.
    pub fn occurrences(&self, fingerprint: &str) -> u32 {
        self.occurrences.get(fingerprint).map_or(0, |o| o.count)
    }

    /// The first finding with this fingerprint.
    pub fn finding(&self, fingerprint: &str) -> Option<&Finding> {
        self.occurrences.get(fingerprint).map(|o| &o.first)
    }

    /// The first finding of every fingerprint seen.
    pub fn findings(&self) -> Vec<&Finding> {
        let mut findings: Vec<&Finding> = self.occurrences.values().map(|o| &o.first).collect();
        findings.sort_by_key(|f| f.at);
        findings
    }

    /// Every fingerprint seen, in the order first seen.
    pub fn finding_counts(&self) -> Vec<FindingCount> {
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
    pub fn run_trace(&self) -> RunTrace {
        RunTrace {
            seed: self.settings.seed,
            entries: self.entries.clone(),
            actions: self.counters.actions,
            restarts: self.counters.restarts,
            findings: self.finding_counts(),
        }
    }

    pub(super) fn report_all(&mut self, detections: Vec<(&'static str, Detection)>) {
        for (detector, detection) in detections {
            self.report(detector, detection);
        }
    }

    /// Adds evidence to a detection and reports it if its fingerprint is
    /// new to the run; otherwise only counts it.
    pub(super) fn report(&mut self, detector: &'static str, detection: Detection) {
        if let Some(occurrence) = self.occurrences.get_mut(&detection.fingerprint) {
            occurrence.count += 1;
            debug!(fingerprint = %detection.fingerprint, count = occurrence.count, "seen again");
            return;
        }
        let trace = BugTrace {
            seed: self.settings.seed,
            actions: self.since_restart().to_vec(),
        };
        let finding = Finding {
            detector,
            category: detection.category,
            severity: detection.severity,
            confidence: detection.confidence,
            title: detection.title,
            description: detection.description,
            fingerprint: detection.fingerprint,
            at: self.started.elapsed(),
            video_offset: self.last.as_ref().and_then(|l| l.video_offset),
            screenshot: self.last.as_ref().and_then(|l| l.frame.encoded.clone()),
            reproduction_steps: reproduction_steps(self.settings.seed, &trace.actions),
            trace,
            test_step: self.step,
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
}
