//! What a run did, in order: the `trace.json` artifact, and the bookkeeping
//! of pauses that turns elapsed time into explicit waits so a replay
//! repeats the timing.

use std::time::Duration;

use playtest_types::Action;
use serde::Serialize;

use crate::cells::CellId;

/// `trace.json`: every action and restart of a run, with when it happened
/// and the cell it led to.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RunTrace {
    pub seed: u64,
    pub entries: Vec<RunTraceEntry>,
    pub actions: u64,
    pub restarts: u32,
    /// Every fingerprint seen, with how often.
    pub findings: Vec<FindingCount>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunTraceEntry {
    /// Since the session started.
    pub at_ms: u64,
    #[serde(flatten)]
    pub what: TraceEvent,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cell: Option<CellId>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TraceEvent {
    Action(Action),
    /// The game was started afresh, with why.
    Restart(String),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FindingCount {
    pub fingerprint: String,
    pub detector: &'static str,
    pub title: String,
    pub count: u32,
    pub first_at_ms: u64,
}

/// Appends a pause as a `WaitMs`, rounded to 10 ms, merged into a wait
/// that ends the trace already. Pauses shorter than `min` are dropped.
pub fn append_pause(actions: &mut Vec<Action>, pause: Duration, min: Duration) {
    if pause < min {
        return;
    }
    let ms = ((pause.as_millis() as u64) + 5) / 10 * 10;
    match actions.last_mut() {
        Some(Action::WaitMs(previous)) => *previous += ms,
        _ => actions.push(Action::WaitMs(ms)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_become_rounded_waits_merged_with_a_previous_wait() {
        let mut actions = vec![Action::Key("a".into())];
        append_pause(
            &mut actions,
            Duration::from_millis(20),
            Duration::from_millis(50),
        );
        assert_eq!(actions.len(), 1);
        append_pause(
            &mut actions,
            Duration::from_millis(203),
            Duration::from_millis(50),
        );
        append_pause(
            &mut actions,
            Duration::from_millis(96),
            Duration::from_millis(50),
        );
        assert_eq!(actions, vec![Action::Key("a".into()), Action::WaitMs(300)]);
    }

    #[test]
    fn a_trace_entry_serialises_as_action_or_restart() {
        let entry = RunTraceEntry {
            at_ms: 5,
            what: TraceEvent::Action(Action::Key("a".into())),
            cell: Some(CellId(255)),
        };
        assert_eq!(
            serde_json::to_value(&entry).unwrap(),
            serde_json::json!({"at_ms": 5, "action": {"key": "a"}, "cell": "00000000000000ff"})
        );
        let restart = RunTraceEntry {
            at_ms: 9,
            what: TraceEvent::Restart("hang".into()),
            cell: None,
        };
        assert_eq!(
            serde_json::to_value(&restart).unwrap(),
            serde_json::json!({"at_ms": 9, "restart": "hang"})
        );
    }
}
