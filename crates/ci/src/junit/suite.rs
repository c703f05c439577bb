//! One run as a JUnit `<testsuite>`: its ids and outcome as properties, a
//! testcase per player and step judged by how the run ended, a testcase
//! for a failure no step explains and one for the bugs at or above the
//! threshold, and every bug in `<system-out>`.

use std::fmt::Write as _;

use playtest_types::{BugOccurrence, RunStep, Severity, StepResult};

use super::{Case, Status, Suite};
use crate::follow::Followed;
use crate::text::{one_line, wire};
use crate::verdict::{BugCounts, Verdict, judge};

/// The suite of one followed run; bugs of `threshold` or worse fail it.
pub(super) fn suite(run: &Followed, threshold: Option<Severity>) -> Suite {
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
        ("outcome", run.outcome()),
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
