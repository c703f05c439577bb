//! Where the live output of `run --wait` and `runs watch` goes. Events go
//! to standard output, one line each: readable text (prefixed with a short
//! run label when several runs are followed at once) or, with `--json`,
//! the event as one JSON line with its `run_id`. Notes about following
//! itself (a lost connection, a reconnect) go to standard error, so that
//! standard output stays JSON when it is asked to be.

mod event_line;

use std::collections::HashMap;

use playtest_types::RunEvent;
use serde_json::Value;

/// Labels are run id prefixes at least this long.
const LABEL_CHARS: usize = 6;

pub struct Printer {
    json: bool,
    verbose: bool,
    /// Run id → label; empty when only one run is followed (no prefix).
    labels: HashMap<String, String>,
}

impl Printer {
    pub fn new(run_ids: &[String], json: bool, verbose: bool) -> Printer {
        let labels = if run_ids.len() > 1 {
            run_ids.iter().cloned().zip(labels(run_ids)).collect()
        } else {
            HashMap::new()
        };
        Printer {
            json,
            verbose,
            labels,
        }
    }

    /// `[label] text` with several runs, `text` with one.
    pub fn prefixed(&self, run_id: &str, text: &str) -> String {
        match self.labels.get(run_id) {
            Some(label) => format!("[{label}] {text}"),
            None => text.to_string(),
        }
    }

    /// A line about a run on standard output (not in JSON mode).
    pub fn line(&self, run_id: &str, text: &str) {
        if !self.json {
            println!("{}", self.prefixed(run_id, text));
        }
    }

    /// One event of a run.
    pub fn event(&self, run_id: &str, event: &RunEvent) {
        if self.json {
            println!("{}", event_json(run_id, event));
        } else if let Some(text) = event_line::describe(event, self.verbose) {
            println!("{}", self.prefixed(run_id, &text));
        }
    }

    /// A note about following a run, on standard error.
    pub fn note(&self, run_id: &str, text: &str) {
        eprintln!("{}", self.prefixed(run_id, text));
    }
}

/// The event as one JSON line, with the id of its run.
fn event_json(run_id: &str, event: &RunEvent) -> String {
    let mut value = serde_json::to_value(event).unwrap_or(Value::Null);
    if let Value::Object(fields) = &mut value {
        fields.insert("run_id".to_string(), Value::String(run_id.to_string()));
    }
    value.to_string()
}

/// A label per run: the shortest prefix of its id, at least
/// [`LABEL_CHARS`] long, that no other run id starts with.
pub fn labels(run_ids: &[String]) -> Vec<String> {
    let longest = run_ids
        .iter()
        .map(|id| id.chars().count())
        .max()
        .unwrap_or(0);
    let mut length = LABEL_CHARS.min(longest);
    loop {
        let cut: Vec<String> = run_ids
            .iter()
            .map(|id| id.chars().take(length).collect())
            .collect();
        let mut distinct = cut.clone();
        distinct.sort();
        distinct.dedup();
        if distinct.len() == cut.len() || length >= longest {
            return cut;
        }
        length += 1;
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use playtest_types::RunEventKind;
    use serde_json::json;

    use super::*;

    #[test]
    fn labels_are_short_prefixes_that_tell_the_runs_apart() {
        let ids = |ids: &[&str]| ids.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            labels(&ids(&["abcdefghijkl", "zyxwvutsrqpo"])),
            ["abcdef", "zyxwvu"]
        );
        assert_eq!(
            labels(&ids(&["abcdefgh0000", "abcdefgh1111"])),
            ["abcdefgh0", "abcdefgh1"]
        );
        assert_eq!(labels(&ids(&["ab", "ab"])), ["ab", "ab"]);
    }

    #[test]
    fn lines_are_prefixed_only_when_several_runs_are_followed() {
        let one = Printer::new(&["abcdefghijkl".into()], false, false);
        assert_eq!(one.prefixed("abcdefghijkl", "queued"), "queued");
        let two = Printer::new(
            &["abcdefghijkl".into(), "bcdefghijklm".into()],
            false,
            false,
        );
        assert_eq!(two.prefixed("abcdefghijkl", "queued"), "[abcdef] queued");
    }

    #[test]
    fn a_json_event_line_carries_its_run_id() {
        let event = RunEvent {
            seq: 3,
            kind: RunEventKind::Bug,
            data: json!({"title": "x"}),
            at: Utc::now(),
        };
        let line: Value = serde_json::from_str(&event_json("abc", &event)).unwrap();
        assert_eq!(line["run_id"], "abc");
        assert_eq!(line["seq"], 3);
        assert_eq!(line["kind"], "bug");
        assert_eq!(line["data"]["title"], "x");
    }
}
