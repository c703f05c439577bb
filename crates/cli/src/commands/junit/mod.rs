//! The JUnit XML report of `--junit FILE`, as CI systems (GitLab, Jenkins,
//! GitHub test reporters) read it: one `<testsuite>` per run, named after
//! its test, with the run's ids and outcome as properties; one
//! `<testcase>` per player and step. A failed step is a `<failure>` with
//! its report; a step left without a result by a run that ended with
//! error, timeout or stopped (or had not finished when the wait ended) is
//! an `<error>`; one left by a failed run is skipped. A run without steps
//! is one testcase. A failure no step explains, and the bugs at or above
//! `--fail-on`, get a testcase of their own; every bug is listed in the
//! suite's `<system-out>`. The file is written atomically; `xml` writes
//! the XML itself.

mod xml;

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;
use playtest_types::{BugOccurrence, RunStep, Severity, StepResult};

use super::follow::Followed;
use super::verdict::{BugCounts, Verdict, judge};
use crate::output::{one_line, wire};

/// What one testcase came to.
#[derive(Debug, Clone, PartialEq)]
enum Status {
    Passed,
    Failure { message: String, body: String },
    Error { kind: String, message: String },
    Skipped { message: String },
}

#[derive(Debug, Clone, PartialEq)]
struct Case {
    name: String,
    seconds: Option<f64>,
    status: Status,
}

