//! What the runs came to: each run's details and bugs, read through the
//! reference's operations, and the faults each one had to find.

use std::collections::{BTreeMap, BTreeSet};

use playtest_contract::recorder::Recorder;
use serde_json::Value;

use super::runs::{Played, run_details};

/// Every run's details and bugs, and the lists page by page.
pub fn read_every_run(api: &Recorder, played: &[Played]) -> BTreeMap<String, Vec<Value>> {
    for query in [
        "state=completed",
        "state=running",
        "page=1&page_size=5",
        "page=9",
    ] {
        let (status, list) = api.get(&format!("/api/v1/runs?{query}"));
        assert_eq!(status, 200, "{query}: {list}");
    }
    let mut bugs = BTreeMap::new();
    for run in played {
        let details = run_details(api, &run.run_id);
        assert_eq!(
            details["outcome"], run.outcome,
            "the run that {} ended otherwise: {details}",
            run.name
        );
        let (status, list) = api.get(&format!("/api/v1/runs/{}/bugs", run.run_id));
        assert_eq!(status, 200, "{list}");
        bugs.insert(
            run.run_id.clone(),
            list["bug_occurrences"].as_array().unwrap().clone(),
        );
    }
    bugs
}

/// The runs found what their faults put there, and say when: a
/// verification step, the agent's turn.
pub fn check_what_was_played(played: &[Played], bugs: &BTreeMap<String, Vec<Value>>) {
    for run in played {
        let found = &bugs[&run.run_id];
        let kinds: BTreeSet<String> = found.iter().map(detector_of).collect();
        for expected in run.bugs {
            assert!(
                kinds.contains(*expected),
                "the run that {} found {kinds:?}, not {expected}: {found:#?}",
                run.name
            );
        }
        for bug in found {
            let by_agent = !bug["details"]["fingerprint"]
                .as_str()
                .unwrap()
                .starts_with("game_loop/");
            assert_eq!(bug.get("turn").is_some(), by_agent, "{bug}");
        }
    }
    let fell = played
        .iter()
        .find(|r| r.name == "walked off the edge")
        .unwrap();
    let exception = bugs[&fell.run_id]
        .iter()
        .find(|b| {
            b["details"]["fingerprint"]
                .as_str()
                .unwrap()
                .starts_with("exception:")
        })
        .unwrap();
    assert_eq!(exception["test_step"], 2, "{exception}");
    assert_eq!(
        exception["turn"], 6,
        "the click and five steps down: {exception}"
    );
}

/// The detector a bug's fingerprint names: `crash` of `crash:0123...`,
/// `game_loop/hang` of `game_loop/hang/sleep.sh`.
fn detector_of(bug: &Value) -> String {
    let fingerprint = bug["details"]["fingerprint"].as_str().unwrap();
    match fingerprint.split_once(':') {
        Some((kind, _)) => kind.to_string(),
        None => fingerprint.split('/').take(2).collect::<Vec<_>>().join("/"),
    }
}
