//! Where the agent's news goes in a worker: steps and bugs to the server
//! (through the [`Reporter`]), log lines to `logs.txt` and the live log,
//! and the screenshot of each bug and of each step's end to a file that is
//! uploaded with the run (`bug-N.jpg`, `step-N.jpg`).

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::Utc;
use playtest_agent::{Finding, Sink, StepPhase, StepUpdate};
use playtest_types::{BugReport, LogStream, Severity, StepReport, StepResult, StepState};

use super::log_file::LogFile;
use crate::reporter::Reporter;

pub struct ReportSink<'a> {
    reporter: &'a Reporter,
    log: &'a LogFile,
    evidence_dir: PathBuf,
    /// Bugs with a screenshot so far (their files are `bug-N.*`).
    bugs: AtomicUsize,
    state: Mutex<SinkState>,
}

#[derive(Default)]
struct SinkState {
    screenshots: Vec<PathBuf>,
    /// Severity and title of each finding reported, for the verdict (the
    /// findings themselves, screenshots and all, are not kept).
    reported: Vec<(Severity, String)>,
    /// When each step started, by step number.
    step_starts: Vec<(i32, chrono::DateTime<Utc>)>,
}

impl<'a> ReportSink<'a> {
    pub fn new(reporter: &'a Reporter, log: &'a LogFile, evidence_dir: &Path) -> Self {
        ReportSink {
            reporter,
            log,
            evidence_dir: evidence_dir.to_path_buf(),
            bugs: AtomicUsize::new(0),
            state: Mutex::new(SinkState::default()),
        }
    }

    /// Screenshots written so far (bugs' and steps'), to upload.
    pub fn screenshots(&self) -> Vec<PathBuf> {
        self.state
            .lock()
            .map(|s| s.screenshots.clone())
            .unwrap_or_default()
    }

    /// How many findings were reported.
    pub fn finding_count(&self) -> usize {
        self.state
            .lock()
            .map(|s| s.reported.len())
            .unwrap_or_default()
    }

    /// The titles of the critical findings reported, in order.
    pub fn critical_titles(&self) -> Vec<String> {
        self.state
            .lock()
            .map(|s| {
                s.reported
                    .iter()
                    .filter(|(severity, _)| *severity == Severity::Critical)
                    .map(|(_, title)| title.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Writes a screenshot to upload with the run; whether it was written.
    fn keep_image(&self, name: &str, bytes: &[u8]) -> bool {
        let path = self.evidence_dir.join(name);
        match std::fs::write(&path, bytes) {
            Ok(()) => {
                if let Ok(mut state) = self.state.lock() {
                    state.screenshots.push(path);
                }
                true
            }
            Err(err) => {
                tracing::warn!(path = %path.display(), error = %err, "could not keep a screenshot");
                false
            }
        }
    }

    /// Reports `finding` as the shorter trace of `occurrence_id`.
    pub fn report_minimized(&self, occurrence_id: &str, finding: Finding) {
        let report = self.bug_report(finding, Some(occurrence_id.to_string()));
        self.reporter.bug(report);
    }

    fn bug_report(&self, finding: Finding, minimizes: Option<String>) -> BugReport {
        let screenshot = finding.screenshot.as_ref().and_then(|image| {
            let bugs = self.bugs.fetch_add(1, Ordering::Relaxed) + 1;
            let name = format!("bug-{bugs}.{}", image.format.extension());
            self.keep_image(&name, &image.bytes).then_some(name)
        });
        BugReport {
            fingerprint: finding.fingerprint,
            title: finding.title,
            description: finding.description,
            category: finding.category,
            severity: finding.severity,
            confidence: finding.confidence,
            reproduction_steps: finding.reproduction_steps,
            player_number: 0,
            test_step: finding.test_step,
            turn: Some(i32::try_from(finding.turn).unwrap_or(i32::MAX)),
            video_offset_ms: finding.video_offset.map(|d| d.as_millis() as i64),
            screenshot,
            trace: Some(finding.trace),
            minimizes,
        }
    }
}

impl Sink for ReportSink<'_> {
    fn step(&self, update: StepUpdate) {
        let now = Utc::now();
        let started = |state: &SinkState| {
            state
                .step_starts
                .iter()
                .rev()
                .find(|(n, _)| *n == update.step_number)
                .map(|(_, at)| *at)
        };
        let report = match update.phase {
            StepPhase::Started { goal } => {
                if let Ok(mut state) = self.state.lock() {
                    state.step_starts.push((update.step_number, now));
                }
                self.log.line(
                    LogStream::Agent,
                    format!("Step {}: {goal}", update.step_number),
                );
                StepReport {
                    player_number: update.player_number,
                    step_number: update.step_number,
                    state: StepState::Running,
                    result: None,
                    report: None,
                    start_time: Some(now),
                    end_time: None,
                }
            }
            StepPhase::Ended {
                result,
                report,
                screenshot,
            } => {
                let start_time = self.state.lock().ok().and_then(|s| started(&s));
                if let Some(image) = screenshot {
                    self.keep_image(
                        &format!("step-{}.{}", update.step_number, image.format.extension()),
                        &image.bytes,
                    );
                }
                self.log.line(
                    LogStream::Agent,
                    format!(
                        "Step {} {}: {report}",
                        update.step_number,
                        if result == StepResult::Success {
                            "passed"
                        } else {
                            "failed"
                        }
                    ),
                );
                StepReport {
                    player_number: update.player_number,
                    step_number: update.step_number,
                    state: StepState::Completed,
                    result: Some(result),
                    report: Some(report),
                    start_time: start_time.or(Some(now)),
                    end_time: Some(now),
                }
            }
            StepPhase::NotRun { reason } => StepReport {
                player_number: update.player_number,
                step_number: update.step_number,
                state: StepState::Incomplete,
                result: None,
                report: Some(format!("not run: {reason}")),
                start_time: None,
                end_time: Some(now),
            },
        };
        self.reporter.step(report);
    }

    fn finding(&self, finding: Finding) {
        if let Ok(mut state) = self.state.lock() {
            state
                .reported
                .push((finding.severity, finding.title.clone()));
        }
        let report = self.bug_report(finding, None);
        self.reporter.bug(report);
    }

    fn log(&self, line: String) {
        self.log.line(LogStream::Agent, line);
    }
}
