//! How a worker's report changes a run, the same in both backends: a step
//! report merged into the stored step, the bugs a report creates, the
//! occurrence as it is stored and shown, and what a minimisation run's
//! finding does to the occurrence it shortens.
//!
//! Both dialects accept every statement a report runs, so they are here
//! too; the backends bind the values (SQLite's timestamps as text).

use chrono::{DateTime, Utc};
use playtest_types::{
    BugDetails, BugOccurrence, BugTrace, StepReport, StepResult, StepState, TraceMinimized,
};

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
        turn: new.turn,
        detected_at: kept(new.detected_at),
        details: BugDetails {
            screenshot_url: new.screenshot.clone(),
            video_offset_ms: new.video_offset_ms,
            fingerprint: new.fingerprint.clone(),
            trace_url: None,
            trace_length: new.trace.as_ref().map(trace_length),
            minimized: None,
        },
    }
}

/// How many actions a trace holds.
pub(crate) fn trace_length(trace: &BugTrace) -> i64 {
    i64::try_from(trace.actions.len()).unwrap_or(i64::MAX)
}

/// The occurrence a minimisation run's finding names, as stored.
pub(crate) struct MinimizeTarget {
    pub(crate) details: BugDetails,
    pub(crate) trace: Option<BugTrace>,
}

