//! What the runs `run --wait` and `runs watch` followed come to: each
//! run passed, failed, or met infrastructure trouble, and the whole is the
//! worst of them, a failure counting worse than trouble (a failure found
//! is a verdict on the build, whatever else happened). The exit codes are
//! [`Verdict::exit_code`].

use std::fmt;

use playtest_types::{BugOccurrence, RunOutcome, RunResult, RunState, Severity};
use serde::Serialize;

use crate::exit::{EXIT_FAILED, EXIT_TROUBLE};
use crate::follow::{CutShort, Followed};
use crate::text::{status, wire};

/// Ordered from best to worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Passed,
    /// Error, timeout, stopped, still going, or the server lost.
    Trouble,
    /// A test failed, or a bug at or above the threshold was found.
    Failed,
}

impl Verdict {
    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::Passed => 0,
            Verdict::Failed => EXIT_FAILED,
            Verdict::Trouble => EXIT_TROUBLE,
        }
    }

    /// The verdict of several runs: the worst; passed when there are none.
    pub fn of_all(verdicts: impl IntoIterator<Item = Verdict>) -> Verdict {
        verdicts.into_iter().max().unwrap_or(Verdict::Passed)
    }
}

/// How many bugs of each severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct BugCounts {
    pub low: usize,
    pub medium: usize,
    pub high: usize,
    pub critical: usize,
}

impl BugCounts {
    pub fn of(bugs: &[BugOccurrence]) -> BugCounts {
        let mut counts = BugCounts::default();
        for bug in bugs {
            match bug.severity {
                Severity::Low => counts.low += 1,
                Severity::Medium => counts.medium += 1,
                Severity::High => counts.high += 1,
                Severity::Critical => counts.critical += 1,
            }
        }
        counts
    }

    /// Severities from worst to least, with their counts.
    fn by_severity(&self) -> [(Severity, usize); 4] {
        [
            (Severity::Critical, self.critical),
            (Severity::High, self.high),
            (Severity::Medium, self.medium),
            (Severity::Low, self.low),
        ]
    }

    /// Bugs of `severity` or worse.
    pub fn at_least(&self, severity: Severity) -> usize {
        self.by_severity()
            .iter()
            .filter(|(s, _)| *s >= severity)
            .map(|(_, n)| n)
            .sum()
    }
}

/// `1 critical, 2 low`, or `-` for none.
impl fmt::Display for BugCounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .by_severity()
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(s, n)| format!("{n} {}", wire(s)))
            .collect();
        if parts.is_empty() {
            f.write_str("-")
        } else {
            f.write_str(&parts.join(", "))
        }
    }
}

/// What one run came to, and why in a few words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judgement {
    pub verdict: Verdict,
    pub why: String,
}

/// Judges one followed run; bugs of `threshold` or worse fail it.
pub fn judge(run: &Followed, threshold: Option<Severity>) -> Judgement {
    let (verdict, mut why) = judge_outcome(run);
    if let Some(severity) = threshold {
        let over = BugCounts::of(&run.bugs).at_least(severity);
        if over > 0 {
            let bugs = if over == 1 { "bug" } else { "bugs" };
            why = format!("{why}; found {over} {bugs} at or above {}", wire(&severity));
            return Judgement {
                verdict: Verdict::Failed,
                why,
            };
        }
    }
    Judgement { verdict, why }
}

fn judge_outcome(run: &Followed) -> (Verdict, String) {
    let with_reason = |text: String| match &run.reason {
        Some(reason) => format!("{text}: {reason}"),
        None => text,
    };
    let Some(details) = &run.details else {
        return (Verdict::Trouble, lost(run, "could not be read"));
    };
    let run_now = &details.run;
    if run_now.state != RunState::Completed {
        let mut still = format!("still {}", status(run_now.job_status));
        if let Some(waiting) = &run_now.queue_rejection_reason {
            still = format!("{still} ({waiting})");
        }
        return (Verdict::Trouble, lost(run, &still));
    }
    match (run_now.outcome, run_now.result) {
        (Some(RunOutcome::Success), _) | (None, Some(RunResult::Success)) => {
            (Verdict::Passed, "passed".to_string())
        }
        (Some(RunOutcome::Failed), _) | (None, Some(RunResult::Failure)) => {
            (Verdict::Failed, with_reason("failed".to_string()))
        }
        (Some(outcome), _) => (Verdict::Trouble, with_reason(ended(outcome).to_string())),
        (None, Some(RunResult::Error)) => (
            Verdict::Trouble,
            with_reason(ended(RunOutcome::Error).to_string()),
        ),
        (None, None) => (Verdict::Trouble, "completed without a result".to_string()),
    }
}

