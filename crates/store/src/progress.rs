//! How a worker's report changes a run, the same in both backends: a step
//! report merged into the stored step, the bugs a report creates, the
//! occurrence as it is stored and shown.

use chrono::{DateTime, Utc};
use playtest_types::{BugDetails, BugOccurrence, StepReport, StepResult, StepState};

use crate::NewBugOccurrence;
use crate::codec::{duration_ms, stored as kept};

/// What the store has of a step before a report changes it.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct StoredStep {
    pub(crate) result: Option<StepResult>,
    pub(crate) report: Option<String>,
    pub(crate) start_time: Option<DateTime<Utc>>,
    pub(crate) end_time: Option<DateTime<Utc>>,
}

/// A step after a report: what the report says, and what it leaves out
/// kept from before. A step that began without a start time began `at`;
/// one that ended without an end time ended `at`. Times are as stored.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MergedStep {
    pub(crate) step: StepReport,
    pub(crate) duration_ms: Option<i64>,
}

pub(crate) fn merge_step(stored: StoredStep, report: &StepReport, at: DateTime<Utc>) -> MergedStep {
    let began = report.state != StepState::Pending;
    let ended = matches!(report.state, StepState::Completed | StepState::Incomplete);
    let start_time = report
        .start_time
        .or(stored.start_time)
        .or(began.then_some(at))
        .map(kept);
    let end_time = report
        .end_time
        .or(stored.end_time)
        .or(ended.then_some(at))
        .map(kept);
    MergedStep {
        duration_ms: duration_ms(start_time, end_time),
        step: StepReport {
            player_number: report.player_number,
            step_number: report.step_number,
            state: report.state,
            result: report.result.or(stored.result),
            report: report.report.clone().or(stored.report),
            start_time,
            end_time,
        },
    }
}

/// The first occurrence of each fingerprint in a report (whose title,
/// category and severity a new bug takes), by fingerprint: bugs are
/// written in that order, so two reports never wait for each other's bugs
/// in a cycle.
pub(crate) fn first_of_each_fingerprint(bugs: &[NewBugOccurrence]) -> Vec<&NewBugOccurrence> {
    let mut first: Vec<&NewBugOccurrence> = Vec::new();
    for bug in bugs {
        if !first.iter().any(|b| b.fingerprint == bug.fingerprint) {
            first.push(bug);
        }
    }
    first.sort_by(|a, b| a.fingerprint.cmp(&b.fingerprint));
    first
}

/// The occurrence as stored and shown, once its bug is known. The
/// screenshot is the name of an artifact of the run, which the API turns
/// into a URL. Its time is as stored.
pub(crate) fn occurrence(new: &NewBugOccurrence, bug_id: &str) -> BugOccurrence {
    BugOccurrence {
        id: new.id.clone(),
        bug_id: bug_id.to_string(),
        title: new.title.clone(),
        description: new.description.clone(),
        category: new.category,
        severity: new.severity,
        confidence: new.confidence,
        reproduction_steps: new.reproduction_steps.clone(),
        player_number: new.player_number,
        test_step: new.test_step,
        turn: None,
        detected_at: kept(new.detected_at),
        details: BugDetails {
            screenshot_url: new.screenshot.clone(),
            video_offset_ms: new.video_offset_ms,
            fingerprint: new.fingerprint.clone(),
            trace_url: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use playtest_types::{BugCategory, Confidence, Severity};

    use super::*;

    fn t(seconds: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 3, 1, 12, 0, 0).unwrap() + chrono::Duration::seconds(seconds)
    }

    fn report(state: StepState) -> StepReport {
        StepReport {
            player_number: 0,
            step_number: 1,
            state,
            result: None,
            report: None,
            start_time: None,
            end_time: None,
        }
    }

    #[test]
    fn a_report_keeps_what_it_leaves_out_and_times_the_step() {
        let started = merge_step(StoredStep::default(), &report(StepState::Running), t(5));
        assert_eq!(
            (started.step.start_time, started.step.end_time),
            (Some(t(5)), None)
        );
        assert_eq!(started.duration_ms, None);

        let stored = StoredStep {
            result: None,
            report: Some("walking".into()),
            start_time: Some(t(5)),
            end_time: None,
        };
        let done = StepReport {
            result: Some(StepResult::Success),
            end_time: Some(t(7)),
            ..report(StepState::Completed)
        };
        let merged = merge_step(stored, &done, t(9));
        assert_eq!(merged.step.start_time, Some(t(5)));
        assert_eq!(merged.step.end_time, Some(t(7)));
        assert_eq!(merged.step.report.as_deref(), Some("walking"));
        assert_eq!(merged.step.result, Some(StepResult::Success));
        assert_eq!(merged.duration_ms, Some(2000));
    }

    #[test]
    fn times_are_kept_to_the_microsecond_as_the_tables_keep_them() {
        let fine = t(1) + chrono::Duration::nanoseconds(123_456_789);
        let merged = merge_step(StoredStep::default(), &report(StepState::Completed), fine);
        let kept = t(1) + chrono::Duration::microseconds(123_456);
        assert_eq!(
            (merged.step.start_time, merged.step.end_time),
            (Some(kept), Some(kept))
        );
        let found = NewBugOccurrence {
            detected_at: fine,
            ..bug("1", "fp")
        };
        assert_eq!(occurrence(&found, "bug_1").detected_at, kept);
    }

    #[test]
    fn a_pending_step_gets_no_times() {
        let merged = merge_step(StoredStep::default(), &report(StepState::Pending), t(1));
        assert_eq!((merged.step.start_time, merged.step.end_time), (None, None));
    }

    fn bug(id: &str, fingerprint: &str) -> NewBugOccurrence {
        NewBugOccurrence {
            id: id.into(),
            new_bug_id: format!("bug_{id}"),
            fingerprint: fingerprint.into(),
            title: format!("title {id}"),
            description: String::new(),
            category: BugCategory::Crash,
            severity: Severity::High,
            confidence: Confidence::Low,
            reproduction_steps: String::new(),
            player_number: 0,
            test_step: None,
            video_offset_ms: Some(10),
            screenshot: Some("shot.png".into()),
            detected_at: t(0),
        }
    }

    #[test]
    fn each_fingerprint_is_created_from_its_first_occurrence_in_fingerprint_order() {
        let bugs = [bug("1", "zz"), bug("2", "aa"), bug("3", "zz")];
        let first: Vec<&str> = first_of_each_fingerprint(&bugs)
            .iter()
            .map(|b| b.id.as_str())
            .collect();
        assert_eq!(first, ["2", "1"]);
    }

    #[test]
    fn an_occurrence_carries_its_evidence_in_details() {
        let shown = occurrence(&bug("1", "fp"), "bug_shared");
        assert_eq!(shown.bug_id, "bug_shared");
        assert_eq!(shown.details.screenshot_url.as_deref(), Some("shot.png"));
        assert_eq!(shown.details.video_offset_ms, Some(10));
        assert_eq!(shown.details.fingerprint, "fp");
    }
}
