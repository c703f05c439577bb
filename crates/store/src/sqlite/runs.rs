//! Writing a batch of jobs and runs in SQLite: one transaction, one
//! statement per row. The statements are prepared once per connection and
//! reused, and SQLite runs in-process, so a row costs microseconds.

use async_trait::async_trait;
use sqlx::{Sqlite, Transaction};
use tracing::instrument;

use super::{SqliteStore, ts};
use crate::codec::{count_i32, device_of, to_json};
use crate::sql_error::on_write;
use crate::{NewRun, NewRunBatch, Result, RunBatchStore};

fn conflict() -> String {
    "a job or run with this id already exists".to_string()
}

#[async_trait]
impl RunBatchStore for SqliteStore {
    #[instrument(skip_all, fields(project_id = %batch.project_id, runs = batch.runs.len()))]
    async fn create_runs(&self, batch: &NewRunBatch) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let at = ts(batch.created_at);
        if let Some(execution) = &batch.plan_execution {
            sqlx::query(
                "INSERT INTO test_plan_executions (id, project_id, test_plan_id, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(&execution.id)
            .bind(&batch.project_id)
            .bind(&execution.test_plan_id)
            .bind(&at)
            .execute(&mut *tx)
            .await
            .map_err(|err| on_write(err, || "a test plan execution with this id already exists".into(), "project"))?;
        }
        let execution_id = batch.plan_execution.as_ref().map(|e| e.id.as_str());
        for run in &batch.runs {
            insert_run(&mut tx, &batch.project_id, execution_id, &at, run).await?;
        }
        // Dropping the transaction on an error above rolls everything back.
        tx.commit().await?;
        if !batch.runs.is_empty() {
            self.jobs_queued.notify_waiters();
        }
        Ok(())
    }
}

async fn insert_run(
    tx: &mut Transaction<'static, Sqlite>,
    project_id: &str,
    execution_id: Option<&str>,
    at: &str,
    run: &NewRun,
) -> Result<()> {
    // The queue's order: one more than the last job's (under the write lock).
    sqlx::query(
        "INSERT INTO jobs (id, project_id, status, retries, platform, test_type, seq, created_at, updated_at) \
         VALUES ($1, $2, 'QUEUED', $3, $4, $5, (SELECT COALESCE(MAX(seq), 0) + 1 FROM jobs), $6, $6)",
    )
    .bind(&run.job_id)
    .bind(project_id)
    .bind(run.retries)
    .bind(run.platform.as_str())
    .bind(run.test_spec.test_type.as_str())
    .bind(at)
    .execute(&mut **tx)
    .await
    .map_err(|err| on_write(err, conflict, "project"))?;

    sqlx::query(
        "INSERT INTO runs (id, job_id, project_id, test_id, test_name, test_type, test_spec, \
         deployment_config_id, platform, build_id, state, tags, initiator, options, templating_enabled, \
         template_data, retries, test_plan_execution_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'initializing', $11, $12, $13, $14, $15, $16, $17, $18)",
    )
    .bind(&run.run_id)
    .bind(&run.job_id)
    .bind(project_id)
    .bind(&run.test_id)
    .bind(&run.test_name)
    .bind(run.test_spec.test_type.as_str())
    .bind(to_json(&run.test_spec)?)
    .bind(&run.deployment_config_id)
    .bind(run.platform.as_str())
    .bind(&run.build_id)
    .bind(to_json(&run.tags)?)
    .bind(to_json(&run.initiator)?)
    .bind(to_json(&run.options)?)
    .bind(run.templating_enabled)
    .bind(to_json(&run.template_data)?)
    .bind(run.retries)
    .bind(execution_id)
    .bind(at)
    .execute(&mut **tx)
    .await
    .map_err(|err| on_write(err, conflict, "project"))?;

    if let Some(replay) = &run.replay {
        sqlx::query(
            "INSERT INTO run_replays (run_id, occurrence_id, fingerprint, trace, minimize) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&run.run_id)
        .bind(&replay.occurrence_id)
        .bind(&replay.fingerprint)
        .bind(to_json(&replay.trace)?)
        .bind(replay.minimize)
        .execute(&mut **tx)
        .await?;
    }

    for tag in &run.tags {
        sqlx::query("INSERT INTO run_tags (run_id, tag) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(&run.run_id)
            .bind(tag)
            .execute(&mut **tx)
            .await?;
    }

    for player in &run.players {
        sqlx::query(
            "INSERT INTO run_players (id, run_id, player_number, test_name, state, step_count, platform_kind, device) \
             VALUES ($1, $2, $3, $4, 'initializing', $5, $6, $7)",
        )
        .bind(&player.id)
        .bind(&run.run_id)
        .bind(player.player_number)
        .bind(&player.test_name)
        .bind(count_i32(player.steps.len(), "steps")?)
        .bind(run.platform.as_str())
        .bind(device_of(run.platform))
        .execute(&mut **tx)
        .await
        .map_err(|err| on_write(err, || "a player with this id or number already exists".into(), "run"))?;

        for (number, step) in player.steps.iter().enumerate() {
            sqlx::query(
                "INSERT INTO run_steps (run_id, player_number, step_number, goal, finish_condition, state) \
                 VALUES ($1, $2, $3, $4, $5, 'pending')",
            )
            .bind(&run.run_id)
            .bind(player.player_number)
            .bind(count_i32(number + 1, "steps")?)
            .bind(&step.goal)
            .bind(&step.finish_condition)
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}
