//! The rules of a job's lease, the same in both backends: which statuses
//! hold a lease, when a job that ended goes back to the queue, what a lost
//! worker's job becomes, and what players end with (which jobs a worker
//! plays, and why a queued job waits, is [`crate::capabilities`]). The
//! backends carry these decisions out: with the statements below where both
//! dialects accept the same SQL, each in its own SQL elsewhere.

use std::sync::LazyLock;

use chrono::{DateTime, TimeDelta, Utc};
use playtest_types::{RunOutcome, RunResult};

use crate::{ArtifactRecord, Result, StoreError};

/// The statuses in which a job is leased, as an SQL list: a worker may
/// write about it (with the current fencing token) and its lease expires.
pub(crate) const ACTIVE: &str = "('STARTING', 'RUNNING', 'STOPPING', 'CLEANING_UP')";

/// A condition on a job (in any query of `jobs`): the worker holding its
/// lease has a token that is not revoked. A revoked token's worker can no
/// longer report, whatever token it names.
pub(crate) const OWNER_NOT_REVOKED: &str = "EXISTS (SELECT 1 FROM workers w \
    JOIN worker_tokens t ON t.id = w.token_id WHERE w.id = lease_owner AND NOT t.revoked)";

/// What becomes of a job whose attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Back to the queue for another attempt.
    Retry,
    /// The job and its run complete with this outcome.
    Complete(RunOutcome),
}

/// The job's state when an attempt ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Attempt {
    /// Leases so far, this one included.
    pub(crate) attempts: i32,
    /// Retries allowed after the first attempt.
    pub(crate) retries: i32,
    /// A user asked for the job to stop.
    pub(crate) stop_requested: bool,
}

impl Attempt {
    /// An attempt that ended with `outcome` is retried when it was an error,
    /// a timeout or a stop no user asked for, and retries are left. A job a
    /// user asked to stop is never retried, whatever its worker says: the
    /// user wants it over.
    pub(crate) fn verdict(self, outcome: RunOutcome) -> Verdict {
        let retryable = match outcome {
            RunOutcome::Error | RunOutcome::Timeout | RunOutcome::Stopped => !self.stop_requested,
            RunOutcome::Success | RunOutcome::Failed => false,
        };
        if retryable && self.attempts <= self.retries {
            Verdict::Retry
        } else {
            Verdict::Complete(outcome)
        }
    }

    /// What the attempt of a worker that was lost (its lease expired)
    /// ended with: an error, unless a user asked for the job to stop.
    pub(crate) fn expired_outcome(self) -> RunOutcome {
        if self.stop_requested {
            RunOutcome::Stopped
        } else {
            RunOutcome::Error
        }
    }
}

/// How an attempt ended, as both backends carry it out: retried or
/// completed (see [`Attempt::verdict`]), with the artifacts it left.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ending<'a> {
    pub(crate) outcome: RunOutcome,
    pub(crate) artifacts: &'a [ArtifactRecord],
    /// The worker's reason.
    pub(crate) reason: Option<&'a str>,
    /// The server's words on why the attempt ended (a lease that expired).
    pub(crate) note: Option<&'a str>,
    pub(crate) at: DateTime<Utc>,
}

impl Ending<'_> {
    /// The note of the `state` event: the server's words, and the retry's.
    pub(crate) fn note(&self, verdict: Verdict, attempt: i32) -> Option<String> {
        let retry =
            (verdict == Verdict::Retry).then(|| crate::events::retry_note(attempt, self.outcome));
        match (self.note, retry) {
            (Some(note), Some(retry)) => Some(format!("{note}; {retry}")),
            (Some(note), None) => Some(note.to_string()),
            (None, retry) => retry,
        }
    }
}

/// What every player of a run completed with `outcome` ends with.
pub(crate) fn player_result(outcome: RunOutcome) -> RunResult {
    match outcome {
        RunOutcome::Success => RunResult::Success,
        RunOutcome::Failed => RunResult::Failure,
        RunOutcome::Timeout | RunOutcome::Error | RunOutcome::Stopped => RunResult::Error,
    }
}

