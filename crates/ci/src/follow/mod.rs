//! Following runs to their end: one event stream per run, all at once,
//! each event printed as it comes ([`crate::live`]). A stream that drops,
//! or stays silent for a minute, is reopened after the last event seen, so
//! nothing is missed or printed twice; a stream that ends is only believed
//! once the run reads as completed. While the server cannot be reached,
//! following retries with backoff for up to two minutes, then gives up on
//! that run. At the end each run is read once more, with its bugs: the
//! verdict comes from that reading, not from the events.

use std::time::Duration;

use playtest_client::{Client, Error as ClientError, EventStream};
use playtest_types::{BugOccurrence, RunDetails, RunEvent, RunEventKind, RunState};
use tokio::time::Instant;

use crate::live::Printer;
use crate::text::{run_result, status};

/// A stream silent this long (keep-alives included) is reopened.
const IDLE: Duration = Duration::from_secs(60);
/// How long the server may stay unreachable before a run is given up.
const UNREACHABLE_GRACE: Duration = Duration::from_secs(120);
/// The first pause before reconnecting; it doubles up to [`MAX_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_millis(500);
const MAX_PAUSE: Duration = Duration::from_secs(10);
/// How long the last reading of a run and its bugs may take, retries included.
const FINAL_READ: Duration = Duration::from_secs(15);

/// What following one run came to.
#[derive(Debug, Clone)]
pub struct Followed {
    pub run_id: String,
    /// The run as last read, with its players and steps; `None` when it
    /// could not be read at the end.
    pub details: Option<RunDetails>,
    pub bugs: Vec<BugOccurrence>,
    /// The reason or note of the last state event (why it failed, why it
    /// was retried), if it gave one.
    pub reason: Option<String>,
    /// Why following stopped before the run completed, if it did.
    pub cut_short: Option<CutShort>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CutShort {
    /// The wait's `--timeout` passed.
    Deadline,
    /// The server could not be reached for too long, or refused to go on.
    Lost(String),
}

impl Followed {
    pub fn completed(&self) -> bool {
        self.details
            .as_ref()
            .is_some_and(|details| details.run.state == RunState::Completed)
    }

    /// What the run ended with (`success`, `timeout`), or where it still is.
    pub fn outcome(&self) -> String {
        match &self.details {
            None => "unknown".to_string(),
            Some(details) if details.run.state != RunState::Completed => {
                format!("still {}", status(details.run.job_status))
            }
            Some(details) => run_result(&details.run),
        }
    }
}

/// Follows every run until it completes or `deadline` passes.
pub async fn follow_all(
    client: &Client,
    run_ids: &[String],
    printer: &Printer,
    deadline: Option<Instant>,
) -> Vec<Followed> {
    let each = run_ids
        .iter()
        .map(|run_id| follow_one(client, run_id, printer, deadline));
    futures::future::join_all(each).await
}

async fn follow_one(
    client: &Client,
    run_id: &str,
    printer: &Printer,
    deadline: Option<Instant>,
) -> Followed {
    let mut seen = Seen::default();
    let following = follow(client, run_id, printer, &mut seen);
    let cut_short = match deadline {
        Some(deadline) => match tokio::time::timeout_at(deadline, following).await {
            Ok(followed) => followed.err(),
            Err(_) => Some(CutShort::Deadline),
        },
        None => following.await.err(),
    };
    let (details, bugs) = match final_read(client, run_id).await {
        Some((details, bugs)) => (Some(details), bugs),
        None => (None, Vec::new()),
    };
    Followed {
        run_id: run_id.to_string(),
        details,
        bugs,
        reason: seen.reason,
        cut_short,
    }
}

/// Where following a run got to.
#[derive(Debug, Default)]
struct Seen {
    /// The last event's `seq`: a reconnect starts after it.
    after: i64,
    reason: Option<String>,
}

impl Seen {
    /// Whether the event is new; if so, remembers it.
    fn take(&mut self, event: &RunEvent) -> bool {
        if event.seq <= self.after {
            return false;
        }
        self.after = event.seq;
        if event.kind == RunEventKind::State {
            let said = |name: &str| event.data.get(name).and_then(|v| v.as_str());
            self.reason = said("reason").or(said("note")).map(str::to_string);
        }
        true
    }
}

/// How one stream of events ended.
enum Ended {
    /// The server closed it: the run completed (or the server had trouble).
    Closed,
    /// Nothing came for [`IDLE`].
    Idle,
    Broken(ClientError),
}

/// Prints the run's events until it completes; `Err` when it must be
/// given up.
async fn follow(
    client: &Client,
    run_id: &str,
    printer: &Printer,
    seen: &mut Seen,
) -> Result<(), CutShort> {
    let mut trouble = Trouble::default();
    loop {
        let stream = match client.run_events(run_id, seen.after).await {
            Ok(stream) => stream,
            Err(err) => {
                trouble.pause(printer, run_id, &err).await?;
                continue;
            }
        };
        trouble.over(printer, run_id);
        let ended = read(stream, run_id, printer, seen).await;
        if let Ended::Broken(err) = &ended {
            trouble.pause(printer, run_id, err).await?;
            continue;
        }
        match client.get_run(run_id).await {
            Ok(details) if details.run.state == RunState::Completed => {
                if matches!(ended, Ended::Closed) {
                    return Ok(());
                }
                // Reopened, the stream gives what is left and ends.
            }
            Ok(_) if matches!(ended, Ended::Closed) => tokio::time::sleep(FIRST_PAUSE).await,
            Ok(_) => {}
            Err(err) => trouble.pause(printer, run_id, &err).await?,
        }
    }
}

async fn read(mut stream: EventStream, run_id: &str, printer: &Printer, seen: &mut Seen) -> Ended {
    loop {
        match tokio::time::timeout(IDLE, stream.next()).await {
            Err(_) => return Ended::Idle,
            Ok(Ok(None)) => return Ended::Closed,
            Ok(Ok(Some(event))) => {
                if seen.take(&event) {
                    printer.event(run_id, &event);
                }
            }
            Ok(Err(err)) => return Ended::Broken(err),
        }
    }
}

/// A spell of failed requests: since when, and the next pause.
#[derive(Debug, Default)]
struct Trouble {
    since: Option<Instant>,
    pause: Duration,
}

impl Trouble {
    /// Waits before the next try, or gives up: at once on an error that
    /// trying again cannot fix, after [`UNREACHABLE_GRACE`] otherwise.
    async fn pause(
        &mut self,
        printer: &Printer,
        run_id: &str,
        err: &ClientError,
    ) -> Result<(), CutShort> {
        let what = brief(err);
        if !err.is_retryable() {
            return Err(CutShort::Lost(what));
        }
        let since = *self.since.get_or_insert_with(|| {
            printer.note(run_id, &format!("lost the server: {what}; retrying"));
            Instant::now()
        });
        if since.elapsed() >= UNREACHABLE_GRACE {
            return Err(CutShort::Lost(format!(
                "the server could not be reached for {} s ({what})",
                UNREACHABLE_GRACE.as_secs()
            )));
        }
        self.pause = (self.pause * 2).clamp(FIRST_PAUSE, MAX_PAUSE);
        tokio::time::sleep(self.pause).await;
        Ok(())
    }

