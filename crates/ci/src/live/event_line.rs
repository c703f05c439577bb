//! How a run event reads as one line of a CI log: `queued`, `starting:
//! attempt 1 on worker wkr_x`, `player 0 step 2 failed: <report>`,
//! `bug high crash: <title>`, `stdout: <line>`. The data of an event is
//! read loosely (a field missing or of another shape is left out, an
//! unknown shape is shown as JSON), so that a newer server's events still
//! print.

use playtest_types::{RunEvent, RunEventKind};
use serde_json::Value;

use crate::text::one_line;

/// The longest report or log line shown, in characters.
const MAX_TEXT: usize = 300;

/// The line `event` reads as; `None` for a log line unless `verbose`.
pub fn describe(event: &RunEvent, verbose: bool) -> Option<String> {
    let data = &event.data;
    let line = match event.kind {
        RunEventKind::State => state_line(data),
        RunEventKind::Step => step_line(data),
        RunEventKind::Bug => bug_line(data),
        RunEventKind::Log if !verbose => return None,
        RunEventKind::Log => log_line(data),
    };
    Some(line.unwrap_or_else(|| one_line(&data.to_string(), MAX_TEXT)))
}

fn text<'a>(data: &'a Value, name: &str) -> Option<&'a str> {
    data.get(name).and_then(Value::as_str)
}

fn number(data: &Value, name: &str) -> Option<i64> {
    data.get(name).and_then(Value::as_i64)
}

/// `starting: attempt 1 on worker wkr_x`, `completed: failed (crashed)`:
/// the outcome once completed, else the attempt (and its worker) when the
/// event names one.
fn state_line(data: &Value) -> Option<String> {
    let status = text(data, "status")?.to_lowercase().replace('_', " ");
    let outcome = text(data, "outcome").or(text(data, "result"));
    let detail = match (text(data, "state"), outcome, number(data, "attempt")) {
        (Some("completed"), Some(outcome), _) => Some(outcome.to_string()),
        (_, _, Some(attempt)) => Some(match text(data, "worker_id") {
            Some(worker) => format!("attempt {attempt} on worker {worker}"),
            None => format!("attempt {attempt}"),
        }),
        _ => None,
    };
    let mut line = match detail {
        Some(detail) => format!("{status}: {detail}"),
        None => status,
    };
    for said in [text(data, "reason"), text(data, "note")]
        .into_iter()
        .flatten()
    {
        line = format!("{line} ({})", one_line(said, MAX_TEXT));
    }
    Some(line)
}

/// `player 0 step 2 passed`, `player 0 step 2 failed: <report>`.
fn step_line(data: &Value) -> Option<String> {
    let player = number(data, "player_number")?;
    let step = number(data, "step_number")?;
    let state = text(data, "state")?;
    let how = match (state, text(data, "result")) {
        (_, Some("success")) => "passed",
        (_, Some("failure")) => "failed",
        (state, _) => state,
    };
    let mut line = format!("player {player} step {step} {how}");
    if let Some(report) = text(data, "report").filter(|r| !r.trim().is_empty()) {
        line = format!("{line}: {}", one_line(report, MAX_TEXT));
    }
    Some(line)
}

/// `bug critical crash: <title> (player 0, step 2)`.
fn bug_line(data: &Value) -> Option<String> {
    let title = text(data, "title")?;
    let severity = text(data, "severity").unwrap_or("?");
    let mut line = format!("bug {severity}");
    if let Some(category) = text(data, "category") {
        line = format!("{line} {category}");
    }
    line = format!("{line}: {}", one_line(title, MAX_TEXT));
    let mut place = Vec::new();
    if let Some(player) = number(data, "player_number") {
        place.push(format!("player {player}"));
    }
    if let Some(step) = number(data, "test_step") {
        place.push(format!("step {step}"));
    }
    if !place.is_empty() {
        line = format!("{line} ({})", place.join(", "));
    }
    Some(line)
}

/// `stdout: <line>`.
fn log_line(data: &Value) -> Option<String> {
    let line = text(data, "line")?;
    let stream = text(data, "stream").unwrap_or("log");
    Some(format!("{stream}: {}", one_line(line, MAX_TEXT)))
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use serde_json::json;

    use super::*;

    fn event(kind: RunEventKind, data: Value) -> RunEvent {
        RunEvent {
            seq: 1,
            kind,
            data,
            at: Utc::now(),
        }
    }

    fn line(kind: RunEventKind, data: Value) -> String {
        describe(&event(kind, data), true).unwrap()
    }

    #[test]
    fn a_state_change_says_the_status_and_what_came_with_it() {
        let queued =
            json!({"status": "QUEUED", "state": "initializing", "result": null, "outcome": null});
        assert_eq!(line(RunEventKind::State, queued), "queued");
        let leased = json!({"status": "STARTING", "state": "initializing", "attempt": 2, "worker_id": "wkr_1"});
        assert_eq!(
            line(RunEventKind::State, leased),
            "starting: attempt 2 on worker wkr_1"
        );
        let done = json!({"status": "COMPLETED", "state": "completed", "result": "error",
                          "outcome": "timeout", "attempt": 1, "worker_id": "wkr_1",
                          "reason": "no answer\nin 60 s"});
        assert_eq!(
            line(RunEventKind::State, done),
            "completed: timeout (no answer in 60 s)"
        );
        let retried = json!({"status": "QUEUED", "state": "initializing", "retried": true,
                             "note": "attempt 1 ended with error; the job is queued again"});
        assert_eq!(
            line(RunEventKind::State, retried),
            "queued (attempt 1 ended with error; the job is queued again)"
        );
        let cleaning = json!({"status": "CLEANING_UP", "state": "running"});
        assert_eq!(line(RunEventKind::State, cleaning), "cleaning up");
    }

    #[test]
    fn a_step_says_its_player_number_and_result_with_the_report() {
        let passed = json!({"player_number": 0, "step_number": 1, "state": "completed", "result": "success"});
        assert_eq!(line(RunEventKind::Step, passed), "player 0 step 1 passed");
        let failed = json!({"player_number": 1, "step_number": 2, "state": "completed",
                            "result": "failure", "report": "the menu\ndid not open"});
        assert_eq!(
            line(RunEventKind::Step, failed),
            "player 1 step 2 failed: the menu did not open"
        );
        let running = json!({"player_number": 0, "step_number": 3, "state": "running"});
        assert_eq!(line(RunEventKind::Step, running), "player 0 step 3 running");
    }

    #[test]
    fn a_bug_says_its_severity_category_title_and_place() {
        let bug = json!({"title": "Crash on start", "severity": "critical", "category": "crash",
                         "player_number": 0, "test_step": 2});
        assert_eq!(
            line(RunEventKind::Bug, bug),
            "bug critical crash: Crash on start (player 0, step 2)"
        );
    }

    #[test]
    fn log_lines_show_only_when_verbose() {
        let log = event(
            RunEventKind::Log,
            json!({"stream": "stderr", "line": "warning: low fps", "at": "2024-01-01T00:00:00Z"}),
        );
        assert_eq!(describe(&log, false), None);
        assert_eq!(
            describe(&log, true).as_deref(),
            Some("stderr: warning: low fps")
        );
    }

    #[test]
    fn an_event_of_an_unknown_shape_prints_as_json() {
        assert_eq!(
            line(RunEventKind::Step, json!({"what": "new"})),
            r#"{"what":"new"}"#
        );
    }
}
