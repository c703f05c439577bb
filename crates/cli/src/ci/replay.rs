//! `playtest bugs replay` and `playtest bugs minimize`: start a run that
//! plays an occurrence's trace again (does the bug still happen?) or
//! shortens it, print its run id, and with `--wait` follow it live as
//! `playtest run --wait` does ([`playtest_ci::follow`]), then say what it found:
//! whether the bug reproduced, or how long the trace was before and after.
//! The run's verdict is the worker's: a replay succeeds when the bug's
//! fingerprint appeared again. Exit codes are `playtest run`'s: 0 found,
//! 1 not found, 2 trouble, 3 usage (see `config::ci::replay`).

use std::time::Duration;

use playtest_ci::exit::{Concluded, EXIT_INTERRUPTED};
use playtest_ci::follow::follow_all;
use playtest_ci::live::Printer;
use playtest_ci::verdict::{Verdict, judge};
use playtest_types::{ReplayRequest, StartRunResponse};
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::config::ReplayArgs;

pub async fn run(args: ReplayArgs, minimize: bool) -> anyhow::Result<()> {
    let client = args.client.connect()?;
    let id = args.occurrence_id.as_str();
    // The length before, read before the run can shorten it.
    let before = if minimize && args.waits() {
        client
            .get_bug_occurrence(id)
            .await?
            .occurrence
            .details
            .trace_length
    } else {
        None
    };
    let request = ReplayRequest {
        max_time_seconds: args.max_time,
    };
    let started = if minimize {
        client.minimize_bug(id, &request).await?
    } else {
        client.replay_bug(id, &request).await?
    };
    let run_id = started.data.multiplayer_run_id.clone();
    announce(&started, &args, minimize)?;
    if !args.waits() {
        return Ok(());
    }

    let printer = Printer::new(
        std::slice::from_ref(&run_id),
        args.client.json,
        args.verbose,
    );
    let deadline = args
        .timeout
        .map(|seconds| Instant::now() + Duration::from_secs(seconds));
    let followed = tokio::select! {
        followed = follow_all(&client, std::slice::from_ref(&run_id), &printer, deadline) => followed,
        _ = tokio::signal::ctrl_c() => {
            eprintln!(
                "error: interrupted; the run goes on without a watcher; hint: follow it again \
                 with `playtest runs watch {run_id}`"
            );
            return Err(Concluded { code: EXIT_INTERRUPTED }.into());
        }
    };
    let judgement = judge(&followed[0], None);
    let after = if minimize && judgement.verdict != Verdict::Trouble {
        client
            .get_bug_occurrence(id)
            .await
            .ok()
            .and_then(|o| o.occurrence.details.trace_length)
    } else {
        None
    };
    let found = Found {
        occurrence_id: id,
        run_id: &run_id,
        minimize,
        verdict: judgement.verdict,
        why: &judgement.why,
        before,
        after,
    };
    if args.client.json {
        println!("{}", found.json());
    } else {
        println!("{}", found.line());
    }
    if judgement.verdict == Verdict::Passed {
        return Ok(());
    }
    eprintln!("{}", found.error_line());
    Err(Concluded {
        code: judgement.verdict.exit_code(),
    }
    .into())
}

/// The run id on standard output (or the `started` JSON line); what was
/// started on standard error.
fn announce(started: &StartRunResponse, args: &ReplayArgs, minimize: bool) -> anyhow::Result<()> {
    let run_id = &started.data.multiplayer_run_id;
    if args.client.json {
        let mut line = serde_json::to_value(started)?;
        if let Value::Object(fields) = &mut line {
            fields.insert("kind".into(), Value::String("started".into()));
        }
        println!("{line}");
        return Ok(());
    }
    println!("{run_id}");
    let what = if minimize { "minimisation" } else { "replay" };
    let mut line = format!(
        "started {what} run {run_id} of occurrence {}",
        args.occurrence_id
    );
    if !args.waits() {
        line.push_str(&format!("; follow with `playtest runs watch {run_id}`"));
    }
    eprintln!("{line}");
    Ok(())
}

