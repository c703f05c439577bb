//! Run events in SQLite. Events are numbered
//! after the run's last one in the write transaction that appends them;
//! SQLite's one writer is what keeps two appends from taking one number.

use async_trait::async_trait;
use sqlx::SqliteConnection;

use super::{SqliteStore, ts};
use crate::codec::{to_json, to_text};
use crate::rows::{EventRow, RUN_EVENTS};
use crate::{EventStore, NewRunEvent, Result, RunEventRecord, StoreError};

/// Appends `events` to a run's log, numbered after its last one.
pub(super) async fn append_events(
    conn: &mut SqliteConnection,
    run_id: &str,
    events: &[NewRunEvent],
) -> Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    let last: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM run_events WHERE run_id = $1")
            .bind(run_id)
            .fetch_one(&mut *conn)
            .await?;
    for (seq, event) in (last + 1..).zip(events) {
        sqlx::query(
            "INSERT INTO run_events (run_id, seq, kind, data, at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(run_id)
        .bind(seq)
        .bind(to_text(&event.kind)?)
        .bind(to_json(&event.data)?)
        .bind(ts(event.at))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

#[async_trait]
impl EventStore for SqliteStore {
    async fn append_run_events(&self, run_id: &str, events: &[NewRunEvent]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM runs WHERE id = $1)")
            .bind(run_id)
            .fetch_one(&mut *tx)
            .await?;
        if !exists {
            return Err(StoreError::NotFound("run"));
        }
        append_events(&mut tx, run_id, events).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn run_events(
        &self,
        project_id: &str,
        run_id: &str,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<RunEventRecord>> {
        let mut tx = self.reader.begin().await?;
        // The run is looked up only when there is nothing to return: a client
        // following a live run asks often, and mostly gets events.
        let rows: Vec<EventRow> = sqlx::query_as(RUN_EVENTS.as_str())
            .bind(run_id)
            .bind(after_seq)
            .bind(project_id)
            .bind(limit.max(0))
            .fetch_all(&mut *tx)
            .await?;
        if rows.is_empty() {
            let exists: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM runs WHERE id = $1 AND project_id = $2)",
            )
            .bind(run_id)
            .bind(project_id)
            .fetch_one(&mut *tx)
            .await?;
            if !exists {
                return Err(StoreError::NotFound("run"));
            }
        }
        tx.commit().await?;
        rows.into_iter().map(EventRow::into_event).collect()
    }
}