    /// The server answered again.
    fn over(&mut self, printer: &Printer, run_id: &str) {
        if self.since.take().is_some() {
            printer.note(run_id, "reached the server again");
        }
        self.pause = Duration::ZERO;
    }
}

/// A client error in a few words, without advice.
fn brief(err: &ClientError) -> String {
    err.transport_summary().unwrap_or_else(|| err.to_string())
}

/// The run and its bugs, read again for the verdict; `None` when the server
/// cannot give both within [`FINAL_READ`].
async fn final_read(client: &Client, run_id: &str) -> Option<(RunDetails, Vec<BugOccurrence>)> {
    let read = async {
        let mut pause = FIRST_PAUSE;
        loop {
            let both = async {
                let details = client.get_run(run_id).await?;
                let bugs = client.list_run_bugs(run_id).await?;
                Ok::<_, ClientError>((details, bugs.bug_occurrences))
            };
            match both.await {
                Ok(both) => return Some(both),
                Err(err) if err.is_retryable() => tokio::time::sleep(pause).await,
                Err(_) => return None,
            }
            pause = (pause * 2).min(MAX_PAUSE);
        }
    };
    tokio::time::timeout(FINAL_READ, read).await.ok().flatten()
}

#[cfg(test)]
pub mod testing;

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use serde_json::json;

    use super::*;

    fn event(seq: i64, kind: RunEventKind, data: serde_json::Value) -> RunEvent {
        RunEvent {
            seq,
            kind,
            data,
            at: Utc::now(),
        }
    }

    #[test]
    fn the_outcome_says_where_an_unfinished_run_still_is() {
        use playtest_types::RunOutcome;
        assert_eq!(
            testing::followed(Some(RunOutcome::Timeout), vec![]).outcome(),
            "timeout"
        );
        assert_eq!(testing::followed(None, vec![]).outcome(), "still queued");
    }

    #[test]
    fn an_event_already_seen_is_not_taken_again() {
        let mut seen = Seen::default();
        assert!(seen.take(&event(1, RunEventKind::Log, json!({}))));
        assert!(seen.take(&event(2, RunEventKind::Log, json!({}))));
        assert!(!seen.take(&event(2, RunEventKind::Log, json!({}))));
        assert!(!seen.take(&event(1, RunEventKind::Log, json!({}))));
        assert_eq!(seen.after, 2);
    }

    #[test]
    fn the_reason_kept_is_the_last_state_events() {
        let mut seen = Seen::default();
        seen.take(&event(
            1,
            RunEventKind::State,
            json!({"status": "QUEUED", "note": "attempt 1 ended with error"}),
        ));
        assert_eq!(seen.reason.as_deref(), Some("attempt 1 ended with error"));
        seen.take(&event(2, RunEventKind::Log, json!({"line": "x"})));
        assert_eq!(seen.reason.as_deref(), Some("attempt 1 ended with error"));
        seen.take(&event(
            3,
            RunEventKind::State,
            json!({"status": "COMPLETED", "reason": "exit code 3"}),
        ));
        assert_eq!(seen.reason.as_deref(), Some("exit code 3"));
        seen.take(&event(
            4,
            RunEventKind::State,
            json!({"status": "COMPLETED"}),
        ));
        assert_eq!(seen.reason, None);
    }
}
