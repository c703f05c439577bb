//! What a run's events say, the same in both backends. Each backend appends
//! them in the transaction of the change they describe (see
//! [`crate::scheduling`]), numbering them after the run's last one.

use chrono::{DateTime, Utc};
use playtest_types::{
    BugOccurrence, JobStatus, LogLine, RunEventKind, RunOutcome, RunResult, RunState, StepReport,
};
use serde::Serialize;

use crate::codec::{stored, to_json};
use crate::{NewRunEvent, Result};

/// The data of a `state` event: where the job and the run now are, and
/// why, for the changes that need saying.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct StateChange<'a> {
    pub(crate) status: JobStatus,
    pub(crate) state: RunState,
    pub(crate) result: Option<RunResult>,
    pub(crate) outcome: Option<RunOutcome>,
    /// The attempt just leased, or just ended.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) attempt: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) worker_id: Option<&'a str>,
    /// The attempt ended and the job went back to the queue.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub(crate) retried: bool,
    /// The worker's reason for its outcome.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) reason: Option<&'a str>,
    /// The server's words on the change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) note: Option<String>,
}

impl<'a> StateChange<'a> {
    /// A change to `status` and `state`, with nothing else to say yet.
    pub(crate) fn new(status: JobStatus, state: RunState) -> Self {
        StateChange {
            status,
            state,
            result: None,
            outcome: None,
            attempt: None,
            worker_id: None,
            retried: false,
            reason: None,
            note: None,
        }
    }

    /// A run completed with `outcome`.
    pub(crate) fn completed(outcome: RunOutcome) -> Self {
        StateChange {
            result: Some(outcome.result()),
            outcome: Some(outcome),
            ..StateChange::new(JobStatus::Completed, RunState::Completed)
        }
    }

    pub(crate) fn event(&self, at: DateTime<Utc>) -> Result<NewRunEvent> {
        Ok(NewRunEvent {
            kind: RunEventKind::State,
            data: to_json(self)?.0,
            at,
        })
    }
}

/// A step started or ended: the step as it now stands.
pub(crate) fn step_event(step: &StepReport, at: DateTime<Utc>) -> Result<NewRunEvent> {
    Ok(NewRunEvent {
        kind: RunEventKind::Step,
        data: to_json(step)?.0,
        at,
    })
}

/// A bug was found: the occurrence as `GET /runs/{id}/bugs` shows it.
pub(crate) fn bug_event(occurrence: &BugOccurrence, at: DateTime<Utc>) -> Result<NewRunEvent> {
    Ok(NewRunEvent {
        kind: RunEventKind::Bug,
        data: to_json(occurrence)?.0,
        at,
    })
}

/// A line of the run's log, at the time the worker gave it (as stored).
pub(crate) fn log_event(line: &LogLine) -> Result<NewRunEvent> {
    let at = stored(line.at);
    let line = LogLine { at, ..line.clone() };
    Ok(NewRunEvent {
        kind: RunEventKind::Log,
        data: to_json(&line)?.0,
        at,
    })
}

/// The note of a retried attempt.
pub(crate) fn retry_note(attempt: i32, outcome: RunOutcome) -> String {
    format!(
        "attempt {attempt} ended with {}; the job is queued again",
        outcome_name(outcome)
    )
}

/// The note of a lease that expired.
pub(crate) fn expiry_note(worker_id: &str) -> String {
    format!("the lease of worker {worker_id} expired: it stopped reporting")
}

fn outcome_name(outcome: RunOutcome) -> &'static str {
    match outcome {
        RunOutcome::Success => "success",
        RunOutcome::Failed => "failed",
        RunOutcome::Timeout => "timeout",
        RunOutcome::Error => "error",
        RunOutcome::Stopped => "stopped",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_state_event_says_status_state_result_and_outcome_and_only_the_notes_given() {
        let at = Utc::now();
        let queued = StateChange::new(JobStatus::Queued, RunState::Initializing)
            .event(at)
            .unwrap();
        assert_eq!(queued.kind, RunEventKind::State);
        assert_eq!(
            queued.data,
            json!({"status": "QUEUED", "state": "initializing", "result": null, "outcome": null})
        );
        let done = StateChange {
            reason: Some("crashed"),
            ..StateChange::completed(RunOutcome::Timeout)
        };
        assert_eq!(
            done.event(at).unwrap().data,
            json!({"status": "COMPLETED", "state": "completed", "result": "error",
                   "outcome": "timeout", "reason": "crashed"})
        );
    }

    #[test]
    fn notes_name_the_outcome_as_the_wire_does() {
        for outcome in [
            RunOutcome::Success,
            RunOutcome::Failed,
            RunOutcome::Timeout,
            RunOutcome::Error,
            RunOutcome::Stopped,
        ] {
            let wire = serde_json::to_value(outcome).unwrap();
            assert_eq!(Some(outcome_name(outcome)), wire.as_str());
        }
    }
}
