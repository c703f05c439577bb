//! The summary printed once every followed run has completed (or the wait
//! ended): per run its test, outcome, duration, bugs by severity and
//! verdict, then the overall verdict and its exit code. With `--json` it
//! is one `{"kind": "summary", ...}` line, the last of the JSON lines.

use playtest_types::Severity;
use serde::Serialize;

use crate::follow::Followed;
use crate::text::{Table, count, opt_duration};
use crate::verdict::{BugCounts, Judgement, Verdict};

#[derive(Serialize)]
struct JsonSummary<'a> {
    kind: &'static str,
    verdict: Verdict,
    exit_code: u8,
    fail_on: Option<Severity>,
    runs: Vec<JsonRun<'a>>,
}

#[derive(Serialize)]
struct JsonRun<'a> {
    run_id: &'a str,
    job_id: Option<&'a str>,
    test: Option<&'a str>,
    outcome: String,
    verdict: Verdict,
    why: &'a str,
    duration_ms: Option<i64>,
    bugs: BugCounts,
}

/// Prints the summary of `runs`, judged as `judged` (in the same order).
pub fn print(
    runs: &[Followed],
    judged: &[Judgement],
    overall: Verdict,
    threshold: Option<Severity>,
    json: bool,
) {
    if json {
        let summary = JsonSummary {
            kind: "summary",
            verdict: overall,
            exit_code: overall.exit_code(),
            fail_on: threshold,
            runs: runs
                .iter()
                .zip(judged)
                .map(|(run, judgement)| JsonRun {
                    run_id: &run.run_id,
                    job_id: run.details.as_ref().map(|d| d.run.job_id.as_str()),
                    test: run.details.as_ref().map(|d| d.run.test.name.as_str()),
                    outcome: run.outcome(),
                    verdict: judgement.verdict,
                    why: &judgement.why,
                    duration_ms: run.details.as_ref().and_then(|d| d.run.duration_ms),
                    bugs: BugCounts::of(&run.bugs),
                })
                .collect(),
        };
        println!("{}", serde_json::to_string(&summary).unwrap_or_default());
        return;
    }
    println!();
    let mut table = Table::new(&["RUN", "TEST", "OUTCOME", "DURATION", "BUGS", "VERDICT"]);
    for (run, judgement) in runs.iter().zip(judged) {
        let details = run.details.as_ref();
        table.row(vec![
            run.run_id.clone(),
            details.map_or("-".to_string(), |d| d.run.test.name.clone()),
            run.outcome(),
            opt_duration(details.and_then(|d| d.run.duration_ms)),
            BugCounts::of(&run.bugs).to_string(),
            judgement.why.clone(),
        ]);
    }
    table.print();
    println!("{}", verdict_line(judged, overall));
}

/// `failed (exit 1): 1 passed, 1 failed of 2 runs`.
fn verdict_line(judged: &[Judgement], overall: Verdict) -> String {
    let tally = |verdict: Verdict| judged.iter().filter(|j| j.verdict == verdict).count();
    let mut parts = vec![format!("{} passed", tally(Verdict::Passed))];
    if tally(Verdict::Failed) > 0 {
        parts.push(format!("{} failed", tally(Verdict::Failed)));
    }
    if tally(Verdict::Trouble) > 0 {
        parts.push(format!("{} in trouble", tally(Verdict::Trouble)));
    }
    let word = match overall {
        Verdict::Passed => "passed",
        Verdict::Failed => "failed",
        Verdict::Trouble => "infrastructure trouble",
    };
    format!(
        "{word} (exit {}): {} of {}",
        overall.exit_code(),
        parts.join(", "),
        count(judged.len(), "run", "runs")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_verdict_line_tallies_the_runs_and_gives_the_exit_code() {
        let judged = [
            Judgement {
                verdict: Verdict::Passed,
                why: "passed".into(),
            },
            Judgement {
                verdict: Verdict::Trouble,
                why: "timed out".into(),
            },
        ];
        assert_eq!(
            verdict_line(&judged, Verdict::Trouble),
            "infrastructure trouble (exit 2): 1 passed, 1 in trouble of 2 runs"
        );
        assert_eq!(
            verdict_line(&judged[..1], Verdict::Passed),
            "passed (exit 0): 1 passed of 1 run"
        );
    }
}