/// When a lease taken at `now` for `lease_for` expires.
pub(crate) fn lease_expiry(
    now: DateTime<Utc>,
    lease_for: std::time::Duration,
) -> Result<DateTime<Utc>> {
    TimeDelta::from_std(lease_for)
        .ok()
        .and_then(|delta| now.checked_add_signed(delta))
        .ok_or_else(|| StoreError::Conflict(format!("a lease of {lease_for:?} is out of range")))
}

/// Which jobs a worker may lease, by project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope<'a> {
    /// Any project's.
    Any,
    /// This project's only.
    Project(&'a str),
    /// None: the request and the token name different projects.
    Nothing,
}

/// The request's and the token's scopes both apply (`None`: every project).
pub(crate) fn lease_scope<'a>(requested: Option<&'a str>, token: Option<&'a str>) -> Scope<'a> {
    match (requested, token) {
        (Some(a), Some(b)) if a != b => Scope::Nothing,
        (Some(p), _) | (None, Some(p)) => Scope::Project(p),
        (None, None) => Scope::Any,
    }
}

/// Extends a lease still held: `$1` job, `$2` fencing token, `$3` new
/// expiry, `$4` worker. Returns the expiry, the job's status and whether a
/// stop was requested; no row when the lease is lost.
pub(crate) static RENEW_LEASE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "UPDATE jobs SET lease_expires_at = $3 \
         WHERE id = $1 AND fencing_token = $2 AND lease_owner = $4 AND status IN {ACTIVE} \
         AND {OWNER_NOT_REVOKED} \
         RETURNING lease_expires_at, status, stop_requested_at IS NOT NULL"
    )
});

/// The jobs whose lease expired before `$1`, the oldest first, at most `$2`.
pub(crate) static DUE_LEASES: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT id FROM jobs WHERE lease_expires_at < $1 AND status IN {ACTIVE} \
         ORDER BY lease_expires_at LIMIT $2"
    )
});

/// Keeps an artifact of an ending attempt, replacing one of the same name:
/// `$1` run, `$2` file name, `$3` blob key, `$4` size, `$5` upload time.
pub(crate) const KEEP_ARTIFACT: &str = "INSERT INTO run_artifacts \
    (run_id, filename, blob_key, size, uploaded_at) VALUES ($1, $2, $3, $4, $5) \
    ON CONFLICT (run_id, filename) DO UPDATE SET blob_key = excluded.blob_key, \
    size = excluded.size, uploaded_at = excluded.uploaded_at";

/// [`Verdict::Retry`]: the job back in the queue, `$1` job, `$2` when.
pub(crate) const REQUEUE_JOB: &str = "UPDATE jobs SET status = 'QUEUED', lease_owner = NULL, \
    lease_expires_at = NULL, queue_rejection_reason = NULL, updated_at = $2 WHERE id = $1";

/// [`Verdict::Retry`]: the run `$1`, its players and steps as they were
/// before the first attempt, but for the bugs found and the artifacts kept.
pub(crate) const RESET_RUN: [&str; 3] = [
    "UPDATE runs SET state = 'initializing', result = NULL, outcome = NULL, started_at = NULL, \
     completed_at = NULL WHERE id = $1",
    "UPDATE run_players SET state = 'initializing', result = NULL, completed_step_count = 0 \
     WHERE run_id = $1",
    "UPDATE run_steps SET state = 'pending', result = NULL, report = NULL, start_time = NULL, \
     end_time = NULL, duration_ms = NULL WHERE run_id = $1",
];

/// [`Verdict::Complete`]: the job done with its lease, `$1` job, `$2` when.
pub(crate) const COMPLETE_JOB: &str = "UPDATE jobs SET status = 'COMPLETED', lease_owner = NULL, \
    lease_expires_at = NULL, updated_at = $2 WHERE id = $1";

/// A run completed: `$1` run, `$2` its result, `$3` its outcome, `$4` when.
pub(crate) const COMPLETE_RUN: &str = "UPDATE runs SET state = 'completed', result = $2, \
    outcome = $3, completed_at = $4 WHERE id = $1";

/// The players of a completed run `$1` end with `$2`, the
/// [`player_result`] of its outcome.
pub(crate) const COMPLETE_PLAYERS: &str =
    "UPDATE run_players SET state = 'completed', result = $2 WHERE run_id = $1";