/// What the run came to.
struct Found<'a> {
    occurrence_id: &'a str,
    run_id: &'a str,
    minimize: bool,
    verdict: Verdict,
    /// The run's judgement in words (`failed`, `timed out`, ...).
    why: &'a str,
    /// The trace's length before and after a minimisation.
    before: Option<i64>,
    after: Option<i64>,
}

impl Found<'_> {
    fn reproduced(&self) -> Option<bool> {
        match self.verdict {
            Verdict::Passed => Some(true),
            Verdict::Failed => Some(false),
            Verdict::Trouble => None,
        }
    }

    /// `trace: 12 -> 4 actions`, or as long as it was.
    fn lengths(&self) -> String {
        let actions = |n: Option<i64>| n.map_or("?".to_string(), |n| n.to_string());
        match (self.before, self.after) {
            (Some(before), Some(after)) if after < before => {
                format!("trace: {before} -> {after} actions")
            }
            (before, _) => format!("trace: {} actions, not shortened", actions(before)),
        }
    }

    fn line(&self) -> String {
        let run = format!("(run {})", self.run_id);
        match (self.reproduced(), self.minimize) {
            (Some(true), false) => format!("reproduced: the bug appeared again {run}"),
            (Some(false), false) => format!("not reproduced: the bug did not appear {run}"),
            (Some(true), true) => format!("minimised: {} {run}", self.lengths()),
            (Some(false), true) => format!("not minimised: the bug did not appear {run}"),
            (None, _) => format!("unknown: the run {} {run}", self.why),
        }
    }

    fn error_line(&self) -> String {
        match self.reproduced() {
            Some(_) => format!(
                "error: the bug of occurrence {} did not appear in run {}; hint: `playtest runs \
                 show {}` has the details",
                self.occurrence_id, self.run_id, self.run_id
            ),
            None => format!(
                "error: run {} {}; hint: `playtest runs show {}` has the details",
                self.run_id, self.why, self.run_id
            ),
        }
    }

    fn json(&self) -> Value {
        let mut line = json!({
            "kind": if self.minimize { "minimize" } else { "replay" },
            "occurrence_id": self.occurrence_id,
            "run_id": self.run_id,
            "reproduced": self.reproduced(),
            "verdict": self.verdict,
            "why": self.why,
        });
        if self.minimize {
            line["trace_length_before"] = json!(self.before);
            line["trace_length_after"] = json!(self.after);
        }
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(
        verdict: Verdict,
        minimize: bool,
        before: Option<i64>,
        after: Option<i64>,
    ) -> Found<'static> {
        Found {
            occurrence_id: "occ_1",
            run_id: "abcdefghijkl",
            minimize,
            verdict,
            why: "timed out",
            before,
            after,
        }
    }

    #[test]
    fn a_replay_says_whether_the_bug_reproduced() {
        assert_eq!(
            found(Verdict::Passed, false, None, None).line(),
            "reproduced: the bug appeared again (run abcdefghijkl)"
        );
        assert_eq!(
            found(Verdict::Failed, false, None, None).line(),
            "not reproduced: the bug did not appear (run abcdefghijkl)"
        );
        assert_eq!(
            found(Verdict::Trouble, false, None, None).line(),
            "unknown: the run timed out (run abcdefghijkl)"
        );
        assert_eq!(
            found(Verdict::Failed, false, None, None).json()["reproduced"],
            false
        );
    }

    #[test]
    fn a_minimisation_gives_the_length_before_and_after() {
        let shortened = found(Verdict::Passed, true, Some(12), Some(4));
        assert_eq!(
            shortened.line(),
            "minimised: trace: 12 -> 4 actions (run abcdefghijkl)"
        );
        assert_eq!(shortened.json()["trace_length_after"], 4);
        assert_eq!(
            found(Verdict::Passed, true, Some(4), Some(4)).line(),
            "minimised: trace: 4 actions, not shortened (run abcdefghijkl)"
        );
    }
}