#[derive(Debug, Clone, PartialEq)]
struct Suite {
    name: String,
    seconds: f64,
    timestamp: Option<String>,
    properties: Vec<(&'static str, String)>,
    cases: Vec<Case>,
    out: String,
}

/// The report of the followed runs; bugs of `threshold` or worse fail.
pub fn report(runs: &[Followed], threshold: Option<Severity>) -> String {
    let mut suites: Vec<Suite> = runs.iter().map(|run| suite(run, threshold)).collect();
    let names: Vec<String> = suites.iter().map(|s| s.name.clone()).collect();
    for (suite, run) in suites.iter_mut().zip(runs) {
        if names.iter().filter(|name| **name == suite.name).count() > 1 {
            suite.name = format!("{} (run {})", suite.name, run.run_id);
        }
    }
    xml::render(&suites)
}

/// Writes the report to `path` atomically: a temporary file next to it,
/// renamed over it, so a reader never sees half a report.
pub fn write(path: &Path, xml: &str) -> anyhow::Result<()> {
    let folder = path.parent().filter(|dir| !dir.as_os_str().is_empty());
    if let Some(folder) = folder {
        std::fs::create_dir_all(folder)
            .with_context(|| format!("could not create {}", folder.display()))?;
    }
    let name = path
        .file_name()
        .map_or("junit.xml".into(), |n| n.to_string_lossy());
    let temporary = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let written = (|| {
        let mut file = std::fs::File::create(&temporary)?;
        std::io::Write::write_all(&mut file, xml.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written.with_context(|| format!("could not write the JUnit report to {}", path.display()))
}

fn suite(run: &Followed, threshold: Option<Severity>) -> Suite {
    let judged = judge(run, threshold);
    let Some(details) = &run.details else {
        let case = Case {
            name: "run".into(),
            seconds: None,
            status: Status::Error {
                kind: "unknown".into(),
                message: judged.why.clone(),
            },
        };
        return Suite {
            name: run.run_id.clone(),
            seconds: 0.0,
            timestamp: None,
            properties: vec![("run_id", run.run_id.clone())],
            cases: vec![case],
            out: String::new(),
        };
    };
    let r = &details.run;
    // The run's own verdict, bugs aside: what its steps are judged by.
    let alone = judge(run, None);
    let trouble = (alone.verdict == Verdict::Trouble).then(|| match r.outcome {
        _ if !run.completed() => "unfinished".to_string(),
        Some(outcome) => wire(&outcome),
        None => "error".to_string(),
    });
    let mut cases = Vec::new();
    for player in &r.players {
        for step in player.steps.as_deref().unwrap_or_default() {
            cases.push(step_case(player.player_number, step, &trouble, &alone.why));
        }
    }
    let has = |wanted: fn(&Status) -> bool| cases.iter().any(|c| wanted(&c.status));
    let run_case = match (alone.verdict, &trouble) {
        (Verdict::Passed, _) if cases.is_empty() => Some(Status::Passed),
        (Verdict::Failed, _) if !has(|s| matches!(s, Status::Failure { .. })) => {
            Some(Status::Failure {
                message: alone.why.clone(),
                body: run.reason.clone().unwrap_or_default(),
            })
        }
        (Verdict::Trouble, Some(kind)) if !has(|s| matches!(s, Status::Error { .. })) => {
            Some(Status::Error {
                kind: kind.clone(),
                message: alone.why.clone(),
            })
        }
        _ => None,
    };
    if let Some(status) = run_case {
        cases.push(Case {
            name: "run".to_string(),
            seconds: r.duration_ms.map(seconds),
            status,
        });
    }
    if let Some(severity) = threshold {
        let over: Vec<&BugOccurrence> =
            run.bugs.iter().filter(|b| b.severity >= severity).collect();
        if !over.is_empty() {
            let noun = if over.len() == 1 { "bug" } else { "bugs" };
            cases.push(Case {
                name: format!("bugs at or above {}", wire(&severity)),
                seconds: None,
                status: Status::Failure {
                    message: format!(
                        "found {} {noun} at or above {}",
                        over.len(),
                        wire(&severity)
                    ),
                    body: over.iter().map(|bug| bug_text(bug)).collect(),
                },
            });
        }
    }
    let mut properties = vec![
        ("run_id", r.multiplayer_run_id.clone()),
        ("job_id", r.job_id.clone()),
        ("test_id", r.test.id.clone()),
        ("test_type", r.test.test_type.clone()),
        ("outcome", super::summary::outcome(run)),
        ("verdict", wire(&judged.verdict)),
        ("deployment_config_id", r.deployment_config_id.clone()),
        ("bugs", bug_counts(&run.bugs)),
    ];
    if let Some(build) = &r.build {
        properties.push(("build_id", build.id.clone()));
    }
    if let Some(execution) = &r.test_plan_execution_id {
        properties.push(("test_plan_execution_id", execution.clone()));
    }
    let mut out: String = run.bugs.iter().map(bug_text).collect();
    if let Some(reason) = &run.reason {
        let _ = writeln!(out, "last state change: {reason}");
    }
    Suite {
        name: r.test.name.clone(),
        seconds: r.duration_ms.map_or(0.0, seconds),
        timestamp: Some(
            r.started_at
                .unwrap_or(r.created_at)
                .format("%Y-%m-%dT%H:%M:%S")
                .to_string(),
        ),
        properties,
        cases,
        out,
    }
}

/// A step's testcase; `trouble` is how the run ended when it ended badly.
fn step_case(player: i32, step: &RunStep, trouble: &Option<String>, why: &str) -> Case {
    let report = step.report.clone().unwrap_or_default();
    let status = match (step.run_result, trouble) {
        (Some(StepResult::Success), _) => Status::Passed,
        (Some(StepResult::Failure), _) => Status::Failure {
            message: report
                .lines()
                .find(|line| !line.trim().is_empty())
                .map_or("the step failed".to_string(), |line| one_line(line, 200)),
            body: report,
        },
        (None, Some(kind)) => Status::Error {
            kind: kind.clone(),
            message: format!("no result: the run {why}"),
        },
        (None, None) => Status::Skipped {
            message: format!("no result ({})", wire(&step.run_state)),
        },
    };
    Case {
        name: format!(
            "player {player} step {}: {}",
            step.step_number, step.test.goal
        ),
        seconds: step.duration_ms.map(seconds),
        status,
    }
}

fn bug_text(bug: &BugOccurrence) -> String {
    let step = bug
        .test_step
        .map_or(String::new(), |s| format!(", step {s}"));
    format!(
        "bug [{}] {}: {} (player {}{step}; {} confidence; {})\n  {}\n  to reproduce: {}\n",
        wire(&bug.severity),
        wire(&bug.category),
        bug.title,
        bug.player_number,
        wire(&bug.confidence),
        bug.bug_id,
        one_line(&bug.description, usize::MAX),
        one_line(&bug.reproduction_steps, usize::MAX),
    )
}

/// `1 critical, 2 low`, or `none`.
fn bug_counts(bugs: &[BugOccurrence]) -> String {
    match BugCounts::of(bugs) {
        counts if counts == BugCounts::default() => "none".to_string(),
        counts => counts.to_string(),
    }
}

fn seconds(ms: i64) -> f64 {
    ms.max(0) as f64 / 1000.0
}

#[cfg(test)]
mod tests {
    use playtest_types::RunOutcome;

    use super::*;
    use crate::commands::follow::CutShort;
    use crate::commands::follow::testing::{bug, followed};

    #[test]
    fn a_failed_step_is_a_failure_carrying_its_report() {
        let xml = report(&[followed(Some(RunOutcome::Failed), vec![])], None);
        assert!(xml.contains(r#"<testsuites name="playtest" tests="2" failures="1" errors="0" skipped="0" time="12.345">"#), "{xml}");
        assert!(
            xml.contains(r#"<testsuite name="menu" tests="2" failures="1""#),
            "{xml}"
        );
        assert!(
            xml.contains(
                r#"<testcase name="player 0 step 1: open the menu" classname="menu" time="1.500"/>"#
            ),
            "{xml}"
        );
        assert!(
            xml.contains(r#"<failure message="expected &lt;Menu&gt; &amp; &quot;Start&quot;" type="failure">expected &lt;Menu&gt; &amp; "Start"</failure>"#),
            "{xml}"
        );
        assert!(
            xml.contains(r#"<property name="outcome" value="failed"/>"#),
            "{xml}"
        );
    }

    #[test]
    fn a_run_that_timed_out_is_an_error_for_each_step_without_a_result() {
        let mut run = followed(Some(RunOutcome::Timeout), vec![]);
        let steps = run.details.as_mut().unwrap().run.players[0]
            .steps
            .as_mut()
            .unwrap();
        steps[1].run_result = None;
        steps[1].run_state = playtest_types::StepState::Incomplete;
        run.reason = Some("no progress in 600 s".into());
        let xml = report(&[run], None);
        assert!(
            xml.contains(r#"failures="0" errors="1" skipped="0""#),
            "{xml}"
        );
        assert!(
            xml.contains(r#"<error message="no result: the run timed out: no progress in 600 s" type="timeout"/>"#),
            "{xml}"
        );
    }

    #[test]
    fn a_run_still_queued_when_the_wait_ended_is_an_error() {
        let mut run = followed(None, vec![]);
        run.details.as_mut().unwrap().run.players[0].steps = Some(vec![]);
        run.cut_short = Some(CutShort::Deadline);
        let xml = report(&[run], None);
        assert!(
            xml.contains(r#"<testcase name="run" classname="menu">"#)
                && xml.contains(
                    r#"<error message="still queued when the wait ended" type="unfinished"/>"#
                ),
            "{xml}"
        );
    }

    #[test]
    fn a_run_without_steps_that_passed_is_one_passing_testcase() {
        let mut run = followed(Some(RunOutcome::Success), vec![]);
        run.details.as_mut().unwrap().run.players[0].steps = Some(vec![]);
        let xml = report(&[run], Some(Severity::High));
        assert!(
            xml.contains(r#"tests="1" failures="0" errors="0""#),
            "{xml}"
        );
        assert!(
            xml.contains(r#"<testcase name="run" classname="menu" time="12.345"/>"#),
            "{xml}"
        );
    }

    #[test]
    fn a_failed_run_without_steps_is_one_failure_carrying_its_reason() {
        let mut run = followed(Some(RunOutcome::Failed), vec![]);
        run.details.as_mut().unwrap().run.players[0].steps = Some(vec![]);
        run.reason = Some("the game exited with code 3".into());
        let xml = report(&[run], None);
        assert!(
            xml.contains(
                r#"<failure message="failed: the game exited with code 3" type="failure">the game exited with code 3</failure>"#
            ),
            "{xml}"
        );
        assert!(
            xml.contains(r#"<property name="bugs" value="none"/>"#),
            "{xml}"
        );
    }

    #[test]
    fn bugs_at_the_threshold_fail_a_testcase_and_every_bug_is_in_system_out() {
        let mut run = followed(
            Some(RunOutcome::Success),
            vec![bug(Severity::Critical), bug(Severity::Low)],
        );
        let steps = run.details.as_mut().unwrap().run.players[0]
            .steps
            .as_mut()
            .unwrap();
        steps[1].run_result = Some(StepResult::Success);
        let xml = report(&[run], Some(Severity::High));
        assert!(
            xml.contains(r#"<testcase name="bugs at or above high" classname="menu">"#),
            "{xml}"
        );
        assert!(
            xml.contains(r#"message="found 1 bug at or above high""#),
            "{xml}"
        );
        assert!(
            xml.contains("<system-out>bug [critical] visual: Menu &lt;flickers&gt;"),
            "{xml}"
        );
        assert!(xml.contains("bug [low] visual"), "{xml}");
    }

    #[test]
    fn runs_of_the_same_test_get_suites_named_apart() {
        let mut other = followed(Some(RunOutcome::Failed), vec![]);
        other.run_id = "zzzzzzzzzzzz".into();
        let xml = report(&[followed(Some(RunOutcome::Failed), vec![]), other], None);
        assert!(
            xml.contains(r#"<testsuite name="menu (run abcdefghijkl)""#),
            "{xml}"
        );
        assert!(
            xml.contains(r#"<testsuite name="menu (run zzzzzzzzzzzz)""#),
            "{xml}"
        );
    }

    #[test]
    fn the_report_is_written_whole_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("reports").join("junit.xml");
        write(&path, "<testsuites/>\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "<testsuites/>\n");
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap()).unwrap().collect();
        assert_eq!(names.len(), 1, "no temporary file is left behind");
        let err = write(&dir.path().join("reports/junit.xml/x"), "x").unwrap_err();
        assert!(format!("{err:#}").contains("could not"), "{err:#}");
    }
}
