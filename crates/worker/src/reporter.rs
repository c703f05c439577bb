//! Ships what a job produces (log lines, steps, bugs) to the server in
//! batches: callers push without waiting, a background task sends every
//! quarter second, and `finish` sends the rest before the job completes.
//! A lost lease is remembered so the job can stop early.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use playtest_client::WorkerClient;
use playtest_types::{BugReport, JobReport, LogLine, LogStream, StepReport};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// How often buffered items are sent.
const FLUSH_EVERY: Duration = Duration::from_millis(250);
/// Most log lines per report (the server takes up to 5,000).
const MAX_LINES_PER_REPORT: usize = 2_000;

#[derive(Clone)]
pub struct Reporter {
    inner: Arc<Inner>,
}

struct Inner {
    client: WorkerClient,
    worker_id: String,
    job_id: String,
    fencing_token: i64,
    pending: Mutex<JobReport>,
    /// Set when the server answered LEASE_LOST.
    lost: watch::Sender<bool>,
}

impl Reporter {
    pub fn new(
        client: WorkerClient,
        worker_id: String,
        job_id: String,
        fencing_token: i64,
    ) -> Self {
        let (lost, _) = watch::channel(false);
        Reporter {
            inner: Arc::new(Inner {
                client,
                worker_id,
                job_id,
                fencing_token,
                pending: Mutex::new(JobReport {
                    fencing_token,
                    ..JobReport::default()
                }),
                lost,
            }),
        }
    }

    /// Turns true when the lease is lost.
    pub fn lost(&self) -> watch::Receiver<bool> {
        self.inner.lost.subscribe()
    }

    pub fn mark_lost(&self) {
        self.inner.lost.send_replace(true);
    }

    pub fn started(&self) {
        self.with(|report| report.started = true);
    }

    /// The game has ended; what follows is uploading its artifacts.
    pub fn cleaning_up(&self) {
        self.with(|report| report.cleaning_up = true);
    }

    pub fn log(&self, line: LogLine) {
        self.with(|report| report.logs.push(line));
    }

    /// A line of the agent's own log (what it does, what it concluded).
    pub fn agent_log(&self, line: impl Into<String>) {
        self.log(LogLine {
            stream: LogStream::Agent,
            line: line.into(),
            at: chrono::Utc::now(),
        });
    }

    pub fn step(&self, step: StepReport) {
        self.with(|report| report.steps.push(step));
    }

    pub fn bug(&self, bug: BugReport) {
        self.with(|report| report.bugs.push(bug));
    }

    fn with(&self, change: impl FnOnce(&mut JobReport)) {
        let mut pending = self.inner.pending.lock().unwrap_or_else(|e| e.into_inner());
        change(&mut pending);
    }

    /// Sends what is buffered; on a transport failure the items stay for
    /// the next attempt.
    pub async fn flush(&self) -> Result<(), playtest_client::Error> {
        loop {
            let batch = {
                let mut pending = self.inner.pending.lock().unwrap_or_else(|e| e.into_inner());
                if !pending.started
                    && !pending.cleaning_up
                    && pending.logs.is_empty()
                    && pending.steps.is_empty()
                    && pending.bugs.is_empty()
                {
                    return Ok(());
                }
                take_batch(&mut pending, self.inner.fencing_token)
            };
            let sent = self
                .inner
                .client
                .report(&self.inner.worker_id, &self.inner.job_id, &batch)
                .await;
            if let Err(err) = sent {
                if err.is_lease_lost() {
                    self.mark_lost();
                    return Err(err);
                }
                // Put the batch back in front, to keep the order.
                let mut pending = self.inner.pending.lock().unwrap_or_else(|e| e.into_inner());
                let later = std::mem::replace(&mut *pending, batch);
                pending.started |= later.started;
                pending.cleaning_up |= later.cleaning_up;
                pending.logs.extend(later.logs);
                pending.steps.extend(later.steps);
                pending.bugs.extend(later.bugs);
                return Err(err);
            }
        }
    }

    /// Flushes every quarter second until `done` is cancelled. Never abort
    /// this task: a batch taken out of the buffer and in flight would be
    /// lost. Cancel `done`, await the task, then [`Reporter::flush`] the rest.
    pub async fn run(self, done: CancellationToken) {
        let mut ticks = tokio::time::interval(FLUSH_EVERY);
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                () = done.cancelled() => return,
            }
            if let Err(err) = self.flush().await {
                if err.is_lease_lost() {
                    return;
                }
                tracing::debug!(error = %err, "could not send a report; retrying");
            }
        }
    }
}

/// Takes up to [`MAX_LINES_PER_REPORT`] log lines and everything else.
fn take_batch(pending: &mut JobReport, fencing_token: i64) -> JobReport {
    let logs = if pending.logs.len() > MAX_LINES_PER_REPORT {
        let rest = pending.logs.split_off(MAX_LINES_PER_REPORT);
        std::mem::replace(&mut pending.logs, rest)
    } else {
        std::mem::take(&mut pending.logs)
    };
    JobReport {
        fencing_token,
        started: std::mem::take(&mut pending.started),
        cleaning_up: std::mem::take(&mut pending.cleaning_up),
        steps: std::mem::take(&mut pending.steps),
        bugs: std::mem::take(&mut pending.bugs),
        logs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    #[test]
    fn a_batch_takes_at_most_the_line_limit_and_keeps_the_rest_in_order() {
        let mut pending = JobReport::default();
        for i in 0..MAX_LINES_PER_REPORT + 5 {
            pending.logs.push(LogLine {
                stream: LogStream::Stdout,
                line: i.to_string(),
                at: Utc::now(),
            });
        }
        pending.started = true;
        let batch = take_batch(&mut pending, 7);
        assert_eq!(batch.logs.len(), MAX_LINES_PER_REPORT);
        assert_eq!(batch.fencing_token, 7);
        assert!(batch.started && !pending.started);
        assert_eq!(pending.logs.len(), 5);
        assert_eq!(pending.logs[0].line, MAX_LINES_PER_REPORT.to_string());
    }
}
