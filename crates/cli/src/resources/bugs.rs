//! `playtest bugs list RUN_ID`, the bug occurrences one run found, most
//! severe first, and `bugs show OCCURRENCE_ID`, one occurrence with its
//! evidence, reproduction steps and trace. (`replay` and `minimize`, which
//! play a trace again and exit with what it found, are the CI client's:
//! [`crate::ci::replay`].)

use playtest_types::{BugOccurrenceDetails, ListBugsResponse};

use crate::config::{OccurrenceIdArgs, RunIdArgs};
use crate::output::{Fields, Table, count, or_dash, print_json, time, wire};

pub async fn list(args: RunIdArgs) -> anyhow::Result<()> {
    let bugs = args.client.connect()?.list_run_bugs(&args.run_id).await?;
    if args.client.json {
        return print_json(&bugs);
    }
    print_bugs(&bugs);
    Ok(())
}

pub async fn show(args: OccurrenceIdArgs) -> anyhow::Result<()> {
    let occurrence = args
        .client
        .connect()?
        .get_bug_occurrence(&args.occurrence_id)
        .await?;
    if args.client.json {
        return print_json(&occurrence);
    }
    print_occurrence(&occurrence);
    Ok(())
}

fn print_bugs(bugs: &ListBugsResponse) {
    if bugs.bug_occurrences.is_empty() {
        println!("run {} found no bugs", bugs.multiplayer_run_id);
        return;
    }
    let mut occurrences: Vec<_> = bugs.bug_occurrences.iter().collect();
    // Most severe first; the server's order (as found) within a severity.
    occurrences.sort_by_key(|bug| std::cmp::Reverse(bug.severity));
    let mut table = Table::new(&[
        "OCCURRENCE",
        "BUG",
        "SEVERITY",
        "CATEGORY",
        "CONFIDENCE",
        "PLAYER",
        "STEP",
        "TRACE",
        "TITLE",
        "DETECTED",
    ]);
    for bug in occurrences {
        table.row(vec![
            bug.id.clone(),
            bug.bug_id.clone(),
            wire(&bug.severity),
            wire(&bug.category),
            wire(&bug.confidence),
            bug.player_number.to_string(),
            or_dash(bug.test_step),
            or_dash(bug.details.trace_length),
            bug.title.clone(),
            time(bug.detected_at),
        ]);
    }
    table.print();
    println!(
        "{} in run {}",
        count(
            bugs.bug_occurrences.len(),
            "bug occurrence",
            "bug occurrences"
        ),
        bugs.multiplayer_run_id
    );
}

fn print_occurrence(found: &BugOccurrenceDetails) {
    let bug = &found.occurrence;
    let details = &bug.details;
    let trace = match &found.trace {
        Some(trace) => format!(
            "{} (seed {})",
            count(trace.actions.len(), "action", "actions"),
            trace.seed
        ),
        None => "none: this occurrence cannot be replayed".to_string(),
    };
    let mut fields = Fields::new();
    fields
        .add("occurrence", &bug.id)
        .add("bug", &bug.bug_id)
        .add("title", &bug.title)
        .add("run", &found.multiplayer_run_id)
        .add("severity", wire(&bug.severity))
        .add("category", wire(&bug.category))
        .add("confidence", wire(&bug.confidence))
        .add("player", bug.player_number)
        .add("step", or_dash(bug.test_step))
        .add("turn", or_dash(bug.turn))
        .add("detected", time(bug.detected_at))
        .add("fingerprint", &details.fingerprint)
        .add("screenshot", or_dash(details.screenshot_url.as_ref()))
        .add("trace", trace);
    if let Some(minimized) = &details.minimized {
        fields.add(
            "minimized",
            format!(
                "from {} to {} actions by run {}",
                minimized.from, minimized.to, minimized.run_id
            ),
        );
    }
    fields.add("trace file", or_dash(details.trace_url.as_ref()));
    fields.print();
    if !bug.description.is_empty() {
        println!("\ndescription:");
        for line in bug.description.lines() {
            println!("  {line}");
        }
    }
    println!("\nreproduction steps:");
    if bug.reproduction_steps.trim().is_empty() {
        println!("  -");
    }
    for line in bug.reproduction_steps.lines() {
        println!("  {line}");
    }
    if found.trace.is_some() {
        println!(
            "\nreplay it with `playtest bugs replay {}`, shorten it with `playtest bugs minimize {}`",
            bug.id, bug.id
        );
    }
}
