//! Writing a batch of jobs and runs in PostgreSQL: one transaction, one
//! statement per table whatever the batch size, each inserting rows from
//! arrays with `UNNEST` (a round trip per row would dominate otherwise).

use async_trait::async_trait;
use serde_json::Value;
use sqlx::types::Json;
use tracing::instrument;

use super::PostgresStore;
use super::listener::notify_jobs;
use crate::codec::{count_i32, device_of, to_json};
use crate::sql_error::on_write;
use crate::{NewRunBatch, Result, RunBatchStore};

fn conflict() -> String {
    "a job or run with this id already exists".to_string()
}

/// The batch as one array per column.
#[derive(Default)]
struct Columns {
    job_id: Vec<String>,
    run_id: Vec<String>,
    test_id: Vec<String>,
    test_name: Vec<String>,
    test_type: Vec<String>,
    test_spec: Vec<Json<Value>>,
    deployment_config_id: Vec<String>,
    platform: Vec<String>,
    build_id: Vec<Option<String>>,
    tags: Vec<Json<Value>>,
    initiator: Vec<Json<Value>>,
    options: Vec<Json<Value>>,
    templating_enabled: Vec<bool>,
    template_data: Vec<Json<Value>>,
    retries: Vec<i32>,
    tag_run_id: Vec<String>,
    tag: Vec<String>,
    player_id: Vec<String>,
    player_run_id: Vec<String>,
    player_number: Vec<i32>,
    player_test_name: Vec<String>,
    player_step_count: Vec<i32>,
    player_platform: Vec<String>,
    player_device: Vec<String>,
    step_run_id: Vec<String>,
    step_player_number: Vec<i32>,
    step_number: Vec<i32>,
    step_goal: Vec<String>,
    step_finish_condition: Vec<String>,
}

impl Columns {
    fn of(batch: &NewRunBatch) -> Result<Self> {
        let mut c = Columns::default();
        for run in &batch.runs {
            c.job_id.push(run.job_id.clone());
            c.run_id.push(run.run_id.clone());
            c.test_id.push(run.test_id.clone());
            c.test_name.push(run.test_name.clone());
            c.test_type
                .push(run.test_spec.test_type.as_str().to_string());
            c.test_spec.push(to_json(&run.test_spec)?);
            c.deployment_config_id
                .push(run.deployment_config_id.clone());
            c.platform.push(run.platform.as_str().to_string());
            c.build_id.push(run.build_id.clone());
            c.tags.push(to_json(&run.tags)?);
            c.initiator.push(to_json(&run.initiator)?);
            c.options.push(to_json(&run.options)?);
            c.templating_enabled.push(run.templating_enabled);
            c.template_data.push(to_json(&run.template_data)?);
            c.retries.push(run.retries);
            for (i, tag) in run.tags.iter().enumerate() {
                if !run.tags[..i].contains(tag) {
                    c.tag_run_id.push(run.run_id.clone());
                    c.tag.push(tag.clone());
                }
            }
            for player in &run.players {
                c.player_id.push(player.id.clone());
                c.player_run_id.push(run.run_id.clone());
                c.player_number.push(player.player_number);
                c.player_test_name.push(player.test_name.clone());
                c.player_step_count
                    .push(count_i32(player.steps.len(), "steps")?);
                c.player_platform.push(run.platform.as_str().to_string());
                c.player_device.push(device_of(run.platform).to_string());
                for (number, step) in player.steps.iter().enumerate() {
                    c.step_run_id.push(run.run_id.clone());
                    c.step_player_number.push(player.player_number);
                    c.step_number.push(count_i32(number + 1, "steps")?);
                    c.step_goal.push(step.goal.clone());
                    c.step_finish_condition.push(step.finish_condition.clone());
                }
            }
        }
        Ok(c)
    }
}

