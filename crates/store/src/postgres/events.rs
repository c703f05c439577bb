//! Run events in PostgreSQL. Events are numbered
//! after the run's last one in the transaction that appends them, which
//! first locks the row of the run's job (every change to a job and its run
//! does): two appends to one run never read the same last number.

use async_trait::async_trait;
use sqlx::PgConnection;
use sqlx::types::Json;

use super::PostgresStore;
use crate::codec::to_text;
use crate::rows::{EventRow, RUN_EVENTS};
use crate::{EventStore, NewRunEvent, Result, RunEventRecord, StoreError};

/// Appends `events` to a run's log, numbered after its last one, in one
/// statement. The caller holds the lock of the run's job.
pub(super) async fn append_events(
    conn: &mut PgConnection,
    run_id: &str,
    events: &[NewRunEvent],
) -> Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    let kinds = events
        .iter()
        .map(|e| to_text(&e.kind))
        .collect::<Result<Vec<_>>>()?;
    let data: Vec<Json<&serde_json::Value>> = events.iter().map(|e| Json(&e.data)).collect();
    let at: Vec<_> = events.iter().map(|e| e.at).collect();
    sqlx::query(
        "INSERT INTO run_events (run_id, seq, kind, data, at) \
         SELECT $1, last.seq + e.n, e.kind, e.data, e.at \
         FROM (SELECT COALESCE(MAX(seq), 0) AS seq FROM run_events WHERE run_id = $1) last, \
         UNNEST($2::text[], $3::jsonb[], $4::timestamptz[]) WITH ORDINALITY AS e(kind, data, at, n)",
    )
    .bind(run_id)
    .bind(&kinds)
    .bind(&data)
    .bind(&at)
    .execute(conn)
    .await?;
    Ok(())
}

#[async_trait]
impl EventStore for PostgresStore {
    async fn append_run_events(&self, run_id: &str, events: &[NewRunEvent]) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let job: Option<String> = sqlx::query_scalar(
            "SELECT j.id FROM runs r JOIN jobs j ON j.id = r.job_id WHERE r.id = $1 \
             FOR NO KEY UPDATE OF j",
        )
        .bind(run_id)
        .fetch_optional(&mut *tx)
        .await?;
        if job.is_none() {
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
        // The run is looked up only when there is nothing to return: a client
        // following a live run asks often, and mostly gets events.
        let rows: Vec<EventRow> = sqlx::query_as(RUN_EVENTS.as_str())
            .bind(run_id)
            .bind(after_seq)
            .bind(project_id)
            .bind(limit.max(0))
            .fetch_all(&self.pool)
            .await?;
        if rows.is_empty() {
            let exists: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM runs WHERE id = $1 AND project_id = $2)",
            )
            .bind(run_id)
            .bind(project_id)
            .fetch_one(&self.pool)
            .await?;
            if !exists {
                return Err(StoreError::NotFound("run"));
            }
        }
        rows.into_iter().map(EventRow::into_event).collect()
    }
}