/// What a minimisation run's finding does to the occurrence it names.
#[derive(Debug, PartialEq)]
pub(crate) enum Shortening {
    /// Replace its reproduction steps and trace; these are its new details.
    Replace(BugDetails),
    /// Its trace is already as short or shorter: nothing changes.
    NotShorter,
    /// The finding cannot shorten it, for this reason (worth a warning).
    Unusable(&'static str),
}

/// Whether `finding` (of run `run_id`) shortens `target`: only a trace of
/// the same bug, with fewer actions. The first length is kept across
/// several shortenings, so the details say how long the trace was found.
pub(crate) fn shortening(
    target: &MinimizeTarget,
    finding: &NewBugOccurrence,
    run_id: &str,
) -> Shortening {
    let Some(trace) = &finding.trace else {
        return Shortening::Unusable("the minimisation report carries no trace");
    };
    if target.details.fingerprint != finding.fingerprint {
        return Shortening::Unusable("the minimisation report is of another bug (fingerprint)");
    }
    let Some(old) = &target.trace else {
        return Shortening::Unusable("the occurrence has no trace to shorten");
    };
    let (from, to) = (trace_length(old), trace_length(trace));
    if to >= from {
        return Shortening::NotShorter;
    }
    let first = target.details.minimized.as_ref().map_or(from, |m| m.from);
    Shortening::Replace(BugDetails {
        trace_length: Some(to),
        minimized: Some(TraceMinimized {
            from: first,
            to,
            run_id: run_id.to_string(),
        }),
        ..target.details.clone()
    })
}

/// The players of run `$1` count their completed steps again.
pub(crate) const COUNT_COMPLETED_STEPS: &str = "UPDATE run_players SET completed_step_count = \
    (SELECT COUNT(*) FROM run_steps s WHERE s.run_id = run_players.run_id \
    AND s.player_number = run_players.player_number AND s.state = 'completed') WHERE run_id = $1";

/// Job `$1` STARTING → RUNNING at `$2`.
pub(crate) const START_JOB: &str =
    "UPDATE jobs SET status = 'RUNNING', updated_at = $2 WHERE id = $1";

/// Run `$1` initializing → running, started at `$2`.
pub(crate) const START_RUN: &str = "UPDATE runs SET state = 'running', started_at = $2 \
    WHERE id = $1 AND state = 'initializing'";

/// The players of run `$1` initializing → running.
pub(crate) const START_PLAYERS: &str =
    "UPDATE run_players SET state = 'running' WHERE run_id = $1 AND state = 'initializing'";

/// Job `$1` (not yet cleaning up) → CLEANING_UP at `$2`.
pub(crate) const CLEAN_UP: &str = "UPDATE jobs SET status = 'CLEANING_UP', updated_at = $2 \
    WHERE id = $1 AND status IN ('STARTING', 'RUNNING', 'STOPPING')";

/// A [`StoredStep`]: run `$1`, player `$2`, step `$3`.
pub(crate) const STORED_STEP: &str = "SELECT result, report, start_time, end_time FROM run_steps \
    WHERE run_id = $1 AND player_number = $2 AND step_number = $3";

/// A [`MergedStep`] written: run `$1`, player `$2`, step `$3`, then
/// `$4` state, `$5` result, `$6` report, `$7` start, `$8` end, `$9` duration.
pub(crate) const WRITE_STEP: &str = "UPDATE run_steps SET state = $4, result = $5, report = $6, \
    start_time = $7, end_time = $8, duration_ms = $9 \
    WHERE run_id = $1 AND player_number = $2 AND step_number = $3";

/// A bug of a new fingerprint (nothing if the project has it): `$1` id,
/// `$2` project, `$3` fingerprint, `$4` title, `$5` category, `$6` severity,
/// `$7` first seen.
pub(crate) const INSERT_BUG: &str = "INSERT INTO bugs \
    (id, project_id, fingerprint, title, category, severity, first_seen_at) \
    VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (project_id, fingerprint) DO NOTHING";

/// The bug of project `$1` with fingerprint `$2`.
pub(crate) const BUG_ID: &str = "SELECT id FROM bugs WHERE project_id = $1 AND fingerprint = $2";

/// An [`occurrence`] stored once (nothing if its id is): `$1` id, `$2` bug,
/// `$3` run, `$4` project, then its fields in column order, `$15` details
/// and `$16` trace.
pub(crate) const INSERT_OCCURRENCE: &str = "INSERT INTO bug_occurrences \
    (id, bug_id, run_id, project_id, title, description, category, severity, confidence, \
    reproduction_steps, player_number, test_step, turn, detected_at, details, trace) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
    ON CONFLICT (id) DO NOTHING";

/// Run `$1` found `$2` more bugs.
pub(crate) const COUNT_BUGS: &str = "UPDATE runs SET bug_count = bug_count + $2 WHERE id = $1";

/// [`Shortening::Replace`] of occurrence `$1`: `$2` reproduction steps,
/// `$3` trace, `$4` details.
pub(crate) const SHORTEN: &str = "UPDATE bug_occurrences \
    SET reproduction_steps = $2, trace = $3, details = $4 WHERE id = $1";

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
            turn: None,
            video_offset_ms: Some(10),
            screenshot: Some("shot.png".into()),
            trace: None,
            minimizes: None,
            detected_at: t(0),
        }
    }

    fn trace(actions: usize) -> BugTrace {
        BugTrace {
            seed: 7,
            actions: vec![playtest_types::Action::WaitMs(10); actions],
        }
    }

    fn target(actions: Option<usize>) -> MinimizeTarget {
        MinimizeTarget {
            details: occurrence(
                &NewBugOccurrence {
                    trace: actions.map(trace),
                    ..bug("1", "fp")
                },
                "bug_1",
            )
            .details,
            trace: actions.map(trace),
        }
    }

    fn finding(actions: usize) -> NewBugOccurrence {
        NewBugOccurrence {
            trace: Some(trace(actions)),
            minimizes: Some("1".into()),
            ..bug("2", "fp")
        }
    }

    #[test]
    fn a_shorter_trace_of_the_same_bug_replaces_the_longer_and_keeps_the_first_length() {
        let Shortening::Replace(details) = shortening(&target(Some(10)), &finding(4), "run_a")
        else {
            panic!("a shorter trace shortens")
        };
        assert_eq!(details.trace_length, Some(4));
        let noted = details.minimized.clone().unwrap();
        assert_eq!(
            (noted.from, noted.to, noted.run_id.as_str()),
            (10, 4, "run_a")
        );

        let again = MinimizeTarget {
            details,
            trace: Some(trace(4)),
        };
        let Shortening::Replace(details) = shortening(&again, &finding(2), "run_b") else {
            panic!("a shorter trace shortens again")
        };
        assert_eq!(
            details.minimized.unwrap().from,
            10,
            "the first length is kept"
        );
    }

    #[test]
    fn a_trace_as_long_or_of_another_bug_changes_nothing() {
        assert_eq!(
            shortening(&target(Some(4)), &finding(4), "r"),
            Shortening::NotShorter
        );
        assert_eq!(
            shortening(&target(Some(4)), &finding(9), "r"),
            Shortening::NotShorter
        );
        let other = NewBugOccurrence {
            fingerprint: "other".into(),
            ..finding(1)
        };
        assert!(matches!(
            shortening(&target(Some(4)), &other, "r"),
            Shortening::Unusable(_)
        ));
        assert!(matches!(
            shortening(&target(None), &finding(1), "r"),
            Shortening::Unusable(_)
        ));
        let without = NewBugOccurrence {
            trace: None,
            ..finding(1)
        };
        assert!(matches!(
            shortening(&target(Some(4)), &without, "r"),
            Shortening::Unusable(_)
        ));
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
        assert_eq!(shown.details.trace_length, None, "no trace, no length");
        let traced = NewBugOccurrence {
            trace: Some(trace(3)),
            ..bug("2", "fp")
        };
        assert_eq!(occurrence(&traced, "b").details.trace_length, Some(3));
    }
}