#[async_trait]
impl RunBatchStore for PostgresStore {
    #[instrument(skip_all, fields(project_id = %batch.project_id, runs = batch.runs.len()))]
    async fn create_runs(&self, batch: &NewRunBatch) -> Result<()> {
        let c = Columns::of(batch)?;
        let mut tx = self.pool.begin().await?;
        if let Some(execution) = &batch.plan_execution {
            sqlx::query(
                "INSERT INTO test_plan_executions (id, project_id, test_plan_id, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(&execution.id)
            .bind(&batch.project_id)
            .bind(&execution.test_plan_id)
            .bind(batch.created_at)
            .execute(&mut *tx)
            .await
            .map_err(|err| on_write(err, || "a test plan execution with this id already exists".into(), "project"))?;
        }
        if batch.runs.is_empty() {
            tx.commit().await?;
            return Ok(());
        }

        // In the batch's order, which is the queue's (`seq`).
        sqlx::query(
            "INSERT INTO jobs (id, project_id, status, retries, platform, test_type, created_at, updated_at) \
             SELECT id, $1, 'QUEUED', retries, platform, test_type, $2, $2 \
             FROM UNNEST($3::text[], $4::int4[], $5::text[], $6::text[]) \
             WITH ORDINALITY AS t(id, retries, platform, test_type, n) ORDER BY n",
        )
        .bind(&batch.project_id)
        .bind(batch.created_at)
        .bind(&c.job_id)
        .bind(&c.retries)
        .bind(&c.platform)
        .bind(&c.test_type)
        .execute(&mut *tx)
        .await
        .map_err(|err| on_write(err, conflict, "project"))?;

        sqlx::query(
            "INSERT INTO runs (id, job_id, project_id, test_id, test_name, test_type, test_spec, deployment_config_id, \
             platform, build_id, state, tags, initiator, options, templating_enabled, template_data, retries, \
             test_plan_execution_id, created_at) \
             SELECT id, job_id, $1, test_id, test_name, test_type, test_spec, deployment_config_id, platform, build_id, \
             'initializing', tags, initiator, options, templating_enabled, template_data, retries, $2, $3 \
             FROM UNNEST($4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::jsonb[], $10::text[], \
             $11::text[], $12::text[], $13::jsonb[], $14::jsonb[], $15::jsonb[], $16::bool[], $17::jsonb[], $18::int4[]) \
             WITH ORDINALITY AS t(id, job_id, test_id, test_name, test_type, test_spec, deployment_config_id, platform, \
             build_id, tags, initiator, options, templating_enabled, template_data, retries, n) ORDER BY n",
        )
        .bind(&batch.project_id)
        .bind(batch.plan_execution.as_ref().map(|e| e.id.as_str()))
        .bind(batch.created_at)
        .bind(&c.run_id)
        .bind(&c.job_id)
        .bind(&c.test_id)
        .bind(&c.test_name)
        .bind(&c.test_type)
        .bind(&c.test_spec)
        .bind(&c.deployment_config_id)
        .bind(&c.platform)
        .bind(&c.build_id)
        .bind(&c.tags)
        .bind(&c.initiator)
        .bind(&c.options)
        .bind(&c.templating_enabled)
        .bind(&c.template_data)
        .bind(&c.retries)
        .execute(&mut *tx)
        .await
        .map_err(|err| on_write(err, conflict, "project"))?;

        // What replay runs replay: rare, and one per batch at most.
        for run in &batch.runs {
            let Some(replay) = &run.replay else { continue };
            sqlx::query(
                "INSERT INTO run_replays (run_id, occurrence_id, fingerprint, trace, minimize) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&run.run_id)
            .bind(&replay.occurrence_id)
            .bind(&replay.fingerprint)
            .bind(to_json(&replay.trace)?)
            .bind(replay.minimize)
            .execute(&mut *tx)
            .await?;
        }

        if !c.tag.is_empty() {
            sqlx::query(
                "INSERT INTO run_tags (run_id, tag) SELECT * FROM UNNEST($1::text[], $2::text[])",
            )
            .bind(&c.tag_run_id)
            .bind(&c.tag)
            .execute(&mut *tx)
            .await?;
        }

        sqlx::query(
            "INSERT INTO run_players (id, run_id, player_number, test_name, state, step_count, platform_kind, device) \
             SELECT id, run_id, player_number, test_name, 'initializing', step_count, platform_kind, device \
             FROM UNNEST($1::text[], $2::text[], $3::int4[], $4::text[], $5::int4[], $6::text[], $7::text[]) \
             AS t(id, run_id, player_number, test_name, step_count, platform_kind, device)",
        )
        .bind(&c.player_id)
        .bind(&c.player_run_id)
        .bind(&c.player_number)
        .bind(&c.player_test_name)
        .bind(&c.player_step_count)
        .bind(&c.player_platform)
        .bind(&c.player_device)
        .execute(&mut *tx)
        .await
        .map_err(|err| on_write(err, || "a player with this id or number already exists".into(), "run"))?;

        if !c.step_goal.is_empty() {
            sqlx::query(
                "INSERT INTO run_steps (run_id, player_number, step_number, goal, finish_condition, state) \
                 SELECT run_id, player_number, step_number, goal, finish_condition, 'pending' \
                 FROM UNNEST($1::text[], $2::int4[], $3::int4[], $4::text[], $5::text[]) \
                 AS t(run_id, player_number, step_number, goal, finish_condition)",
            )
            .bind(&c.step_run_id)
            .bind(&c.step_player_number)
            .bind(&c.step_number)
            .bind(&c.step_goal)
            .bind(&c.step_finish_condition)
            .execute(&mut *tx)
            .await?;
        }
        // Workers waiting for jobs, on every replica, wake when this commits.
        notify_jobs(&mut tx).await?;
        // Dropping the transaction on an error above rolls everything back.
        tx.commit().await?;
        self.jobs.wake_local();
        Ok(())
    }
}
