//! What a worker reports, written in SQLite: the run started, steps, bugs
//! and log lines, in one write transaction with their events (see
//! [`crate::progress`]).

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use playtest_types::{JobStatus, RunState, StepReport};
use sqlx::SqliteConnection;

use super::events::append_events;
use super::finish::held_job;
use super::minimize::shorten;
use super::{SqliteStore, opt_ts, ts};
use crate::codec::{from_opt_text, to_json, to_text};
use crate::events::{StateChange, bug_event, log_event, step_event};
use crate::progress::{
    BUG_ID, CLEAN_UP, COUNT_BUGS, COUNT_COMPLETED_STEPS, INSERT_BUG, INSERT_OCCURRENCE, START_JOB,
    START_PLAYERS, START_RUN, STORED_STEP, StoredStep, WRITE_STEP, first_of_each_fingerprint,
    merge_step, occurrence,
};
use crate::rows::HeldJob;
use crate::{
    JobProgress, LeaseRef, NewBugOccurrence, NewRunEvent, ProgressStore, Result, StoreError,
};

#[async_trait]
impl ProgressStore for SqliteStore {
    async fn record_progress(
        &self,
        lease: &LeaseRef,
        progress: &JobProgress,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let job = held_job(&mut tx, lease).await?;
        let mut events = Vec::new();
        if progress.started {
            events.extend(start(&mut tx, &job, at).await?);
        }
        for report in &progress.steps {
            events.push(write_step(&mut tx, &job.run_id, report, at).await?);
        }
        if !progress.steps.is_empty() {
            sqlx::query(COUNT_COMPLETED_STEPS)
                .bind(&job.run_id)
                .execute(&mut *tx)
                .await?;
        }
        write_bugs(&mut tx, &job, &progress.bugs, &mut events).await?;
        for line in &progress.logs {
            events.push(log_event(line)?);
        }
        if progress.cleaning_up {
            events.extend(clean_up(&mut tx, &job, at).await?);
        }
        append_events(&mut tx, &job.run_id, &events).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// STARTING → RUNNING, the run and its players initializing → running;
/// the `state` event, unless the run had already started.
async fn start(
    conn: &mut SqliteConnection,
    job: &HeldJob,
    at: DateTime<Utc>,
) -> Result<Option<NewRunEvent>> {
    let mut status = job.status()?;
    let mut changed = false;
    if status == JobStatus::Starting {
        sqlx::query(START_JOB)
            .bind(&job.job_id)
            .bind(ts(at))
            .execute(&mut *conn)
            .await?;
        status = JobStatus::Running;
        changed = true;
    }
    let started = sqlx::query(START_RUN)
        .bind(&job.run_id)
        .bind(ts(at))
        .execute(&mut *conn)
        .await?;
    if started.rows_affected() > 0 {
        sqlx::query(START_PLAYERS)
            .bind(&job.run_id)
            .execute(&mut *conn)
            .await?;
        changed = true;
    }
    if !changed {
        return Ok(None);
    }
    Ok(Some(StateChange::new(status, RunState::Running).event(at)?))
}

/// RUNNING or STOPPING → CLEANING_UP; the `state` event, unless the job
/// was already cleaning up.
async fn clean_up(
    conn: &mut SqliteConnection,
    job: &HeldJob,
    at: DateTime<Utc>,
) -> Result<Option<NewRunEvent>> {
    let done = sqlx::query(CLEAN_UP)
        .bind(&job.job_id)
        .bind(ts(at))
        .execute(&mut *conn)
        .await?;
    if done.rows_affected() == 0 {
        return Ok(None);
    }
    Ok(Some(
        StateChange::new(JobStatus::CleaningUp, RunState::Running).event(at)?,
    ))
}

/// Merges a step report into its step; the `step` event.
async fn write_step(
    conn: &mut SqliteConnection,
    run_id: &str,
    report: &StepReport,
    at: DateTime<Utc>,
) -> Result<NewRunEvent> {
    type Row = (
        Option<String>,
        Option<String>,
        Option<DateTime<Utc>>,
        Option<DateTime<Utc>>,
    );
    let row: Option<Row> = sqlx::query_as(STORED_STEP)
        .bind(run_id)
        .bind(report.player_number)
        .bind(report.step_number)
        .fetch_optional(&mut *conn)
        .await?;
    let (result, text, start_time, end_time) = row.ok_or(StoreError::NotFound("step"))?;
    let stored = StoredStep {
        result: from_opt_text(result.as_deref())?,
        report: text,
        start_time,
        end_time,
    };
    let merged = merge_step(stored, report, at);
    let step = &merged.step;
    sqlx::query(WRITE_STEP)
        .bind(run_id)
        .bind(step.player_number)
        .bind(step.step_number)
        .bind(to_text(&step.state)?)
        .bind(step.result.as_ref().map(to_text).transpose()?)
        .bind(&step.report)
        .bind(opt_ts(step.start_time))
        .bind(opt_ts(step.end_time))
        .bind(merged.duration_ms)
        .execute(&mut *conn)
        .await?;
    step_event(step, at)
}

/// Creates the bugs of new fingerprints, stores the occurrences (each id
/// once: a report sent again adds nothing) and counts them on the run.
async fn write_bugs(
    conn: &mut SqliteConnection,
    job: &HeldJob,
    bugs: &[NewBugOccurrence],
    events: &mut Vec<NewRunEvent>,
) -> Result<()> {
    if bugs.is_empty() {
        return Ok(());
    }
    let mut bug_ids: HashMap<&str, String> = HashMap::new();
    for first in first_of_each_fingerprint(bugs) {
        sqlx::query(INSERT_BUG)
            .bind(&first.new_bug_id)
            .bind(&job.project_id)
            .bind(&first.fingerprint)
            .bind(&first.title)
            .bind(to_text(&first.category)?)
            .bind(to_text(&first.severity)?)
            .bind(ts(first.detected_at))
            .execute(&mut *conn)
            .await?;
        let bug_id: String = sqlx::query_scalar(BUG_ID)
            .bind(&job.project_id)
            .bind(&first.fingerprint)
            .fetch_one(&mut *conn)
            .await?;
        bug_ids.insert(&first.fingerprint, bug_id);
    }

    let mut found = 0i64;
    for bug in bugs {
        let shown = occurrence(bug, &bug_ids[bug.fingerprint.as_str()]);
        let done = sqlx::query(INSERT_OCCURRENCE)
            .bind(&shown.id)
            .bind(&shown.bug_id)
            .bind(&job.run_id)
            .bind(&job.project_id)
            .bind(&shown.title)
            .bind(&shown.description)
            .bind(to_text(&shown.category)?)
            .bind(to_text(&shown.severity)?)
            .bind(to_text(&shown.confidence)?)
            .bind(&shown.reproduction_steps)
            .bind(shown.player_number)
            .bind(shown.test_step)
            .bind(shown.turn)
            .bind(ts(shown.detected_at))
            .bind(to_json(&shown.details)?)
            .bind(bug.trace.as_ref().map(to_json).transpose()?)
            .execute(&mut *conn)
            .await?;
        if done.rows_affected() > 0 {
            found += 1;
            events.push(bug_event(&shown, shown.detected_at)?);
            if let Some(target) = &bug.minimizes {
                shorten(conn, job, target, bug).await?;
            }
        }
    }
    if found > 0 {
        sqlx::query(COUNT_BUGS)
            .bind(&job.run_id)
            .bind(found)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
