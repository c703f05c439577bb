//! The JUnit XML report of `--junit FILE`, as CI systems (GitLab, Jenkins,
//! GitHub test reporters) read it: one `<testsuite>` per run, named after
//! its test, with the run's ids and outcome as properties; one
//! `<testcase>` per player and step. A failed step is a `<failure>` with
//! its report; a step left without a result by a run that ended with
//! error, timeout or stopped (or had not finished when the wait ended) is
//! an `<error>`; one left by a failed run is skipped. A run without steps
//! is one testcase. A failure no step explains, and the bugs at or above
//! `--fail-on`, get a testcase of their own; every bug is listed in the
//! suite's `<system-out>`. The file is written atomically; `suite` makes
//! a run's suite, `xml` writes the XML.

mod suite;
mod xml;

use std::path::Path;

use anyhow::Context;
use playtest_types::Severity;

use crate::follow::Followed;

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
    let mut suites: Vec<Suite> = runs
        .iter()
        .map(|run| suite::suite(run, threshold))
        .collect();
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

#[cfg(test)]
mod tests {
    use playtest_types::{RunOutcome, StepResult};

    use super::*;
    use crate::follow::CutShort;
    use crate::follow::testing::{bug, followed};

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
