//! Waiting for runs and ending with their verdict, for `run --wait` and
//! `runs watch`: follow them all, judge each, write the JUnit report when
//! asked, print the summary, and end with the verdict's exit code and,
//! unless everything passed, one `error:` line naming the runs that did
//! not pass and why. Ctrl-C stops waiting (not the runs) with exit 130.

use std::path::PathBuf;
use std::time::Duration;

use playtest_client::Client;
use playtest_types::{RunDetails, Severity};
use tokio::time::Instant;

use crate::exit::{Concluded, EXIT_INTERRUPTED};
use crate::follow::{CutShort, Followed, follow_all};
use crate::live::Printer;
use crate::text::{count, flatten, status};
use crate::verdict::{Judgement, Verdict, judge};
use crate::{junit, summary};

/// How to wait for runs and judge them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    /// Where to write a JUnit report of the runs, if anywhere.
    pub junit: Option<PathBuf>,
    /// Bugs of this severity or worse fail the verdict; `None`: bugs never do.
    pub threshold: Option<Severity>,
    /// How long to wait before giving up on the runs still going.
    pub timeout: Option<Duration>,
    /// Also print the runs' log lines.
    pub verbose: bool,
    /// JSON lines on standard output instead of text.
    pub json: bool,
}

/// Follows `run_ids` to their end and concludes with their verdict: `Ok`
/// when every run passed, else [`Concluded`] with the exit code.
pub async fn wait_for(
    client: &Client,
    run_ids: &[String],
    waiting: &Waiting,
) -> anyhow::Result<()> {
    let json = waiting.json;
    let printer = Printer::new(run_ids, json, waiting.verbose);
    let deadline = waiting.timeout.map(|timeout| Instant::now() + timeout);
    if !json {
        print_headers(client, run_ids, &printer).await;
    }
    let followed = tokio::select! {
        followed = follow_all(client, run_ids, &printer, deadline) => followed,
        _ = tokio::signal::ctrl_c() => {
            let first = run_ids.first().map_or("RUN_ID", String::as_str);
            eprintln!(
                "error: interrupted; the runs go on without a watcher; hint: follow them again \
                 with `playtest runs watch {first}`"
            );
            return Err(Concluded { code: EXIT_INTERRUPTED }.into());
        }
    };
    let threshold = waiting.threshold;
    let judged: Vec<Judgement> = followed.iter().map(|run| judge(run, threshold)).collect();
    let of_runs = Verdict::of_all(judged.iter().map(|j| j.verdict));
    let mut overall = of_runs;
    if let Some(path) = &waiting.junit {
        let written = junit::write(path, &junit::report(&followed, threshold));
        if let Err(err) = written {
            eprintln!("error: {}", flatten(&format!("{err:#}")));
            overall = overall.max(Verdict::Trouble);
        } else if !json {
            eprintln!("wrote the JUnit report to {}", path.display());
        }
    }
    summary::print(&followed, &judged, overall, threshold, json);
    if overall == Verdict::Passed {
        return Ok(());
    }
    if of_runs != Verdict::Passed {
        eprintln!("{}", closing_line(&followed, &judged, waiting.timeout));
    }
    Err(Concluded {
        code: overall.exit_code(),
    }
    .into())
}

/// A line per run naming its test, so that the labels of the lines that
/// follow can be read (best effort: a run that cannot be read yet is
/// named by its id alone).
async fn print_headers(client: &Client, run_ids: &[String], printer: &Printer) {
    let reads = run_ids.iter().map(|run_id| client.get_run(run_id));
    let runs = futures::future::join_all(reads).await;
    for (run_id, read) in run_ids.iter().zip(runs) {
        let line = match read {
            Ok(details) => header(&details),
            Err(_) => format!("run {run_id}"),
        };
        printer.line(run_id, &line);
    }
}

/// `run abcdefghijkl: menu (tst_1), job jobjobjobjob, queued`.
fn header(details: &RunDetails) -> String {
    let run = &details.run;
    format!(
        "run {}: {} ({}), job {}, {}",
        run.multiplayer_run_id,
        run.test.name,
        run.test.id,
        run.job_id,
        status(run.job_status)
    )
}

/// The closing line names at most this many runs.
const MAX_NAMED: usize = 5;

/// `error: ...; hint: ...` naming the runs that did not pass (some did not).
fn closing_line(runs: &[Followed], judged: &[Judgement], timeout: Option<Duration>) -> String {
    let not_passed: Vec<(&Followed, &Judgement)> = runs
        .iter()
        .zip(judged)
        .filter(|(_, j)| j.verdict != Verdict::Passed)
        .collect();
    let unfinished = runs
        .iter()
        .filter(|run| run.cut_short == Some(CutShort::Deadline) && !run.completed())
        .count();
    let mut named: Vec<String> = not_passed
        .iter()
        .take(MAX_NAMED)
        .map(|(run, judgement)| format!("{} ({})", run.run_id, judgement.why))
        .collect();
    if not_passed.len() > MAX_NAMED {
        named.push(format!(
            "and {} more (see the summary)",
            not_passed.len() - MAX_NAMED
        ));
    }
    let which = named.join(", ");
    let (head, hint) = match (unfinished, timeout) {
        (1.., Some(timeout)) => (
            format!(
                "gave up waiting after {} s with {} still going",
                timeout.as_secs(),
                count(unfinished, "run", "runs")
            ),
            "raise --timeout, or check that a worker can take the runs (`playtest workers list`)"
                .to_string(),
        ),
        _ => (
            format!(
                "{} of {} did not pass",
                not_passed.len(),
                count(runs.len(), "run", "runs")
            ),
            not_passed.first().map_or(String::new(), |(run, _)| {
                format!("`playtest runs show {}` has the details", run.run_id)
            }),
        ),
    };
    format!("error: {head}: {which}; hint: {hint}")
}

#[cfg(test)]
mod tests {
    use playtest_types::RunOutcome;

    use super::*;
    use crate::follow::testing::followed;

    #[test]
    fn the_closing_line_names_the_runs_still_going_when_the_wait_ends() {
        let mut run = followed(None, vec![]);
        run.cut_short = Some(CutShort::Deadline);
        let judged = [judge(&run, None)];
        let line = closing_line(&[run], &judged, Some(Duration::from_secs(2)));
        assert_eq!(
            line,
            "error: gave up waiting after 2 s with 1 run still going: abcdefghijkl (still \
             queued when the wait ended); hint: raise --timeout, or check that a worker can \
             take the runs (`playtest workers list`)"
        );
    }

    #[test]
    fn the_closing_line_names_a_few_runs_and_counts_the_rest() {
        let runs: Vec<Followed> = (0..7)
            .map(|_| followed(Some(RunOutcome::Timeout), vec![]))
            .collect();
        let judged: Vec<Judgement> = runs.iter().map(|run| judge(run, None)).collect();
        let line = closing_line(&runs, &judged, None);
        assert!(
            line.starts_with("error: 7 of 7 runs did not pass: "),
            "{line}"
        );
        assert_eq!(line.matches("(timed out)").count(), 5, "{line}");
        assert!(
            line.contains("and 2 more (see the summary); hint:"),
            "{line}"
        );
    }

    #[test]
    fn the_closing_line_names_the_runs_that_failed() {
        let runs = [followed(Some(RunOutcome::Failed), vec![])];
        let judged = [judge(&runs[0], None)];
        assert_eq!(
            closing_line(&runs, &judged, None),
            "error: 1 of 1 run did not pass: abcdefghijkl (failed); hint: `playtest runs show \
             abcdefghijkl` has the details"
        );
    }
}