/// How a run ended, in words.
fn ended(outcome: RunOutcome) -> &'static str {
    match outcome {
        RunOutcome::Success => "passed",
        RunOutcome::Failed => "failed",
        RunOutcome::Error => "ended with an error",
        RunOutcome::Timeout => "timed out",
        RunOutcome::Stopped => "was stopped",
    }
}

/// What to say of a run that was not seen to complete.
fn lost(run: &Followed, what: &str) -> String {
    match &run.cut_short {
        Some(CutShort::Deadline) => format!("{what} when the wait ended"),
        Some(CutShort::Lost(why)) => format!("{what}: {why}"),
        None => what.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use playtest_types::JobStatus;

    use super::*;
    use crate::follow::testing::{bug, followed};

    #[test]
    fn each_verdict_has_its_exit_code() {
        assert_eq!(Verdict::Passed.exit_code(), 0);
        assert_eq!(Verdict::Failed.exit_code(), 1);
        assert_eq!(Verdict::Trouble.exit_code(), 2);
    }

    #[test]
    fn a_failure_wins_over_trouble_and_trouble_over_a_pass() {
        use Verdict::*;
        assert_eq!(Verdict::of_all([Passed, Trouble, Passed]), Trouble);
        assert_eq!(Verdict::of_all([Trouble, Failed, Passed]), Failed);
        assert_eq!(Verdict::of_all([]), Passed);
    }

    #[test]
    fn outcomes_map_to_verdicts() {
        let cases = [
            (RunOutcome::Success, Verdict::Passed, "passed"),
            (RunOutcome::Failed, Verdict::Failed, "failed"),
            (RunOutcome::Error, Verdict::Trouble, "ended with an error"),
            (RunOutcome::Timeout, Verdict::Trouble, "timed out"),
            (RunOutcome::Stopped, Verdict::Trouble, "was stopped"),
        ];
        for (outcome, verdict, why) in cases {
            let judged = judge(&followed(Some(outcome), vec![]), Some(Severity::High));
            assert_eq!(judged.verdict, verdict, "{outcome:?}");
            assert_eq!(judged.why, why);
        }
    }

    #[test]
    fn bugs_at_or_above_the_threshold_fail_a_passing_run() {
        let bugs = vec![bug(Severity::High), bug(Severity::Low)];
        let run = followed(Some(RunOutcome::Success), bugs);
        let judged = judge(&run, Some(Severity::High));
        assert_eq!(judged.verdict, Verdict::Failed);
        assert_eq!(judged.why, "passed; found 1 bug at or above high");
        assert_eq!(
            judge(&run, Some(Severity::Critical)).verdict,
            Verdict::Passed
        );
        assert_eq!(judge(&run, None).verdict, Verdict::Passed);
    }

    #[test]
    fn a_run_still_queued_at_the_deadline_is_trouble_and_says_why_it_waits() {
        let mut run = followed(None, vec![]);
        let details = run.details.as_mut().unwrap();
        details.run.job_status = JobStatus::Queued;
        details.run.queue_rejection_reason = Some("no worker runs web builds".into());
        run.cut_short = Some(CutShort::Deadline);
        let judged = judge(&run, Some(Severity::High));
        assert_eq!(judged.verdict, Verdict::Trouble);
        assert_eq!(
            judged.why,
            "still queued (no worker runs web builds) when the wait ended"
        );
    }

    #[test]
    fn the_reason_of_a_failure_is_kept() {
        let mut run = followed(Some(RunOutcome::Failed), vec![]);
        run.reason = Some("the game exited with code 3".into());
        assert_eq!(judge(&run, None).why, "failed: the game exited with code 3");
    }

    #[test]
    fn bug_counts_read_worst_first() {
        let counts = BugCounts::of(&[
            bug(Severity::Low),
            bug(Severity::Critical),
            bug(Severity::Low),
        ]);
        assert_eq!(counts.to_string(), "1 critical, 2 low");
        assert_eq!(counts.at_least(Severity::Medium), 1);
        assert_eq!(BugCounts::default().to_string(), "-");
    }
}