/// The steps of a completed run `$1` that never finished are incomplete.
pub(crate) const ABANDON_STEPS: &str = "UPDATE run_steps SET state = 'incomplete' \
    WHERE run_id = $1 AND state IN ('pending', 'running')";

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(attempts: i32, retries: i32, stop_requested: bool) -> Attempt {
        Attempt {
            attempts,
            retries,
            stop_requested,
        }
    }

    #[test]
    fn errors_timeouts_and_unasked_stops_are_retried_while_retries_are_left() {
        for outcome in [RunOutcome::Error, RunOutcome::Timeout, RunOutcome::Stopped] {
            assert_eq!(attempt(1, 2, false).verdict(outcome), Verdict::Retry);
            assert_eq!(attempt(2, 2, false).verdict(outcome), Verdict::Retry);
            assert_eq!(
                attempt(3, 2, false).verdict(outcome),
                Verdict::Complete(outcome),
                "three attempts are all two retries allow"
            );
            assert_eq!(
                attempt(1, 0, false).verdict(outcome),
                Verdict::Complete(outcome)
            );
        }
    }

    #[test]
    fn a_verdict_on_the_game_is_never_retried() {
        for outcome in [RunOutcome::Success, RunOutcome::Failed] {
            assert_eq!(
                attempt(1, 5, false).verdict(outcome),
                Verdict::Complete(outcome)
            );
        }
    }

    #[test]
    fn a_job_a_user_stopped_is_never_retried() {
        for outcome in [RunOutcome::Stopped, RunOutcome::Error, RunOutcome::Timeout] {
            assert_eq!(
                attempt(1, 5, true).verdict(outcome),
                Verdict::Complete(outcome)
            );
        }
    }

    #[test]
    fn a_lost_worker_is_an_error_unless_a_user_stopped_the_job() {
        let lost = attempt(1, 1, false);
        assert_eq!(lost.expired_outcome(), RunOutcome::Error);
        assert_eq!(lost.verdict(lost.expired_outcome()), Verdict::Retry);
        let last = attempt(2, 1, false);
        assert_eq!(
            last.verdict(last.expired_outcome()),
            Verdict::Complete(RunOutcome::Error)
        );
        let stopped = attempt(1, 1, true);
        assert_eq!(
            stopped.verdict(stopped.expired_outcome()),
            Verdict::Complete(RunOutcome::Stopped)
        );
    }

    #[test]
    fn the_note_of_an_ending_joins_the_servers_words_and_the_retrys() {
        let ending = Ending {
            outcome: RunOutcome::Error,
            artifacts: &[],
            reason: None,
            note: Some("lease expired"),
            at: Utc::now(),
        };
        assert_eq!(
            ending.note(Verdict::Retry, 1).as_deref(),
            Some("lease expired; attempt 1 ended with error; the job is queued again")
        );
        let completed = Verdict::Complete(RunOutcome::Error);
        assert_eq!(ending.note(completed, 1).as_deref(), Some("lease expired"));
        let plain = Ending {
            note: None,
            ..ending
        };
        assert_eq!(plain.note(completed, 1), None);
    }

    #[test]
    fn players_end_with_the_coarse_result_of_the_run() {
        assert_eq!(player_result(RunOutcome::Success), RunResult::Success);
        assert_eq!(player_result(RunOutcome::Failed), RunResult::Failure);
        for outcome in [RunOutcome::Error, RunOutcome::Timeout, RunOutcome::Stopped] {
            assert_eq!(player_result(outcome), RunResult::Error);
            assert_eq!(player_result(outcome), outcome.result());
        }
    }

    #[test]
    fn both_scopes_of_a_lease_apply() {
        assert_eq!(lease_scope(None, None), Scope::Any);
        assert_eq!(lease_scope(Some("a"), None), Scope::Project("a"));
        assert_eq!(lease_scope(None, Some("b")), Scope::Project("b"));
        assert_eq!(lease_scope(Some("a"), Some("a")), Scope::Project("a"));
        assert_eq!(lease_scope(Some("a"), Some("b")), Scope::Nothing);
    }

    #[test]
    fn an_absurd_lease_is_refused() {
        let now = Utc::now();
        assert!(lease_expiry(now, std::time::Duration::from_secs(30)).is_ok());
        assert!(lease_expiry(now, std::time::Duration::MAX).is_err());
    }
}
