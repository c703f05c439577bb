//! `playtest bugs list RUN_ID`: the bug occurrences one run found, most
//! severe first.

use playtest_types::ListBugsResponse;

use super::connect;
use crate::config::BugsCommand;
use crate::output::{Table, count, or_dash, print_json, time, wire};

pub async fn run(command: BugsCommand) -> anyhow::Result<()> {
    match command {
        BugsCommand::List(args) => {
            let bugs = connect(&args.client)?.list_run_bugs(&args.run_id).await?;
            if args.client.json {
                return print_json(&bugs);
            }
            print_bugs(&bugs);
            Ok(())
        }
    }
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
        "BUG",
        "SEVERITY",
        "CATEGORY",
        "CONFIDENCE",
        "PLAYER",
        "STEP",
        "TITLE",
        "DETECTED",
    ]);
    for bug in occurrences {
        table.row(vec![
            bug.bug_id.clone(),
            wire(&bug.severity),
            wire(&bug.category),
            wire(&bug.confidence),
            bug.player_number.to_string(),
            or_dash(bug.test_step),
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
